/**
 * Errors raised by the virtual phone's file system.
 *
 * Codes: SIM_DATA_BAD_PATH (a domain or relative path write()/mkdir()/symlink() refuses),
 * SIM_DATA_NOT_FOUND (no such entry), SIM_DATA_WRONG_KIND (a file where a directory is needed or the
 * reverse), SIM_DATA_BAD_PROFILE, SIM_DATA_STATE_MISMATCH (a state dir written for another seed or
 * profile), SIM_DATA_BAD_MUTATION.
 */
import { LifeboatError, type LifeboatErrorOptions } from '../../src/util/errors.js';

export class SimDataError extends LifeboatError {
  constructor(message: string, options: LifeboatErrorOptions) {
    super(message, options);
  }
}
