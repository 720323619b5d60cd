/** Errors of the snapshot store. */
import { LifeboatError, type LifeboatErrorOptions } from '../util/errors.js';

export class VaultError extends LifeboatError {
  constructor(message: string, options: Partial<LifeboatErrorOptions> & { code: string }) {
    super(message, options);
  }
}
