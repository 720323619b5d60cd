/**
 * The alert centre: turns "what is wrong now" into notifications, never silently and never twice.
 *
 * Nouns: a *condition* is something wrong right now, with a stable *key* ("failure:<udid>") and a
 * *fingerprint* (for failures: the diagnosed cause). An alert is sent when a condition appears or its
 * fingerprint changes (a different cause); while it stays the same nothing is repeated. When
 * conditions go away a single *recovery* notice says so. Active conditions live in SQLite, so a
 * restarted daemon neither repeats old alerts nor forgets to announce a recovery.
 */
import type { Clock } from '../clock.js';
import type { HistoryDb } from '../history.js';
import type { AlertChannelName, AlertKind, AlertRecord } from '../types.js';
import { deliver, type AlertChannel } from './channels.js';

export interface AlertCondition {
  readonly key: string;
  readonly udid?: string;
  readonly kind: Exclude<AlertKind, 'recovered'>;
  readonly fingerprint: string;
  readonly title: string;
  readonly body: string;
}

export interface AlertUpdate {
  readonly udid: string;
  /** Kinds this evaluation judged: only their conditions may be cleared (others were not looked at). */
  readonly judged: ReadonlyArray<Exclude<AlertKind, 'recovered'>>;
  readonly conditions: readonly AlertCondition[];
  /** Device name for recovery notices. */
  readonly name: string;
  /** What put things right, for the recovery notice ("a backup succeeded at …"). */
  readonly recoveryNote?: string;
}

export class AlertCenter {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: HistoryDb,
    private readonly channels: () => readonly AlertChannel[],
    private readonly clock: Clock,
    private readonly onAlert: (alert: AlertRecord) => void,
  ) {}

  /** Brings one device's alerts up to date; resolves with the alerts sent. Updates run one at a time. */
  update(update: AlertUpdate): Promise<AlertRecord[]> {
    const next = this.queue.then(() => this.apply(update));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Waits for queued updates (and their deliveries) to finish. */
  async settled(): Promise<void> {
    await this.queue;
  }

  private async apply(update: AlertUpdate): Promise<AlertRecord[]> {
    const sent: AlertRecord[] = [];
    const active = this.db.activeAlerts().filter((a) => a.udid === update.udid);
    const now = this.clock.now().toISOString();
    for (const condition of update.conditions) {
      const existing = active.find((a) => a.key === condition.key);
      if (existing && existing.fingerprint === condition.fingerprint) continue;
      this.db.setActiveAlert({ key: condition.key, udid: update.udid, kind: condition.kind, fingerprint: condition.fingerprint, title: condition.title, since: existing?.since ?? now });
      sent.push(await this.send({ at: now, udid: update.udid, kind: condition.kind, title: condition.title, body: condition.body }));
    }
    const current = new Set(update.conditions.map((c) => c.key));
    const resolved = active.filter((a) => !current.has(a.key) && (update.judged as readonly string[]).includes(a.kind));
    for (const gone of resolved) this.db.clearActiveAlert(gone.key);
    if (resolved.length > 0) {
      const lines = resolved.map((r) => `✓ resolved: ${r.title} (since ${r.since})`);
      sent.push(
        await this.send({
          at: now,
          udid: update.udid,
          kind: 'recovered',
          title: `${update.name}: ${resolved.length === 1 ? 'problem resolved' : `${resolved.length} problems resolved`}`,
          body: [...(update.recoveryNote ? [update.recoveryNote] : []), ...lines].join('\n'),
        }),
      );
    }
    return sent;
  }

  private async send(alert: Omit<AlertRecord, 'id' | 'channels'>): Promise<AlertRecord> {
    const stored = this.db.addAlert({ ...alert, channels: [] });
    const channels = await deliver(this.channels(), stored);
    this.db.setAlertChannels(stored.id, channels);
    const record = { ...stored, channels };
    this.onAlert(record);
    return record;
  }

  /** Sends a test alert through every configured channel of one kind; throws when none is configured or one fails. */
  async testSend(kind: AlertChannelName): Promise<void> {
    const channels = this.channels().filter((c) => c.kind === kind);
    if (channels.length === 0) throw new Error(`no ${kind} alert channel is configured`);
    const at = this.clock.now().toISOString();
    const test: AlertRecord = { id: 0, at, kind: 'recovered', title: 'Lifeboat test alert', body: `This is a test of the ${kind} alert channel. If you read this, alerts reach you.`, channels: [] };
    const results = await deliver(channels, test);
    const failed = results.filter((r) => r.includes('(failed:'));
    if (failed.length > 0) throw new Error(`test alert not delivered: ${failed.join('; ')}`);
  }
}
