/**
 * ContentSource: what every content reader needs from an opened backup — its app databases opened
 * read-only with their WAL sidecars, small files read whole with a size bound, and blobs streamed.
 *
 * Nouns: an *app database* is a SQLite file inside the backup (sms.db, Photos.sqlite, …); iOS keeps
 * most in WAL mode and backs the `-wal` up as its own entry, so rows that were not yet checkpointed live
 * only there. Without a -wal the decrypted bytes are opened in memory (plaintext of an encrypted backup
 * never touches disk); with one, both are written to a private (0700) temp folder that close() removes,
 * so SQLite can replay the WAL. Nothing is ever written into the backup folder.
 */
import Database from 'better-sqlite3';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Backup, BackupEntry } from '../format/index.js';
import { ContentError } from './errors.js';

export type Db = Database.Database;

/** App databases above this are refused (the largest real sms.db files are a few GB). */
export const MAX_DATABASE_BYTES = 16 * 1024 ** 3;
/**
 * Above this a database without -wal still goes through the private temp folder: deserialising keeps
 * two copies in memory (our buffer and SQLite's), which for a large sms.db would dominate peak RSS.
 */
const IN_MEMORY_LIMIT = 32 * 1024 * 1024;
/** Plists and other small files read whole. */
export const MAX_SMALL_FILE_BYTES = 64 * 1024 * 1024;

export class ContentSource {
  private tempDir: string | undefined;
  private readonly dbs = new Map<string, Db | null>();
  private counter = 0;

  constructor(
    readonly backup: Backup,
    private readonly tempRoot: string = tmpdir(),
  ) {}

  get encrypted(): boolean {
    return this.backup.encrypted;
  }

  entry(domain: string, relativePath: string): BackupEntry | undefined {
    const entry = this.backup.get(domain, relativePath);
    return entry?.kind === 'file' ? entry : undefined;
  }

  async open(entry: BackupEntry): Promise<Readable> {
    return this.backup.openFile(entry);
  }

  /** A regular file read whole; refuses files above `max` bytes before reading anything. */
  async readFile(entry: BackupEntry, max = MAX_SMALL_FILE_BYTES): Promise<Buffer> {
    if (entry.mbFile.size > max) {
      throw new ContentError('CONTENT_TOO_LARGE', `${entry.domain}/${entry.relativePath} is ${entry.mbFile.size} bytes, more than the ${max} this reader accepts`);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of await this.backup.openFile(entry)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async readSmall(domain: string, relativePath: string, max = MAX_SMALL_FILE_BYTES): Promise<Buffer | undefined> {
    const entry = this.entry(domain, relativePath);
    return entry === undefined ? undefined : this.readFile(entry, max);
  }

  /**
   * The app database at domain/relativePath opened read-only (query_only), or undefined when the
   * backup does not hold it. Opened once per source and cached; close() closes them all.
   */
  async database(domain: string, relativePath: string): Promise<Db | undefined> {
    const key = `${domain}\0${relativePath}`;
    const cached = this.dbs.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const entry = this.entry(domain, relativePath);
    if (entry === undefined) {
      this.dbs.set(key, null);
      return undefined;
    }
    const db = await this.openDatabase(entry);
    this.dbs.set(key, db);
    return db;
  }

  private async openDatabase(entry: BackupEntry): Promise<Db> {
    const what = `${entry.domain}/${entry.relativePath}`;
    if (entry.mbFile.size > MAX_DATABASE_BYTES) throw new ContentError('CONTENT_TOO_LARGE', `${what} is ${entry.mbFile.size} bytes, more than the ${MAX_DATABASE_BYTES} accepted`);
    const wal = this.entry(entry.domain, `${entry.relativePath}-wal`);
    try {
      if ((wal === undefined || wal.mbFile.size === 0) && entry.mbFile.size <= IN_MEMORY_LIMIT) {
        const bytes = await this.readFile(entry, IN_MEMORY_LIMIT);
        // SQLite cannot deserialise a WAL-mode image; bytes 18/19 are its read/write format versions.
        if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) bytes[18] = bytes[19] = 1;
        const db = new Database(bytes, { readonly: true });
        db.pragma('query_only = ON');
        return db;
      }
      const dir = join(this.privateDir(), String(this.counter++));
      mkdirSync(dir, { mode: 0o700 });
      const path = join(dir, 'db.sqlite');
      await this.copyTo(entry, path);
      if (wal !== undefined && wal.mbFile.size > 0) {
        if (wal.mbFile.size > MAX_DATABASE_BYTES) throw new ContentError('CONTENT_TOO_LARGE', `${what}-wal is too large`);
        await this.copyTo(wal, `${path}-wal`);
      }
      const db = new Database(path, { fileMustExist: true });
      db.pragma('query_only = ON');
      return db;
    } catch (error) {
      if (error instanceof ContentError) throw error;
      throw new ContentError('CONTENT_CORRUPT', `${what} is not a readable SQLite database: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  private async copyTo(entry: BackupEntry, path: string): Promise<void> {
    await pipeline(await this.backup.openFile(entry), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  }

  private privateDir(): string {
    // mkdtemp creates the folder with mode 0700: other users cannot read decrypted databases.
    this.tempDir ??= mkdtempSync(join(this.tempRoot, 'lifeboat-content-'));
    return this.tempDir;
  }

  close(): void {
    for (const db of this.dbs.values()) db?.close();
    this.dbs.clear();
    if (this.tempDir !== undefined) rmSync(this.tempDir, { recursive: true, force: true });
    this.tempDir = undefined;
  }
}

/** Runs a query, turning SQLite errors (missing table or column in an unexpected schema) into CONTENT_CORRUPT. */
export function tableExists(db: Db, table: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
}

export function columnsOf(db: Db, table: string): Set<string> {
  return new Set((db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((r) => r.name));
}

export function schemaError(what: string, error: unknown): ContentError {
  return new ContentError('CONTENT_CORRUPT', `${what}: the database does not have the expected layout (${error instanceof Error ? error.message : String(error)})`, { cause: error });
}
