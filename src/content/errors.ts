/**
 * The one error type of the content layer (readers and exporters of what a backup holds).
 *
 * Codes: CONTENT_UNSAFE_PATH — a name from the backup would land outside the output root (or on a
 * symlink); CONTENT_TOO_LARGE — a file is bigger than the reader accepts for its kind; CONTENT_CORRUPT —
 * an app database or plist does not have the shape its reader expects; CONTENT_OUTPUT_EXISTS — the
 * output folder is not empty (exports never overwrite); CONTENT_UNAVAILABLE — the backup does not hold
 * that data (e.g. Health in an unencrypted backup).
 */
import { LifeboatError } from '../util/errors.js';

export type ContentErrorCode = 'CONTENT_UNSAFE_PATH' | 'CONTENT_TOO_LARGE' | 'CONTENT_CORRUPT' | 'CONTENT_OUTPUT_EXISTS' | 'CONTENT_UNAVAILABLE';

export class ContentError extends LifeboatError {
  override readonly code: ContentErrorCode;

  constructor(code: ContentErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    // Backup contents do not change between attempts: nothing here is worth retrying blindly.
    super(message, { code, hint: options.hint, cause: options.cause, retryable: false });
    this.code = code;
  }
}
