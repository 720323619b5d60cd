/**
 * The daemon: watches devices over usbmux Listen, backs each one up when its policy holds, records
 * every run, and alerts when something is wrong (see policy.ts, alerts/, history.ts).
 *
 * Shape: three loops share the device table — the *listener* (Attached/Detached), the *scheduler*
 * (one pass over the devices, then sleep on the injected clock until the next thing is due or an
 * event wakes it) and the *runs* (at most config.daemon.maxParallel at once, one per device; the
 * vault's device lock also keeps `lifeboat backup` and the daemon apart). Nothing here reads the wall
 * clock, so tests drive days of schedule with a ManualClock.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { BackupOptions } from '../backup/engine.js';
import { resolvePolicy, type LifeboatConfig } from '../config/schema.js';
import { UsbmuxPairRecordStore, type PairRecordStore } from '../protocol/host/pair-store.js';
import { normalizeUdid } from '../protocol/host/select-device.js';
import { UsbmuxTransport } from '../protocol/transport.js';
import { UsbmuxClient } from '../protocol/usbmux/client.js';
import type { MuxDevice } from '../protocol/usbmux/messages.js';
import { describeError, LifeboatError } from '../util/errors.js';
import { LocalSnapshotStore } from '../vault/local-store.js';
import { defaultRetention, freeBytes, nextBackupEstimate, type RetentionStep, type SyncRemote } from './after-backup.js';
import { AlertCenter } from './alerts/center.js';
import { channelsFromConfig, type AlertChannel } from './alerts/channels.js';
import { deviceAlerts } from './alerts/rules.js';
import { systemClock, type Clock } from './clock.js';
import { ControlServer } from './control-server.js';
import { readDeviceReadings } from './device-readings.js';
import { DaemonError } from './errors.js';
import { fallbackExplainFailure, type ExplainFailure, type FailureExplanation } from './explain.js';
import { HistoryDb } from './history.js';
import { backoffMs, planDevice, type DeviceReadings } from './policy.js';
import { runBackup } from './run-backup.js';
import type { AlertChannelName, AlertRecord, BackupProgressEvent, DaemonEvents, DeviceStatus, RunRecord, RunTrigger } from './types.js';

export interface DaemonOptions {
  /** The configuration, or a function returning the current one (re-read on every pass). */
  readonly config: LifeboatConfig | (() => LifeboatConfig);
  /** Where history.db lives (the data home). */
  readonly dataHome: string;
  /** The local vault (default: config.vaultPath, else `<dataHome>/vault`). */
  readonly vaultRoot?: string;
  readonly mux?: UsbmuxClient;
  readonly pairs?: PairRecordStore;
  readonly clock?: Clock;
  /** The doctor's explainFailure; a code/hint-based fallback otherwise. */
  readonly explainFailure?: ExplainFailure;
  readonly syncRemote?: SyncRemote;
  readonly retention?: RetentionStep;
  /** Alert channels (default: from config.alerts). */
  readonly channels?: readonly AlertChannel[];
  /** How often a device that is due but waiting on its conditions is read again (default 2 min). */
  readonly pollIntervalMs?: number;
  /** Engine knobs (the device-link idle timeout) for tests. */
  readonly engine?: Pick<BackupOptions, 'loop'>;
  /** Path of the control socket (JSON lines); none when absent. */
  readonly controlSocket?: string;
  readonly log?: (message: string) => void;
}

interface Running {
  readonly record: RunRecord;
  readonly abort: AbortController;
  readonly promise: Promise<RunRecord>;
  progress?: BackupProgressEvent;
}

interface Entry {
  readonly udid: string;
  name?: string;
  readonly attachments: Map<number, MuxDevice>;
  readings?: DeviceReadings;
  waitingFor: string[];
  nextRunAt?: Date;
  run?: Running;
  reattachedSinceFailure: boolean;
  readonly knownSince: Date;
  lastFailure?: { at: Date; explanation: FailureExplanation };
  afterProblems: Map<string, string>;
}

