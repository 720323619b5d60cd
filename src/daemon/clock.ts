/**
 * Time, injected: the daemon never reads Date.now() or sets timers itself, so tests and the soak run
 * days of schedule in seconds (ManualClock) while production uses the system clock.
 */

export interface Clock {
  now(): Date;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      // Timers beyond 2^31-1 ms overflow to 1 ms in Node; nothing here sleeps that long in one go.
      const timer = setTimeout(done, Math.min(Math.max(ms, 0), 2_147_000_000));
      function done(): void {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }
      function onAbort(): void {
        clearTimeout(timer);
        reject(abortError(signal as AbortSignal));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

interface Sleeper {
  readonly deadline: number;
  readonly resolve: () => void;
}

/**
 * A clock that only moves when told to. `advance` moves time forward, waking sleepers in deadline
 * order; each wake is followed by `settle` (e.g. "wait until the daemon is idle") so work started by
 * one wake finishes before the next, exactly as if the time had really passed.
 *
 * Real time passing also lets the event loop read its sockets, so before each settle `advance` turns
 * the event loop (I/O_TURNS times). Without that, a daemon with nothing to do settles in microtasks
 * only, and days of simulated time passed without the usbmux Listen socket ever being read: phones
 * plugged in during that time were never seen (the 200-day soak's "no backup for the last 25 days").
 */
/**
 * Event-loop turns per wake: one reads what is already in a socket (its handler runs before the
 * check phase); the second covers a reply written during the first.
 */
const IO_TURNS = 2;

function turnEventLoop(): Promise<void> {
  let turns = Promise.resolve();
  for (let i = 0; i < IO_TURNS; i++) turns = turns.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  return turns;
}

export class ManualClock implements Clock {
  private current: number;
  private readonly sleepers = new Set<Sleeper>();

  constructor(start: Date | string | number = Date.UTC(2026, 0, 5, 12, 0, 0)) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const sleeper: Sleeper = {
        deadline: this.current + Math.max(ms, 0),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.sleepers.delete(sleeper);
        reject(abortError(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.add(sleeper);
    });
  }

  /** Moves time forward by `ms`, waking due sleepers one deadline at a time and awaiting `settle` after each. */
  async advance(ms: number, settle: () => Promise<void> = () => Promise.resolve()): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      let next: Sleeper | undefined;
      for (const s of this.sleepers) if (s.deadline <= target && (!next || s.deadline < next.deadline)) next = s;
      if (!next) break;
      this.current = Math.max(this.current, next.deadline);
      const due = [...this.sleepers].filter((s) => s.deadline <= this.current);
      for (const s of due) {
        this.sleepers.delete(s);
        s.resolve();
      }
      await turnEventLoop();
      await settle();
    }
    this.current = target;
    await turnEventLoop();
    await settle();
  }

  /** Sleepers waiting (for tests that check nothing leaks). */
  get pending(): number {
    return this.sleepers.size;
  }
}
