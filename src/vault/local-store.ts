/**
 * LocalSnapshotStore: versioned backups on a local disk, every snapshot a complete Finder backup.
 *
 * Layout under the store root:
 *   devices/<UDID>/snapshots/<id>/<UDID>/…     a Finder backup folder (Info.plist, Manifest.db, ab/…);
 *                                              `idevicebackup2 restore snapshots/<id>` works as is
 *   devices/<UDID>/snapshots/<id>/lifeboat-snapshot.json   our metadata, beside (not inside) it
 *   devices/<UDID>/staging/<run>/<UDID>/…      a backup in progress
 *   devices/<UDID>/lock                        one backup per device at a time
 *
 * A *staging* folder starts as hard links to the latest snapshot's files, so the device only sends
 * what changed; everything the device writes goes to new inodes (see src/backup), so the previous
 * snapshot is never touched. *Commit* makes the staging folder durable (one filesystem sync) and
 * renames it into snapshots/ atomically; a crash at any point leaves only a staging folder, which the
 * next run removes.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireDeviceLock, type DeviceLock } from './device-lock.js';
import { readDigests, recordDigests, type KnownDigest } from './digests.js';
import { VaultError } from './errors.js';

export const SNAPSHOT_META = 'lifeboat-snapshot.json';

export interface SnapshotMeta {
  readonly id: string;
  readonly udid: string;
  readonly createdAt: string;
  readonly encrypted: boolean;
  readonly full: boolean;
  readonly productVersion?: string;
  readonly deviceName?: string;
  readonly filesReceived: number;
  readonly bytesReceived: number;
  /** From the digest record written at commit: files in the Finder folder, their total size, and how much of it is new. */
  readonly files?: number;
  readonly logicalBytes?: number;
  readonly newBytes?: number;
}

export interface SnapshotRef {
  readonly id: string;
  readonly udid: string;
  /** The folder to hand to Finder-format tools: it contains `<UDID>/`. */
  readonly backupDir: string;
  /** The Finder backup folder itself (`backupDir/<UDID>`). */
  readonly deviceDir: string;
  readonly meta: SnapshotMeta | undefined;
}

export interface Staging {
  /** The backup root the device writes into (contains `<UDID>/`). */
  readonly backupDir: string;
  readonly deviceDir: string;
  /** Whether it started from a previous snapshot (incremental) or empty (first/full). */
  readonly basedOn: string | undefined;
  /**
   * `knownDigests`: inode → size and sha256 of files written into the staging folder, computed as
   * they were written, so the digest record need not read them back (see recordDigests).
   * `changedPaths`: every path (relative to deviceDir, '/'-separated) written, moved, removed or
   * copied since the staging folder was made; files elsewhere are then taken to be the hard links
   * it started with, and are not looked at again. Omit it when unsure: everything is walked.
   */
  commit(
    meta: Omit<SnapshotMeta, 'id' | 'udid' | 'createdAt'>,
    options?: { knownDigests?: ReadonlyMap<number, KnownDigest>; changedPaths?: ReadonlySet<string> },
  ): SnapshotRef;
  abandon(): void;
}

/**
 * Snapshot ids sort in time order: UTC time to the millisecond, then a random suffix. Backups made
 * within the same millisecond are impossible for one device (the lock), but the clock may step back,
 * so commit also makes sure a new id sorts after the device's latest one (see nextSnapshotId).
 */
function snapshotId(date: Date): string {
  return `${date.toISOString().replace(/[-:]/g, '').replace(/\.(\d+)Z$/, '$1Z')}-${randomBytes(3).toString('hex')}`;
}

function nextSnapshotId(date: Date, latest: string | undefined): string {
  let candidate = snapshotId(date);
  for (let step = 1; latest !== undefined && candidate <= latest; step++) candidate = snapshotId(new Date(date.getTime() + step));
  return candidate;
}

export class LocalSnapshotStore {
  constructor(readonly root: string) {}

  deviceRoot(udid: string): string {
    if (!/^[0-9A-Fa-f-]{24,40}$/.test(udid)) throw new VaultError(`"${udid}" is not a device UDID`, { code: 'VAULT_BAD_UDID' });
    return join(this.root, 'devices', udid);
  }

