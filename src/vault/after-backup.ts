/**
 * What the vault does after a successful backup: apply the device's retention policy (restic `forget`
 * semantics, see retention.ts) so history does not grow without bound. Shared by `lifeboat backup` and
 * the daemon. Retention never fails a backup: the new snapshot is already committed, so a problem here
 * (another process holding the device lock, a disk error while deleting) is reported, not thrown.
 */
import { resolvePolicy, type LifeboatConfig, type RetentionSettings } from '../config/schema.js';
import { describeError } from '../util/errors.js';
import { applyForget, planForget } from './forget.js';
import type { LocalSnapshotStore } from './local-store.js';
import { isEmptyPolicy, validatePolicy, type RetentionPolicy } from './retention.js';

export interface RetentionOutcome {
  readonly udid: string;
  readonly policy: RetentionPolicy;
  /** Snapshot ids kept, newest first. */
  readonly kept: string[];
  /** Snapshot ids removed by this run. */
  readonly forgotten: string[];
  /** Why nothing was applied (empty policy, lock held, error), when that happened. */
  readonly skipped?: string;
}

/** Applies `retention` to the device's snapshots; `justMade` (the new snapshot) is never removed. */
export function applyRetentionAfterBackup(store: LocalSnapshotStore, udid: string, retention: RetentionSettings, justMade?: string): RetentionOutcome {
  const policy: RetentionPolicy = { ...retention };
  const problems = validatePolicy(policy);
  if (problems.length > 0) return { udid, policy, kept: [], forgotten: [], skipped: `the retention policy is invalid: ${problems.join('; ')}` };
  if (isEmptyPolicy(policy)) return { udid, policy, kept: store.list(udid).map((r) => r.id).reverse(), forgotten: [], skipped: 'no retention policy: every snapshot is kept' };
  try {
    const plan = planForget(store, udid, policy);
    // restic's semantics always keep the newest snapshot under a non-empty policy; checked anyway,
    // because removing the backup just made would be the worst possible outcome.
    if (justMade !== undefined && plan.forget.includes(justMade)) {
      return { udid, policy, kept: plan.keep.map((k) => k.id), forgotten: [], skipped: 'the policy would remove the new snapshot; nothing was forgotten' };
    }
    const forgotten = plan.forget.length > 0 ? applyForget(store, plan) : [];
    return { udid, policy, kept: plan.keep.map((k) => k.id), forgotten };
  } catch (error) {
    return { udid, policy, kept: store.list(udid).map((r) => r.id).reverse(), forgotten: [], skipped: `retention was not applied: ${describeError(error)}` };
  }
}

/** The same, with the policy the config gives this device (defaults plus its overrides). */
export function applyConfiguredRetention(store: LocalSnapshotStore, config: LifeboatConfig, udid: string, justMade?: string): RetentionOutcome {
  return applyRetentionAfterBackup(store, udid, resolvePolicy(config, udid).retention, justMade);
}
