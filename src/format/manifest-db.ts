/**
 * Manifest.db: the SQLite catalogue of every file, directory and symlink in a backup.
 *
 * Nouns: a *row* of the Files table is (fileID, domain, relativePath, flags 1/2/4, file = MBFile blob);
 * the Properties table is empty since iOS 10.2. The *image* is the database file's bytes.
 *
 * Reading never lets SQLite near the backup folder. A WAL-mode database (iOS writes them so: header
 * bytes 18/19 = 2) opened even with `readonly` makes SQLite create Manifest.db-shm and -wal beside it
 * (checked: they stay after close), and better-sqlite3 is built with SQLITE_USE_URI=0, so the
 * `immutable=1` URI that would prevent it is not available — and immutable would silently ignore rows
 * that live only in an un-checkpointed -wal. So: openCopy() copies Manifest.db (and its -wal, when there
 * is one; -shm is only an index SQLite rebuilds) into a private temp directory and opens the copy, which
 * replays the WAL exactly as the device would; openImage() deserialises bytes in memory (used for
 * decrypted databases, whose plaintext must not reach disk). Either way the folder is only ever read.
 *
 * Rows are yielded lazily through one prepared statement; every fileID is checked (isFileId) before a
 * caller can turn it into a path. Writing uses one prepared INSERT inside one transaction.
 */
import Database from 'better-sqlite3';
import { closeSync, constants, existsSync, fsyncSync, openSync, rmSync } from 'node:fs';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORMAT_CODES, FormatError, asFormatError } from './errors.js';
import { assertFileId, fileIdOf } from './file-id.js';
import { encodeMbFile, manifestFlagsOfMode, type MbFileInput } from './mbfile.js';

export interface ManifestRow {
  readonly fileId: string;
  readonly domain: string;
  readonly relativePath: string;
  readonly flags: number;
  /** The MBFile blob (decodeMbFile). */
  readonly file: Buffer;
}

export interface ManifestQuery {
  readonly domain?: string;
  /** Rows whose relativePath starts with this (compared as bytes; `_`/`%` have no special meaning). */
  readonly pathPrefix?: string;
  readonly flags?: number;
}

const TABLES = ['CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)'];
/**
 * Built once after the rows (ManifestDbWriter.finish), not updated row by row — in iOS's own order
 * (the three Files indexes, then Properties), so sqlite_master lists the schema exactly as a phone's.
 */
const AFTER_ROWS = [
  'CREATE INDEX FilesDomainIdx ON Files(domain)',
  'CREATE INDEX FilesRelativePathIdx ON Files(relativePath)',
  'CREATE INDEX FilesFlagsIdx ON Files(flags)',
  'CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)',
];