const HOUR = 3_600_000;
/** The scheduler looks at every device at least this often (stale alerts, status). */
const MAX_SLEEP_MS = HOUR;
const LISTEN_RETRY_MS = 10_000;

export class Daemon extends EventEmitter<DaemonEvents> {
  readonly history: { list(filter?: { udid?: string; limit?: number }): RunRecord[] };
  readonly alerts: { list(limit?: number): AlertRecord[]; testSend(channel: AlertChannelName): Promise<void> };
  readonly clock: Clock;
  private readonly db: HistoryDb;
  private readonly mux: UsbmuxClient;
  private readonly pairs: PairRecordStore;
  private readonly explain: ExplainFailure;
  private readonly center: AlertCenter;
  private readonly entries = new Map<string, Entry>();
  private readonly stopController = new AbortController();
  private wakeController = new AbortController();
  private wakeRequested = false;
  private sleeping = false;
  private loops: Promise<void>[] = [];
  private idleWaiters: Array<() => void> = [];
  private control: ControlServer | undefined;
  private stopped: Promise<void> | undefined;
  private started = false;

  constructor(private readonly options: DaemonOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.db = HistoryDb.open(join(options.dataHome, 'history.db'));
    this.mux = options.mux ?? new UsbmuxClient();
    this.pairs = options.pairs ?? new UsbmuxPairRecordStore(this.mux);
    this.explain = options.explainFailure ?? fallbackExplainFailure;
    this.center = new AlertCenter(this.db, () => this.options.channels ?? channelsFromConfig(this.config().alerts), this.clock, (alert) => {
      this.log(`alert: ${alert.title} → ${alert.channels.join(', ') || 'no channel configured'}`);
      this.emit('alert', alert);
    });
    this.history = { list: (filter) => this.db.listRuns(filter) };
    this.alerts = { list: (limit) => this.db.listAlerts(limit), testSend: (channel) => this.center.testSend(channel) };
  }

  config(): LifeboatConfig {
    return typeof this.options.config === 'function' ? this.options.config() : this.options.config;
  }

  vaultRoot(): string {
    return this.options.vaultRoot ?? this.config().vaultPath ?? join(this.options.dataHome, 'vault');
  }

  private store(): LocalSnapshotStore {
    return new LocalSnapshotStore(this.vaultRoot());
  }

  private log(message: string): void {
    this.options.log?.(message);
  }

  async start(): Promise<void> {
    if (this.started) throw new DaemonError('the daemon is already started', { code: 'DAEMON_STATE' });
    this.started = true;
    const abandoned = this.db.closeAbandonedRuns(this.clock.now().toISOString());
    if (abandoned > 0) this.log(`${abandoned} backup(s) were interrupted when the daemon last stopped; they were recorded as failed`);
    for (const udid of this.knownUdids()) this.entry(udid);
    // What is attached now, before the first pass (Listen repeats it; attachments are keyed by DeviceID).
    try {
      for (const device of await this.mux.listDevices()) this.entry(device.udid).attachments.set(device.deviceId, device);
    } catch (error) {
      this.log(`usbmuxd: ${describeError(error)}`);
    }
    if (this.options.controlSocket) {
      this.control = new ControlServer(this, this.options.controlSocket);
      await this.control.listen();
    }
    this.loops = [this.listenLoop(), this.schedulerLoop()];
  }

