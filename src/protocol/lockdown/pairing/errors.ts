/**
 * Errors raised while creating, loading or checking lockdownd pairing material.
 *
 * Nouns: a *pair record* is the set of certificates, keys and identifiers a host and an iPhone share after
 * the user taps Trust; the *key* of a PairingError is the pair-record key (e.g. `HostCertificate`) that is
 * wrong, so tools can point at it; the *lockdown error* is the string a device puts in the `Error` field of
 * its reply (the virtual iPhone copies it into its answer so hosts see what a real device would say).
 */
import { LifeboatError } from '../../../util/errors.js';

/**
 * Stable codes:
 * - `PAIRING_BAD_KEY`: a public or private key is not an RSA key in an accepted PEM form.
 * - `PAIRING_BAD_RECORD`: a stored or received pair record is missing a key or has a malformed value.
 * - `PAIRING_INVALID_PAIR_RECORD`: (device side) the record parses but its certificates do not belong
 *   together or to this device; a real device answers `InvalidPairRecord`.
 * - `PAIRING_CERT_BUILD`: building a certificate failed the self-check (a bug, never user error).
 */
export type PairingErrorCode =
  | 'PAIRING_BAD_KEY'
  | 'PAIRING_BAD_RECORD'
  | 'PAIRING_INVALID_PAIR_RECORD'
  | 'PAIRING_CERT_BUILD';

export interface PairingErrorOptions {
  readonly code: PairingErrorCode;
  readonly hint?: string;
  readonly cause?: unknown;
  /** Pair-record key at fault, e.g. `DeviceCertificate`. */
  readonly key?: string;
  /** Error string a lockdownd would answer with, e.g. `InvalidPairRecord`. */
  readonly lockdownError?: string;
}

export class PairingError extends LifeboatError {
  override readonly code: PairingErrorCode;
  readonly key: string | undefined;
  readonly lockdownError: string | undefined;

  constructor(message: string, options: PairingErrorOptions) {
    super(message, options);
    this.code = options.code;
    this.key = options.key;
    this.lockdownError = options.lockdownError;
  }
}