  list(udid: string): SnapshotRef[] {
    const dir = join(this.deviceRoot(udid), 'snapshots');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => !name.startsWith('.'))
      .sort()
      .map((id) => this.ref(udid, id));
  }

  latest(udid: string): SnapshotRef | undefined {
    return this.list(udid).at(-1);
  }

  get(udid: string, id: string): SnapshotRef {
    if (!/^[0-9TZ]+-[0-9a-f]{6}$/.test(id)) throw new VaultError(`"${id}" is not a snapshot id`, { code: 'VAULT_BAD_SNAPSHOT_ID' });
    const ref = this.ref(udid, id);
    if (!existsSync(ref.deviceDir)) throw new VaultError(`no snapshot ${id} for ${udid}`, { code: 'VAULT_NO_SNAPSHOT' });
    return ref;
  }

  /** Takes the device lock, removes staging left by crashed runs, and prepares a staging folder. */
  openStaging(udid: string, options: { full?: boolean } = {}): Staging {
    const deviceRoot = this.deviceRoot(udid);
    mkdirSync(join(deviceRoot, 'snapshots'), { recursive: true });
    const lock = acquireDeviceLock(join(deviceRoot, 'lock'), `a backup of ${udid}`);
    try {
      const stagingRoot = join(deviceRoot, 'staging');
      rmSync(stagingRoot, { recursive: true, force: true });
      const run = join(stagingRoot, randomBytes(6).toString('hex'));
      const deviceDir = join(run, udid);
      mkdirSync(deviceDir, { recursive: true });
      const base = options.full ? undefined : this.latest(udid);
      const linked = base ? linkTree(base.deviceDir, deviceDir) : 0;
      return this.staging(udid, run, deviceDir, base?.id, lock, linked);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  private staging(udid: string, run: string, deviceDir: string, basedOn: string | undefined, lock: DeviceLock, linked: number): Staging {
    let finished = false;
    return {
      backupDir: run,
      deviceDir,
      basedOn,
      commit: (meta, options) => {
        if (finished) throw new VaultError('staging already finished', { code: 'VAULT_STATE' });
        const createdAt = new Date();
        const id = nextSnapshotId(createdAt, this.latest(udid)?.id);
        // Digests of every file, carried over from the base snapshot for hard-linked (unchanged) ones.
        const base = basedOn ? this.ref(udid, basedOn) : undefined;
        const previous = base ? readDigests(base.backupDir) : undefined;
        // The changed paths are only trusted when the base's record lists every file that was linked.
        const changed = previous && previous.length === linked ? options?.changedPaths : undefined;
        const counts = recordDigests(deviceDir, run, previous, options?.knownDigests, changed);
        const full: SnapshotMeta = {
          id,
          udid,
          createdAt: createdAt.toISOString(),
          ...meta,
          files: counts.files,
          logicalBytes: counts.bytes,
          newBytes: counts.newBytes,
        };
        writeFileSync(join(run, SNAPSHOT_META), `${JSON.stringify(full, null, 2)}\n`);
        syncFileSystem(run);
        const target = join(this.deviceRoot(udid), 'snapshots', id);
        renameSync(run, target);
        fsyncDirectory(join(this.deviceRoot(udid), 'snapshots'));
        finished = true;
        lock.release();
        return this.ref(udid, id);
      },
      abandon: () => {
        if (finished) return;
        finished = true;
        rmSync(run, { recursive: true, force: true });
        lock.release();
      },
    };
  }

  private ref(udid: string, id: string): SnapshotRef {
    const backupDir = join(this.deviceRoot(udid), 'snapshots', id);
    let meta: SnapshotMeta | undefined;
    try {
      meta = JSON.parse(readFileSync(join(backupDir, SNAPSHOT_META), 'utf8')) as SnapshotMeta;
    } catch {
      meta = undefined;
    }
    return { id, udid, backupDir, deviceDir: join(backupDir, udid), meta };
  }
}

/** Recreates `from`'s tree at `to` with hard links for files (cp -al). */
export function linkTree(from: string, to: string): number {
  let count = 0;
  const walk = (source: string, target: string): void => {
    for (const entry of readdirSync(source, { withFileTypes: true })) {
      // Concatenation, not join(): names from readdir hold no separators (100,000 calls per backup).
      const s = `${source}/${entry.name}`;
      const t = `${target}/${entry.name}`;
      if (entry.isDirectory()) {
        mkdirSync(t);
        walk(s, t);
      } else if (entry.isFile()) {
        linkSync(s, t);
        count++;
      }
      // Anything else (symlinks, sockets) has no place in a backup folder and is not carried over.
    }
  };
  walk(from, to);
  return count;
}

/**
 * Makes everything written under `dir` durable with one call instead of an fsync per file: `sync -f`
 * (coreutils) asks the kernel to flush the whole file system. Where it is unavailable we fall back to
 * a full `sync`.
 */
export function syncFileSystem(dir: string): void {
  const result = spawnSync('sync', ['-f', dir], { stdio: 'ignore' });
  if (result.status !== 0) spawnSync('sync', [], { stdio: 'ignore' });
}

export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
