/**
 * What is wrong with one device right now, as alert conditions (see center.ts for de-duplication):
 *   stale        no successful backup for longer than staleAfterHours (or never, since first seen),
 *                with the reason it has not run;
 *   failure      the last attempt failed — keyed by the diagnosed cause, so a new cause alerts again;
 *   disk-space   the vault's disk will not hold the next backup (estimated from recent snapshots, or
 *                from the phone's used storage before the first one);
 *   unencrypted  the policy wants encryption (Health data, saved passwords) but the phone's backups
 *                are not encrypted.
 */
import type { DevicePolicy } from '../../config/schema.js';
import { formatAge, formatBytesShort } from '../format.js';
import type { FailureExplanation } from '../explain.js';
import type { DeviceReadings } from '../policy.js';
import type { AlertKind } from '../types.js';
import type { AlertCondition } from './center.js';

export interface DeviceFacts {
  readonly udid: string;
  readonly name: string;
  readonly policy: DevicePolicy;
  readonly now: Date;
  readonly lastSuccessAt?: Date;
  /** Since when the daemon has known the device (the stale clock for a device never backed up). */
  readonly knownSince: Date;
  /** Set when the last attempt failed. */
  readonly lastFailure?: { readonly at: Date; readonly explanation: FailureExplanation; readonly retryAt?: Date };
  /** Why an automatic backup is not running now ('not connected', 'not charging or plugged in', …). */
  readonly waitingFor: readonly string[];
  readonly readings?: DeviceReadings;
  readonly vaultFreeBytes?: number;
  readonly nextBackupBytes?: number;
  /** Problems after a successful backup (remote sync, retention), keyed by step. */
  readonly afterBackupProblems?: ReadonlyMap<string, string>;
}

export interface DeviceAlertState {
  readonly conditions: AlertCondition[];
  readonly judged: Array<Exclude<AlertKind, 'recovered'>>;
}

const HOUR = 3_600_000;

export function deviceAlerts(facts: DeviceFacts): DeviceAlertState {
  const conditions: AlertCondition[] = [];
  const judged: Array<Exclude<AlertKind, 'recovered'>> = ['stale', 'failure'];
  const { udid, name, policy, now } = facts;

  const since = facts.lastSuccessAt ?? facts.knownSince;
  const age = now.getTime() - since.getTime();
  if (age > policy.staleAfterHours * HOUR) {
    const why = facts.lastFailure
      ? `The last attempt failed: ${facts.lastFailure.explanation.title}. ${facts.lastFailure.explanation.fix}`
      : facts.waitingFor.length > 0
        ? `It has not run because: ${facts.waitingFor.join('; ')}.`
        : 'No reason is known; run `lifeboat doctor`.';
    conditions.push({
      key: `stale:${udid}`,
      udid,
      kind: 'stale',
      fingerprint: 'stale',
      title: facts.lastSuccessAt ? `${name}: no backup for ${formatAge(age)}` : `${name}: never backed up (known for ${formatAge(age)})`,
      body: `${facts.lastSuccessAt ? `The last successful backup of ${name} was ${formatAge(age)} ago (${since.toISOString()})` : `${name} has never been backed up by Lifeboat`}, longer than the ${policy.staleAfterHours} h allowed. ${why}`,
    });
  }

  if (facts.lastFailure) {
    const e = facts.lastFailure.explanation;
    conditions.push({
      key: `failure:${udid}`,
      udid,
      kind: 'failure',
      fingerprint: e.id,
      title: `${name}: backup failed — ${e.title}`,
      body: `${e.explanation}\nFix: ${e.fix}${facts.lastFailure.retryAt ? `\nLifeboat tries again at ${facts.lastFailure.retryAt.toISOString()} or when the iPhone is reconnected.` : ''}`,
    });
  }
  for (const [step, problem] of facts.afterBackupProblems ?? []) {
    conditions.push({ key: `failure:${udid}:${step}`, udid, kind: 'failure', fingerprint: problem.slice(0, 120), title: `${name}: ${step} failed after the backup`, body: problem });
  }

  if (facts.vaultFreeBytes !== undefined && facts.nextBackupBytes !== undefined) {
    judged.push('disk-space');
    if (facts.nextBackupBytes > facts.vaultFreeBytes) {
      conditions.push({
        key: `disk-space:${udid}`,
        udid,
        kind: 'disk-space',
        fingerprint: 'disk-space',
        title: `The backup disk will not hold ${name}'s next backup`,
        body: `The next backup of ${name} may need up to ${formatBytesShort(facts.nextBackupBytes)}, but the vault's disk has ${formatBytesShort(facts.vaultFreeBytes)} free. Free up space there or move the vault to a larger disk (vaultPath in the config).`,
      });
    }
  }

  if (facts.readings?.willEncrypt !== undefined) {
    judged.push('unencrypted');
    if (policy.wantEncryption && facts.readings.willEncrypt === false) {
      conditions.push({
        key: `unencrypted:${udid}`,
        udid,
        kind: 'unencrypted',
        fingerprint: 'unencrypted',
        title: `${name}: backups are not encrypted`,
        body: `Backups of ${name} are not encrypted, so the iPhone leaves out Health data, saved passwords (Keychain), Wi-Fi settings and call history. Turn encryption on with \`lifeboat encryption on --udid ${udid}\` and keep the password safe.`,
      });
    }
  }
  return { conditions, judged };
}
