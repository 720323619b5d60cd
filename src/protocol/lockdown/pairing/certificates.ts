/**
 * Creates the certificates a host hands an iPhone when pairing (lockdownd `Pair`).
 *
 * Nouns:
 * - *root*: a self-signed CA the host invents for this one device (RootCertificate + RootPrivateKey).
 * - *host certificate*: the host's own leaf, signed by the root (HostCertificate + HostPrivateKey).
 * - *device certificate*: a leaf for the iPhone's own key (lockdownd `GetValue DevicePublicKey`), signed by
 *   the root; the device later presents it as its TLS server certificate.
 * - *PEM*: every certificate and key is stored as PEM text bytes, which is what pair records hold.
 *
 * The shape copies libimobiledevice common/userpref.c (`pair_record_generate_keys_and_certs`) and
 * pymobiledevice3 ca.py (`generate_pairing_cert_chain`), which real iPhones accept: X.509 v3, empty subject
 * and issuer, RSA 2048 / e=65537, 10-year validity, SHA-256 signatures (both tools use SHA-1 only for
 * iOS < 4, which Lifeboat does not support). One addition: subject/authority key identifiers on every
 * certificate, so ordinary X.509 tooling can build the chain (reason at the call site).
 */
import { createHash, generateKeyPair, createPublicKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { PairingError } from './errors.js';
import { decodePem } from './pem.js';

export interface PairingCertificates {
  readonly rootCertificatePem: Buffer;
  /** PKCS#8 `-----BEGIN PRIVATE KEY-----`, as OpenSSL's PEM_write_bio_PrivateKey writes it. */
  readonly rootPrivateKeyPem: Buffer;
  readonly hostCertificatePem: Buffer;
  /** PKCS#8 `-----BEGIN PRIVATE KEY-----`. */
  readonly hostPrivateKeyPem: Buffer;
  readonly deviceCertificatePem: Buffer;
}

/** 365 × 10 days, the span both reference tools use (no leap-day arithmetic). */
const VALIDITY_MS = 10 * 365 * 24 * 60 * 60 * 1000;
/** notBefore is back-dated a minute (as pymobiledevice3 does) so a device clock slightly behind still accepts. */
const BACKDATE_MS = 60 * 1000;
/**
 * RFC 5280 wants positive serials; libimobiledevice's OpenSSL path writes 0, its GnuTLS/mbedTLS paths and
 * pymobiledevice3 write 1 ("0 doesn't work" with mbedTLS). Devices do not look at it.
 */
const SERIAL_HEX = '01';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * Generates root and host keys (in parallel, on libuv's thread pool rather than the event loop) and the
 * three certificates for the device whose PEM public key is given.
 * Throws PairingError `PAIRING_BAD_KEY` when the device key is not an RSA key in PKCS#1 or SPKI PEM.
 */
export async function generatePairingCertificates(devicePublicKeyPem: Uint8Array): Promise<PairingCertificates> {
  // Parse first: a bad device key should fail before spending half a second on key generation.
  const deviceKey = readDevicePublicKey(devicePublicKeyPem);
  const [root, host] = await Promise.all([newRsaKeyPair(), newRsaKeyPair()]);
  const now = Date.now();

  // Key identifiers go beyond the reference tools (libimobiledevice's OpenSSL path writes a
  // subjectKeyIdentifier on the device certificate only). Without them every leaf has subject == issuer
  // (both empty) and no authorityKeyIdentifier, so OpenSSL classifies the leaf as self-signed and
  // `openssl verify` fails with "self-signed certificate". With the leaf's SKI differing from its AKID
  // (the root's SKI), chain building finds the root, as RFC 5280 intends. Both are non-critical.
  const rootKeyId = keyIdentifier(root.publicKey);
  const authorityKeyIdentifier = { name: 'authorityKeyIdentifier', keyIdentifier: rootKeyId.toString('binary') };
  const rootCertificate = buildCertificate(root.publicKey, root, now, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const hostCertificate = buildCertificate(host.publicKey, root, now, [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'subjectKeyIdentifier' },
    authorityKeyIdentifier,
  ]);
  const deviceCertificate = buildCertificate(deviceKey, root, now, [
    { name: 'basicConstraints', cA: false, critical: true },
    // forge derives the identifier as SHA-1 of the RSAPublicKey bits, like OpenSSL's "hash".
    { name: 'subjectKeyIdentifier' },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    authorityKeyIdentifier,
  ]);

  return {
    rootCertificatePem: rootCertificate,
    rootPrivateKeyPem: privateKeyPem(root.privateKey),
    hostCertificatePem: hostCertificate,
    hostPrivateKeyPem: privateKeyPem(host.privateKey),
    deviceCertificatePem: deviceCertificate,
  };
}

interface RsaKeyPair {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

async function newRsaKeyPair(): Promise<RsaKeyPair> {
  return generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 65537 });
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (for RSA, the PKCS#1 DER). */
function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(publicKey.export({ type: 'pkcs1', format: 'der' })).digest();
}

function privateKeyPem(key: KeyObject): Buffer {
  return Buffer.from(key.export({ type: 'pkcs8', format: 'pem' }));
}

/** Accepts the two PEM forms an RSA public key comes in; anything else gets a clear error. */
export function readDevicePublicKey(pem: Uint8Array): KeyObject {
  const decoded = decodePem(pem);
  if (!decoded.ok) {
    throw new PairingError(`Device public key ${decoded.reason}`, {
      code: 'PAIRING_BAD_KEY',
      hint: 'Expected "-----BEGIN RSA PUBLIC KEY-----" (as lockdownd sends DevicePublicKey) or "-----BEGIN PUBLIC KEY-----"',
    });
  }
  const { label, der } = decoded.block;
  const type = label === 'RSA PUBLIC KEY' ? 'pkcs1' : label === 'PUBLIC KEY' ? 'spki' : undefined;
  if (type === undefined) {
    throw new PairingError(`Device public key is a "${label}" PEM block, not a public key`, {
      code: 'PAIRING_BAD_KEY',
      hint: 'Expected "RSA PUBLIC KEY" (PKCS#1) or "PUBLIC KEY" (SPKI)',
    });
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type });
  } catch (cause) {
    throw new PairingError(`Device public key (${label}) does not parse`, { code: 'PAIRING_BAD_KEY', cause });
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new PairingError(`Device public key is ${key.asymmetricKeyType ?? 'an unknown type'}, not RSA`, {
      code: 'PAIRING_BAD_KEY',
      hint: 'iPhones publish RSA keys; lockdownd pairing certificates are RSA only',
    });
  }
  return key;
}

