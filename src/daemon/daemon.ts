/**
 * The daemon: watches devices, backs each one up when its policy holds, records every run, and alerts
 * when something is wrong. This module composes the parts and is the public surface (cli, web, the
 * control socket):
 *   - device-watch.ts   sources (usbmuxd Listen, …) → attach/detach events
 *   - device-table.ts   the devices known, their attachments, running job and last failure
 *   - scheduler.ts      passes over the table; starts jobs within config.daemon.maxParallel
 *   - backup-job.ts     one backup of one device, recorded in the history (history.ts)
 *   - device-report.ts  each device's status and alerts (policy.ts, alerts/)
 * The vault's device lock also keeps `lifeboat backup` and the daemon apart. Nothing here reads the
 * wall clock, so tests drive days of schedule with a ManualClock.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { BackupOptions } from '../backup/engine.js';
import type { LifeboatConfig } from '../config/schema.js';
import { UsbmuxPairRecordStore, type PairRecordStore } from '../protocol/host/pair-store.js';
import { UsbmuxClient } from '../protocol/usbmux/client.js';
import { LocalSnapshotStore } from '../vault/local-store.js';
import { syncRemote } from '../vault/remote/index.js';
import { defaultRetention, type RetentionStep, type SyncRemote } from './after-backup.js';
import { AlertCenter } from './alerts/center.js';
import { channelsFromConfig, type AlertChannel } from './alerts/channels.js';
import { startBackupJob, type BackupJobDeps } from './backup-job.js';
import { systemClock, type Clock } from './clock.js';
import { ControlServer } from './control-server.js';
import { DeviceReporter } from './device-report.js';
import { DeviceTable, isAttached, type DeviceEntry } from './device-table.js';
import { DeviceWatcher, UsbmuxDeviceSource, type DeviceSource } from './device-watch.js';
import { explainFailure } from './doctor/index.js';
import { DaemonError } from './errors.js';
import { fallbackExplainFailure, type ExplainFailure } from './explain.js';
import { HistoryDb } from './history.js';
import { Scheduler } from './scheduler.js';
import type { AlertChannelName, AlertRecord, DaemonEvents, DeviceStatus, RunRecord, RunTrigger } from './types.js';

export interface DaemonOptions {
  /** The configuration, or a function returning the current one (re-read on every pass). */
  readonly config: LifeboatConfig | (() => LifeboatConfig);
  /** Where history.db lives (the data home). */
  readonly dataHome: string;
  /** The local vault (default: config.vaultPath, else `<dataHome>/vault`). */
  readonly vaultRoot?: string;
  readonly mux?: UsbmuxClient;
  /** Where devices come from (default: usbmuxd through `mux`). */
  readonly sources?: readonly DeviceSource[];
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

export class Daemon extends EventEmitter<DaemonEvents> {
  readonly history: { list(filter?: { udid?: string; limit?: number }): RunRecord[] };
  readonly alerts: { list(limit?: number): AlertRecord[]; testSend(channel: AlertChannelName): Promise<void> };
  readonly clock: Clock;
  private readonly db: HistoryDb;
  private readonly pairs: PairRecordStore;
  private readonly center: AlertCenter;
  private readonly table: DeviceTable;
  private readonly watcher: DeviceWatcher;
  private readonly reporter: DeviceReporter;
  private readonly scheduler: Scheduler;
  private readonly jobs: BackupJobDeps;
  private readonly stopController = new AbortController();
  private loops: Promise<void>[] = [];
  private control: ControlServer | undefined;
  private stopped: Promise<void> | undefined;
  private started = false;

