import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { describe, it, type TestContext } from 'node:test';
import { encodeBinaryPlist, parsePlist, type PlistDict } from '../plist/index.js';
import { BackupFolderWriter, encodeMbFile, fileIdOf, openBackup, parseKeybag, type Backup } from './index.js';
import { expectFormatError, FAST_KEYBAG, patternBytes, snapshotTree, tempDir, TEST_DEVICE } from './test-helpers.js';

const DATE = new Date('2024-05-01T10:00:00Z');

/** domain → relativePath → content: a handful of files in three domains, sizes around block edges. */
const CONTENT: readonly [string, string, Buffer][] = [
  ['HomeDomain', 'Library/SMS/sms.db', patternBytes(28672, 1)],
  ['HomeDomain', 'Library/Preferences/com.apple.springboard.plist', Buffer.from('<plist/>')],
  ['HomeDomain', 'Library/empty.txt', Buffer.alloc(0)],
  ['MediaDomain', 'Media/DCIM/100APPLE/IMG_0001.HEIC', patternBytes(300_017, 2)],
  ['MediaDomain', 'Media/DCIM/100APPLE/IMG_0002.HEIC', patternBytes(16, 3)],
  ['AppDomain-com.example.notes', 'Documents/note 1 (copy)_%.txt', Buffer.from('naïve café ✓')],
];

async function makeBackup(t: TestContext, password?: string): Promise<{ dir: string; writer: BackupFolderWriter }> {
  const dir = join(tempDir(t), 'backup');
  const writer = await BackupFolderWriter.create(dir, { device: TEST_DEVICE, password, keybag: FAST_KEYBAG, date: DATE, manifest: { applications: { 'com.example.notes': { bundleVersion: '3.1', path: '/private/var/containers/Bundle/Application/X/Notes.app' } } } });
  for (const [domain, path, data] of CONTENT) await writer.addFile(domain, path, data, { protectionClass: path.endsWith('HEIC') ? 4 : 3 });
  writer.addSymlink('DatabaseDomain', 'timezone/localtime', '/var/db/timezone/zoneinfo/Europe/London');
  await writer.finish();
  return { dir, writer };
}

async function checkEveryFile(backup: Backup): Promise<void> {
  let files = 0;
  for (const entry of backup.files({ flags: 1 })) {
    const expected = CONTENT.find(([d, p]) => d === entry.domain && p === entry.relativePath)?.[2];
    assert.ok(expected, `${entry.domain}/${entry.relativePath}`);
    assert.equal(entry.mbFile.size, expected.length);
    assert.deepEqual(await buffer(await backup.openFile(entry)), expected, entry.relativePath);
    files++;
  }
  assert.equal(files, CONTENT.length);
}

