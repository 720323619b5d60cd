/**
 * What a failed backup tells the person: the engine turns whatever stopped a transfer (the phone gone,
 * silent, misbehaving or failing; this computer's disk full) into one LifeboatError that says what
 * happened, that the previous backup is intact (the staging folder is thrown away, never committed),
 * and what to do next. Codes stay stable for scripts; exit codes follow the class (src/cli/exit-codes.ts).
 */
import { DeviceError, DisconnectedError, ProtocolError, TimeoutError } from '../protocol/errors.js';
import { LifeboatError } from '../util/errors.js';
import { BackupError } from './errors.js';

/** The ErrorCodes phones end a backup with that have their own explanation. */
export const DeviceBackupError = {
  /** The computer has too little free space (GetFreeDiskSpace answered less than the backup needs). */
  NOT_ENOUGH_HOST_SPACE: 105,
  /** The phone's own storage is full (as the virtual iPhone reports it). */
  NOT_ENOUGH_DEVICE_SPACE: 106,
} as const;

const INTACT = 'the previous backup is intact';

export interface FailureContext {
  /** Where snapshots are kept, to name the disk that is full. */
  readonly vaultDir: string;
  /** The idle bound the transfer used, for "stopped responding" messages. */
  readonly idleTimeoutMs: number;
  /** Set when the user (or the daemon) cancelled: that reason is passed through unchanged. */
  readonly signal?: AbortSignal;
}

function diskFullHint(vaultDir: string): string {
  return `Free up space on the disk that holds ${vaultDir} (or move the vault to a larger disk), then run the backup again.`;
}

function isErrno(error: unknown, ...codes: string[]): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && codes.includes((error as NodeJS.ErrnoException).code as string);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The error a failed transfer is reported with; `error` is what stopped it. */
export function explainBackupFailure(error: unknown, context: FailureContext): Error {
  if (context.signal?.aborted && error === context.signal.reason) return error instanceof Error ? error : new Error(String(error));

  if (error instanceof BackupError && error.code === 'BACKUP_HOST_DISK_FULL') {
    return new BackupError(`${error.message}; the backup was stopped and ${INTACT}`, {
      code: 'BACKUP_HOST_DISK_FULL',
      retryable: true,
      hint: diskFullHint(context.vaultDir),
      cause: error,
    });
  }
  if (isErrno(error, 'ENOSPC', 'EDQUOT')) {
    return new BackupError(`this computer's disk is full (${error.message}); the backup was stopped and ${INTACT}`, {
      code: 'BACKUP_HOST_DISK_FULL',
      retryable: true,
      hint: diskFullHint(context.vaultDir),
      cause: error,
    });
  }
  if (error instanceof DeviceError && /^MB2_\d+$/.test(error.deviceError)) {
    const code = Number(error.deviceError.slice(4));
    const said = error.message.replace(/^the iPhone ended the operation with error \d+:?\s*/, '');
    if (code === DeviceBackupError.NOT_ENOUGH_HOST_SPACE) {
      return new BackupError(`not enough free space on this computer for the backup (the iPhone says: ${said || `error ${code}`}); nothing was sent and ${INTACT}`, {
        code: 'BACKUP_HOST_DISK_FULL',
        retryable: true,
        hint: diskFullHint(context.vaultDir),
        cause: error,
      });
    }
    if (code === DeviceBackupError.NOT_ENOUGH_DEVICE_SPACE) {
      return new BackupError(`the iPhone's own storage is full, so it cannot make a backup (the iPhone says: ${said || `error ${code}`}); ${INTACT}`, {
        code: 'BACKUP_DEVICE_STORAGE_FULL',
        retryable: true,
        hint: 'Free up storage on the iPhone (Settings › General › iPhone Storage), then run the backup again.',
        cause: error,
      });
    }
    return new BackupError(`the iPhone stopped the backup with error ${code}${said ? `: ${said}` : ''}; ${INTACT}`, {
      code: 'BACKUP_DEVICE_FAILED',
      retryable: true,
      hint: 'Unlock the iPhone, keep it connected, and run the backup again; if the same error comes back, restart the iPhone.',
      cause: error,
    });
  }
  if (error instanceof DisconnectedError) {
    const ended = error.code === 'BACKUP_DEVICE_DISCONNECTED';
    return new DisconnectedError(ended ? `the iPhone ended the backup session before finishing; ${INTACT}` : `the iPhone was disconnected during the backup; ${INTACT}`, {
      code: 'DEVICE_DISCONNECTED',
      hint: 'Reconnect the iPhone (check the cable, or that it is on the same Wi-Fi network), unlock it, and run the backup again.',
      cause: error,
    });
  }
  if (error instanceof TimeoutError) {
    return new TimeoutError(`the iPhone stopped responding during the backup (nothing arrived for ${seconds(context.idleTimeoutMs)}); ${INTACT}`, {
      hint: 'Unlock the iPhone and keep it connected and awake, then run the backup again; if it keeps happening, restart the iPhone.',
      cause: error,
    });
  }
  if (error instanceof ProtocolError) {
    return new BackupError(`the iPhone sent something the backup protocol does not allow (${error.message}), so the backup was stopped; ${INTACT}`, {
      code: 'BACKUP_PROTOCOL_ERROR',
      retryable: true,
      hint: 'Run the backup again; if it keeps happening, restart the iPhone and update iOS.',
      cause: error,
    });
  }
  if (error instanceof LifeboatError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BackupError(`the backup failed: ${message}; ${INTACT}`, {
    code: 'BACKUP_FAILED',
    retryable: true,
    hint: 'Run the backup again; if it keeps failing, run it with --verbose and report the output.',
    cause: error,
  });
}
