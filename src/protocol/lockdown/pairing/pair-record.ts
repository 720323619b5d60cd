/**
 * The pair record: what a host stores after pairing with an iPhone, and the subset it sends back to it.
 *
 * Nouns:
 * - *pair record* (`PairRecord`): the full stored dict, as usbmuxd / libimobiledevice keep it in
 *   `/var/lib/lockdown/<UDID>.plist` and macOS in `/var/db/lockdown/`: certificates and private keys as
 *   PEM data, `HostID`, `SystemBUID`, and after a successful `Pair` the device's `EscrowBag` and
 *   `WiFiMACAddress`.
 * - *public pair record* (`PublicPairRecord`): the `PairRecord` value of a `Pair` / `ValidatePair` /
 *   `Unpair` request: the same minus private keys (libimobiledevice lockdown.c removes RootPrivateKey and
 *   HostPrivateKey before sending; pymobiledevice3 never puts HostPrivateKey in it).
 * - *HostID*: an uppercase UUID naming this host's pairing; the device keys its records by it.
 * - *SystemBUID*: the usbmuxd-wide UUID (`ReadBUID`); the device shows it to tell hosts apart.
 *
 * This module works on plist *values* (`PlistDict`), never on encoded bytes; the codec lives elsewhere.
 */
import { randomUUID, X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import type { PlistDict, PlistValue } from '../../../plist/types.js';
import type { PairingCertificates } from './certificates.js';
import { PairingError } from './errors.js';
import { decodePem } from './pem.js';

export interface PublicPairRecord {
  readonly deviceCertificatePem: Buffer;
  readonly hostCertificatePem: Buffer;
  readonly rootCertificatePem: Buffer;
  /** Uppercase UUID, e.g. `9B2C…-…`. Sent as `HostID` in StartSession too. */
  readonly hostId: string;
  readonly systemBuid: string;
  /** The device's Wi-Fi MAC (`aa:bb:…`), saved from GetValue WiFiAddress; used for Wi-Fi sync matching. */
  readonly wifiMacAddress?: string;
}

export interface PairRecord extends PublicPairRecord, PairingCertificates {
  /** Returned by the device in the Pair reply; lets a locked device start backup sessions. */
  readonly escrowBag?: Buffer;
  /** Plist keys this module does not know, kept so that load → save loses nothing. */
  readonly extra?: PlistDict;
}

/** Plist key for each field, exactly as libimobiledevice (userpref.h) and Apple spell them. */
export const PAIR_RECORD_KEYS = {
  deviceCertificatePem: 'DeviceCertificate',
  escrowBag: 'EscrowBag',
  hostCertificatePem: 'HostCertificate',
  hostId: 'HostID',
  hostPrivateKeyPem: 'HostPrivateKey',
  rootCertificatePem: 'RootCertificate',
  rootPrivateKeyPem: 'RootPrivateKey',
  systemBuid: 'SystemBUID',
  wifiMacAddress: 'WiFiMACAddress',
} as const;

const KNOWN_KEYS = new Set<string>(Object.values(PAIR_RECORD_KEYS));
const UUID_SHAPE = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/i;

/** A fresh HostID: uppercase like libimobiledevice's generate_uuid() and pymobiledevice3's. */
export function newHostId(): string {
  return randomUUID().toUpperCase();
}

/** Assembles a record right after generatePairingCertificates (before the device has answered Pair). */
export function createPairRecord(
  certificates: PairingCertificates,
  ids: { readonly systemBuid: string; readonly hostId?: string; readonly wifiMacAddress?: string },
): PairRecord {
  const { systemBuid, hostId = newHostId(), wifiMacAddress } = ids;
  return { ...certificates, hostId, systemBuid, ...(wifiMacAddress === undefined ? {} : { wifiMacAddress }) };
}

/** The full stored dict, keys in Apple's (alphabetical) order. */
export function pairRecordToPlist(record: PairRecord): PlistDict {
  const dict: PlistDict = { ...record.extra, ...publicPairRecord(record) };
  dict[PAIR_RECORD_KEYS.hostPrivateKeyPem] = record.hostPrivateKeyPem;
  dict[PAIR_RECORD_KEYS.rootPrivateKeyPem] = record.rootPrivateKeyPem;
  if (record.escrowBag !== undefined) dict[PAIR_RECORD_KEYS.escrowBag] = record.escrowBag;
  const sorted: PlistDict = {};
  for (const key of Object.keys(dict).sort()) sorted[key] = dict[key] as PlistValue;
  return sorted;
}

/** The `PairRecord` value of a Pair / ValidatePair / Unpair request: never any private key. */
export function publicPairRecord(record: PublicPairRecord): PlistDict {
  const dict: PlistDict = {
    DeviceCertificate: record.deviceCertificatePem,
    HostCertificate: record.hostCertificatePem,
    HostID: record.hostId,
    RootCertificate: record.rootCertificatePem,
    SystemBUID: record.systemBuid,
  };
  if (record.wifiMacAddress !== undefined) dict[PAIR_RECORD_KEYS.wifiMacAddress] = record.wifiMacAddress;
  return dict;
}

/**
 * Reads a stored pair record. Every required key must be present with the right plist type, IDs must be
 * UUID-shaped, every PEM must be one well-formed block that parses, and each private key must match its
 * certificate. Throws PairingError `PAIRING_BAD_RECORD` whose `key` names the offending plist key.
 */
export function pairRecordFromPlist(value: PlistValue): PairRecord {
  const dict = requireDict(value, 'Pair record');
  const pub = readPublic(dict);
  const hostPrivateKeyPem = requirePrivateKey(dict, PAIR_RECORD_KEYS.hostPrivateKeyPem, pub.hostCertificate);
  const rootPrivateKeyPem = requirePrivateKey(dict, PAIR_RECORD_KEYS.rootPrivateKeyPem, pub.rootCertificate);
  const escrowBag = optionalData(dict, PAIR_RECORD_KEYS.escrowBag);
  const extra: PlistDict = {};
  for (const [key, item] of Object.entries(dict)) if (!KNOWN_KEYS.has(key)) extra[key] = item;
  return {
    ...pub.record,
    hostPrivateKeyPem,
    rootPrivateKeyPem,
    ...(escrowBag === undefined ? {} : { escrowBag }),
    ...(Object.keys(extra).length === 0 ? {} : { extra }),
  };
}

/**
 * Reads the `PairRecord` of a request (device side). Same checks for the public keys; other keys
 * (libimobiledevice's ValidatePair also sends EscrowBag) are ignored.
 */
export function publicPairRecordFromPlist(value: PlistValue): PublicPairRecord {
  return readPublic(requireDict(value, 'PairRecord')).record;
}

interface ParsedPublic {
  readonly record: PublicPairRecord;
  readonly hostCertificate: X509Certificate;
  readonly rootCertificate: X509Certificate;
}

function readPublic(dict: PlistDict): ParsedPublic {
  const device = requireCertificate(dict, PAIR_RECORD_KEYS.deviceCertificatePem);
  const host = requireCertificate(dict, PAIR_RECORD_KEYS.hostCertificatePem);
  const root = requireCertificate(dict, PAIR_RECORD_KEYS.rootCertificatePem);
  const hostId = requireUuid(dict, PAIR_RECORD_KEYS.hostId);
  const systemBuid = requireUuid(dict, PAIR_RECORD_KEYS.systemBuid);
  const wifi = dict[PAIR_RECORD_KEYS.wifiMacAddress];
  if (wifi !== undefined && typeof wifi !== 'string') {
    throw badRecord(PAIR_RECORD_KEYS.wifiMacAddress, `must be a string, found ${plistTypeName(wifi)}`);
  }
  const record: PublicPairRecord = {
    deviceCertificatePem: device.pem,
    hostCertificatePem: host.pem,
    rootCertificatePem: root.pem,
    hostId,
    systemBuid,
    ...(wifi === undefined ? {} : { wifiMacAddress: wifi }),
  };
  return { record, hostCertificate: host.x509, rootCertificate: root.x509 };
}

function badRecord(key: string, problem: string, cause?: unknown): PairingError {
  return new PairingError(`Pair record ${key} ${problem}`, {
    code: 'PAIRING_BAD_RECORD',
    key,
    hint: 'Pair again (unpair, then tap Trust on the iPhone) to replace the damaged record',
    cause,
  });
}

function requireDict(value: PlistValue, what: string): PlistDict {
  if (isDict(value)) return value;
  throw new PairingError(`${what} must be a dict, found ${plistTypeName(value)}`, { code: 'PAIRING_BAD_RECORD' });
}

function requireData(dict: PlistDict, key: string): Buffer {
  const data = optionalData(dict, key);
  if (data === undefined) throw badRecord(key, 'is missing');
  return data;
}

function optionalData(dict: PlistDict, key: string): Buffer | undefined {
  const value = dict[key];
  if (value === undefined) return undefined;
  if (!(value instanceof Uint8Array)) throw badRecord(key, `must be data, found ${plistTypeName(value)}`);
  // Copy: the record must not alias a buffer the caller may reuse.
  return Buffer.from(value);
}

function requireUuid(dict: PlistDict, key: string): string {
  const value = dict[key];
  if (value === undefined) throw badRecord(key, 'is missing');
  if (typeof value !== 'string') throw badRecord(key, `must be a string, found ${plistTypeName(value)}`);
  if (!UUID_SHAPE.test(value)) throw badRecord(key, `is not a UUID: ${JSON.stringify(value.slice(0, 40))}`);
  return value;
}

function requirePem(dict: PlistDict, key: string, labels: readonly string[]): { pem: Buffer; label: string; der: Buffer } {
  const pem = requireData(dict, key);
  const decoded = decodePem(pem);
  if (!decoded.ok) throw badRecord(key, decoded.reason);
  const { label, der } = decoded.block;
  if (!labels.includes(label)) throw badRecord(key, `holds a ${label} PEM block, expected ${labels.join(' or ')}`);
  return { pem, label, der };
}

function requireCertificate(dict: PlistDict, key: string): { pem: Buffer; x509: X509Certificate } {
  const { pem, der } = requirePem(dict, key, ['CERTIFICATE']);
  try {
    return { pem, x509: new X509Certificate(der) };
  } catch (cause) {
    throw badRecord(key, 'is not a valid X.509 certificate', cause);
  }
}

/** PKCS#8 is what OpenSSL and pymobiledevice3 write; PKCS#1 is what GnuTLS/mbedTLS builds of libimobiledevice wrote. */
function requirePrivateKey(dict: PlistDict, key: string, certificate: X509Certificate): Buffer {
  const { pem, label, der } = requirePem(dict, key, ['PRIVATE KEY', 'RSA PRIVATE KEY']);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: der, format: 'der', type: label === 'PRIVATE KEY' ? 'pkcs8' : 'pkcs1' });
  } catch (cause) {
    throw badRecord(key, 'is not a valid private key', cause);
  }
  if (privateKey.asymmetricKeyType !== 'rsa') throw badRecord(key, `is ${privateKey.asymmetricKeyType ?? 'unknown'}, not RSA`);
  // A mismatched pair would only surface as a baffling TLS failure against the device.
  if (!certificate.checkPrivateKey(privateKey)) {
    throw badRecord(key, `does not match ${key.replace('PrivateKey', 'Certificate')}`);
  }
  return pem;
}

function isDict(value: PlistValue): value is PlistDict {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function plistTypeName(value: PlistValue): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number' || typeof value === 'bigint') return 'number';
  if (value instanceof Uint8Array) return 'data';
  if (value instanceof Date) return 'date';
  if (Array.isArray(value)) return 'array';
  return isDict(value) ? 'dict' : (value.constructor.name || 'object');
}