export class ManifestDb {
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly tempDir: string | undefined,
  ) {}

  /** Wraps an open connection after checking it has the Files columns; closes it on failure. */
  private static checked(db: Database.Database, tempDir: string | undefined): ManifestDb {
    try {
      const columns = new Set(db.prepare("SELECT name FROM pragma_table_info('Files')").pluck().all() as string[]);
      const missing = ['fileID', 'domain', 'relativePath', 'flags', 'file'].find((column) => !columns.has(column));
      if (missing !== undefined) throw new FormatError(FORMAT_CODES.CORRUPT, `Manifest.db has no Files.${missing} column`, { file: 'Manifest.db' });
      return new ManifestDb(db, tempDir);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Opens a database image held in memory (a WAL-mode header is switched to rollback in the copy). */
  static openImage(image: Uint8Array): ManifestDb {
    const copy = Buffer.from(image);
    // SQLite cannot deserialise a WAL-mode image; bytes 18/19 are the file format read/write versions.
    if (copy.length >= 20 && copy[18] === 2 && copy[19] === 2) copy[18] = copy[19] = 1;
    try {
      return ManifestDb.checked(new Database(copy, { readonly: true }), undefined);
    } catch (error) {
      throw asFormatError(error, 'Manifest.db cannot be opened', 'Manifest.db');
    }
  }

  /**
   * Opens a private copy of the database file at `path` (plus its -wal); the original is only read. The
   * copy is a reflink where the filesystem offers one, so even a large Manifest.db costs little.
   */
  static async openCopy(path: string, options: { readonly tempDir?: string } = {}): Promise<ManifestDb> {
    const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'lifeboat-manifest-'));
    try {
      const copy = join(dir, 'Manifest.db');
      await copyFile(path, copy, constants.COPYFILE_FICLONE);
      const wal = await stat(`${path}-wal`).catch(() => undefined);
      if (wal?.isFile() && wal.size > 0) await copyFile(`${path}-wal`, `${copy}-wal`, constants.COPYFILE_FICLONE);
      return ManifestDb.checked(new Database(copy, { fileMustExist: true }), dir);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw asFormatError(error, 'Manifest.db cannot be opened', 'Manifest.db');
    }
  }

  /**
   * Rows matching `query`, one at a time, in table order (no ORDER BY: sorting a million rows with their
   * blobs would spill to temp files). Do not run other queries on this object while iterating.
   */
  *rows(query: ManifestQuery = {}): Generator<ManifestRow, void, undefined> {
    const { sql, params } = where(query);
    const statement = this.prepare(`SELECT fileID, domain, relativePath, flags, file FROM Files${sql}`);
    for (const raw of statement.iterate(...params) as Iterable<Record<string, unknown>>) {
      const row = checkRow(raw);
      // The prefix range is a byte range; confirm in JS so odd collations cannot widen it.
      if (query.pathPrefix !== undefined && !row.relativePath.startsWith(query.pathPrefix)) continue;
      yield row;
    }
  }

  count(query: ManifestQuery = {}): number {
    const { sql, params } = where(query);
    return this.prepare(`SELECT count(*) FROM Files${sql}`).pluck().get(...params) as number;
  }

  /** Rows per domain and Files.flags (1 file, 2 directory, 4 symlink), without decoding any MBFile. */
  domainCounts(): { domain: string; flags: number; count: number }[] {
    return this.prepare('SELECT domain, flags, count(*) AS count FROM Files GROUP BY domain, flags ORDER BY domain, flags').all() as { domain: string; flags: number; count: number }[];
  }

  get(domain: string, relativePath: string): ManifestRow | undefined {
    const raw = this.prepare('SELECT fileID, domain, relativePath, flags, file FROM Files WHERE domain = ? AND relativePath = ?').get(domain, relativePath);
    return raw === undefined ? undefined : checkRow(raw as Record<string, unknown>);
  }

  properties(): Map<string, unknown> {
    const rows = this.prepare('SELECT key, value FROM Properties').all() as { key: unknown; value: unknown }[];
    return new Map(rows.map((r) => [String(r.key), r.value]));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    if (this.tempDir !== undefined) rmSync(this.tempDir, { recursive: true, force: true });
  }

  private prepare(sql: string): Database.Statement {
    if (this.closed) throw new Error('ManifestDb is closed');
    try {
      return this.db.prepare(sql);
    } catch (error) {
      throw asFormatError(error, 'Manifest.db query failed', 'Manifest.db');
    }
  }
}

function where(query: ManifestQuery): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (query.domain !== undefined) {
    clauses.push('domain = ?');
    params.push(query.domain);
  }
  if (query.pathPrefix !== undefined && query.pathPrefix !== '') {
    // [prefix, prefix + U+10FFFF): uses FilesRelativePathIdx, unlike LIKE, and has no wildcards.
    clauses.push('relativePath >= ? AND relativePath < ?');
    params.push(query.pathPrefix, `${query.pathPrefix}\u{10ffff}`);
  }
  if (query.flags !== undefined) {
    clauses.push('flags = ?');
    params.push(query.flags);
  }
  return { sql: clauses.length === 0 ? '' : ` WHERE ${clauses.join(' AND ')}`, params };
}

function checkRow(raw: Record<string, unknown>): ManifestRow {
  const fileId = assertFileId(raw['fileID'], 'Manifest.db fileID');
  const { domain, relativePath, flags, file } = raw;
  const bad = (what: string): FormatError => new FormatError(FORMAT_CODES.CORRUPT, `Manifest.db row ${fileId}: ${what}`, { file: 'Manifest.db' });
  if (typeof domain !== 'string') throw bad('domain is not text');
  if (typeof relativePath !== 'string') throw bad('relativePath is not text');
  if (typeof flags !== 'number' || !Number.isInteger(flags)) throw bad('flags is not an integer');
  if (!Buffer.isBuffer(file)) throw bad('file is not a blob');
  return { fileId, domain, relativePath, flags, file };
}

