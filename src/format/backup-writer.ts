/**
 * Writes a complete backup folder the way an iPhone (plus its host) leaves one: blobs, Manifest.db,
 * Manifest.plist, Info.plist, and Status.plist last, so SnapshotState "finished" is only on disk once
 * everything else is. The virtual iPhone and the tests use it; the real protocol path streams the same
 * pieces through Snapshot/ instead.
 *
 * Nouns: a *row* is one Manifest.db entry; *implicit directories* are the parent-directory rows (down to
 * each domain's root "" row) that real backups always contain and that are added at finish() for any
 * parent the caller did not add. With a password, every blob gets a fresh file key under its protection
 * class and Manifest.db is encrypted with a fresh key under class 4 (format.md §6.7); the plaintext
 * Manifest.db is built in a private temp directory and removed afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createFileEncryptStream, newFileKey } from './crypto.js';
import { fileIdOf } from './file-id.js';
import { createBackupKeybag, type CreateKeybagOptions } from './keybag-unlock.js';
import { ManifestDbWriter } from './manifest-db.js';
import type { MbFileInput } from './mbfile.js';
import { buildInfoPlist, buildManifestPlist, buildStatusPlist, encryptManifestDbFile, type DeviceIdentity, type InfoPlistInput, type ManifestPlistInput } from './writer.js';

export interface BackupFolderWriterOptions {
  readonly device: DeviceIdentity;
  /** Backup time: Status/Manifest Date, Info Last Backup Date, default file times. Default now. */
  readonly date?: Date;
  /** Makes an encrypted backup. */
  readonly password?: string;
  /** KDF costs and class layout of the new keybag (real costs unless given). */
  readonly keybag?: CreateKeybagOptions;
  readonly isFullBackup?: boolean;
  readonly manifest?: Partial<Pick<ManifestPlistInput, 'applications' | 'systemDomainsVersion' | 'wasPasscodeSet' | 'lockdownDomains'>>;
  readonly info?: Partial<Omit<InfoPlistInput, 'device' | 'lastBackupDate'>>;
  /** Where the plaintext Manifest.db is built (default: the OS temp directory). */
  readonly tempDir?: string;
}

/** MBFile fields a caller may set; the rest (size, keys, digest, inode) the writer fills in. */
export type EntryMeta = Partial<Omit<MbFileInput, 'relativePath' | 'size' | 'encryptionKey' | 'encryptionKeyClass' | 'digest' | 'target'>>;

