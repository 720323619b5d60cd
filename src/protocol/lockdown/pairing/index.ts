/**
 * Lockdownd pairing: certificate generation (host), pair records (host storage and the Pair request),
 * device-side checks (virtual iPhone) and TLS options for the session both sides start after StartSession.
 * See each module's header for the nouns; this file only chooses what is public.
 */
export { PairingError, type PairingErrorCode, type PairingErrorOptions } from './errors.js';
export { generatePairingCertificates, readDevicePublicKey, type PairingCertificates } from './certificates.js';
export {
  generateDeviceKeyPair,
  readDevicePrivateKey,
  verifyPairRecordForDevice,
  type DeviceKeyPair,
} from './device-keys.js';
export {
  PAIR_RECORD_KEYS,
  createPairRecord,
  newHostId,
  pairRecordFromPlist,
  pairRecordToPlist,
  publicPairRecord,
  publicPairRecordFromPlist,
  type PairRecord,
  type PublicPairRecord,
} from './pair-record.js';
export {
  LOCKDOWN_CIPHERS,
  clientCertificateMatches,
  deviceTlsOptions,
  hostTlsOptions,
  type HostIdentity,
} from './tls-options.js';
