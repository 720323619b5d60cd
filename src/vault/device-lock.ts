/**
 * One backup per device at a time: a lock file created with O_EXCL holding the owner's pid. A lock
 * whose owner is no longer alive (kill -9, power loss) is stale and taken over, so a crash never
 * blocks the next backup.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { processAlive } from '../util/process-alive.js';
import { VaultError } from './errors.js';

export interface DeviceLock {
  release(): void;
}

export function acquireDeviceLock(path: string, what: string): DeviceLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            unlinkSync(path);
          } catch {
            // already gone: nothing to release
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner = NaN;
      try {
        owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // unreadable: treat as stale below
      }
      if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
        throw new VaultError(`${what} is already running (process ${owner})`, {
          code: 'VAULT_LOCKED',
          retryable: true,
          hint: 'Wait for the other backup to finish.',
        });
      }
      unlinkSync(path); // stale: its owner died
    }
  }
  throw new VaultError(`could not take the lock ${path}`, { code: 'VAULT_LOCKED', retryable: true });
}

/** The pid of the live process holding the lock at `path`, or undefined (no lock, or a stale one). */
export function deviceLockOwner(path: string): number | undefined {
  let owner: number;
  try {
    owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(owner) && owner > 0 && processAlive(owner) ? owner : undefined;
}