  constructor(private readonly options: DaemonOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.db = HistoryDb.open(join(options.dataHome, 'history.db'));
    const mux = options.mux ?? new UsbmuxClient();
    this.pairs = options.pairs ?? new UsbmuxPairRecordStore(mux);
    const explain = options.explainFailure ?? explainWithDoctor;
    const log = (message: string): void => this.log(message);
    this.center = new AlertCenter(this.db, () => this.options.channels ?? channelsFromConfig(this.config().alerts), this.clock, (alert) => {
      this.log(`alert: ${alert.title} → ${alert.channels.join(', ') || 'no channel configured'}`);
      this.emit('alert', alert);
    });
    this.table = new DeviceTable(this.db, () => this.clock.now(), log);
    this.watcher = new DeviceWatcher(options.sources ?? [new UsbmuxDeviceSource(mux)], this.clock, log);
    const base = { db: this.db, clock: this.clock, config: () => this.config(), store: () => this.store(), log };
    this.reporter = new DeviceReporter({ ...base, center: this.center });
    this.jobs = {
      ...base,
      pairs: this.pairs,
      explain,
      reporter: this.reporter,
      retention: options.retention ?? defaultRetention,
      syncRemote: options.syncRemote ?? syncRemote,
      engine: options.engine,
      onRun: (run) => this.emit('run', run),
      onProgress: (udid, event) => this.emit('progress', { udid, event }),
      onStatus: (entry) => this.emit('status', this.reporter.status(entry)),
      onFinished: () => this.scheduler.wake(),
    };
    this.scheduler = new Scheduler({
      ...base,
      table: this.table,
      pairs: this.pairs,
      explain,
      reporter: this.reporter,
      pollIntervalMs: options.pollIntervalMs,
      stopSignal: this.stopController.signal,
      startJob: (entry) => void this.startJob(entry, 'schedule'),
      onStatus: (status) => this.emit('status', status),
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
    for (const udid of this.knownUdids()) this.table.ensure(udid);
    // What is attached now, before the first pass (the sources repeat it; attachments are keyed).
    for (const attachment of await this.watcher.current()) this.table.attach(attachment, false);
    if (this.options.controlSocket) {
      this.control = new ControlServer(this, this.options.controlSocket);
      await this.control.listen();
    }
    const watching = this.watcher.run(this.stopController.signal, (event) => {
      this.table.apply(event);
      this.scheduler.wake();
    });
    this.loops = [watching, this.scheduler.run()];
  }

  /** Stops: running backups are abandoned (their staging folders removed, previous snapshots untouched). */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopController.abort(new DaemonError('the daemon is stopping', { code: 'DAEMON_STOPPING' }));
      this.scheduler.wake();
      for (const entry of this.table.all()) {
        entry.run?.abort.abort(new DaemonError('the daemon stopped during the backup; the backup was abandoned and the previous backup is intact', { code: 'DAEMON_STOPPED' }));
      }
      await Promise.allSettled(this.table.all().map((e) => e.run?.promise));
      await Promise.allSettled(this.loops);
      await this.center.settled();
      await this.control?.close();
      this.db.close();
      this.scheduler.notifyIdle();
    })();
    return this.stopped;
  }

  devices(): DeviceStatus[] {
    return this.table
      .all()
      .map((e) => this.reporter.status(e))
      .sort((a, b) => a.udid.localeCompare(b.udid));
  }

  /** Backs `udid` up now (ignoring conditions and the schedule); joins a backup already running. */
  backupNow(udid: string, options: { full?: boolean } = {}): Promise<RunRecord> {
    const entry = this.table.find(udid);
    if (entry?.run) return entry.run.promise;
    if (!entry || !isAttached(entry)) {
      return Promise.reject(new DaemonError(`the iPhone ${udid} is not connected`, { code: 'DEVICE_NOT_FOUND', hint: 'Connect the iPhone (cable or Wi-Fi sync) and unlock it.' }));
    }
    if (this.stopController.signal.aborted) return Promise.reject(new DaemonError('the daemon is stopping', { code: 'DAEMON_STOPPING' }));
    return this.startJob(entry, 'manual', options.full ?? false);
  }

  /** The run in progress for `udid`, if any (the control socket streams its progress). */
  running(udid: string): RunRecord | undefined {
    return this.table.find(udid)?.run?.record;
  }

  /** Resolves when nothing is happening: the scheduler sleeps, no backup runs, alerts are delivered. */
  async whenIdle(): Promise<void> {
    for (;;) {
      if (this.isIdle()) {
        await this.center.settled();
        if (this.isIdle()) return;
      }
      await this.scheduler.nextChange();
    }
  }

  private isIdle(): boolean {
    return this.stopped !== undefined || this.scheduler.isIdle();
  }

  private startJob(entry: DeviceEntry, trigger: RunTrigger, full = false): Promise<RunRecord> {
    return startBackupJob(this.jobs, entry, trigger, full).promise;
  }

  private knownUdids(): string[] {
    return [...new Set([...Object.keys(this.config().devices), ...this.db.devices()])];
  }
}

/**
 * The doctor explains failures it can place (trust, lock, disk, password, disconnects); for the rest
 * its finding is a generic "the backup failed", and the error's own first clause (kept by the
 * fallback) says more in an alert's title.
 */
const explainWithDoctor: ExplainFailure = (error, udid) => {
  const finding = explainFailure(error, udid);
  return finding.id === 'backup-failed' ? fallbackExplainFailure(error, udid) : finding;
};
