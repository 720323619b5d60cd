import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { generatePairingCertificates, type PairingCertificates } from './certificates.js';
import { generateDeviceKeyPair, type DeviceKeyPair } from './device-keys.js';
import { PairingError } from './errors.js';

let device: DeviceKeyPair;
let certs: PairingCertificates;
before(async () => {
  device = await generateDeviceKeyPair();
  certs = await generatePairingCertificates(device.publicKeyPem);
});

const TEN_YEARS_MS = 3650 * 24 * 3600 * 1000;

function parse(pem: Buffer): { x509: X509Certificate; forged: forge.pki.Certificate } {
  return { x509: new X509Certificate(pem), forged: forge.pki.certificateFromPem(pem.toString()) };
}

function extension(cert: forge.pki.Certificate, name: string): Record<string, unknown> {
  const ext = cert.getExtension(name) as Record<string, unknown> | undefined;
  assert.ok(ext, `missing ${name}`);
  return ext;
}

function assertCommonShape(pem: Buffer): X509Certificate {
  const { x509, forged } = parse(pem);
  assert.ok(!x509.subject, 'subject must be empty');
  assert.ok(!x509.issuer, 'issuer must be empty');
  assert.equal(forged.version, 2, 'X.509 v3');
  assert.equal(forged.signatureOid, forge.pki.oids.sha256WithRSAEncryption);
  assert.equal(forged.siginfo.algorithmOid, forge.pki.oids.sha256WithRSAEncryption);
  assert.equal(x509.serialNumber, '01');
  const from = Date.parse(x509.validFrom);
  const to = Date.parse(x509.validTo);
  assert.ok(Math.abs(from - Date.now()) < 5 * 60 * 1000, 'notBefore is about now');
  assert.ok(Math.abs(to - from - TEN_YEARS_MS) < 5 * 60 * 1000, 'valid for ten years');
  assert.ok(pem.toString().startsWith('-----BEGIN CERTIFICATE-----\n'));
  assert.ok(!pem.includes('\r'), 'LF line ends like OpenSSL');
  return x509;
}

test('root certificate: self-signed CA, empty names, SHA-256, 10 years', () => {
  const root = assertCommonShape(certs.rootCertificatePem);
  assert.equal(root.ca, true);
  assert.ok(root.verify(root.publicKey));
  const bc = extension(parse(certs.rootCertificatePem).forged, 'basicConstraints');
  assert.equal(bc.cA, true);
  assert.equal(bc.critical, true);
  assert.ok(!parse(certs.rootCertificatePem).forged.getExtension('keyUsage'));
});

test('host certificate: leaf signed by root with critical CA:FALSE and key usage', () => {
  const root = new X509Certificate(certs.rootCertificatePem);
  const host = assertCommonShape(certs.hostCertificatePem);
  assert.equal(host.ca, false);
  assert.ok(host.verify(root.publicKey));
  assert.ok(host.checkIssued(root));
  const forged = parse(certs.hostCertificatePem).forged;
  const bc = extension(forged, 'basicConstraints');
  assert.equal(bc.cA, false);
  assert.equal(bc.critical, true);
  const ku = extension(forged, 'keyUsage');
  assert.equal(ku.critical, true);
  assert.equal(ku.digitalSignature, true);
  assert.equal(ku.keyEncipherment, true);
  assert.equal(ku.keyCertSign, false);
});

test('device certificate: the device key, signed by root, with a hash subjectKeyIdentifier', () => {
  const root = new X509Certificate(certs.rootCertificatePem);
  const dev = assertCommonShape(certs.deviceCertificatePem);
  assert.equal(dev.ca, false);
  assert.ok(dev.verify(root.publicKey));
  const devicePublicDer = createPublicKey(device.publicKeyPem).export({ type: 'spki', format: 'der' });
  assert.deepEqual(dev.publicKey.export({ type: 'spki', format: 'der' }), devicePublicDer);
  const forged = parse(certs.deviceCertificatePem).forged;
  assert.equal(extension(forged, 'basicConstraints').critical, true);
  const ku = extension(forged, 'keyUsage');
  assert.equal(ku.critical, true);
  assert.equal(ku.digitalSignature, true);
  assert.equal(ku.keyEncipherment, true);
  // RFC 5280 method 1 / OpenSSL "hash": SHA-1 of the RSAPublicKey bits.
  const pkcs1 = createPublicKey(device.publicKeyPem).export({ type: 'pkcs1', format: 'der' });
  const ski = extension(forged, 'subjectKeyIdentifier');
  assert.equal(ski.subjectKeyIdentifier, createHash('sha1').update(pkcs1).digest('hex'));
});

