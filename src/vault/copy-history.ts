/**
 * The pieces of the local store for a disk without hard links (see restic-history.ts for why):
 * detecting such a disk, starting a staging folder as a copy of the latest snapshot, and turning
 * older full folders into restic-only history once a newer snapshot is committed.
 *
 * Only the latest snapshot is kept as a plain Finder folder (so Finder, idevicebackup2 and Lifeboat's
 * readers use it as is); every snapshot, the latest included, is also in the history repository, and
 * older ones are materialised from it on demand (`restic restore`).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileDigest } from './digests.js';

const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK', 'ENOSYS']);

/** Whether `dir`'s file system can hard-link files, found by trying (the only reliable way). */
export function supportsHardLinks(dir: string): boolean {
  mkdirSync(dir, { recursive: true });
  const probe = join(dir, `.link-probe-${process.pid}-${randomBytes(3).toString('hex')}`);
  writeFileSync(probe, '');
  try {
    linkSync(probe, `${probe}.link`);
    return true;
  } catch (error) {
    if (NO_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) return false;
    throw error;
  } finally {
    rmSync(probe, { force: true });
    rmSync(`${probe}.link`, { force: true });
  }
}

/**
 * Copies `from`'s tree to `to`, keeping modification times, and returns, for every copied file, its
 * new inode with the source's digest — valid for as long as the copy keeps its modification time
 * (a file the device rewrites gets a new one).
 */
export function copyTree(from: string, to: string, digests: readonly FileDigest[] | undefined): Map<number, { digest: FileDigest; mtimeMs: number }> {
  const byPath = new Map((digests ?? []).map((d) => [d.path, d]));
  const carried = new Map<number, { digest: FileDigest; mtimeMs: number }>();
  const walk = (source: string, target: string, prefix: string): void => {
    for (const entry of readdirSync(source, { withFileTypes: true })) {
      const s = join(source, entry.name);
      const t = join(target, entry.name);
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        mkdirSync(t);
        walk(s, t, rel);
      } else if (entry.isFile()) {
        const stat = lstatSync(s);
        copyFileSync(s, t);
        utimesSync(t, stat.atime, stat.mtime);
        const copied = lstatSync(t);
        const digest = byPath.get(rel);
        if (digest && digest.size === copied.size) carried.set(copied.ino, { digest, mtimeMs: copied.mtimeMs });
      }
    }
  };
  walk(from, to, '');
  return carried;
}

/**
 * After a commit: older snapshots that are still full folders and safely in the history repository
 * (they have a restic marker) lose their folder — moved to the trash first, so a crash leaves either the
 * whole folder or none of it listed.
 */
export function demoteOlderFolders(snapshotsDir: string, latestId: string, udid: string, trash: string, marker: string): string[] {
  const demoted: string[] = [];
  mkdirSync(trash, { recursive: true });
  for (const id of readdirSync(snapshotsDir)) {
    if (id === latestId || id.startsWith('.')) continue;
    const folder = join(snapshotsDir, id, udid);
    if (!existsSync(folder) || !existsSync(join(snapshotsDir, id, marker))) continue;
    renameSync(folder, join(trash, `${id}-folder`));
    demoted.push(id);
  }
  return demoted;
}
