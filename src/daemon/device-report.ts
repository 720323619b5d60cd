/**
 * What the daemon says about one device: its status (for `lifeboat status`, the dashboard and the
 * control socket) and its alerts (judged from the history, the last failure, the readings and the
 * disk, then handed to the AlertCenter, which de-duplicates and delivers them).
 */
import { resolvePolicy, type LifeboatConfig } from '../config/schema.js';
import { describeError } from '../util/errors.js';
import type { LocalSnapshotStore } from '../vault/local-store.js';
import { freeBytes, nextBackupEstimate } from './after-backup.js';
import type { AlertCenter } from './alerts/center.js';
import { deviceAlerts } from './alerts/rules.js';
import type { Clock } from './clock.js';
import { isAttached, type DeviceEntry } from './device-table.js';
import type { HistoryDb } from './history.js';
import { backoffMs } from './policy.js';
import type { AlertRecord, DeviceStatus } from './types.js';

export interface DeviceReporterDeps {
  readonly db: HistoryDb;
  readonly clock: Clock;
  readonly center: AlertCenter;
  config(): LifeboatConfig;
  store(): LocalSnapshotStore;
  log(message: string): void;
}

export class DeviceReporter {
  constructor(private readonly deps: DeviceReporterDeps) {}

  /** Judges `entry`'s alerts now; `recoveryNote` is said when a failure alert clears. Never rejects. */
  updateAlerts(entry: DeviceEntry, recoveryNote?: string): Promise<AlertRecord[]> {
    const { db, clock, center } = this.deps;
    const config = this.deps.config();
    const policy = resolvePolicy(config, entry.udid);
    const success = db.lastSuccess(entry.udid);
    const store = this.deps.store();
    const failures = db.consecutiveFailures(entry.udid);
    const state = deviceAlerts({
      udid: entry.udid,
      name: config.devices[entry.udid]?.label ?? entry.name ?? entry.udid,
      policy,
      now: clock.now(),
      knownSince: entry.knownSince,
      waitingFor: entry.waitingFor,
      afterBackupProblems: entry.afterProblems,
      ...(success?.endedAt ? { lastSuccessAt: new Date(success.endedAt) } : {}),
      ...(entry.lastFailure
        ? { lastFailure: { ...entry.lastFailure, ...(isAttached(entry) ? { retryAt: new Date(entry.lastFailure.at.getTime() + backoffMs(failures)) } : {}) } }
        : {}),
      ...(entry.readings ? { readings: entry.readings } : {}),
      ...diskFacts(store, entry),
    });
    return center
      .update({ udid: entry.udid, name: config.devices[entry.udid]?.label ?? entry.name ?? entry.udid, judged: state.judged, conditions: state.conditions, ...(recoveryNote ? { recoveryNote } : {}) })
      .catch((error: unknown) => {
        this.deps.log(`alerts: ${describeError(error)}`);
        return [];
      });
  }

  status(entry: DeviceEntry): DeviceStatus {
    const { db } = this.deps;
    const config = this.deps.config();
    const policy = resolvePolicy(config, entry.udid);
    const success = db.lastSuccess(entry.udid);
    const last = db.lastRun(entry.udid);
    const attachments = [...entry.attachments.values()];
    const connection = attachments.some((a) => a.connection === 'usb') ? 'usb' : attachments[0]?.connection;
    const name = config.devices[entry.udid]?.label ?? entry.name;
    return {
      udid: entry.udid,
      ...(name ? { name } : {}),
      ...(connection ? { connection } : {}),
      attached: isAttached(entry),
      ...(success?.endedAt ? { lastSuccessAt: success.endedAt } : {}),
      ...(success?.snapshotId ? { lastSnapshotId: success.snapshotId } : {}),
      ...(last ? { lastAttemptAt: last.startedAt } : {}),
      ...(entry.lastFailure ? { lastError: entry.lastFailure.explanation.explanation } : {}),
      ...(entry.nextRunAt && !entry.run ? { nextRunAt: entry.nextRunAt.toISOString() } : {}),
      state: entry.run ? 'running' : entry.lastFailure ? 'failed' : entry.waitingFor.length > 0 && isAttached(entry) && !entry.waitingFor.includes('next backup not due yet') ? 'waiting' : 'idle',
      waitingFor: entry.run ? [] : entry.waitingFor,
      staleAfterHours: policy.staleAfterHours,
      ...(entry.run?.progress ? { progress: entry.run.progress } : {}),
      failures: db.consecutiveFailures(entry.udid),
    };
  }
}

function diskFacts(store: LocalSnapshotStore, entry: DeviceEntry): { vaultFreeBytes?: number; nextBackupBytes?: number } {
  const free = freeBytes(store.root);
  let estimate: number | undefined;
  try {
    estimate = nextBackupEstimate(store, entry.udid, entry.readings?.usedDataBytes);
  } catch {
    estimate = undefined;
  }
  return { ...(free !== undefined ? { vaultFreeBytes: free } : {}), ...(estimate !== undefined ? { nextBackupBytes: estimate } : {}) };
}
