/**
 * The reader's entry point: one Finder/iTunes backup folder, opened strictly read-only.
 *
 * Nouns: the *backup folder* holds Info.plist, Status.plist, Manifest.plist, Manifest.db and the
 * *blobs* `<fileID[0:2]>/<fileID>` of regular files. An *entry* is one Manifest.db row with its MBFile
 * decoded. *Encrypted* is decided from Manifest.db's bytes (SQLite magic or not), not from the
 * IsEncrypted claim, which can be wrong.
 *
 * Guarantees: nothing is created, modified or locked inside the folder (Manifest.db is read through a
 * private copy or decrypted in memory — manifest-db.ts says why); a blob path is only ever built from a
 * fileID that passed isFileId, never from relativePath; a wrong password fails before anything is
 * written anywhere; every blob is checked against MBFile.Size while it streams.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline, Readable, type Transform } from 'node:stream';
import { FORMAT_CODES, FormatError } from './errors.js';
import { createFileDecryptStream, createSizeCheckStream, isSqliteHeader, readEncryptedManifestDb, unwrapFileKey } from './crypto.js';
import { assertFileId } from './file-id.js';
import { parseKeybag } from './keybag.js';
import { unlockKeybag, type KdfOptions, type UnlockedKeybag } from './keybag-unlock.js';
import { ManifestDb, type ManifestQuery, type ManifestRow } from './manifest-db.js';
import { decodeMbFile, fileKind, type FileKind, type MbFile } from './mbfile.js';
import { parsePlistDict, readInfo, readManifest, readStatus, type BackupInfo, type BackupManifest, type BackupStatus } from './plists.js';

/** Read size for blobs: large reads keep OpenSSL's AES loop, not stream bookkeeping, the bottleneck. */
const BLOB_CHUNK = 1024 * 1024;

export interface OpenBackupOptions {
  readonly password?: string;
  /** A derived key cached from an earlier `backup.derivedKey`; skips the multi-second KDF. */
  readonly derivedKey?: Uint8Array;
  readonly kdf?: KdfOptions;
  /** Where the private copy of an unencrypted Manifest.db goes (default: the OS temp directory). */
  readonly tempDir?: string;
}

export interface BackupEntry {
  readonly fileId: string;
  readonly domain: string;
  readonly relativePath: string;
  /** Files.flags: 1 file, 2 directory, 4 symlink. */
  readonly flags: number;
  readonly kind: FileKind;
  readonly mbFile: MbFile;
}

export interface DomainCount {
  readonly domain: string;
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
}

export interface Backup {
  readonly dir: string;
  readonly info: BackupInfo;
  readonly status: BackupStatus;
  readonly manifest: BackupManifest;
  /** From Manifest.db's bytes. */
  readonly encrypted: boolean;
  /** The KEK, when a password or derived key unlocked the keybag: cache it to reopen without the KDF. */
  readonly derivedKey: Buffer | undefined;
  /** Things a person should know that do not stop reading (interrupted backup, claims that lie). */
  readonly warnings: readonly string[];
  files(query?: ManifestQuery): Generator<BackupEntry, void, undefined>;
  count(query?: ManifestQuery): number;
  get(domain: string, relativePath: string): BackupEntry | undefined;
  /** Entry counts per domain (files, directories, symlinks), from Manifest.db alone. */
  domains(): DomainCount[];
  /** Absolute path of an entry's blob (validated fileID; the blob may be absent). */
  blobPath(entry: Pick<BackupEntry, 'fileId'>): string;
  /** The plaintext of a regular file, exactly MBFile.Size bytes, decrypted when needed. */
  openFile(entry: BackupEntry): Promise<Readable>;
  close(): void;
}