/**
 * Builds one certificate with forge (empty names, v3, given extensions) and signs it with node:crypto.
 * Why not forge's own signer: its pure-JS RSA takes ~60–130 ms per signature and would need the root key
 * copied into JS numbers; node:crypto signs the same TBSCertificate bytes natively in ~1 ms.
 * The result is re-parsed and verified by node:crypto, so a forge encoding quirk cannot slip through.
 */
function buildCertificate(subjectKey: KeyObject, issuer: RsaKeyPair, now: number, extensions: object[]): Buffer {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(subjectKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = SERIAL_HEX;
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  cert.validity.notAfter = new Date(now + VALIDITY_MS);
  // Empty subject and issuer: that is what libimobiledevice, pymobiledevice3 and iTunes produce.
  cert.setSubject([]);
  cert.setIssuer([]);
  cert.setExtensions(extensions);
  // forge calls `key.sign(md)` right after storing the TBSCertificate on `cert`; sign those bytes natively.
  const nativeSigner = {
    sign: (): string => {
      const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
      return sign('sha256', tbs, issuer.privateKey).toString('binary');
    },
  } as unknown as forge.pki.rsa.PrivateKey;
  cert.sign(nativeSigner, forge.md.sha256.create());

  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch (cause) {
    throw new PairingError('Generated certificate does not parse', { code: 'PAIRING_CERT_BUILD', cause });
  }
  if (!x509.verify(issuer.publicKey)) {
    throw new PairingError('Generated certificate signature does not verify', { code: 'PAIRING_CERT_BUILD' });
  }
  // node's PEM uses LF line ends and 64-column lines, byte-for-byte what OpenSSL's PEM_write_bio_X509 writes
  // (forge would write CRLF).
  return Buffer.from(x509.toString());
}
