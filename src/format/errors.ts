/**
 * The one error type the backup-format layer raises.
 *
 * Nouns: a *backup folder* is one device's Finder/iTunes backup (Info.plist, Manifest.plist, Status.plist,
 * Manifest.db and the sharded content blobs). Every failure that comes from the bytes on disk — a missing
 * piece, a corrupt record, a hostile value, a wrong password — surfaces as a FormatError whose `code` is one
 * of FORMAT_CODES, so the CLI and the daemon can match on it. Programming errors (a caller passing a
 * 7-byte key) stay TypeError/RangeError: they are bugs, not bad input.
 */
import { LifeboatError } from '../util/errors.js';

export const FORMAT_CODES = {
  /** A required file of the backup folder is missing or unreadable (the message names it). */
  NOT_A_BACKUP: 'FORMAT_NOT_A_BACKUP',
  /** An iOS ≤ 9 backup (Manifest.mbdb); this reader handles the Manifest.db era only. */
  LEGACY_MBDB: 'FORMAT_LEGACY_MBDB',
  /** Bytes that do not follow the format: bad plist, bad MBFile, bad SQLite rows, truncated blob. */
  CORRUPT: 'FORMAT_CORRUPT',
  /** The BackupKeyBag TLV is malformed or lacks what unlocking needs. */
  BAD_KEYBAG: 'FORMAT_BAD_KEYBAG',
  /** The password did not unwrap the keybag's class keys (RFC 3394 integrity check failed). */
  WRONG_PASSWORD: 'FORMAT_WRONG_PASSWORD',
  /** The backup is encrypted and no password (or derived key) was given. */
  PASSWORD_REQUIRED: 'FORMAT_PASSWORD_REQUIRED',
  /** A fileID is not 40 lowercase hex characters (it would otherwise be joined into a path). */
  BAD_FILE_ID: 'FORMAT_BAD_FILE_ID',
  /** A content blob that Manifest.db lists is absent from the folder. */
  MISSING_BLOB: 'FORMAT_MISSING_BLOB',
  /** Valid but outside what this reader supports (e.g. a class key bound to the device's UID key). */
  UNSUPPORTED: 'FORMAT_UNSUPPORTED',
} as const;

export type FormatErrorCode = (typeof FORMAT_CODES)[keyof typeof FORMAT_CODES];

export interface FormatErrorOptions {
  readonly hint?: string;
  readonly cause?: unknown;
  /** The file of the backup folder the problem is in, when there is one. */
  readonly file?: string;
}

export class FormatError extends LifeboatError {
  override readonly code: FormatErrorCode;
  readonly file: string | undefined;

  constructor(code: FormatErrorCode, message: string, options: FormatErrorOptions = {}) {
    // A backup on disk does not change by itself, so nothing here is worth retrying blindly.
    super(message, { code, hint: options.hint, retryable: false, cause: options.cause });
    this.code = code;
    this.file = options.file;
  }
}

/** Wraps an unexpected error (SQLite, plist, fs) as FORMAT_CORRUPT unless it already is a FormatError. */
export function asFormatError(error: unknown, what: string, file?: string): FormatError {
  if (error instanceof FormatError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new FormatError(FORMAT_CODES.CORRUPT, `${what}: ${detail}`, { cause: error, file });
}
