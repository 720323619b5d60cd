import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parsePlist, type PlistDict } from '../plist/index.js';
import {
  buildInfoPlist,
  buildManifestPlist,
  buildStatusPlist,
  createBackupKeybag,
  encryptManifestDbFile,
  ManifestDbWriter,
  readEncryptedManifestDb,
  readInfo,
  readManifest,
  readStatus,
  type DeviceIdentity,
} from './index.js';
import { FAST_KEYBAG, tempDir, TEST_DEVICE } from './test-helpers.js';

const DATE = new Date('2024-05-01T10:00:00Z');

describe('plist builders', () => {
  it('Info.plist: XML with the libimobiledevice key set, UDID forms and no empty optionals', () => {
    const bytes = buildInfoPlist({ device: TEST_DEVICE, lastBackupDate: DATE, applications: { 'com.example.app': { itunesMetadata: Buffer.from('bplist00') } } });
    assert.match(bytes.subarray(0, 40).toString('utf8'), /^<\?xml/);
    const dict = parsePlist(bytes) as PlistDict;
    assert.deepEqual(Object.keys(dict), [
      'Applications',
      'Build Version',
      'Device Name',
      'Display Name',
      'GUID',
      'IMEI',
      'Installed Applications',
      'Last Backup Date',
      'Product Type',
      'Product Version',
      'Serial Number',
      'Target Identifier',
      'Target Type',
      'Unique Identifier',
      'iTunes Files',
      'iTunes Settings',
      'iTunes Version',
    ]);
    assert.match(dict['GUID'] as string, /^[0-9A-F]{32}$/);
    const info = readInfo(dict);
    assert.equal(info.targetIdentifier, '00008101-0010541A1130001E');
    assert.deepEqual(info.installedApplications, ['com.example.app']);
    assert.equal(info.lastBackupDate?.getTime(), DATE.getTime());
    const old: DeviceIdentity = { ...TEST_DEVICE, udid: '1CB128EAFA77C5BE74283E9A3A2130AF36A3C059' };
    const oldInfo = readInfo(parsePlist(buildInfoPlist({ device: old, lastBackupDate: DATE })) as PlistDict);
    assert.equal(oldInfo.targetIdentifier, '1cb128eafa77c5be74283e9a3a2130af36a3c059');
    assert.equal(oldInfo.udid, '1CB128EAFA77C5BE74283E9A3A2130AF36A3C059');
  });

  it('Status.plist: binary, finished, version 3.3, upper-case UUID', () => {
    const bytes = buildStatusPlist({ date: DATE, isFullBackup: false });
    assert.equal(bytes.subarray(0, 8).toString('latin1'), 'bplist00');
    const status = readStatus(parsePlist(bytes) as PlistDict);
    assert.equal(status.snapshotState, 'finished');
    assert.equal(status.backupState, 'new');
    assert.equal(status.version, '3.3');
    assert.equal(status.isFullBackup, false);
    assert.match(status.uuid ?? '', /^[0-9A-F-]{36}$/);
  });

  it('Manifest.plist: binary, IsEncrypted follows ManifestKey, Lockdown and Applications shaped as iOS', async () => {
    const { bytes: keybag } = await createBackupKeybag('pw', FAST_KEYBAG);
    const manifestKey = Buffer.alloc(44, 1);
    const bytes = buildManifestPlist({ device: TEST_DEVICE, date: DATE, keybag, manifestKey, applications: { 'com.b': { bundleVersion: '2', path: '/b' }, 'com.a': { bundleVersion: '1', path: '/a' } } });
    assert.equal(bytes.subarray(0, 8).toString('latin1'), 'bplist00');
    const dict = parsePlist(bytes) as PlistDict;
    assert.deepEqual(Object.keys(dict), ['Applications', 'BackupKeyBag', 'Date', 'IsEncrypted', 'Lockdown', 'ManifestKey', 'SystemDomainsVersion', 'Version', 'WasPasscodeSet']);
    const lockdown = dict['Lockdown'] as PlistDict;
    for (const key of ['BuildVersion', 'DeviceName', 'ProductType', 'ProductVersion', 'SerialNumber', 'UniqueDeviceID', 'com.apple.Accessibility', 'com.apple.mobile.data_sync']) assert.ok(key in lockdown, key);
    const manifest = readManifest(dict);
    assert.equal(manifest.isEncrypted, true);
    assert.equal(manifest.version, '10.0');
    assert.deepEqual(manifest.backupKeyBag, keybag);
    assert.deepEqual(manifest.manifestKey, manifestKey);
    assert.deepEqual([...manifest.applications.keys()], ['com.a', 'com.b']);
    assert.equal(manifest.applications.get('com.a')?.containerContentClass, 'Data/Application');
    assert.equal(manifest.lockdown.udid, TEST_DEVICE.udid);
    const plain = readManifest(parsePlist(buildManifestPlist({ device: TEST_DEVICE, date: DATE, keybag })) as PlistDict);
    assert.equal(plain.isEncrypted, false);
    assert.equal(plain.manifestKey, undefined);
  });

  it('readers reject present-but-mistyped keys, naming the file', () => {
    assert.throws(() => readStatus({ SnapshotState: 3 }), /Status.plist: SnapshotState is not a string/);
    assert.throws(() => readManifest({ IsEncrypted: 'yes' }), /Manifest.plist: IsEncrypted is not a boolean/);
    assert.throws(() => readManifest({ Lockdown: { DeviceName: [] } }), /Lockdown: DeviceName/);
    assert.throws(() => readInfo({ 'Installed Applications': [1] }), /Installed Applications\[0\]/);
  });
});

describe('encryptManifestDbFile', () => {
  it('streams a Manifest.db into its encrypted form with a class-4 ManifestKey', async (t) => {
    const dir = tempDir(t);
    const writer = ManifestDbWriter.create(join(dir, 'plain.db'));
    for (let i = 0; i < 500; i++) writer.add({ domain: 'HomeDomain', relativePath: `f${i}`, file: { relativePath: `f${i}`, mode: 0o100644, size: i } });
    writer.finish();
    const { classKeys } = await createBackupKeybag('pw', FAST_KEYBAG);
    const { manifestKey } = await encryptManifestDbFile(join(dir, 'plain.db'), join(dir, 'Manifest.db'), classKeys);
    assert.equal(manifestKey.readUInt32LE(0), 4);
    const plain = readFileSync(join(dir, 'plain.db'));
    assert.equal(readFileSync(join(dir, 'Manifest.db')).length, plain.length + 16);
    assert.deepEqual(await readEncryptedManifestDb(join(dir, 'Manifest.db'), manifestKey, classKeys), plain);
    writeFileSync(join(dir, 'taken'), '');
    await assert.rejects(encryptManifestDbFile(join(dir, 'plain.db'), join(dir, 'taken'), classKeys), /EEXIST/);
  });
});
