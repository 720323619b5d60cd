/**
 * One backup job of one device, as the daemon runs it: record the start in the history, run the
 * backup and its after-steps (run-backup.ts), record the end with the diagnosed cause of a failure,
 * keep the device entry's failure state, and re-judge its alerts (a recovery notice after a failure).
 */
import type { BackupOptions } from '../backup/engine.js';
import { resolvePolicy, type LifeboatConfig } from '../config/schema.js';
import type { PairRecordStore } from '../protocol/host/pair-store.js';
import { describeError, LifeboatError } from '../util/errors.js';
import type { LocalSnapshotStore } from '../vault/local-store.js';
import type { RetentionStep, SyncRemote } from './after-backup.js';
import type { Clock } from './clock.js';
import { preferredTransport, type DeviceEntry, type RunningJob } from './device-table.js';
import type { DeviceReporter } from './device-report.js';
import type { ExplainFailure } from './explain.js';
import type { HistoryDb } from './history.js';
import { runBackup } from './run-backup.js';
import type { BackupProgressEvent, RunRecord, RunTrigger } from './types.js';

export interface BackupJobDeps {
  readonly db: HistoryDb;
  readonly clock: Clock;
  readonly pairs: PairRecordStore;
  readonly explain: ExplainFailure;
  readonly reporter: DeviceReporter;
  readonly retention: RetentionStep;
  readonly syncRemote: SyncRemote;
  readonly engine: Pick<BackupOptions, 'loop'> | undefined;
  config(): LifeboatConfig;
  store(): LocalSnapshotStore;
  log(message: string): void;
  onRun(run: RunRecord): void;
  onProgress(udid: string, event: BackupProgressEvent): void;
  /** The entry changed (its status is worth emitting). */
  onStatus(entry: DeviceEntry): void;
  /** The job ended: the scheduler plans again. */
  onFinished(): void;
}

/** Starts a backup of `entry` (which must be attached and not running) and sets `entry.run`. */
export function startBackupJob(deps: BackupJobDeps, entry: DeviceEntry, trigger: RunTrigger, full = false): RunningJob {
  const config = deps.config();
  const policy = resolvePolicy(config, entry.udid);
  const record = deps.db.beginRun(entry.udid, trigger, deps.clock.now().toISOString());
  const abort = new AbortController();
  const transport = preferredTransport(entry);
  entry.reattachedSinceFailure = false;
  entry.waitingFor = [];
  deps.log(`backup of ${entry.udid} started (${trigger})`);
  const promise = (async (): Promise<RunRecord> => {
    let finished: RunRecord;
    try {
      const { backup, after } = await runBackup({
        transport,
        pairs: deps.pairs,
        store: deps.store(),
        full,
        policy,
        config,
        retention: deps.retention,
        syncRemote: deps.syncRemote,
        signal: abort.signal,
        onEvent: (event) => {
          if (entry.run) entry.run.progress = event;
          deps.onProgress(entry.udid, event);
        },
        ...(deps.engine ? { engine: deps.engine } : {}),
      });
      finished = deps.db.finishRun(record.id, {
        endedAt: deps.clock.now().toISOString(),
        result: 'success',
        bytes: backup.bytesReceived,
        files: backup.filesReceived,
        snapshotId: backup.snapshot.id,
      });
      if (backup.snapshot.meta?.deviceName) entry.name = backup.snapshot.meta.deviceName;
      const recovered = entry.lastFailure;
      delete entry.lastFailure;
      entry.afterProblems = after.problems;
      deps.log(`backup of ${entry.udid} finished: snapshot ${backup.snapshot.id}${after.problems.size ? ` (${[...after.problems.values()].join('; ')})` : ''}`);
      void deps.reporter.updateAlerts(entry, recovered ? `A backup of ${entry.name ?? entry.udid} succeeded at ${finished.endedAt} (snapshot ${backup.snapshot.id}).` : undefined);
    } catch (error) {
      const stopping = error instanceof LifeboatError && error.code === 'DAEMON_STOPPED';
      const explanation = deps.explain(error, entry.udid);
      finished = deps.db.finishRun(record.id, {
        endedAt: deps.clock.now().toISOString(),
        result: 'failure',
        error: describeError(error),
        errorCode: error instanceof LifeboatError ? error.code : 'INTERNAL',
        cause: explanation.id,
      });
      deps.log(`backup of ${entry.udid} failed: ${describeError(error)}`);
      if (!stopping) {
        entry.lastFailure = { at: new Date(finished.endedAt as string), explanation };
        void deps.reporter.updateAlerts(entry);
      }
    } finally {
      entry.run = undefined;
      // Planned again by the next pass (woken below), from the new history.
      delete entry.nextRunAt;
    }
    deps.onRun(finished);
    deps.onStatus(entry);
    deps.onFinished();
    return finished;
  })();
  const running: RunningJob = { record, abort, promise };
  entry.run = running;
  deps.onRun(record);
  deps.onStatus(entry);
  return running;
}
