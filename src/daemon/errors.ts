/** Errors of the daemon (scheduler, control socket, after-backup steps). */
import { LifeboatError, type LifeboatErrorOptions } from '../util/errors.js';

export class DaemonError extends LifeboatError {
  constructor(message: string, options: Partial<LifeboatErrorOptions> & { code: string }) {
    super(message, options);
  }
}
