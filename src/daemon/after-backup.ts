/**
 * The steps after a committed backup, in order: verify the new snapshot (when the policy asks), apply
 * retention, copy to the configured remotes. A damaged new snapshot fails the run (it cannot be
 * trusted); retention and remote problems do not undo the backup but are reported — and a remote that
 * is configured while no sync engine is wired is a reported problem, never a silent skip.
 */
import { statfsSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DevicePolicy, LifeboatConfig, RetentionSettings } from '../config/schema.js';
import { describeError } from '../util/errors.js';
import { applyForget, planForget } from '../vault/forget.js';
import type { LocalSnapshotStore, SnapshotRef } from '../vault/local-store.js';
import { isEmptyPolicy } from '../vault/retention.js';
import { verifySnapshot, type VerifyReport } from '../vault/verify.js';
import { DaemonError } from './errors.js';

/** Retention after a backup: forgets what the policy does not keep; never removes `justMade`. */
export type RetentionStep = (store: LocalSnapshotStore, udid: string, retention: RetentionSettings, justMade?: string) => { forgotten: string[]; skipped?: string };

/** Copies the vault's snapshots of `udid` to the remote `name` (src/vault/remote's syncRemote fits). */
export type SyncRemote = (options: { config: LifeboatConfig; name: string; vaultRoot: string; udid?: string; signal?: AbortSignal }) => Promise<unknown>;

export const defaultRetention: RetentionStep = (store, udid, retention, justMade) => {
  if (isEmptyPolicy(retention)) return { forgotten: [], skipped: 'no retention policy' };
  const plan = planForget(store, udid, retention);
  if (justMade !== undefined && plan.forget.includes(justMade)) return { forgotten: [], skipped: 'the policy would remove the new snapshot' };
  return { forgotten: plan.forget.length > 0 ? applyForget(store, plan) : [] };
};

export interface AfterBackupResult {
  readonly verify?: VerifyReport;
  readonly forgotten: string[];
  /** step → what went wrong ('remote sync to "offsite"', 'retention'). */
  readonly problems: Map<string, string>;
}

export async function afterBackup(options: {
  readonly store: LocalSnapshotStore;
  readonly snapshot: SnapshotRef;
  readonly policy: DevicePolicy;
  readonly config: LifeboatConfig;
  readonly retention: RetentionStep;
  readonly syncRemote: SyncRemote | undefined;
  readonly signal?: AbortSignal;
}): Promise<AfterBackupResult> {
  const { store, snapshot, policy } = options;
  const problems = new Map<string, string>();
  let verify: VerifyReport | undefined;
  if (policy.verifyAfterBackup) {
    verify = await verifySnapshot(snapshot);
    if (!verify.ok) {
      const first = verify.problems.slice(0, 3).map((p) => `${p.kind} ${p.path}: ${p.detail}`).join('; ');
      throw new DaemonError(`the new snapshot ${snapshot.id} failed verification (${verify.problems.length} problems: ${first})`, {
        code: 'SNAPSHOT_DAMAGED',
        retryable: true,
        hint: 'Check the vault disk for errors (bit rot, a failing disk); the next backup starts a fresh snapshot.',
      });
    }
  }
  let forgotten: string[] = [];
  try {
    const outcome = options.retention(store, snapshot.udid, policy.retention, snapshot.id);
    forgotten = outcome.forgotten;
  } catch (error) {
    problems.set('retention', `retention could not be applied: ${describeError(error)}`);
  }
  for (const name of policy.syncRemotes) {
    const step = `remote sync to "${name}"`;
    if (!options.config.remotes[name]) {
      problems.set(step, `the policy syncs to the remote "${name}", but the config defines no such remote`);
      continue;
    }
    if (!options.syncRemote) {
      problems.set(step, `the remote "${name}" is configured but this Lifeboat has no remote sync engine wired in, so nothing was copied off-site`);
      continue;
    }
    try {
      await options.syncRemote({ config: options.config, name, vaultRoot: store.root, udid: snapshot.udid, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      problems.set(step, `copying to the remote "${name}" failed: ${describeError(error)}`);
    }
  }
  return { ...(verify ? { verify } : {}), forgotten, problems };
}

/** Free bytes for unprivileged users on the disk holding `path` (or its nearest existing parent). */
export function freeBytes(path: string): number | undefined {
  let dir = path;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/**
 * What the next backup of `udid` may need on the vault's disk: changes travel as new files, so twice
 * the largest recent change (with 50 MB for Manifest.db and headroom); before any snapshot, what the
 * phone stores (an upper bound: a Finder backup leaves out apps and caches).
 */
export function nextBackupEstimate(store: LocalSnapshotStore, udid: string, usedDataBytes: number | undefined): number | undefined {
  const recent = store.list(udid).slice(-5);
  if (recent.length === 0) return usedDataBytes;
  const largest = Math.max(...recent.map((r) => r.meta?.newBytes ?? r.meta?.bytesReceived ?? 0));
  return largest * 2 + 50_000_000;
}
