/**
 * Run history and alert log in one SQLite database (`<data home>/history.db`, WAL so `lifeboat
 * history` reads while the daemon writes). A run is inserted as 'running' when it starts and updated
 * once when it ends; a run still 'running' when the database is opened by a new daemon belongs to a
 * process that died, and is closed as a failure (its staging folder never became a snapshot).
 *
 * `alert_state` holds the conditions currently alerted on (key → fingerprint), which is how alerts
 * are de-duplicated across restarts: an alert is sent when its key appears or its fingerprint changes,
 * and a recovery notice when the key goes away.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AlertKind, AlertRecord, RunRecord, RunResult, RunTrigger } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  udid TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  result TEXT NOT NULL CHECK (result IN ('success', 'failure', 'running')),
  bytes INTEGER,
  files INTEGER,
  snapshot_id TEXT,
  error TEXT,
  error_code TEXT,
  cause TEXT,
  trigger TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_device ON runs (udid, id);
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  udid TEXT,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  channels TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_state (
  key TEXT PRIMARY KEY,
  udid TEXT,
  kind TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  title TEXT NOT NULL,
  since TEXT NOT NULL
);
`;

interface RunRow {
  id: number;
  udid: string;
  started_at: string;
  ended_at: string | null;
  result: RunResult;
  bytes: number | null;
  files: number | null;
  snapshot_id: string | null;
  error: string | null;
  error_code: string | null;
  cause: string | null;
  trigger: RunTrigger;
}

interface AlertRow {
  id: number;
  at: string;
  udid: string | null;
  kind: AlertKind;
  title: string;
  body: string;
  channels: string;
}

export interface ActiveAlert {
  readonly key: string;
  readonly udid?: string;
  readonly kind: AlertKind;
  readonly fingerprint: string;
  readonly title: string;
  readonly since: string;
}

/** The fields whose column is not NULL: a NULL column is an absent field in the public shapes, never `null`. */
function present<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null)) as { [K in keyof T]?: Exclude<T[K], null> };
}

function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    udid: row.udid,
    startedAt: row.started_at,
    result: row.result,
    trigger: row.trigger,
    ...present({ endedAt: row.ended_at, bytes: row.bytes, files: row.files, snapshotId: row.snapshot_id, error: row.error, errorCode: row.error_code, cause: row.cause }),
  };
}

function toAlert(row: AlertRow): AlertRecord {
  return {
    id: row.id,
    at: row.at,
    kind: row.kind,
    title: row.title,
    body: row.body,
    channels: JSON.parse(row.channels) as string[],
    ...present({ udid: row.udid }),
  };
}

/** How a run ended: the outcome fields of its RunRecord. */
export type RunEnd = Pick<RunRecord, 'bytes' | 'files' | 'snapshotId' | 'error' | 'errorCode' | 'cause'> & {
  readonly endedAt: string;
  readonly result: Exclude<RunResult, 'running'>;
};

