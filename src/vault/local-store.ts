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
 *
 * On a disk without hard links (exFAT, FAT32, many SMB shares) history lives in a restic repository
 * instead (copy-history.ts, restic-history.ts): the staging folder starts as a copy of the latest
 * snapshot, every commit also saves the snapshot in devices/<UDID>/history.restic, and older snapshots
 * keep only their metadata folder (`heldIn: 'restic'`); `materialise` brings one back as a folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireDeviceLock, type DeviceLock } from './device-lock.js';
import { fsyncDirectory, linkTree, syncFileSystem, UNTOUCHED_DIR_MTIME } from './durable-fs.js';
import { crashPoint } from './crash-point.js';
import { copyTree, demoteOlderFolders, supportsHardLinks } from './copy-history.js';
import { readDigests, recordDigests, type FileDigest, type KnownDigest } from './digests.js';
import { VaultError } from './errors.js';
import { RESTIC_MARKER, ResticHistory, type ResticMarker } from './restic-history.js';

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
  /** The Finder backup folder itself (`backupDir/<UDID>`); absent when `heldIn` is 'restic'. */
  readonly deviceDir: string;
  readonly meta: SnapshotMeta | undefined;
  /** 'folder': a Finder folder on disk; 'restic': only in the history repository (see materialise). */
  readonly heldIn: 'folder' | 'restic';
  /** Where the history repository holds it, when it does. */
  readonly restic: ResticMarker | undefined;
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
  private hardLinks: boolean | undefined;
  /** Things the person should be told once (e.g. that history moved to a restic repository). */
  readonly notices: string[] = [];

  constructor(readonly root: string) {}

  /** True when this vault's disk has no hard links, so history is kept in restic (probed once). */
  historyInRestic(): boolean {
    this.hardLinks ??= supportsHardLinks(this.root);
    return !this.hardLinks;
  }

  history(udid: string): ResticHistory {
    return new ResticHistory(this.deviceRoot(udid));
  }

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

  /** The newest snapshot's id, from the folder names alone (latest() also reads every snapshot's metadata). */
  private latestId(udid: string): string | undefined {
    const dir = join(this.deviceRoot(udid), 'snapshots');
    if (!existsSync(dir)) return undefined;
    return readdirSync(dir)
      .filter((name) => !name.startsWith('.'))
      .sort()
      .at(-1);
  }

  latest(udid: string): SnapshotRef | undefined {
    const id = this.latestId(udid);
    return id === undefined ? undefined : this.ref(udid, id);
  }

  get(udid: string, id: string): SnapshotRef {
    if (!/^[0-9TZ]+-[0-9a-f]{6}$/.test(id)) throw new VaultError(`"${id}" is not a snapshot id`, { code: 'VAULT_BAD_SNAPSHOT_ID' });
    const ref = this.ref(udid, id);
    if (ref.heldIn === 'folder' && !existsSync(ref.deviceDir)) throw new VaultError(`no snapshot ${id} for ${udid}`, { code: 'VAULT_NO_SNAPSHOT' });
    return ref;
  }

  /**
   * The snapshot as a Finder folder: itself when it is one, otherwise restored from the history
   * repository into devices/<UDID>/materialised/<id> (kept until the next backup; a restore
   * interrupted halfway is redone, it only becomes that folder by a final rename).
   */
  materialise(ref: SnapshotRef): SnapshotRef {
    if (ref.heldIn === 'folder') return ref;
    if (!ref.restic) throw new VaultError(`snapshot ${ref.id} has neither a folder nor a place in the history repository`, { code: 'VAULT_NO_SNAPSHOT' });
    const dir = join(this.deviceRoot(ref.udid), 'materialised', ref.id);
    if (!existsSync(join(dir, ref.udid))) {
      mkdirSync(join(this.deviceRoot(ref.udid), 'materialised'), { recursive: true });
      rmSync(dir, { recursive: true, force: true });
      this.history(ref.udid).restore(ref.restic, dir);
    }
    return { ...ref, backupDir: dir, deviceDir: join(dir, ref.udid), heldIn: 'folder' };
  }

  /** Takes the device lock, removes staging left by crashed runs, and prepares a staging folder. */
  openStaging(udid: string, options: { full?: boolean } = {}): Staging {
    const deviceRoot = this.deviceRoot(udid);
    mkdirSync(join(deviceRoot, 'snapshots'), { recursive: true });
    const lock = acquireDeviceLock(join(deviceRoot, 'lock'), `a backup of ${udid}`);
    try {
      // What crashed runs left behind: a staging folder (never a snapshot) and forgotten snapshots
      // still in the trash.
      const stagingRoot = join(deviceRoot, 'staging');
      rmSync(stagingRoot, { recursive: true, force: true });
      this.emptyTrash(udid);
      const base = options.full ? undefined : this.latest(udid);
      if (this.historyInRestic()) return this.copyStaging(udid, base, lock);
      const run = join(stagingRoot, randomBytes(6).toString('hex'));
      const deviceDir = join(run, udid);
      mkdirSync(deviceDir, { recursive: true });
      const linked = base ? linkTree(base.deviceDir, deviceDir) : 0;
      // The base's digest record is read now, while the phone prepares, not in the commit.
      const previous = base ? this.baseDigests(base) : undefined;
      return this.staging(udid, run, deviceDir, base?.id, lock, undefined, { linked, previous });
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /**
   * The digest record of the snapshot a staging folder starts from. A damaged one must not stop every
   * later backup: the new snapshot then hashes all its files itself (and verify names the damage).
   */
  private baseDigests(base: SnapshotRef): FileDigest[] | undefined {
    try {
      return readDigests(base.backupDir);
    } catch (error) {
      if (!(error instanceof VaultError) || error.code !== 'VAULT_DIGESTS_DAMAGED') throw error;
      this.notices.push(`The digest record of snapshot ${base.id} is damaged (${error.message}); this backup hashes every file again. Run \`lifeboat verify --snapshot ${base.id}\`.`);
      return undefined;
    }
  }

  /**
   * Staging without hard links: a fixed path (so restic sees the same folder every time and only reads
   * changed files), starting as a copy of the latest snapshot. Also cleans what a crash left: restic
   * snapshots of commits that never finished, materialised folders.
   */
  private copyStaging(udid: string, base: SnapshotRef | undefined, lock: DeviceLock): Staging {
    const deviceRoot = this.deviceRoot(udid);
    rmSync(join(deviceRoot, 'materialised'), { recursive: true, force: true });
    const history = this.history(udid);
    const listed = new Set(this.list(udid).map((r) => r.id));
    const orphans = history.list().filter((s) => s.lifeboatId !== undefined && !listed.has(s.lifeboatId));
    history.forget(orphans.map((s) => s.id), false);
    const run = join(deviceRoot, 'staging', 'next');
    const deviceDir = join(run, udid);
    // Always a map in this mode (empty for a first backup): it also tells commit to save in restic.
    let copied = new Map<number, { digest: FileDigest; mtimeMs: number }>();
    if (base) {
      const source = this.materialise(base);
      mkdirSync(deviceDir, { recursive: true });
      copied = copyTree(source.deviceDir, deviceDir, readDigests(source.backupDir));
    } else mkdirSync(deviceDir, { recursive: true });
    return this.staging(udid, run, deviceDir, base?.id, lock, copied);
  }

  /** After a restic-mode commit: save in the history repository before the snapshot becomes visible. */
  private saveHistory(udid: string, run: string, id: string): void {
    const history = this.history(udid);
    if (history.ensure()) {
      this.notices.push(
        `This vault's disk (${this.root}) cannot hard-link files, so instead of a full copy per snapshot Lifeboat keeps older snapshots in a restic repository (${history.repo}); the latest snapshot stays a plain Finder folder. Older ones are restored from the repository when you use them.`,
      );
    }
    const marker = history.backup(run, id);
    writeFileSync(join(run, RESTIC_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  }

  /**
   * Deletes what forget moved to devices/<UDID>/trash (see forget.ts). Called with the device lock
   * held: by forget itself and by the next backup, so a crash halfway through a deletion is finished
   * later. Nothing in the trash is listed as a snapshot any more, so deleting it is always safe.
   */
  emptyTrash(udid: string): void {
    const trash = join(this.deviceRoot(udid), 'trash');
    if (!existsSync(trash)) return;
    for (const name of readdirSync(trash)) {
      const item = join(trash, name);
      // Child by child, so a test can kill the process with a deletion half done.
      for (const child of statSync(item).isDirectory() ? readdirSync(item) : []) {
        rmSync(join(item, child), { recursive: true, force: true });
        crashPoint('forget:while-deleting');
      }
      rmSync(item, { recursive: true, force: true });
    }
  }

  private staging(
    udid: string,
    run: string,
    deviceDir: string,
    basedOn: string | undefined,
    lock: DeviceLock,
    copied?: Map<number, { digest: FileDigest; mtimeMs: number }>,
    /** Hard-linked staging: how many files linkTree linked, and the base's digest record. */
    links: { linked: number; previous: readonly FileDigest[] | undefined } = { linked: 0, previous: undefined },
  ): Staging {
    let finished = false;
    return {
      backupDir: run,
      deviceDir,
      basedOn,
      commit: (meta, options) => {
        if (finished) throw new VaultError('staging already finished', { code: 'VAULT_STATE' });
        const createdAt = new Date();
        const id = nextSnapshotId(createdAt, this.latestId(udid));
        // Digests of every file, carried over from the base snapshot for hard-linked (unchanged) ones.
        let counts: { files: number; bytes: number; newBytes: number };
        if (copied) counts = recordDigests(deviceDir, run, undefined, options?.knownDigests, copied);
        else {
          const previous = links.previous;
          // The changed paths are only trusted when the base's record lists every file that was linked.
          const changed = previous && previous.length === links.linked ? options?.changedPaths : undefined;
          counts = recordDigests(deviceDir, run, previous, options?.knownDigests, undefined, UNTOUCHED_DIR_MTIME.getTime(), changed);
        }
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
        if (copied) this.saveHistory(udid, run, id);
        crashPoint('commit:before-rename');
        const target = join(this.deviceRoot(udid), 'snapshots', id);
        renameSync(run, target);
        crashPoint('commit:after-rename');
        fsyncDirectory(join(this.deviceRoot(udid), 'snapshots'));
        if (copied) {
          demoteOlderFolders(join(this.deviceRoot(udid), 'snapshots'), id, udid, join(this.deviceRoot(udid), 'trash'), RESTIC_MARKER);
          this.emptyTrash(udid);
        }
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
    let restic: ResticMarker | undefined;
    try {
      restic = JSON.parse(readFileSync(join(backupDir, RESTIC_MARKER), 'utf8')) as ResticMarker;
    } catch {
      restic = undefined;
    }
    const deviceDir = join(backupDir, udid);
    const heldIn = restic && !existsSync(deviceDir) ? 'restic' : 'folder';
    return { id, udid, backupDir, deviceDir, meta, heldIn, restic };
  }
}

export { fsyncDirectory, linkTree, syncFileSystem } from './durable-fs.js';
