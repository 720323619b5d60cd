/**
 * sha256 of many files on every core: verify is bound by hashing (SHA-256 runs at a few hundred MB/s
 * per core), so a pool of worker threads each hashes a share of the files with the same synchronous
 * 1 MiB-chunk reader as the main thread (digests.ts hashFile). Small jobs stay on the main thread,
 * where starting workers would cost more than it saves, and so does everything when the machine has no
 * idle core (load average at or above the core count): measured on a loaded 2-core VM, four threads
 * competing for busy cores hashed at 60 % of the single-threaded rate.
 */
import { availableParallelism, loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { hashFile } from './digests.js';

export type HashOutcome = { readonly sha256: string; readonly size: number } | { readonly error: string };

const SMALL_JOB_BYTES = 16 * 1024 * 1024;
/** Files per message to a worker: big enough to amortise messaging, small enough to balance load. */
const BATCH = 256;

function hashOne(path: string): HashOutcome {
  try {
    return hashFile(path);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** Hashes `paths` (with their expected `sizes`, used only to balance the work); results in order. */
export async function hashFiles(paths: readonly string[], sizes: readonly number[], onDone?: (bytes: number) => void): Promise<HashOutcome[]> {
  const total = sizes.reduce((sum, n) => sum + n, 0);
  const cores = availableParallelism();
  const idle = Math.floor(cores - (loadavg()[0] ?? 0));
  const threads = Math.min(cores, idle, 8);
  if (threads < 2 || total < SMALL_JOB_BYTES || paths.length < 2) {
    return paths.map((path) => {
      const outcome = hashOne(path);
      if ('size' in outcome) onDone?.(outcome.size);
      return outcome;
    });
  }
  const results: HashOutcome[] = new Array<HashOutcome>(paths.length);
  let next = 0;
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./hash-worker.js', import.meta.url)));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const feed = (): void => {
              if (next >= paths.length) {
                resolve();
                return;
              }
              const start = next;
              next = Math.min(paths.length, next + BATCH);
              worker.postMessage({ start, paths: paths.slice(start, next) });
            };
            worker.on('message', (message: { start: number; outcomes: HashOutcome[] }) => {
              message.outcomes.forEach((outcome, i) => {
                results[message.start + i] = outcome;
                if ('size' in outcome) onDone?.(outcome.size);
              });
              feed();
            });
            worker.once('error', reject);
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results;
}