describe('backup folder', () => {
  it('writes an encrypted backup that reads back file for file, leaving the folder untouched', async (t) => {
    const { dir } = await makeBackup(t, 'backup password');
    assert.notEqual(readFileSync(join(dir, 'Manifest.db')).subarray(0, 6).toString('latin1'), 'SQLite');
    const before = snapshotTree(dir);
    const scratch = tempDir(t, 'scratch');
    const backup = await openBackup(dir, { password: 'backup password', tempDir: scratch });
    assert.equal(backup.encrypted, true);
    assert.deepEqual(backup.warnings, []);
    assert.equal(backup.info.deviceName, TEST_DEVICE.deviceName);
    assert.equal(backup.info.udid, TEST_DEVICE.udid);
    assert.equal(backup.info.targetIdentifier, TEST_DEVICE.udid);
    assert.equal(backup.info.lastBackupDate?.getTime(), DATE.getTime());
    assert.equal(backup.status.snapshotState, 'finished');
    assert.equal(backup.status.version, '3.3');
    assert.equal(backup.status.isFullBackup, true);
    assert.equal(backup.manifest.isEncrypted, true);
    assert.equal(backup.manifest.version, '10.0');
    assert.equal(backup.manifest.lockdown.productVersion, TEST_DEVICE.productVersion);
    assert.equal(backup.manifest.applications.get('com.example.notes')?.bundleVersion, '3.1');
    assert.equal(backup.manifest.manifestKey?.readUInt32LE(0), 4);
    await checkEveryFile(backup);
    // 6 files + 1 symlink + implicit directories (each domain root included).
    assert.equal(backup.count({ flags: 4 }), 1);
    assert.equal(backup.get('DatabaseDomain', 'timezone/localtime')?.mbFile.target, '/var/db/timezone/zoneinfo/Europe/London');
    for (const domain of ['HomeDomain', 'MediaDomain', 'AppDomain-com.example.notes', 'DatabaseDomain']) assert.equal(backup.get(domain, '')?.kind, 'directory', domain);
    assert.equal(backup.count({ domain: 'MediaDomain', pathPrefix: 'Media/DCIM/' }), 3);
    const derivedKey = backup.derivedKey;
    backup.close();
    assert.ok(derivedKey);
    const again = await openBackup(dir, { derivedKey });
    await checkEveryFile(again);
    again.close();
    assert.deepEqual(snapshotTree(dir), before);
    assert.deepEqual(readdirSync(scratch), []);
  });

  it('writes and reads an unencrypted backup read-only, even with a Manifest.db-wal present', async (t) => {
    const { dir } = await makeBackup(t);
    const backup0 = await openBackup(dir);
    assert.equal(backup0.encrypted, false);
    assert.ok(backup0.manifest.backupKeyBag, 'unencrypted backups carry a keybag too');
    // Shaped like the real device bag in test/fixtures/format: classes 1→11, WRAP 2 then 3, no DPSL/DPIC.
    const bag = parseKeybag(backup0.manifest.backupKeyBag);
    assert.deepEqual(bag.classes.map((c) => c.wrap), [2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3]);
    assert.equal(bag.dpSalt, undefined);
    backup0.close();
    // A stale, empty -wal next to the database must not be touched either.
    writeFileSync(join(dir, 'Manifest.db-wal'), Buffer.alloc(0));
    const before = snapshotTree(dir);
    const backup = await openBackup(dir);
    await checkEveryFile(backup);
    backup.close();
    assert.deepEqual(snapshotTree(dir), before);
  });

  it('fails on a wrong password before writing anything anywhere', async (t) => {
    const { dir } = await makeBackup(t, 'right');
    const before = snapshotTree(dir);
    const scratch = tempDir(t, 'scratch');
    await expectFormatError(() => openBackup(dir, { password: 'wrong', tempDir: scratch }), 'FORMAT_WRONG_PASSWORD');
    await expectFormatError(() => openBackup(dir, { derivedKey: Buffer.alloc(32), tempDir: scratch }), 'FORMAT_WRONG_PASSWORD');
    await expectFormatError(() => openBackup(dir, { tempDir: scratch }), 'FORMAT_PASSWORD_REQUIRED');
    assert.deepEqual(snapshotTree(dir), before);
    assert.deepEqual(readdirSync(scratch), []);
  });

  it('names what is missing, and recognises legacy mbdb backups', async (t) => {
    const root = tempDir(t);
    await expectFormatError(() => openBackup(join(root, 'nope')), 'FORMAT_NOT_A_BACKUP', /not a directory/);
    const legacy = join(root, 'legacy');
    mkdirSync(legacy);
    writeFileSync(join(legacy, 'Manifest.mbdb'), Buffer.from('mbdb\x05\x00', 'latin1'));
    await expectFormatError(() => openBackup(legacy), 'FORMAT_LEGACY_MBDB', /iOS 9 or older/);
    await expectFormatError(() => openBackup(root), 'FORMAT_NOT_A_BACKUP', /no Manifest.db/);
    const { dir } = await makeBackup(t);
    for (const name of ['Info.plist', 'Status.plist', 'Manifest.plist']) {
      const saved = readFileSync(join(dir, name));
      rmSync(join(dir, name));
      const error = await expectFormatError(() => openBackup(dir), 'FORMAT_NOT_A_BACKUP', new RegExp(name));
      assert.equal(error.file, name);
      writeFileSync(join(dir, name), 'not a plist');
      await expectFormatError(() => openBackup(dir), 'FORMAT_CORRUPT', new RegExp(name));
      writeFileSync(join(dir, name), saved);
    }
  });

  it('never builds a path from a hostile fileID', async (t) => {
    const { dir } = await makeBackup(t);
    rmSync(join(dir, 'Manifest.db'));
    const db = new Database(join(dir, 'Manifest.db'));
    db.exec('CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)');
    db.prepare('INSERT INTO Files VALUES (?, ?, ?, ?, ?)').run('../../etc/passwd', 'HomeDomain', 'Library/SMS/sms.db', 1, encodeMbFile({ relativePath: 'Library/SMS/sms.db', mode: 0o100644, size: 10 }));
    db.close();
    const backup = await openBackup(dir);
    await expectFormatError(() => [...backup.files()], 'FORMAT_BAD_FILE_ID', /etc\/passwd/);
    await expectFormatError(() => backup.get('HomeDomain', 'Library/SMS/sms.db'), 'FORMAT_BAD_FILE_ID');
    await expectFormatError(() => backup.blobPath({ fileId: '../../etc/passwd' }), 'FORMAT_BAD_FILE_ID');
    backup.close();
  });

  it('refuses blobs and shard folders that are symlinks out of the backup', async (t) => {
    const { dir } = await makeBackup(t);
    const outside = join(tempDir(t, 'outside'), 'secret');
    writeFileSync(outside, 'not part of the backup');
    const backup = await openBackup(dir);
    const prefs = backup.get('HomeDomain', 'Library/Preferences/com.apple.springboard.plist');
    const sms = backup.get('HomeDomain', 'Library/SMS/sms.db');
    assert.ok(prefs && sms);
    rmSync(backup.blobPath(prefs));
    symlinkSync(outside, backup.blobPath(prefs));
    await expectFormatError(() => backup.openFile(prefs), 'FORMAT_CORRUPT', /not a regular file/);
    const shard = dirname(backup.blobPath(sms));
    renameSync(shard, `${shard}.real`);
    symlinkSync(`${shard}.real`, shard);
    await expectFormatError(() => backup.openFile(sms), 'FORMAT_CORRUPT', /shard folder is a symlink/);
    backup.close();
  });

  it('reports truncated, resized and missing blobs clearly', async (t) => {
    const { dir } = await makeBackup(t, 'pw');
    const id = fileIdOf('MediaDomain', 'Media/DCIM/100APPLE/IMG_0001.HEIC');
    const blob = join(dir, id.slice(0, 2), id);
    const backup = await openBackup(dir, { password: 'pw' });
    const entry = backup.get('MediaDomain', 'Media/DCIM/100APPLE/IMG_0001.HEIC');
    assert.ok(entry);
    const length = readFileSync(blob).length;
    truncateSync(blob, length - 16);
    await expectFormatError(() => backup.openFile(entry), 'FORMAT_CORRUPT', /IMG_0001.HEIC.*truncated/);
    truncateSync(blob, length - 21);
    await expectFormatError(() => backup.openFile(entry), 'FORMAT_CORRUPT', /truncated/);
    rmSync(blob);
    await expectFormatError(() => backup.openFile(entry), 'FORMAT_MISSING_BLOB', /missing/);
    const empty = backup.get('HomeDomain', 'Library/empty.txt');
    assert.ok(empty);
    rmSync(backup.blobPath(empty));
    assert.equal((await buffer(await backup.openFile(empty))).length, 0);
    const directory = backup.get('HomeDomain', 'Library');
    assert.ok(directory);
    await assert.rejects(backup.openFile(directory), TypeError);
    backup.close();

    const plain = await makeBackup(t);
    const plainBackup = await openBackup(plain.dir);
    const sms = plainBackup.get('HomeDomain', 'Library/SMS/sms.db');
    assert.ok(sms);
    writeFileSync(plainBackup.blobPath(sms), patternBytes(100));
    await expectFormatError(() => plainBackup.openFile(sms), 'FORMAT_CORRUPT', /100 bytes, too short for the 28672/);
    writeFileSync(plainBackup.blobPath(sms), patternBytes(30000));
    await expectFormatError(() => plainBackup.openFile(sms), 'FORMAT_CORRUPT', /30000 bytes but Manifest.db records 28672/);
    plainBackup.close();
  });

  it('warns about interrupted backups and lying IsEncrypted claims', async (t) => {
    const { dir } = await makeBackup(t);
    mkdirSync(join(dir, 'Snapshot'));
    const manifest = parsePlist(readFileSync(join(dir, 'Manifest.plist'))) as PlistDict;
    writeFileSync(join(dir, 'Manifest.plist'), encodeBinaryPlist({ ...manifest, IsEncrypted: true }));
    const status = parsePlist(readFileSync(join(dir, 'Status.plist'))) as PlistDict;
    writeFileSync(join(dir, 'Status.plist'), encodeBinaryPlist({ ...status, SnapshotState: 'uploading' }));
    const backup = await openBackup(dir);
    assert.equal(backup.warnings.length, 3);
    assert.match(backup.warnings.join('\n'), /Snapshot\/ folder/);
    assert.match(backup.warnings.join('\n'), /"uploading"/);
    assert.match(backup.warnings.join('\n'), /says IsEncrypted but Manifest.db is plain SQLite/);
    await checkEveryFile(backup);
    backup.close();
  });
});