export interface ManifestDbWriterOptions {
  /** 'wal' (default) leaves the WAL-mode header iOS-made databases have. */
  readonly journalMode?: 'wal' | 'delete';
}

export interface ManifestDbEntry {
  readonly domain: string;
  readonly relativePath: string;
  /** Files.flags; derived from the MBFile's mode when omitted. */
  readonly flags?: number;
  /** MBFile metadata (encoded here) or an already encoded blob (then `flags` is required). */
  readonly file: MbFileInput | Uint8Array;
}

/** Builds a new Manifest.db: create(), add() per row (all in one transaction), finish(). */
export class ManifestDbWriter {
  private rows = 0;
  private done = false;
  private readonly insert: Database.Statement;

  private constructor(
    private readonly path: string,
    private readonly db: Database.Database,
    private readonly journalMode: 'wal' | 'delete',
  ) {
    this.insert = db.prepare('INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?, ?, ?, ?, ?)');
  }

  /** Creates the database at `path`, which must not exist yet. */
  static create(path: string, options: ManifestDbWriterOptions = {}): ManifestDbWriter {
    if (existsSync(path)) throw new Error(`${path} already exists; ManifestDbWriter only creates new databases`);
    const db = new Database(path);
    try {
      db.pragma('page_size = 4096');
      // Performance (the phone writes one row per file: 100,000 rows for a big phone): no journal while
      // building — nothing reads the file until finish(), a failed build is removed (abort), and
      // durability comes from the fsync there; finish() then sets the journal mode the file keeps.
      // With a WAL journal and the three secondary indexes maintained row by row, a row cost ~40 µs.
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      for (const statement of TABLES) db.exec(statement);
      db.exec('BEGIN');
      return new ManifestDbWriter(path, db, options.journalMode ?? 'wal');
    } catch (error) {
      db.close();
      rmSync(path, { force: true });
      throw error;
    }
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Adds one row and returns its fileID. */
  add(entry: ManifestDbEntry): string {
    if (this.done) throw new Error('ManifestDbWriter is finished');
    const encoded = entry.file instanceof Uint8Array;
    const flags = entry.flags ?? (encoded ? undefined : manifestFlagsOfMode((entry.file as MbFileInput).mode));
    if (flags === undefined) throw new TypeError('flags is required when the MBFile is given already encoded');
    if (!encoded && (entry.file as MbFileInput).relativePath !== entry.relativePath) {
      throw new RangeError(`MBFile relativePath ${JSON.stringify((entry.file as MbFileInput).relativePath)} differs from the row's`);
    }
    const blob = encoded ? (entry.file as Uint8Array) : encodeMbFile(entry.file as MbFileInput);
    const fileId = fileIdOf(entry.domain, entry.relativePath);
    this.insert.run(fileId, entry.domain, entry.relativePath, flags, blob);
    this.rows++;
    return fileId;
  }

  private readonly properties = new Map<string, string | number | Uint8Array>();

  /** Kept until finish(), which creates the Properties table after the Files indexes (iOS's order). */
  setProperty(key: string, value: string | number | Uint8Array): void {
    this.properties.set(key, value);
  }

  /** Builds the indexes, commits, sets the journal mode (WAL: folds it back), closes and fsyncs. */
  finish(): { rows: number } {
    if (this.done) throw new Error('ManifestDbWriter is finished');
    this.done = true;
    for (const statement of AFTER_ROWS) this.db.exec(statement);
    const setProperty = this.db.prepare('INSERT OR REPLACE INTO Properties (key, value) VALUES (?, ?)');
    for (const [key, value] of this.properties) setProperty.run(key, value);
    this.db.exec('COMMIT');
    this.db.pragma(`journal_mode = ${this.journalMode}`);
    if (this.journalMode === 'wal') this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
    const fd = openSync(this.path, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return { rows: this.rows };
  }

  /** Discards everything: the database file is removed. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.db.close();
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${this.path}${suffix}`, { force: true });
  }
}
