/**
 * The scheduler: one pass over the device table (plan each device from its policy, history and live
 * readings; start the ones that should run, at most config.daemon.maxParallel at once), then sleep
 * on the injected clock until the next thing is due or something wakes it (an attach/detach, a job
 * ending, stop). It also tells the daemon when everything is idle, which is what tests wait for.
 */
import { resolvePolicy, type LifeboatConfig } from '../config/schema.js';
import type { PairRecordStore } from '../protocol/host/pair-store.js';
import { describeError } from '../util/errors.js';
import type { Clock } from './clock.js';
import { readDeviceReadings } from './device-readings.js';
import type { DeviceReporter } from './device-report.js';
import { isAttached, preferredTransport, type DeviceEntry, type DeviceTable } from './device-table.js';
import type { ExplainFailure } from './explain.js';
import type { HistoryDb } from './history.js';
import { planDevice } from './policy.js';
import type { DeviceStatus } from './types.js';

const HOUR = 3_600_000;
/** The scheduler looks at every device at least this often (stale alerts, status). */
const MAX_SLEEP_MS = HOUR;
const DEFAULT_POLL_INTERVAL_MS = 120_000;

export interface SchedulerDeps {
  readonly table: DeviceTable;
  readonly db: HistoryDb;
  readonly clock: Clock;
  readonly pairs: PairRecordStore;
  readonly explain: ExplainFailure;
  readonly reporter: DeviceReporter;
  /** How often a device that is due but waiting on its conditions is read again. */
  readonly pollIntervalMs: number | undefined;
  /** Aborted when the daemon stops. */
  readonly stopSignal: AbortSignal;
  config(): LifeboatConfig;
  /** Starts a scheduled backup of `entry`. */
  startJob(entry: DeviceEntry): void;
  onStatus(status: DeviceStatus): void;
  log(message: string): void;
}

export class Scheduler {
  private wakeController = new AbortController();
  private wakeRequested = false;
  private sleeping = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: SchedulerDeps) {}

  /** Runs passes until the stop signal aborts. */
  async run(): Promise<void> {
    const stop = this.deps.stopSignal;
    while (!stop.aborted) {
      this.wakeRequested = false;
      this.wakeController = new AbortController();
      try {
        await this.pass();
      } catch (error) {
        this.deps.log(`scheduler: ${describeError(error)}`);
      }
      if (this.wakeRequested || stop.aborted) continue;
      this.sleeping = true;
      this.notifyIdle();
      // stop() wakes the loop too, so one signal is enough (no AbortSignal.any per pass).
      await this.deps.clock.sleep(this.nextDelay(), this.wakeController.signal).catch(() => undefined);
      this.sleeping = false;
    }
  }

  /** Something changed: plan again now. */
  wake(): void {
    this.wakeRequested = true;
    this.wakeController.abort();
    this.notifyIdle();
  }

  /** Asleep with nothing asked of it and no job running. */
  isIdle(): boolean {
    return this.sleeping && !this.wakeRequested && this.deps.table.all().every((e) => !e.run);
  }

  /** Resolves at the next change that might make the daemon idle (or not). */
  nextChange(): Promise<void> {
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async pass(): Promise<void> {
    const { table, clock, reporter } = this.deps;
    const config = this.deps.config();
    for (const udid of Object.keys(config.devices)) table.ensure(udid);
    let running = table.all().filter((e) => e.run).length;
    for (const entry of table.all()) {
      if (this.deps.stopSignal.aborted) return;
      if (entry.run) continue;
      const policy = resolvePolicy(config, entry.udid);
      if (!isAttached(entry)) {
        entry.waitingFor = [entry.goneBecause ? `not connected: ${entry.goneBecause}` : 'not connected'];
        delete entry.nextRunAt;
      } else {
        const history = this.historyOf(entry);
        let plan = planDevice(policy, history, clock.now());
        if (plan.due && plan.waitingFor[0] === 'reading the device') {
          try {
            entry.readings = await readDeviceReadings(preferredTransport(entry), this.deps.pairs);
            if (entry.readings.name) entry.name = entry.readings.name;
            plan = planDevice(policy, history, clock.now(), entry.readings);
          } catch (error) {
            plan = { runNow: false, due: true, waitingFor: [this.deps.explain(error, entry.udid).title] };
          }
        }
        entry.waitingFor = plan.waitingFor;
        if (plan.nextRunAt) entry.nextRunAt = plan.nextRunAt;
        else delete entry.nextRunAt;
        if (plan.runNow && running >= config.daemon.maxParallel) {
          entry.waitingFor = [`waiting for a free slot (at most ${config.daemon.maxParallel} backups at once)`];
        }
        // Judged before the run starts, so "the disk will not hold it" is said before it fails.
        void reporter.updateAlerts(entry);
        if (plan.runNow && running < config.daemon.maxParallel) {
          this.deps.startJob(entry);
          running++;
        }
        this.deps.onStatus(reporter.status(entry));
        continue;
      }
      this.deps.onStatus(reporter.status(entry));
      void reporter.updateAlerts(entry);
    }
  }

  private historyOf(entry: DeviceEntry): { lastSuccessAt?: Date; lastFailureAt?: Date; failures: number; reattachedSinceFailure: boolean } {
    const success = this.deps.db.lastSuccess(entry.udid);
    const failures = this.deps.db.consecutiveFailures(entry.udid);
    return {
      ...(success?.endedAt ? { lastSuccessAt: new Date(success.endedAt) } : {}),
      ...(entry.lastFailure ? { lastFailureAt: entry.lastFailure.at } : {}),
      failures: entry.lastFailure ? failures : 0,
      reattachedSinceFailure: entry.reattachedSinceFailure,
    };
  }

  private nextDelay(): number {
    const now = this.deps.clock.now().getTime();
    const config = this.deps.config();
    let delay = MAX_SLEEP_MS;
    for (const entry of this.deps.table.all()) {
      const policy = resolvePolicy(config, entry.udid);
      if (isAttached(entry) && !entry.run) {
        if (entry.nextRunAt && entry.nextRunAt.getTime() > now) delay = Math.min(delay, entry.nextRunAt.getTime() - now);
        else if (policy.automatic) delay = Math.min(delay, this.deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
      }
      const since = this.deps.db.lastSuccess(entry.udid)?.endedAt;
      const staleAt = (since ? new Date(since).getTime() : entry.knownSince.getTime()) + policy.staleAfterHours * HOUR + 1;
      if (staleAt > now) delay = Math.min(delay, staleAt - now);
    }
    return Math.max(delay, 1000);
  }
}
