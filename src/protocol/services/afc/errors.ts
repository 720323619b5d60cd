/**
 * AfcError: the phone answered an AFC request with a non-zero STATUS.
 *
 * It extends DeviceError, not ProtocolError: the exchange itself was well-formed (a valid STATUS
 * packet for our packet number), the device simply refused the operation — exactly what DeviceError
 * means ("the device answered with an error"). The connection stays usable, and callers match on the
 * status name (`error.deviceError === 'OP_WOULD_BLOCK'`) as they match lockdown's error strings.
 * ProtocolError stays reserved for a peer that breaks the framing, after which the connection is closed.
 */
import { DeviceError } from '../../errors.js';
import { AfcStatus, afcStatusName } from './constants.js';

/** Statuses that can clear up by themselves (a lock held by another sync, a busy file). */
const RETRYABLE = new Set<string>(['OP_WOULD_BLOCK', 'OBJECT_BUSY', 'OP_TIMEOUT', 'OP_INTERRUPTED', 'OP_IN_PROGRESS']);

const HINTS: Partial<Record<string, string>> = {
  OP_WOULD_BLOCK: 'Another computer or app is syncing with the iPhone (Finder, iTunes, another backup tool). Let it finish, then try again.',
  NO_SPACE_LEFT: 'Free some space on the iPhone, then try again.',
  PERM_DENIED: 'The iPhone does not allow access to that path over AFC.',
};

export class AfcError extends DeviceError {
  /** The numeric AFC status code. */
  readonly status: number;
  /** The AFC operation that failed, e.g. "FILE_LOCK". */
  readonly operation: string;
  /** The path the operation was about, when it had one. */
  readonly path: string | undefined;

  constructor(status: number, operation: string, path?: string, options: { message?: string; hint?: string } = {}) {
    const name = afcStatusName(status);
    super(name, options.message ?? `AFC ${operation}${path !== undefined ? ` ${JSON.stringify(path)}` : ''} failed: ${name} (${status})`, {
      code: `AFC_${name}`,
      retryable: RETRYABLE.has(name),
      ...((options.hint ?? HINTS[name]) !== undefined ? { hint: options.hint ?? HINTS[name] } : {}),
    });
    this.status = status;
    this.operation = operation;
    this.path = path;
  }

  /** The status name, e.g. "OBJECT_NOT_FOUND" (same as `deviceError`). */
  get statusName(): string {
    return this.deviceError;
  }

  is(name: keyof typeof AfcStatus): boolean {
    return this.status === AfcStatus[name];
  }
}