export async function openBackup(dir: string, options: OpenBackupOptions = {}): Promise<Backup> {
  const dirStat = await stat(dir).catch(() => undefined);
  if (!dirStat?.isDirectory()) throw notABackup(dir, `${dir} is not a directory`);
  const manifestDbPath = join(dir, 'Manifest.db');
  if (!(await isFile(manifestDbPath))) {
    if (await isFile(join(dir, 'Manifest.mbdb'))) {
      throw new FormatError(FORMAT_CODES.LEGACY_MBDB, `${dir} is an iOS 9 or older backup (Manifest.mbdb); only Manifest.db backups (iOS 10+) are supported`, {
        file: 'Manifest.mbdb',
        hint: 'Back the device up again with a current Finder/iTunes, or use a tool that reads mbdb backups.',
      });
    }
    throw notABackup(dir, `${dir} has no Manifest.db`, 'Manifest.db');
  }
  const info = readInfo(await readPlist(dir, 'Info.plist'));
  const status = readStatus(await readPlist(dir, 'Status.plist'));
  const manifest = readManifest(await readPlist(dir, 'Manifest.plist'));
  const warnings: string[] = [];
  if (status.snapshotState !== 'finished') warnings.push(`Status.plist SnapshotState is ${JSON.stringify(status.snapshotState ?? null)}, not "finished": the backup may be incomplete`);
  if ((await stat(join(dir, 'Snapshot')).catch(() => undefined))?.isDirectory()) warnings.push('a Snapshot/ folder is present: an interrupted backup left it behind');

  const encrypted = !isSqliteHeader(await readHead(manifestDbPath, 16));
  let keys: UnlockedKeybag | undefined;
  let db: ManifestDb;
  if (!encrypted) {
    if (manifest.isEncrypted) warnings.push('Manifest.plist says IsEncrypted but Manifest.db is plain SQLite');
    // A decrypted Manifest.db next to still-encrypted blobs: the password, when given, opens the blobs.
    if (manifest.backupKeyBag && (options.password !== undefined || options.derivedKey)) keys = await unlock(manifest.backupKeyBag, options);
    db = await ManifestDb.openCopy(manifestDbPath, { tempDir: options.tempDir });
  } else {
    if (!manifest.manifestKey || !manifest.backupKeyBag) {
      throw new FormatError(FORMAT_CODES.CORRUPT, 'Manifest.db is not SQLite, and Manifest.plist has no ManifestKey/BackupKeyBag to decrypt it with', { file: 'Manifest.db' });
    }
    if (options.password === undefined && !options.derivedKey) {
      throw new FormatError(FORMAT_CODES.PASSWORD_REQUIRED, 'this backup is encrypted; a password is needed to read it', { hint: 'Pass the backup password set in Finder/iTunes.' });
    }
    keys = await unlock(manifest.backupKeyBag, options);
    if (await isFile(`${manifestDbPath}-wal`)) warnings.push('Manifest.db-wal beside an encrypted Manifest.db was ignored (its encryption is undocumented)');
    db = ManifestDb.openImage(await readEncryptedManifestDb(manifestDbPath, manifest.manifestKey, keys.classKeys));
  }
  return new BackupFolder(dir, info, status, manifest, encrypted, keys, warnings, db);
}

class BackupFolder implements Backup {
  private closed = false;

  constructor(
    readonly dir: string,
    readonly info: BackupInfo,
    readonly status: BackupStatus,
    readonly manifest: BackupManifest,
    readonly encrypted: boolean,
    private readonly keys: UnlockedKeybag | undefined,
    readonly warnings: readonly string[],
    private readonly db: ManifestDb,
  ) {}

  get derivedKey(): Buffer | undefined {
    return this.keys?.derivedKey;
  }

  *files(query?: ManifestQuery): Generator<BackupEntry, void, undefined> {
    this.checkOpen();
    for (const row of this.db.rows(query)) yield toEntry(row);
  }

  count(query?: ManifestQuery): number {
    this.checkOpen();
    return this.db.count(query);
  }

  get(domain: string, relativePath: string): BackupEntry | undefined {
    this.checkOpen();
    const row = this.db.get(domain, relativePath);
    return row === undefined ? undefined : toEntry(row);
  }

  domains(): DomainCount[] {
    this.checkOpen();
    const out = new Map<string, { domain: string; files: number; directories: number; symlinks: number }>();
    for (const row of this.db.domainCounts()) {
      const d = out.get(row.domain) ?? { domain: row.domain, files: 0, directories: 0, symlinks: 0 };
      if (row.flags === 2) d.directories += row.count;
      else if (row.flags === 4) d.symlinks += row.count;
      else d.files += row.count;
      out.set(row.domain, d);
    }
    return [...out.values()];
  }

  blobPath(entry: Pick<BackupEntry, 'fileId'>): string {
    const id = assertFileId(entry.fileId);
    return join(this.dir, id.slice(0, 2), id);
  }

