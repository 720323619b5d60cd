/**
 * Pairing from the iPhone's side, for the virtual iPhone.
 *
 * Nouns:
 * - *device key pair*: the RSA key lockdownd keeps for life; its public half is what
 *   `GetValue DevicePublicKey` returns, as PKCS#1 PEM (`-----BEGIN RSA PUBLIC KEY-----`).
 * - *verified pair record*: a host-sent `PairRecord` whose DeviceCertificate carries this device's key and
 *   whose DeviceCertificate and HostCertificate are both signed by its RootCertificate. The device stores it
 *   and later uses DeviceCertificate (with its own private key) as its TLS server certificate.
 */
import { generateKeyPair, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { PlistValue } from '../../../plist/types.js';
import { PairingError } from './errors.js';
import { PAIR_RECORD_KEYS, publicPairRecordFromPlist, type PublicPairRecord } from './pair-record.js';
import { decodePem } from './pem.js';

export interface DeviceKeyPair {
  /** PKCS#1 `-----BEGIN RSA PUBLIC KEY-----`, LF line ends: the exact form real devices publish. */
  readonly publicKeyPem: Buffer;
  /** PKCS#8 `-----BEGIN PRIVATE KEY-----`; stays inside the virtual device. */
  readonly privateKeyPem: Buffer;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** 2048-bit like current devices (very old ones used 1024; pass `modulusLength` to imitate them). */
export async function generateDeviceKeyPair(options: { readonly modulusLength?: number } = {}): Promise<DeviceKeyPair> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: options.modulusLength ?? 2048,
    publicExponent: 65537,
  });
  return {
    publicKeyPem: Buffer.from(publicKey.export({ type: 'pkcs1', format: 'pem' })),
    privateKeyPem: Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' })),
  };
}

/** Loads the device's private key (PKCS#8 or PKCS#1 PEM). Throws PairingError `PAIRING_BAD_KEY`. */
export function readDevicePrivateKey(pem: Uint8Array): KeyObject {
  const decoded = decodePem(pem);
  const label = decoded.ok ? decoded.block.label : '';
  if (!decoded.ok || (label !== 'PRIVATE KEY' && label !== 'RSA PRIVATE KEY')) {
    throw new PairingError(`Device private key ${decoded.ok ? `is a ${label} PEM block` : decoded.reason}`, {
      code: 'PAIRING_BAD_KEY',
    });
  }
  try {
    const key = createPrivateKey({ key: decoded.block.der, format: 'der', type: label === 'PRIVATE KEY' ? 'pkcs8' : 'pkcs1' });
    if (key.asymmetricKeyType === 'rsa') return key;
  } catch (cause) {
    throw new PairingError('Device private key does not parse', { code: 'PAIRING_BAD_KEY', cause });
  }
  throw new PairingError('Device private key is not RSA', { code: 'PAIRING_BAD_KEY' });
}

/**
 * What a device checks when a host sends `Pair` (and may re-check on ValidatePair): the record is
 * well-formed, DeviceCertificate is for this device's own key, and both DeviceCertificate and
 * HostCertificate were signed by RootCertificate.
 * Throws PairingError `PAIRING_INVALID_PAIR_RECORD` with `lockdownError: 'InvalidPairRecord'` (the
 * error a real lockdownd answers) and `key` naming the certificate at fault.
 *
 * Not checked, deliberately: validity dates (a device with a wrong clock must still pair, and reference
 * hosts back-date by only a minute) and the root's self-signature (nothing in the protocol relies on it).
 */
export function verifyPairRecordForDevice(record: PlistValue, devicePrivateKeyPem: Uint8Array): PublicPairRecord {
  const devicePrivateKey = readDevicePrivateKey(devicePrivateKeyPem);
  let parsed: PublicPairRecord;
  try {
    parsed = publicPairRecordFromPlist(record);
  } catch (cause) {
    if (!(cause instanceof PairingError)) throw cause;
    throw invalid(cause.message, cause.key, cause);
  }
  // Parsing above proved these are single well-formed certificates.
  const device = new X509Certificate(parsed.deviceCertificatePem);
  const host = new X509Certificate(parsed.hostCertificatePem);
  const root = new X509Certificate(parsed.rootCertificatePem);

  if (!device.checkPrivateKey(devicePrivateKey)) {
    throw invalid('DeviceCertificate is not for this device\'s public key', PAIR_RECORD_KEYS.deviceCertificatePem);
  }
  if (!verifies(device, root.publicKey)) {
    throw invalid('DeviceCertificate is not signed by RootCertificate', PAIR_RECORD_KEYS.deviceCertificatePem);
  }
  if (!verifies(host, root.publicKey)) {
    throw invalid('HostCertificate is not signed by RootCertificate', PAIR_RECORD_KEYS.hostCertificatePem);
  }
  return parsed;
}

/** X509Certificate.verify throws (rather than returning false) for some key/algorithm mismatches. */
function verifies(certificate: X509Certificate, issuerKey: KeyObject): boolean {
  try {
    return certificate.verify(issuerKey);
  } catch {
    return false;
  }
}

function invalid(message: string, key: string | undefined, cause?: unknown): PairingError {
  return new PairingError(message, {
    code: 'PAIRING_INVALID_PAIR_RECORD',
    lockdownError: 'InvalidPairRecord',
    ...(key === undefined ? {} : { key }),
    ...(cause === undefined ? {} : { cause }),
  });
}
