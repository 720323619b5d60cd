import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import type { PlistDict, PlistValue } from '../../../plist/types.js';
import { makePairingFixture, TEST_SYSTEM_BUID } from '../../../../test/support/pairing-fixture.js';
import { PairingError } from './errors.js';
import {
  newHostId,
  pairRecordFromPlist,
  pairRecordToPlist,
  publicPairRecord,
  publicPairRecordFromPlist,
  type PairRecord,
} from './pair-record.js';

let record: PairRecord;
before(async () => {
  record = { ...(await makePairingFixture({ wifiMacAddress: 'f0:99:b6:01:02:03' })).record, escrowBag: Buffer.from([1, 2, 3]) };
});

function withKey(key: string, value: PlistValue | undefined): PlistDict {
  const dict = { ...pairRecordToPlist(record) };
  if (value === undefined) delete dict[key];
  else dict[key] = value;
  return dict;
}

function assertBadRecord(value: PlistValue, key: string, message: RegExp): void {
  assert.throws(() => pairRecordFromPlist(value), (error: unknown) => {
    assert.ok(error instanceof PairingError);
    assert.equal(error.code, 'PAIRING_BAD_RECORD');
    assert.equal(error.key, key);
    assert.ok(error.message.includes(key), `message names ${key}: ${error.message}`);
    assert.match(error.message, message);
    return true;
  });
}

test('newHostId is an uppercase UUID and unique', () => {
  const id = newHostId();
  assert.match(id, /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  assert.notEqual(id, newHostId());
});

test('record → plist uses the libimobiledevice key names, data as PEM bytes', () => {
  const plist = pairRecordToPlist(record);
  assert.deepEqual(Object.keys(plist), [
    'DeviceCertificate', 'EscrowBag', 'HostCertificate', 'HostID', 'HostPrivateKey',
    'RootCertificate', 'RootPrivateKey', 'SystemBUID', 'WiFiMACAddress',
  ]);
  assert.ok(plist.HostCertificate instanceof Uint8Array);
  assert.equal(plist.HostID, record.hostId);
  assert.equal(plist.SystemBUID, TEST_SYSTEM_BUID);
});

test('round trip record → plist → record', () => {
  const back = pairRecordFromPlist(pairRecordToPlist(record));
  assert.deepEqual(back, record);
});

test('unknown keys survive the round trip; plain Uint8Array data is accepted', () => {
  const plist: PlistDict = { ...pairRecordToPlist(record), FutureKey: 'kept' };
  plist.DeviceCertificate = new Uint8Array(record.deviceCertificatePem);
  const back = pairRecordFromPlist(plist);
  assert.deepEqual(back.extra, { FutureKey: 'kept' });
  assert.ok(Buffer.isBuffer(back.deviceCertificatePem));
  assert.equal(pairRecordToPlist(back).FutureKey, 'kept');
});

test('public pair record carries no private keys', () => {
  const pub = publicPairRecord(record);
  assert.deepEqual(Object.keys(pub).sort(), ['DeviceCertificate', 'HostCertificate', 'HostID', 'RootCertificate', 'SystemBUID', 'WiFiMACAddress']);
  const withoutWifi: PairRecord = { ...record };
  delete (withoutWifi as { wifiMacAddress?: string }).wifiMacAddress;
  assert.ok(!('WiFiMACAddress' in publicPairRecord(withoutWifi)));
  // A device reading a ValidatePair record (libimobiledevice also sends EscrowBag) gets the public fields.
  const parsed = publicPairRecordFromPlist({ ...pub, EscrowBag: Buffer.from([9]) });
  assert.equal(parsed.hostId, record.hostId);
  assert.deepEqual(parsed.rootCertificatePem, record.rootCertificatePem);
});

test('missing or mistyped keys are named', () => {
  for (const key of ['DeviceCertificate', 'HostCertificate', 'RootCertificate', 'HostPrivateKey', 'RootPrivateKey', 'HostID', 'SystemBUID']) {
    assertBadRecord(withKey(key, undefined), key, /is missing/);
  }
  assertBadRecord(withKey('HostID', 42), 'HostID', /must be a string, found number/);
  assertBadRecord(withKey('HostCertificate', record.hostCertificatePem.toString()), 'HostCertificate', /must be data, found string/);
  assertBadRecord(withKey('EscrowBag', 'bag'), 'EscrowBag', /must be data/);
  assertBadRecord(withKey('WiFiMACAddress', Buffer.from('x')), 'WiFiMACAddress', /must be a string/);
  assert.throws(() => pairRecordFromPlist([]), /must be a dict, found array/);
});

test('IDs must be UUID-shaped', () => {
  assertBadRecord(withKey('HostID', 'not-a-uuid'), 'HostID', /not a UUID/);
  assertBadRecord(withKey('SystemBUID', ''), 'SystemBUID', /not a UUID/);
  // Lowercase is tolerated on read: other tools have written it; the value is sent back verbatim.
  assert.equal(pairRecordFromPlist(withKey('HostID', record.hostId.toLowerCase())).hostId, record.hostId.toLowerCase());
});

test('PEM blocks must be single, well-formed and of the right kind', () => {
  const cert = record.hostCertificatePem.toString();
  assertBadRecord(withKey('HostCertificate', Buffer.from(cert.slice(0, 200))), 'HostCertificate', /PEM/);
  assertBadRecord(withKey('HostCertificate', Buffer.from(cert + cert)), 'HostCertificate', /single/);
  assertBadRecord(withKey('HostCertificate', Buffer.from(cert.replace('-----END CERTIFICATE-----', '-----END X509 CRL-----'))), 'HostCertificate', /END/);
  assertBadRecord(withKey('RootCertificate', record.rootPrivateKeyPem), 'RootCertificate', /PRIVATE KEY PEM block, expected CERTIFICATE/);
  assertBadRecord(withKey('DeviceCertificate', Buffer.from(cert.replace(/\n[A-Za-z0-9+/]{8}/, '\n********'))), 'DeviceCertificate', /PEM|base64/);
  // Valid base64, but not a certificate inside.
  const junk = `-----BEGIN CERTIFICATE-----\n${Buffer.from('not der').toString('base64')}\n-----END CERTIFICATE-----\n`;
  assertBadRecord(withKey('DeviceCertificate', Buffer.from(junk)), 'DeviceCertificate', /not a valid X.509/);
});

test('private keys must match their certificates; PKCS#1 keys and trailing NULs are accepted', () => {
  assertBadRecord(withKey('HostPrivateKey', record.rootPrivateKeyPem), 'HostPrivateKey', /does not match HostCertificate/);
  assertBadRecord(withKey('RootPrivateKey', record.hostPrivateKeyPem), 'RootPrivateKey', /does not match RootCertificate/);
  const pkcs1 = Buffer.from(createPrivateKey(record.hostPrivateKeyPem).export({ type: 'pkcs1', format: 'pem' }));
  assert.ok(pkcs1.toString().startsWith('-----BEGIN RSA PRIVATE KEY-----'));
  const nulTerminated = Buffer.concat([record.rootCertificatePem, Buffer.from([0])]);
  const back = pairRecordFromPlist({ ...withKey('HostPrivateKey', pkcs1), RootCertificate: nulTerminated });
  assert.deepEqual(back.hostPrivateKeyPem, pkcs1);
  assert.deepEqual(back.rootCertificatePem, nulTerminated);
});
