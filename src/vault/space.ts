/**
 * Room for the next backup, estimated before it starts, so a backup is refused with a clear message
 * instead of filling the disk halfway through (which would stop it anyway, later, with the disk full
 * for everything else on the machine too).
 *
 * What a backup costs the vault's disk:
 * - incremental, hard-link history: only what changed (new inodes) plus the staging folder's directory
 *   entries. What will change is unknown beforehand; recent history is the best guide, so the estimate
 *   is twice the largest change of the last few incremental snapshots (10 % of the backup when there is
 *   no history yet);
 * - full (`--full`) with history: everything again (the previous snapshot's size);
 * - restic-held history (no hard links on this disk): the staging folder starts as a full copy of the
 *   latest snapshot, and the repository grows by about the change;
 * - the first backup: nothing in the vault says how big it is. The iPhone itself asks for the free
 *   space and refuses when its backup will not fit (the engine explains that error), so only the
 *   margin is required here; the device's used storage is reported as an upper bound.
 * plus a margin (16 MiB or 1 % of the backup, whichever is more) for Manifest.db and the plists.
 */
import { existsSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { VaultError } from './errors.js';
import type { LocalSnapshotStore } from './local-store.js';

const MIN_MARGIN = 16 * 1024 * 1024;
const RECENT = 5;

export interface SpaceEstimate {
  readonly neededBytes: number;
  readonly availableBytes: number;
  /** How the need was estimated, in words. */
  readonly basis: string;
  /** The iPhone's used storage: what a first backup could be at most. */
  readonly deviceUsedBytes?: number;
  readonly ok: boolean;
}

export interface SpaceOptions {
  readonly full?: boolean;
  /** TotalDataCapacity − TotalDataAvailable from lockdown's com.apple.disk_usage, when read. */
  readonly deviceUsedBytes?: number;
  /** The staging folder starts as a copy of the latest snapshot (no hard links on this disk). */
  readonly copiesLatest?: boolean;
}

/** Free bytes for an unprivileged writer on the file system that holds `path` (or would). */
export function availableBytes(path: string): number {
  let probe = path;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  const stats = statfsSync(probe);
  return stats.bavail * stats.bsize;
}

export function estimateBackupSpace(store: LocalSnapshotStore, udid: string, options: SpaceOptions = {}): SpaceEstimate {
  const snapshots = store.list(udid);
  const latest = snapshots.at(-1)?.meta;
  const available = availableBytes(store.root);
  const device = options.deviceUsedBytes !== undefined ? { deviceUsedBytes: options.deviceUsedBytes } : {};
  if (latest?.logicalBytes === undefined) {
    const needed = MIN_MARGIN;
    return { neededBytes: needed, availableBytes: available, basis: 'first backup: the iPhone checks its exact size itself; only a margin is required here', ...device, ok: available >= needed };
  }
  const size = latest.logicalBytes;
  const margin = Math.max(MIN_MARGIN, Math.round(size * 0.01));
  const parts: string[] = [];
  let needed = margin;
  if (options.full) {
    needed += size;
    parts.push('a full backup sends everything again (the size of the latest snapshot)');
  } else {
    const changes = snapshots
      .slice(-RECENT)
      .map((ref) => ref.meta)
      .filter((meta) => meta !== undefined && meta.full === false && meta.newBytes !== undefined)
      .map((meta) => meta?.newBytes ?? 0);
    const change = changes.length > 0 ? 2 * Math.max(...changes) : Math.round(size * 0.1);
    needed += change;
    parts.push(changes.length > 0 ? `twice the largest change of the last ${changes.length} backups` : 'a tenth of the latest snapshot (no history of changes yet)');
    if (options.copiesLatest) {
      needed += size;
      parts.push('a copy of the latest snapshot to start from (this disk has no hard links)');
    }
    // Directory entries of the staging folder's links: small, but 100,000 of them are not nothing.
    needed += (latest.files ?? 0) * 64;
  }
  parts.push('a margin for Manifest.db');
  return { neededBytes: needed, availableBytes: available, basis: parts.join(', plus '), ...device, ok: available >= needed };
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Throws VAULT_NO_SPACE when the estimate does not fit; returns the estimate otherwise. */
export function checkBackupSpace(store: LocalSnapshotStore, udid: string, options: SpaceOptions = {}): SpaceEstimate {
  const estimate = estimateBackupSpace(store, udid, options);
  if (estimate.ok) return estimate;
  throw new VaultError(
    `not enough free space for this backup: about ${mb(estimate.neededBytes)} needed, ${mb(estimate.availableBytes)} available on the disk that holds ${store.root} (estimated from ${estimate.basis}); nothing was changed`,
    {
      code: 'VAULT_NO_SPACE',
      retryable: true,
      hint: 'Free up space on that disk, forget old snapshots (`lifeboat forget --keep-last N`), or move the vault to a larger disk (vaultPath in the config), then run the backup again.',
    },
  );
}