test('leaves name the root in authorityKeyIdentifier, so chain builders do not take them for self-signed', () => {
  const rootSki = extension(parse(certs.rootCertificatePem).forged, 'subjectKeyIdentifier').subjectKeyIdentifier;
  for (const pem of [certs.hostCertificatePem, certs.deviceCertificatePem]) {
    const forged = parse(pem).forged;
    const ski = extension(forged, 'subjectKeyIdentifier').subjectKeyIdentifier;
    const akid = extension(forged, 'authorityKeyIdentifier');
    assert.equal(akid.critical, false);
    // forge leaves the raw AuthorityKeyIdentifier SEQUENCE in `value`: 30 16 80 14 <20-byte keyid>.
    assert.equal(forge.util.bytesToHex(String(akid.value)), `301680 14${rootSki as string}`.replace(' ', ''));
    assert.notEqual(ski, rootSki);
  }
});

test('private keys are PKCS#8 PEM, RSA 2048 e=65537, and match their certificates', () => {
  for (const [keyPem, certPem] of [
    [certs.rootPrivateKeyPem, certs.rootCertificatePem],
    [certs.hostPrivateKeyPem, certs.hostCertificatePem],
  ] as const) {
    assert.ok(keyPem.toString().startsWith('-----BEGIN PRIVATE KEY-----\n'));
    const cert = new X509Certificate(certPem);
    assert.deepEqual(cert.publicKey.asymmetricKeyDetails, { modulusLength: 2048, publicExponent: 65537n });
    assert.ok(cert.checkPrivateKey(createPrivateKey(keyPem)));
  }
  assert.notDeepEqual(certs.rootPrivateKeyPem, certs.hostPrivateKeyPem);
});

test('openssl verify accepts host and device certificates against the root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-pairing-'));
  try {
    const files = { root: join(dir, 'root.pem'), host: join(dir, 'host.pem'), device: join(dir, 'device.pem') };
    writeFileSync(files.root, certs.rootCertificatePem);
    writeFileSync(files.host, certs.hostCertificatePem);
    writeFileSync(files.device, certs.deviceCertificatePem);
    for (const leaf of [files.host, files.device]) {
      const run = spawnSync('/usr/bin/openssl', ['verify', '-partial_chain', '-CAfile', files.root, leaf], { encoding: 'utf8' });
      assert.equal(run.status, 0, `openssl verify ${leaf}: ${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /: OK/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an SPKI "PUBLIC KEY" device key is accepted too', async () => {
  const spki = Buffer.from(createPublicKey(device.publicKeyPem).export({ type: 'spki', format: 'pem' }));
  const other = await generatePairingCertificates(spki);
  const dev = new X509Certificate(other.deviceCertificatePem);
  assert.ok(dev.publicKey.equals(createPublicKey(device.publicKeyPem)));
});

test('unusable device keys are rejected with PAIRING_BAD_KEY', async () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' });
  const truncated = device.publicKeyPem.subarray(0, 60);
  const damaged = Buffer.from(device.publicKeyPem.toString().replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!'));
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['empty', new Uint8Array(0), /empty/],
    ['garbage', Buffer.from('hello'), /not PEM/],
    ['a certificate', certs.rootCertificatePem, /CERTIFICATE/],
    ['an EC key', Buffer.from(ec), /ec, not RSA/],
    ['truncated', truncated, /PEM/],
    ['damaged base64', damaged, /PEM|base64/],
  ];
  for (const [name, key, message] of cases) {
    await assert.rejects(generatePairingCertificates(key), (error: unknown) => {
      assert.ok(error instanceof PairingError, name);
      assert.equal(error.code, 'PAIRING_BAD_KEY', name);
      assert.match(error.message, message, name);
      return true;
    });
  }
});
