/**
 * Early writeback of large received files. A snapshot is made durable by one file-system sync at
 * commit (src/vault/local-store.ts); on its own that sync starts writing gigabytes only once the
 * transfer is over, so the disk idles while the phone sends and the phone idles while the disk
 * writes: for 2.3 GB of large files the commit waited ~6 s. Here a file of EARLY_WRITEBACK_BYTES or
 * more is handed over when complete: its data is flushed (fdatasync) and its descriptor closed on
 * the thread pool, while the main thread goes on receiving. The disk then writes during the
 * transfer and the commit's sync finds little left to do.
 *
 * Not an fsync per file on the hot path: small files (where a sync per file would cost more than the
 * file) never come here, and nothing on the main thread waits for a flush unless MAX_OUTSTANDING
 * are already in flight — then the disk is the bottleneck and waiting is the right back-pressure.
 * A flush or close that fails is kept and reported by drain(): the backup then fails (its data may
 * not be on disk), exactly as a failed write does.
 */
import { close, fdatasync } from 'node:fs';

/** Files at least this large are flushed as soon as they are complete. */
export const EARLY_WRITEBACK_BYTES = 8 * 1024 * 1024;
/** Flushes in flight at most (each holds one descriptor and one thread-pool thread). */
const MAX_OUTSTANDING = 4;

export interface WritebackFailure {
  readonly code: string | undefined;
  readonly path: string;
}

export class EarlyWriteback {
  private outstanding = 0;
  private waiters: Array<() => void> = [];
  private failure: WritebackFailure | undefined;

  /** Takes ownership of `fd` (a complete file): flushes it in the background, then closes it. */
  hand(fd: number, path: string): void {
    this.outstanding++;
    fdatasync(fd, (syncError) => {
      close(fd, (closeError) => {
        const error = syncError ?? closeError;
        if (error && !this.failure) this.failure = { code: error.code, path };
        this.outstanding--;
        const waiters = this.waiters;
        this.waiters = [];
        for (const wake of waiters) wake();
      });
    });
  }

  /** True when a caller should wait for room() before handing over more. */
  get full(): boolean {
    return this.outstanding >= MAX_OUTSTANDING;
  }

  /** Resolves once fewer than MAX_OUTSTANDING flushes are in flight. */
  async room(): Promise<void> {
    while (this.outstanding >= MAX_OUTSTANDING) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Waits for every flush; returns the first failure, if any. */
  async drain(): Promise<WritebackFailure | undefined> {
    while (this.outstanding > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.failure;
  }
}
