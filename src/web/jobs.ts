/**
 * Long work started from the dashboard when no daemon runs (`lifeboat serve`): "Back Up Now" runs the
 * backup engine in this process, restores run the restore engine; both stream the engine's progress
 * events to every open page. With a daemon, backups go through it instead (see context.ts).
 *
 * Nouns: a *job* is one such run (id, device, kind, state); its *view* is what the browser sees — the
 * last phase and progress event, and at the end the snapshot made or the error with its hint. One job
 * per device at a time; the vault's device lock also guards against other processes.
 */
import { EventEmitter } from 'node:events';
import { backupDevice } from '../backup/engine.js';
import type { BackupEvent } from '../backup/progress.js';
import type { PairRecordStore } from '../protocol/host/pair-store.js';
import { selectDevice } from '../protocol/host/select-device.js';
import { UsbmuxTransport } from '../protocol/transport.js';
import type { UsbmuxClient } from '../protocol/usbmux/client.js';
import { LifeboatError, describeError } from '../util/errors.js';
import type { LocalSnapshotStore } from '../vault/local-store.js';
import { WebError } from './errors.js';

export type JobKind = 'backup' | 'restore' | 'remote-sync' | 'remote-check' | 'remote-restore';

/** What a job's work reports: the engine's events, or a phase of its own (remote work names its steps). */
export type JobEvent = BackupEvent | { readonly type: 'phase'; readonly phase: string; readonly message: string };

/** What a job's work ends with: the snapshot it made, and/or a small result for the page. */
export type JobOutcome = string | undefined | { readonly snapshot?: string; readonly result?: Readonly<Record<string, unknown>> };

export interface JobView {
  readonly id: number;
  readonly udid: string;
  readonly kind: JobKind;
  /** The remote a remote-* job works on. */
  readonly remote?: string;
  readonly state: 'running' | 'done' | 'failed';
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly phase?: string;
  readonly message?: string;
  readonly progress?: Extract<BackupEvent, { type: 'progress' }>;
  readonly snapshot?: string;
  readonly result?: Readonly<Record<string, unknown>>;
  readonly error?: { readonly message: string; readonly hint?: string; readonly code?: string };
}

export interface JobDeps {
  readonly mux: UsbmuxClient;
  readonly pairStore: PairRecordStore;
  readonly store: () => LocalSnapshotStore;
}

export class Jobs extends EventEmitter<{ job: [JobView] }> {
  private readonly views = new Map<number, JobView>();
  private readonly aborts = new Map<number, AbortController>();
  private nextId = 1;

  constructor(private readonly deps: JobDeps) {
    super();
  }

  list(): JobView[] {
    return [...this.views.values()];
  }

  running(udid: string): JobView | undefined {
    return this.list().find((j) => j.udid === udid && j.state === 'running');
  }

  /** Starts a backup of `udid` and returns at once; progress arrives as 'job' events. */
  startBackup(udid: string, options: { full?: boolean } = {}): JobView {
    return this.start(udid, 'backup', async (signal, emit) => {
      const transport = new UsbmuxTransport(this.deps.mux, selectDevice(await this.deps.mux.listDevices(), udid));
      const result = await backupDevice({ transport, pairStore: this.deps.pairStore, store: this.deps.store(), full: options.full ?? false, signal, onEvent: emit });
      return result.snapshot.id;
    });
  }

  /** Runs `work` as a job of `kind` on `udid` (restore and other device work use this too). */
  start(udid: string, kind: JobKind, work: (signal: AbortSignal, emit: (event: JobEvent) => void) => Promise<JobOutcome>, options: { remote?: string } = {}): JobView {
    const busy = this.running(udid);
    if (busy) throw new WebError(409, `a ${busy.kind} of this iPhone is already running`, 'WEB_JOB_IN_PROGRESS');
    const id = this.nextId++;
    const abort = new AbortController();
    this.aborts.set(id, abort);
    let view: JobView = { id, udid, kind, ...(options.remote ? { remote: options.remote } : {}), state: 'running', startedAt: new Date().toISOString(), phase: 'starting' };
    const publish = (next: JobView): void => {
      view = next;
      this.views.set(id, view);
      this.emit('job', view);
    };
    publish(view);
    const emit = (event: JobEvent): void => {
      if (event.type === 'phase') publish({ ...view, phase: event.phase, message: event.message });
      else publish({ ...view, progress: event });
    };
    void work(abort.signal, emit).then(
      (outcome) => {
        const ended = typeof outcome === 'object' ? outcome : { snapshot: outcome };
        publish({ ...view, state: 'done', endedAt: new Date().toISOString(), ...(ended.snapshot ? { snapshot: ended.snapshot } : {}), ...(ended.result ? { result: ended.result } : {}) });
      },
      (error: unknown) =>
        publish({
          ...view,
          state: 'failed',
          endedAt: new Date().toISOString(),
          error:
            error instanceof LifeboatError
              ? { message: error.message, code: error.code, ...(error.hint ? { hint: error.hint } : {}) }
              : { message: describeError(error) },
        }),
    ).finally(() => this.aborts.delete(id));
    return view;
  }

  /** Cancels every running job (server shutdown); each fails cleanly and leaves the vault intact. */
  cancelAll(): void {
    for (const abort of this.aborts.values()) abort.abort(new Error('the dashboard stopped'));
  }

  /** Resolves when no job is running (for shutdown). */
  async idle(): Promise<void> {
    while (this.list().some((j) => j.state === 'running')) await new Promise((resolve) => this.once('job', resolve));
  }
}
