/**
 * Forgetting snapshots by a retention policy. Removal is crash-safe: a snapshot is first renamed out
 * of snapshots/ into trash/ (one atomic step — it is either fully listed or not at all), then deleted;
 * trash left by a crash is emptied by the next forget. Other snapshots never change: hard links keep
 * every file that a remaining snapshot still uses.
 */
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { crashPoint } from './crash-point.js';
import { acquireDeviceLock } from './device-lock.js';
import { fsyncDirectory, type LocalSnapshotStore, type SnapshotRef } from './local-store.js';
import { applyRetention, type RetentionPolicy } from './retention.js';

export interface ForgetPlan {
  readonly udid: string;
  readonly keep: Array<{ id: string; reasons: string[] }>;
  readonly forget: string[];
}

function snapshotTime(ref: SnapshotRef): Date {
  if (ref.meta?.createdAt) return new Date(ref.meta.createdAt);
  // Snapshot ids start with their UTC time: 20261125T131605123Z-…
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\d{3})?Z/.exec(ref.id);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : new Date(0);
}

export function planForget(store: LocalSnapshotStore, udid: string, policy: RetentionPolicy): ForgetPlan {
  const refs = store.list(udid);
  const decision = applyRetention(
    refs.map((ref) => ({ id: ref.id, time: snapshotTime(ref) })),
    policy,
  );
  return { udid, keep: decision.keep.map((k) => ({ id: k.snapshot.id, reasons: k.reasons })), forget: decision.forget.map((s) => s.id) };
}

export function emptyTrash(store: LocalSnapshotStore, udid: string): void {
  store.emptyTrash(udid);
}

/** Applies a plan under the device lock (no backup of the device can run meanwhile). */
export function applyForget(store: LocalSnapshotStore, plan: ForgetPlan): string[] {
  const root = store.deviceRoot(plan.udid);
  const lock = acquireDeviceLock(join(root, 'lock'), `a change to ${plan.udid}'s snapshots`);
  try {
    emptyTrash(store, plan.udid);
    const trash = join(root, 'trash');
    mkdirSync(trash, { recursive: true });
    const removed: string[] = [];
    const inHistory: string[] = [];
    for (const id of plan.forget) {
      const ref = store.get(plan.udid, id);
      renameSync(ref.backupDir, join(trash, id));
      removed.push(id);
      if (ref.restic) inHistory.push(ref.restic.snapshot);
      crashPoint('forget:after-first-move');
    }
    fsyncDirectory(join(root, 'snapshots'));
    // History kept in restic (a disk without hard links): forget there too and free the space. A crash
    // before this leaves restic snapshots with no Lifeboat snapshot; the next backup forgets them.
    if (inHistory.length > 0) store.history(plan.udid).forget(inHistory, true);
    emptyTrash(store, plan.udid);
    return removed;
  } finally {
    lock.release();
  }
}
