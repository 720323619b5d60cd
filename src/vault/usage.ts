/**
 * Disk use of the vault: what the files really take on disk, each hard-linked inode counted once
 * (st_blocks, so sparse files and filesystem blocks are honest), next to the logical size — the sum
 * of every snapshot's files, as if each were a separate copy. Their ratio is the saving.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalSnapshotStore } from './local-store.js';

export interface DeviceUsage {
  readonly udid: string;
  readonly snapshots: number;
  /** Sum of all snapshots' file sizes (every snapshot counted in full). */
  readonly logicalBytes: number;
  /** Bytes on disk, every inode once. */
  readonly diskBytes: number;
}

export function vaultUsage(store: LocalSnapshotStore, udids: readonly string[]): { devices: DeviceUsage[]; diskBytes: number; logicalBytes: number } {
  const seen = new Set<string>();
  const devices: DeviceUsage[] = [];
  let totalDisk = 0;
  let totalLogical = 0;
  for (const udid of udids) {
    let logical = 0;
    let disk = 0;
    const snapshots = store.list(udid);
    for (const snapshot of snapshots) {
      if (snapshot.heldIn === 'restic') {
        logical += snapshot.meta?.logicalBytes ?? 0;
        continue;
      }
      const walk = (dir: string): void => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) {
            walk(path);
            continue;
          }
          const stat = lstatSync(path);
          logical += stat.size;
          const key = `${stat.dev}:${stat.ino}`;
          if (!seen.has(key)) {
            seen.add(key);
            disk += stat.blocks * 512;
          }
        }
      };
      walk(snapshot.backupDir);
    }
    // History kept in restic (a disk without hard links): the repository's files are its disk use.
    const history = store.history(udid);
    if (history.exists()) disk += history.size();
    devices.push({ udid, snapshots: snapshots.length, logicalBytes: logical, diskBytes: disk });
    totalDisk += disk;
    totalLogical += logical;
  }
  return { devices, diskBytes: totalDisk, logicalBytes: totalLogical };
}
