/**
 * The daemon's device table: one entry per device it knows (configured, in the history, or attached),
 * with its attachments, what its backup waits for, its running job and its last failure. The watcher's
 * events land here; the scheduler, the jobs and the status reader share the entries.
 */
import { normalizeUdid } from '../protocol/host/select-device.js';
import type { DeviceTransport } from '../protocol/transport.js';
import type { Attachment, DeviceEvent } from './device-watch.js';
import type { FailureExplanation } from './explain.js';
import type { HistoryDb } from './history.js';
import type { DeviceReadings } from './policy.js';
import type { BackupProgressEvent, RunRecord } from './types.js';

export interface RunningJob {
  readonly record: RunRecord;
  readonly abort: AbortController;
  readonly promise: Promise<RunRecord>;
  progress?: BackupProgressEvent;
}

export interface DeviceEntry {
  readonly udid: string;
  name?: string;
  /** Keyed by Attachment.key. */
  readonly attachments: Map<string, Attachment>;
  readings?: DeviceReadings;
  waitingFor: string[];
  nextRunAt?: Date;
  run?: RunningJob;
  reattachedSinceFailure: boolean;
  readonly knownSince: Date;
  lastFailure?: { at: Date; explanation: FailureExplanation };
  afterProblems: Map<string, string>;
  /** Why its last attachment went away, when the source said (shown instead of "not connected"). */
  goneBecause?: string;
}

export class DeviceTable {
  private readonly entries = new Map<string, DeviceEntry>();

  constructor(
    private readonly db: HistoryDb,
    private readonly now: () => Date,
    private readonly log: (message: string) => void,
  ) {}

  all(): DeviceEntry[] {
    return [...this.entries.values()];
  }

  find(udid: string): DeviceEntry | undefined {
    const key = normalizeUdid(udid);
    return this.all().find((e) => normalizeUdid(e.udid) === key);
  }

  /** The entry for `udid`, created (with its last failure from the history) when new. */
  ensure(udid: string): DeviceEntry {
    const existing = this.find(udid);
    if (existing) return existing;
    const first = this.db.listRuns({ udid, limit: 100_000 }).at(-1);
    const entry: DeviceEntry = {
      udid,
      attachments: new Map(),
      waitingFor: [],
      reattachedSinceFailure: false,
      knownSince: first ? new Date(first.startedAt) : this.now(),
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

  /**
   * Records an attachment. `replug` (an attach event, not the list read at start-up) lets a device
   * that failed retry at once instead of waiting out the backoff.
   */
  attach(attachment: Attachment, replug: boolean): void {
    const entry = this.ensure(attachment.udid);
    const wasAttached = entry.attachments.size > 0;
    entry.attachments.set(attachment.key, attachment);
    delete entry.goneBecause;
    if (replug && !wasAttached && entry.lastFailure) entry.reattachedSinceFailure = true;
  }

  /** Applies one watcher event. */
  apply(event: DeviceEvent): void {
    if (event.type === 'attached') {
      this.attach(event.attachment, true);
      this.log(`attached: ${event.attachment.udid} (${event.attachment.transport.connection})`);
    } else if (event.type === 'detached') {
      for (const entry of this.entries.values()) {
        if (!entry.attachments.delete(event.key)) continue;
        this.log(`detached: ${entry.udid}${event.reason ? ` (${event.reason})` : ''}`);
        if (entry.attachments.size === 0 && event.reason) entry.goneBecause = event.reason;
      }
    } else if (event.type === 'lost') {
      for (const entry of this.entries.values()) {
        for (const [key, attachment] of entry.attachments) if (attachment.source === event.source) entry.attachments.delete(key);
      }
    }
  }
}

export function isAttached(entry: DeviceEntry): boolean {
  return entry.attachments.size > 0;
}

/** The attachment to use: a cable beats the network. */
export function preferredAttachment(entry: DeviceEntry): Attachment {
  const all = [...entry.attachments.values()];
  return all.find((a) => a.connection === 'usb') ?? (all[0] as Attachment);
}

export function preferredTransport(entry: DeviceEntry): DeviceTransport {
  return preferredAttachment(entry).transport;
}