export class HistoryDb {
  private readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /** Opens (creating) the database; `readonly` opens an existing one for reading only (CLI without a daemon). */
  static open(path: string, options: { readonly?: boolean } = {}): HistoryDb {
    if (!options.readonly) mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, options.readonly ? { readonly: true, fileMustExist: true } : {});
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
    }
    return new HistoryDb(db);
  }

  close(): void {
    this.db.close();
  }

  /** Closes runs left 'running' by a daemon that died; returns how many. */
  closeAbandonedRuns(at: string): number {
    return this.db
      .prepare(`UPDATE runs SET result = 'failure', ended_at = ?, error = ?, error_code = 'DAEMON_STOPPED' WHERE result = 'running'`)
      .run(at, 'the daemon stopped during this backup; the previous backup is intact').changes;
  }

  beginRun(udid: string, trigger: RunTrigger, startedAt: string): RunRecord {
    const info = this.db.prepare(`INSERT INTO runs (udid, started_at, result, trigger) VALUES (?, ?, 'running', ?)`).run(udid, startedAt, trigger);
    return { id: Number(info.lastInsertRowid), udid, startedAt, result: 'running', trigger };
  }

  finishRun(id: number, end: RunEnd): RunRecord {
    this.db
      .prepare(`UPDATE runs SET ended_at = ?, result = ?, bytes = ?, files = ?, snapshot_id = ?, error = ?, error_code = ?, cause = ? WHERE id = ?`)
      .run(end.endedAt, end.result, end.bytes ?? null, end.files ?? null, end.snapshotId ?? null, end.error ?? null, end.errorCode ?? null, end.cause ?? null, id);
    return this.run(id) as RunRecord;
  }

  run(id: number): RunRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(id) as RunRow | undefined;
    return row ? toRun(row) : undefined;
  }

  /** Newest first. */
  listRuns(filter: { udid?: string; limit?: number } = {}): RunRecord[] {
    const limit = Math.max(1, Math.min(filter.limit ?? 100, 100_000));
    const rows = (
      filter.udid
        ? this.db.prepare(`SELECT * FROM runs WHERE udid = ? ORDER BY id DESC LIMIT ?`).all(filter.udid, limit)
        : this.db.prepare(`SELECT * FROM runs ORDER BY id DESC LIMIT ?`).all(limit)
    ) as RunRow[];
    return rows.map(toRun);
  }

  lastSuccess(udid: string): RunRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM runs WHERE udid = ? AND result = 'success' ORDER BY id DESC LIMIT 1`).get(udid) as RunRow | undefined;
    return row ? toRun(row) : undefined;
  }

  lastRun(udid: string): RunRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM runs WHERE udid = ? ORDER BY id DESC LIMIT 1`).get(udid) as RunRow | undefined;
    return row ? toRun(row) : undefined;
  }

  /** Failures since the last success. */
  consecutiveFailures(udid: string): number {
    const row = this.db
      .prepare(`SELECT COUNT(*) AS n FROM runs WHERE udid = ? AND result = 'failure' AND id > COALESCE((SELECT MAX(id) FROM runs WHERE udid = ? AND result = 'success'), 0)`)
      .get(udid, udid) as { n: number };
    return row.n;
  }

  /** Every device that has a run. */
  devices(): string[] {
    return (this.db.prepare(`SELECT DISTINCT udid FROM runs ORDER BY udid`).all() as Array<{ udid: string }>).map((r) => r.udid);
  }

  addAlert(alert: Omit<AlertRecord, 'id'>): AlertRecord {
    const info = this.db
      .prepare(`INSERT INTO alerts (at, udid, kind, title, body, channels) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(alert.at, alert.udid ?? null, alert.kind, alert.title, alert.body, JSON.stringify(alert.channels));
    return { ...alert, id: Number(info.lastInsertRowid) };
  }

  setAlertChannels(id: number, channels: readonly string[]): void {
    this.db.prepare(`UPDATE alerts SET channels = ? WHERE id = ?`).run(JSON.stringify(channels), id);
  }

  /** Newest first. */
  listAlerts(limit = 100, udid?: string): AlertRecord[] {
    const n = Math.max(1, Math.min(limit, 100_000));
    const rows = (
      udid ? this.db.prepare(`SELECT * FROM alerts WHERE udid = ? ORDER BY id DESC LIMIT ?`).all(udid, n) : this.db.prepare(`SELECT * FROM alerts ORDER BY id DESC LIMIT ?`).all(n)
    ) as AlertRow[];
    return rows.map(toAlert);
  }

  activeAlerts(): ActiveAlert[] {
    const rows = this.db.prepare(`SELECT * FROM alert_state ORDER BY key`).all() as Array<{ key: string; udid: string | null; kind: AlertKind; fingerprint: string; title: string; since: string }>;
    return rows.map((r) => ({ key: r.key, kind: r.kind, fingerprint: r.fingerprint, title: r.title, since: r.since, ...(r.udid !== null ? { udid: r.udid } : {}) }));
  }

  setActiveAlert(alert: ActiveAlert): void {
    this.db
      .prepare(`INSERT INTO alert_state (key, udid, kind, fingerprint, title, since) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET fingerprint = excluded.fingerprint, title = excluded.title`)
      .run(alert.key, alert.udid ?? null, alert.kind, alert.fingerprint, alert.title, alert.since);
  }

  clearActiveAlert(key: string): void {
    this.db.prepare(`DELETE FROM alert_state WHERE key = ?`).run(key);
  }
}
