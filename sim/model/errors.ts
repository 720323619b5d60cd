/**
 * Errors raised by the virtual iPhone's model (identity, iOS table, controllable state).
 *
 * Nouns: a *setting* is one `key=value` assignment a script or the CLI applies to a device's state
 * (`battery=80`, `ios=17.5`); its *key* is the part before `=`. A `SimStateError` always names the key
 * it refuses and the values that key accepts, because the person reading it is usually fixing a script.
 * An `UnknownIosVersionError` is raised by the iOS table itself (not tied to a setting), so other
 * callers (fixtures, the CLI) get the same "nearby known versions" message.
 */
import { LifeboatError } from '../../src/util/errors.js';

export const SIM_BAD_SETTING = 'SIM_BAD_SETTING';
export const SIM_UNKNOWN_IOS_VERSION = 'SIM_UNKNOWN_IOS_VERSION';

export interface SimStateErrorOptions {
  /** The setting key the error is about (`battery`, `ios`, …); absent for whole-assignment errors. */
  readonly key?: string;
  readonly hint?: string;
  readonly cause?: unknown;
}

/** A refused `key=value` setting or an inconsistent device state. Code `SIM_BAD_SETTING`. */
export class SimStateError extends LifeboatError {
  readonly key: string | undefined;

  constructor(message: string, options: SimStateErrorOptions = {}) {
    super(message, {
      code: SIM_BAD_SETTING,
      ...(options.hint === undefined ? {} : { hint: options.hint }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.key = options.key;
  }
}

/** A version string that is not in the verified iOS release table. Code `SIM_UNKNOWN_IOS_VERSION`. */
export class UnknownIosVersionError extends LifeboatError {
  readonly version: string;
  readonly nearby: readonly string[];

  constructor(version: string, nearby: readonly string[], message: string) {
    super(message, { code: SIM_UNKNOWN_IOS_VERSION, hint: 'Pick one of the listed versions, e.g. ios=18.6' });
    this.version = version;
    this.nearby = nearby;
  }
}