export type FileContent = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export class BackupFolderWriter {
  private readonly seen = new Set<string>();
  private readonly shards = new Set<string>();
  private nextInode = 1_000_000;
  private finished = false;

  private constructor(
    readonly dir: string,
    private readonly options: BackupFolderWriterOptions,
    private readonly workDir: string,
    private readonly db: ManifestDbWriter,
    private readonly keybag: Buffer,
    /** Class keys of an encrypted backup (the device's view); undefined for an unencrypted one. */
    readonly classKeys: ReadonlyMap<number, Buffer> | undefined,
    /** The KEK of an encrypted backup, for tests that reopen it without the KDF. */
    readonly derivedKey: Buffer | undefined,
  ) {}

  /** Creates `dir` (which must be absent or empty) and starts a backup. */
  static async create(dir: string, options: BackupFolderWriterOptions): Promise<BackupFolderWriter> {
    await mkdir(dir, { recursive: true });
    if ((await readdir(dir)).length > 0) throw new Error(`${dir} is not empty`);
    // Unencrypted backups still carry a keybag; the device wraps it with secrets the host never sees.
    const secret = options.password ?? randomBytes(32).toString('hex');
    // Its layout follows a real device bag of that kind: classes 1→11, 5–11 device-bound, no DPSL/DPIC.
    const keybagOptions: CreateKeybagOptions =
      options.password === undefined
        ? { iterations: options.keybag?.iterations, dpIterations: 0, classes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], deviceBoundClasses: [5, 6, 7, 8, 9, 10, 11] }
        : (options.keybag ?? {});
    const created = await createBackupKeybag(secret, keybagOptions);
    const workDir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'lifeboat-backup-'));
    const db = ManifestDbWriter.create(join(workDir, 'Manifest.db'));
    const encrypted = options.password !== undefined;
    return new BackupFolderWriter(dir, options, workDir, db, created.bytes, encrypted ? created.classKeys : undefined, encrypted ? created.derivedKey : undefined);
  }

  private get seconds(): number {
    return Math.floor((this.options.date ?? new Date()).getTime() / 1000);
  }

  /** Stores a regular file; `content` is streamed, so it may be larger than memory. Returns the fileID. */
  async addFile(domain: string, relativePath: string, content: FileContent, meta: EntryMeta = {}): Promise<string> {
    const fileId = this.claim(domain, relativePath);
    const shard = join(this.dir, fileId.slice(0, 2));
    if (!this.shards.has(shard)) {
      await mkdir(shard, { recursive: true });
      this.shards.add(shard);
    }
    const protectionClass = meta.protectionClass ?? 3;
    const keys = this.classKeys === undefined ? undefined : newFileKey(this.classKeys, protectionClass);
    const sha1 = createHash('sha1');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sha1.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const source = content instanceof Uint8Array ? Readable.from([content]) : Readable.from(content);
    const sink = createWriteStream(join(shard, fileId), { flags: 'wx' });
    if (keys === undefined) await pipeline(source, tap, sink);
    else await pipeline(source, tap, createFileEncryptStream(keys.fileKey), sink);
    this.db.add({
      domain,
      relativePath,
      file: {
        ...this.defaults(0o100644, meta),
        relativePath,
        size,
        protectionClass,
        digest: sha1.digest(),
        encryptionKey: keys?.encryptionKey,
        encryptionKeyClass: keys?.encryptionKeyClass,
      },
    });
    return fileId;
  }

  addDirectory(domain: string, relativePath: string, meta: EntryMeta = {}): string {
    const fileId = this.claim(domain, relativePath);
    this.db.add({ domain, relativePath, file: { ...this.defaults(0o40755, meta), relativePath, size: 0 } });
    return fileId;
  }

  /** A symlink row: no blob, the target (an absolute device path) lives in the MBFile. */
  addSymlink(domain: string, relativePath: string, target: string, meta: EntryMeta = {}): string {
    const fileId = this.claim(domain, relativePath);
    this.db.add({ domain, relativePath, file: { ...this.defaults(0o120755, meta), relativePath, size: 0, target } });
    return fileId;
  }

  /** Adds implicit directories, writes Manifest.db and the plists (Status.plist last), cleans up. */
  async finish(): Promise<{ rows: number }> {
    if (this.finished) throw new Error('BackupFolderWriter is finished');
    this.addImplicitDirectories();
    this.finished = true;
    try {
      const { rows } = this.db.finish();
      const plainDb = join(this.workDir, 'Manifest.db');
      const target = join(this.dir, 'Manifest.db');
      let manifestKey: Buffer | undefined;
      if (this.classKeys === undefined) await copyFile(plainDb, target);
      else manifestKey = (await encryptManifestDbFile(plainDb, target, this.classKeys)).manifestKey;
      const date = this.options.date ?? new Date();
      const { device } = this.options;
      await writeFile(join(this.dir, 'Manifest.plist'), buildManifestPlist({ device, date, keybag: this.keybag, manifestKey, ...this.options.manifest }));
      await writeFile(join(this.dir, 'Info.plist'), buildInfoPlist({ device, lastBackupDate: date, ...this.options.info }));
      await writeFile(join(this.dir, 'Status.plist'), buildStatusPlist({ date, isFullBackup: this.options.isFullBackup ?? true }));
      return { rows };
    } finally {
      await rm(this.workDir, { recursive: true, force: true });
    }
  }

  /** Stops without finishing: the temp directory goes; what was written to `dir` stays for the caller. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.db.abort();
    await rm(this.workDir, { recursive: true, force: true });
  }

  private claim(domain: string, relativePath: string): string {
    if (this.finished) throw new Error('BackupFolderWriter is finished');
    const key = `${domain}\0${relativePath}`;
    if (this.seen.has(key)) throw new RangeError(`${domain}/${relativePath} was added twice`);
    this.seen.add(key);
    return fileIdOf(domain, relativePath);
  }

  private defaults(mode: number, meta: EntryMeta): Omit<MbFileInput, 'relativePath'> {
    const t = this.seconds;
    return {
      userId: 501,
      groupId: 501,
      inode: this.nextInode++,
      birth: t,
      lastModified: t,
      lastStatusChange: t,
      flags: 0,
      protectionClass: 0,
      ...meta,
      mode: meta.mode ?? mode,
    };
  }

  private addImplicitDirectories(): void {
    for (const key of [...this.seen]) {
      const [domain = '', path = ''] = key.split('\0');
      const parts = path === '' ? [] : path.split('/');
      for (let i = parts.length - 1; i >= 0; i--) {
        const parent = parts.slice(0, i).join('/');
        if (this.seen.has(`${domain}\0${parent}`)) continue;
        this.addDirectory(domain, parent);
      }
    }
  }
}
