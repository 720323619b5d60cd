import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import type { PlistDict } from '../../../plist/types.js';
import { makePairingFixture } from '../../../../test/support/pairing-fixture.js';
import type { PairingCertificates } from './certificates.js';
import { readDevicePrivateKey, verifyPairRecordForDevice, type DeviceKeyPair } from './device-keys.js';
import { PairingError } from './errors.js';
import { publicPairRecord, type PairRecord } from './pair-record.js';

let device: DeviceKeyPair;
let record: PairRecord;
let otherPairing: PairingCertificates;
before(async () => {
  ({ device, record, otherPairing } = await makePairingFixture());
});

function assertInvalid(request: PlistDict, key: string, message: RegExp): void {
  assert.throws(() => verifyPairRecordForDevice(request, device.privateKeyPem), (error: unknown) => {
    assert.ok(error instanceof PairingError);
    assert.equal(error.code, 'PAIRING_INVALID_PAIR_RECORD');
    assert.equal(error.lockdownError, 'InvalidPairRecord');
    assert.equal(error.key, key);
    assert.match(error.message, message);
    return true;
  });
}

test('device key pair: PKCS#1 public key like real devices, PKCS#8 private key', () => {
  assert.match(device.publicKeyPem.toString(), /^-----BEGIN RSA PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END RSA PUBLIC KEY-----\n$/);
  assert.ok(device.privateKeyPem.toString().startsWith('-----BEGIN PRIVATE KEY-----\n'));
  assert.equal(createPublicKey(device.publicKeyPem).asymmetricKeyDetails?.modulusLength, 2048);
  assert.ok(readDevicePrivateKey(device.privateKeyPem));
  assert.throws(() => readDevicePrivateKey(device.publicKeyPem), { code: 'PAIRING_BAD_KEY' });
});

test('a record built for this device verifies and is returned typed', () => {
  const verified = verifyPairRecordForDevice(publicPairRecord(record), device.privateKeyPem);
  assert.equal(verified.hostId, record.hostId);
  assert.equal(verified.systemBuid, record.systemBuid);
  assert.deepEqual(verified.deviceCertificatePem, record.deviceCertificatePem);
});

test('a device certificate signed by a different root is rejected', () => {
  const request = { ...publicPairRecord(record), DeviceCertificate: otherPairing.deviceCertificatePem };
  assertInvalid(request, 'DeviceCertificate', /DeviceCertificate is not signed by RootCertificate/);
});

test('a host certificate signed by a different root is rejected', () => {
  const request = { ...publicPairRecord(record), HostCertificate: otherPairing.hostCertificatePem };
  assertInvalid(request, 'HostCertificate', /HostCertificate is not signed by RootCertificate/);
});

test('a device certificate for a key other than this device\'s is rejected', () => {
  // Signed by its own root, but carries the root's key rather than this device's.
  const request = { ...publicPairRecord(record), DeviceCertificate: record.rootCertificatePem };
  assertInvalid(request, 'DeviceCertificate', /not for this device's public key/);
});

test('a malformed record is InvalidPairRecord naming the key', () => {
  const request = publicPairRecord(record);
  delete request.HostID;
  assertInvalid(request, 'HostID', /HostID is missing/);
  assert.throws(() => verifyPairRecordForDevice('nope', device.privateKeyPem), { lockdownError: 'InvalidPairRecord' });
});
