/**
 * The one progress event type of long operations (backup, restore): the CLI renders it as a bar or
 * as JSON lines, and the daemon and dashboard reuse it. Rates and ETA are derived here, once.
 */
export type BackupPhase = 'connecting' | 'preparing' | 'transferring' | 'committing';

export type BackupEvent =
  | { readonly type: 'phase'; readonly phase: BackupPhase; readonly message: string }
  | {
      readonly type: 'progress';
      readonly files: number;
      readonly bytes: number;
      /** The device's overall estimate, 0..100, when it gives one. */
      readonly percent: number | undefined;
      readonly bytesPerSecond: number;
      readonly etaSeconds: number | undefined;
    };

export type BackupEventListener = (event: BackupEvent) => void;

/** Turns raw counters into progress events with a smoothed rate, at most every `intervalMs`. */
export class ProgressMeter {
  private readonly started = Date.now();
  private lastEmit = 0;

  constructor(
    private readonly listener: BackupEventListener | undefined,
    private readonly intervalMs = 200,
  ) {}

  update(files: number, bytes: number, percent: number | undefined, force = false): void {
    if (!this.listener) return;
    const now = Date.now();
    if (!force && now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const bytesPerSecond = bytes / seconds;
    const etaSeconds = percent !== undefined && percent > 0 && percent < 100 ? (seconds * (100 - percent)) / percent : undefined;
    this.listener({ type: 'progress', files, bytes, percent, bytesPerSecond, etaSeconds });
  }
}
