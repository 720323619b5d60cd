/** Errors of the backup engine. */
import { LifeboatError, type LifeboatErrorOptions } from '../util/errors.js';

export class BackupError extends LifeboatError {
  constructor(message: string, options: Partial<LifeboatErrorOptions> & { code: string }) {
    super(message, options);
  }
}
