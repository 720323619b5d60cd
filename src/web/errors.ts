/**
 * The dashboard's one error type: an HTTP status, a machine code and a message a person can read.
 * Errors of the services below (LifeboatError: VaultError, ContentError, BackupError …) are mapped
 * to a status by their code in http.ts, so every failure reaches the browser as one clear line.
 */
import { LifeboatError } from '../util/errors.js';

export class WebError extends LifeboatError {
  constructor(
    readonly status: number,
    message: string,
    code = status === 401 ? 'WEB_UNAUTHORIZED' : status === 403 ? 'WEB_FORBIDDEN' : status === 404 ? 'WEB_NOT_FOUND' : 'WEB_BAD_REQUEST',
    hint?: string,
  ) {
    super(message, { code, ...(hint ? { hint } : {}) });
  }
}