  async openFile(entry: BackupEntry): Promise<Readable> {
    this.checkOpen();
    const mb = entry.mbFile;
    if (entry.kind !== 'file') throw new TypeError(`${entry.domain}/${entry.relativePath} is a ${entry.kind}, not a regular file`);
    const what = `${entry.domain}/${entry.relativePath}`;
    const needsKey = this.encrypted || mb.encryptionKey !== undefined;
    let fileKey: Buffer | undefined;
    if (needsKey) {
      if (this.keys === undefined) throw new FormatError(FORMAT_CODES.PASSWORD_REQUIRED, `${what} is encrypted; open the backup with its password`);
      fileKey = unwrapFileKey(mb, this.keys.classKeys);
    }
    const blob = await openBlob(this.blobPath(entry), what);
    if (blob === undefined) {
      // A zero-length file has nothing to lose; some writers skip its blob.
      if (mb.size === 0) return emptyStream();
      throw new FormatError(FORMAT_CODES.MISSING_BLOB, `${what}: its blob ${entry.fileId.slice(0, 2)}/${entry.fileId} is missing`, {
        hint: 'The backup is incomplete; make a new backup of the device.',
      });
    }
    try {
      checkBlobLength(blob.stats, mb.size, fileKey !== undefined, what);
    } catch (error) {
      await blob.handle.close();
      throw error;
    }
    const check: Transform = fileKey === undefined ? createSizeCheckStream(mb.size, what) : createFileDecryptStream(fileKey, mb.size, what);
    return pipeline(blob.handle.createReadStream({ highWaterMark: BLOB_CHUNK }), check, () => {
      /* errors reach the caller through `check`, which pipeline destroys with them */
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('the backup is closed');
  }
}

function toEntry(row: ManifestRow): BackupEntry {
  const mbFile = decodeMbFile(row.file, `Manifest.db row ${row.fileId}`);
  return { fileId: row.fileId, domain: row.domain, relativePath: row.relativePath, flags: row.flags, kind: fileKind(mbFile), mbFile };
}

/** Fails early, with a clear message, on blobs too short to hold MBFile.Size bytes. */
function checkBlobLength(blob: Stats, size: number, encrypted: boolean, what: string): void {
  const minimum = encrypted ? Math.ceil(size / 16) * 16 : size;
  if (blob.size < minimum || (encrypted && blob.size % 16 !== 0)) {
    throw new FormatError(FORMAT_CODES.CORRUPT, `${what}: the blob is ${blob.size} bytes, too short for the ${size} bytes Manifest.db records (truncated)`);
  }
  if (!encrypted && blob.size !== size) throw new FormatError(FORMAT_CODES.CORRUPT, `${what}: the blob is ${blob.size} bytes but Manifest.db records ${size}`);
}

/**
 * Opens a blob for reading, or returns undefined when it is absent. A blob or shard folder that is a
 * symlink is refused — real backups never contain one, and following it would read outside the backup;
 * O_NOFOLLOW and fstat on the open handle leave no gap for a swap after the check.
 */
async function openBlob(path: string, what: string): Promise<{ handle: FileHandle; stats: Stats } | undefined> {
  const refuse = (detail: string, cause?: unknown): FormatError => new FormatError(FORMAT_CODES.CORRUPT, `${what}: ${detail}`, { cause });
  let handle: FileHandle | undefined;
  try {
    if ((await lstat(dirname(path))).isSymbolicLink()) throw refuse('its shard folder is a symlink');
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const stats = await handle.stat();
    if (!stats.isFile()) throw refuse(`its blob ${basename(path)} is not a regular file`);
    return { handle, stats };
  } catch (error) {
    await handle?.close();
    if (error instanceof FormatError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw refuse(`its blob ${basename(path)} is not a regular file (a symlink)`, error);
    throw refuse(`cannot read its blob: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}

function emptyStream(): Readable {
  return new Readable({
    read() {
      this.push(null);
    },
  });
}

async function unlock(keybagBytes: Buffer, options: OpenBackupOptions): Promise<UnlockedKeybag> {
  const keybag = parseKeybag(keybagBytes);
  if (options.derivedKey) return unlockKeybag(keybag, { derivedKey: options.derivedKey });
  return unlockKeybag(keybag, options.password ?? '', options.kdf);
}

async function readPlist(dir: string, name: string): Promise<ReturnType<typeof parsePlistDict>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, name));
  } catch (error) {
    throw notABackup(dir, `${dir} has no readable ${name}`, name, error);
  }
  return parsePlistDict(bytes, name);
}

async function readHead(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

function notABackup(dir: string, message: string, file?: string, cause?: unknown): FormatError {
  return new FormatError(FORMAT_CODES.NOT_A_BACKUP, message, {
    file,
    cause,
    hint: `Point at one device's backup folder (the one holding Info.plist, Manifest.plist, Status.plist and Manifest.db; ${dir} is not it or is incomplete).`,
  });
}