  /** Stops: running backups are abandoned (their staging folders removed, previous snapshots untouched). */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopController.abort(new DaemonError('the daemon is stopping', { code: 'DAEMON_STOPPING' }));
      this.wake();
      for (const entry of this.entries.values()) {
        entry.run?.abort.abort(new DaemonError('the daemon stopped during the backup; the backup was abandoned and the previous backup is intact', { code: 'DAEMON_STOPPED' }));
      }
      await Promise.allSettled([...this.entries.values()].map((e) => e.run?.promise));
      await Promise.allSettled(this.loops);
      await this.center.settled();
      await this.control?.close();
      this.db.close();
      this.notifyIdle();
    })();
    return this.stopped;
  }

  devices(): DeviceStatus[] {
    return [...this.entries.values()].map((e) => this.status(e)).sort((a, b) => a.udid.localeCompare(b.udid));
  }

  /** Backs `udid` up now (ignoring conditions and the schedule); joins a backup already running. */
  backupNow(udid: string, options: { full?: boolean } = {}): Promise<RunRecord> {
    const entry = this.findEntry(udid);
    if (entry?.run) return entry.run.promise;
    if (!entry || entry.attachments.size === 0) {
      return Promise.reject(new DaemonError(`the iPhone ${udid} is not connected`, { code: 'DEVICE_NOT_FOUND', hint: 'Connect the iPhone (cable or Wi-Fi sync) and unlock it.' }));
    }
    if (this.stopController.signal.aborted) return Promise.reject(new DaemonError('the daemon is stopping', { code: 'DAEMON_STOPPING' }));
    return this.startRun(entry, 'manual', options.full ?? false).promise;
  }

  /** The run in progress for `udid`, if any (the control socket streams its progress). */
  running(udid: string): RunRecord | undefined {
    return this.findEntry(udid)?.run?.record;
  }

  /** Resolves when nothing is happening: the scheduler sleeps, no backup runs, alerts are delivered. */
  async whenIdle(): Promise<void> {
    for (;;) {
      if (this.isIdle()) {
        await this.center.settled();
        if (this.isIdle()) return;
      }
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private isIdle(): boolean {
    if (this.stopped) return true;
    return this.sleeping && !this.wakeRequested && [...this.entries.values()].every((e) => !e.run);
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private wake(): void {
    this.wakeRequested = true;
    this.wakeController.abort();
    this.notifyIdle();
  }

  private findEntry(udid: string): Entry | undefined {
    const key = normalizeUdid(udid);
    return [...this.entries.values()].find((e) => normalizeUdid(e.udid) === key);
  }

  private entry(udid: string): Entry {
    const existing = this.findEntry(udid);
    if (existing) return existing;
    const first = this.db.listRuns({ udid, limit: 100_000 }).at(-1);
    const entry: Entry = {
      udid,
      attachments: new Map(),
      waitingFor: [],
      reattachedSinceFailure: false,
      knownSince: first ? new Date(first.startedAt) : this.clock.now(),
      afterProblems: new Map(),
    };
    const last = this.db.lastRun(udid);
    if (last?.result === 'failure' && last.errorCode !== 'DAEMON_STOPPED' && last.endedAt) {
      const text = last.error ?? 'the backup failed';
      entry.lastFailure = {
        at: new Date(last.endedAt),
        explanation: { id: last.cause ?? (last.errorCode ?? 'backup-failed').toLowerCase(), severity: 'critical', udid, title: text.split(/;|\(/)[0]?.trim() ?? text, explanation: text, fix: 'Run `lifeboat doctor` for the exact next step.' },
      };
    }
    this.entries.set(udid, entry);
    return entry;
  }

  private knownUdids(): string[] {
    return [...new Set([...Object.keys(this.config().devices), ...this.db.devices()])];
  }

  // ── listener ────────────────────────────────────────────────────────────────────────────────

  private async listenLoop(): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      try {
        for await (const event of this.mux.listen(signal)) {
          if (event.type === 'Attached') {
            const entry = this.entry(event.device.udid);
            const wasAttached = entry.attachments.size > 0;
            entry.attachments.set(event.device.deviceId, event.device);
            if (!wasAttached && entry.lastFailure) entry.reattachedSinceFailure = true;
            this.log(`attached: ${event.device.udid} (${event.device.connectionType})`);
          } else if (event.type === 'Detached') {
            for (const entry of this.entries.values()) {
              if (entry.attachments.delete(event.deviceId)) this.log(`detached: ${entry.udid}`);
            }
          }
          this.wake();
        }
      } catch (error) {
        if (signal.aborted) return;
        this.log(`usbmuxd: ${describeError(error)}; trying again`);
      }
      for (const entry of this.entries.values()) entry.attachments.clear();
      this.wake();
      await this.clock.sleep(LISTEN_RETRY_MS, signal).catch(() => undefined);
    }
  }

  // ── scheduler ───────────────────────────────────────────────────────────────────────────────

  private async schedulerLoop(): Promise<void> {
    const stop = this.stopController.signal;
    while (!stop.aborted) {
      this.wakeRequested = false;
      this.wakeController = new AbortController();
      try {
        await this.pass();
      } catch (error) {
        this.log(`scheduler: ${describeError(error)}`);
      }
      if (this.wakeRequested || stop.aborted) continue;
      this.sleeping = true;
      this.notifyIdle();
      // stop() wakes the loop too, so one signal is enough (no AbortSignal.any per pass).
      await this.clock.sleep(this.nextDelay(), this.wakeController.signal).catch(() => undefined);
      this.sleeping = false;
    }
  }

  private async pass(): Promise<void> {
    const config = this.config();
    for (const udid of Object.keys(config.devices)) this.entry(udid);
    let running = [...this.entries.values()].filter((e) => e.run).length;
    for (const entry of this.entries.values()) {
      if (this.stopController.signal.aborted) return;
      if (entry.run) continue;
      const policy = resolvePolicy(config, entry.udid);
      if (entry.attachments.size === 0) {
        entry.waitingFor = ['not connected'];
        delete entry.nextRunAt;
      } else {
        const history = this.historyOf(entry);
        let plan = planDevice(policy, history, this.clock.now());
        if (plan.due && plan.waitingFor[0] === 'reading the device') {
          try {
            entry.readings = await readDeviceReadings(new UsbmuxTransport(this.mux, this.preferred(entry)), this.pairs);
            if (entry.readings.name) entry.name = entry.readings.name;
            plan = planDevice(policy, history, this.clock.now(), entry.readings);
          } catch (error) {
            plan = { runNow: false, due: true, waitingFor: [this.explain(error, entry.udid).title] };
          }
        }
        entry.waitingFor = plan.waitingFor;
        if (plan.nextRunAt) entry.nextRunAt = plan.nextRunAt;
        else delete entry.nextRunAt;
        if (plan.runNow && running >= config.daemon.maxParallel) {
          entry.waitingFor = [`waiting for a free slot (at most ${config.daemon.maxParallel} backups at once)`];
        }
        // Judged before the run starts, so "the disk will not hold it" is said before it fails.
        void this.updateAlerts(entry);
        if (plan.runNow && running < config.daemon.maxParallel) {
          this.startRun(entry, 'schedule');
          running++;
        }
        this.emit('status', this.status(entry));
        continue;
      }
      this.emit('status', this.status(entry));
      void this.updateAlerts(entry);
    }
  }

  private historyOf(entry: Entry): { lastSuccessAt?: Date; lastFailureAt?: Date; failures: number; reattachedSinceFailure: boolean } {
    const success = this.db.lastSuccess(entry.udid);
    const failures = this.db.consecutiveFailures(entry.udid);
    return {
      ...(success?.endedAt ? { lastSuccessAt: new Date(success.endedAt) } : {}),
      ...(entry.lastFailure ? { lastFailureAt: entry.lastFailure.at } : {}),
      failures: entry.lastFailure ? failures : 0,
      reattachedSinceFailure: entry.reattachedSinceFailure,
    };
  }

  private nextDelay(): number {
    const now = this.clock.now().getTime();
    const config = this.config();
    let delay = MAX_SLEEP_MS;
    for (const entry of this.entries.values()) {
      const policy = resolvePolicy(config, entry.udid);
      if (entry.attachments.size > 0 && !entry.run) {
        if (entry.nextRunAt && entry.nextRunAt.getTime() > now) delay = Math.min(delay, entry.nextRunAt.getTime() - now);
        else if (policy.automatic) delay = Math.min(delay, this.options.pollIntervalMs ?? 120_000);
      }
      const since = this.db.lastSuccess(entry.udid)?.endedAt;
      const staleAt = (since ? new Date(since).getTime() : entry.knownSince.getTime()) + policy.staleAfterHours * HOUR + 1;
      if (staleAt > now) delay = Math.min(delay, staleAt - now);
    }
    return Math.max(delay, 1000);
  }

  private preferred(entry: Entry): MuxDevice {
    const all = [...entry.attachments.values()];
    return all.find((d) => d.connectionType === 'USB') ?? (all[0] as MuxDevice);
  }

  // ── runs ────────────────────────────────────────────────────────────────────────────────────

  private startRun(entry: Entry, trigger: RunTrigger, full = false): Running {
    const config = this.config();
    const policy = resolvePolicy(config, entry.udid);
    const record = this.db.beginRun(entry.udid, trigger, this.clock.now().toISOString());
    const abort = new AbortController();
    const device = this.preferred(entry);
    entry.reattachedSinceFailure = false;
    entry.waitingFor = [];
    this.log(`backup of ${entry.udid} started (${trigger})`);
    const promise = (async (): Promise<RunRecord> => {
      let finished: RunRecord;
      try {
        const { backup, after } = await runBackup({
          mux: this.mux,
          pairs: this.pairs,
          store: this.store(),
          device,
          full,
          policy,
          config,
          retention: this.options.retention ?? defaultRetention,
          syncRemote: this.options.syncRemote,
          signal: abort.signal,
          onEvent: (event) => {
            if (entry.run) entry.run.progress = event;
            this.emit('progress', { udid: entry.udid, event });
          },
          ...(this.options.engine ? { engine: this.options.engine } : {}),
        });
        finished = this.db.finishRun(record.id, {
          endedAt: this.clock.now().toISOString(),
          result: 'success',
          bytes: backup.bytesReceived,
          files: backup.filesReceived,
          snapshotId: backup.snapshot.id,
        });
        if (backup.snapshot.meta?.deviceName) entry.name = backup.snapshot.meta.deviceName;
        const recovered = entry.lastFailure;
        delete entry.lastFailure;
        entry.afterProblems = after.problems;
        this.log(`backup of ${entry.udid} finished: snapshot ${backup.snapshot.id}${after.problems.size ? ` (${[...after.problems.values()].join('; ')})` : ''}`);
        void this.updateAlerts(entry, recovered ? `A backup of ${entry.name ?? entry.udid} succeeded at ${finished.endedAt} (snapshot ${backup.snapshot.id}).` : undefined);
      } catch (error) {
        const stopping = error instanceof LifeboatError && error.code === 'DAEMON_STOPPED';
        const explanation = this.explain(error, entry.udid);
        finished = this.db.finishRun(record.id, {
          endedAt: this.clock.now().toISOString(),
          result: 'failure',
          error: describeError(error),
          errorCode: error instanceof LifeboatError ? error.code : 'INTERNAL',
          cause: explanation.id,
        });
        this.log(`backup of ${entry.udid} failed: ${describeError(error)}`);
        if (!stopping) {
          entry.lastFailure = { at: new Date(finished.endedAt as string), explanation };
          void this.updateAlerts(entry);
        }
      } finally {
        entry.run = undefined;
        // Planned again by the next pass (woken below), from the new history.
        delete entry.nextRunAt;
      }
      this.emit('run', finished);
      this.emit('status', this.status(entry));
      this.wake();
      return finished;
    })();
    const running: Running = { record, abort, promise };
    entry.run = running;
    this.emit('run', record);
    this.emit('status', this.status(entry));
    return running;
  }

  // ── alerts and status ───────────────────────────────────────────────────────────────────────

  private updateAlerts(entry: Entry, recoveryNote?: string): Promise<AlertRecord[]> {
    const config = this.config();
    const policy = resolvePolicy(config, entry.udid);
    const success = this.db.lastSuccess(entry.udid);
    const store = this.store();
    const failures = this.db.consecutiveFailures(entry.udid);
    const state = deviceAlerts({
      udid: entry.udid,
      name: config.devices[entry.udid]?.label ?? entry.name ?? entry.udid,
      policy,
      now: this.clock.now(),
      knownSince: entry.knownSince,
      waitingFor: entry.waitingFor,
      afterBackupProblems: entry.afterProblems,
      ...(success?.endedAt ? { lastSuccessAt: new Date(success.endedAt) } : {}),
      ...(entry.lastFailure
        ? { lastFailure: { ...entry.lastFailure, ...(entry.attachments.size > 0 ? { retryAt: new Date(entry.lastFailure.at.getTime() + backoffMs(failures)) } : {}) } }
        : {}),
      ...(entry.readings ? { readings: entry.readings } : {}),
      ...this.diskFacts(store, entry),
    });
    return this.center
      .update({ udid: entry.udid, name: config.devices[entry.udid]?.label ?? entry.name ?? entry.udid, judged: state.judged, conditions: state.conditions, ...(recoveryNote ? { recoveryNote } : {}) })
      .catch((error: unknown) => {
        this.log(`alerts: ${describeError(error)}`);
        return [];
      });
  }

  private diskFacts(store: LocalSnapshotStore, entry: Entry): { vaultFreeBytes?: number; nextBackupBytes?: number } {
    const free = freeBytes(store.root);
    let estimate: number | undefined;
    try {
      estimate = nextBackupEstimate(store, entry.udid, entry.readings?.usedDataBytes);
    } catch {
      estimate = undefined;
    }
    return { ...(free !== undefined ? { vaultFreeBytes: free } : {}), ...(estimate !== undefined ? { nextBackupBytes: estimate } : {}) };
  }

  private status(entry: Entry): DeviceStatus {
    const policy = resolvePolicy(this.config(), entry.udid);
    const success = this.db.lastSuccess(entry.udid);
    const last = this.db.lastRun(entry.udid);
    const usb = [...entry.attachments.values()].some((d) => d.connectionType === 'USB');
    const name = this.config().devices[entry.udid]?.label ?? entry.name;
    return {
      udid: entry.udid,
      ...(name ? { name } : {}),
      ...(entry.attachments.size > 0 ? { connection: usb ? ('usb' as const) : ('network' as const) } : {}),
      attached: entry.attachments.size > 0,
      ...(success?.endedAt ? { lastSuccessAt: success.endedAt } : {}),
      ...(success?.snapshotId ? { lastSnapshotId: success.snapshotId } : {}),
      ...(last ? { lastAttemptAt: last.startedAt } : {}),
      ...(entry.lastFailure ? { lastError: entry.lastFailure.explanation.explanation } : {}),
      ...(entry.nextRunAt && !entry.run ? { nextRunAt: entry.nextRunAt.toISOString() } : {}),
      state: entry.run ? 'running' : entry.lastFailure ? 'failed' : entry.waitingFor.length > 0 && entry.attachments.size > 0 && !entry.waitingFor.includes('next backup not due yet') ? 'waiting' : 'idle',
      waitingFor: entry.run ? [] : entry.waitingFor,
      staleAfterHours: policy.staleAfterHours,
      ...(entry.run?.progress ? { progress: entry.run.progress } : {}),
      failures: this.db.consecutiveFailures(entry.udid),
    };
  }
}
