/**
 * Helpers shared by the SQLite builders.
 *
 * Nouns: a *Core Data store* is a SQLite file with Z-prefixed tables plus Z_PRIMARYKEY (one row per
 * entity: Z_ENT, Z_NAME, Z_SUPER, Z_MAX) and Z_METADATA (a binary plist describing the model) — the
 * shape of CallHistory.storedata, NoteStore.sqlite and Photos.sqlite. Builders write with the journal
 * off inside one transaction: the files are produced once and are byte-for-byte reproducible.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { encodeBinaryPlist } from '../../../src/plist/index.js';

export type Db = Database.Database;

export function createDb(path: string): Db {
  rmSync(path, { force: true });
  const db = new Database(path);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -65536');
  return db;
}

export function openDb(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = DELETE');
  return db;
}

/**
 * Creates the tables, runs `fill` in one transaction, then creates the indexes and triggers (building an
 * index once over all rows is several times faster than maintaining it row by row), and closes.
 */
export function build(path: string, schema: string, fill: (db: Db) => void): void {
  const statements = schema.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean);
  const late = (s: string): boolean => /^CREATE (UNIQUE )?INDEX|^CREATE TRIGGER/i.test(s);
  const db = createDb(path);
  try {
    db.exec(statements.filter((s) => !late(s)).map((s) => `${s};`).join('\n'));
    db.transaction(() => fill(db))();
    db.exec(statements.filter(late).map((s) => `${s};`).join('\n'));
  } finally {
    db.close();
  }
}

export interface Entity {
  readonly ent: number;
  readonly name: string;
  readonly super?: number;
}

export const CORE_DATA_TABLES = `
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
`;

/** Fills Z_PRIMARYKEY (with each entity's highest Z_PK) and Z_METADATA. */
export function coreDataMetadata(db: Db, entities: readonly Entity[], storeUuid: string, maxOf: (ent: number) => number): void {
  const insert = db.prepare('INSERT INTO Z_PRIMARYKEY (Z_ENT, Z_NAME, Z_SUPER, Z_MAX) VALUES (?, ?, ?, ?)');
  for (const e of entities) insert.run(e.ent, e.name, e.super ?? 0, maxOf(e.ent));
  const plist = encodeBinaryPlist({
    NSPersistenceFrameworkVersion: 1414,
    NSStoreModelVersionHashesVersion: 3,
    NSStoreModelVersionIdentifiers: [''],
    NSStoreType: 'SQLite',
    NSStoreUUID: storeUuid,
    _NSAutoVacuumLevel: '2',
  });
  db.prepare('INSERT INTO Z_METADATA (Z_VERSION, Z_UUID, Z_PLIST) VALUES (1, ?, ?)').run(storeUuid, Buffer.from(plist));
}

/** `CREATE TABLE name ( col TYPE, … )` in Core Data's layout (one "name TYPE" per comma). */
export function coreDataTable(name: string, columns: readonly string[]): string {
  return `CREATE TABLE ${name} ( ${columns.join(', ')} );\n`;
}

export type Row = Record<string, unknown>;

/**
 * Prepares an INSERT written with @names but binds positionally — several times faster in
 * better-sqlite3 for wide rows, which matters when a 100,000-file phone inserts 60,000 photos.
 */
export function insertStatement(db: Db, sql: string): (row: Row) => Database.RunResult {
  const names: string[] = [];
  const statement = db.prepare(sql.replace(/@(\w+)/g, (_, name: string) => (names.push(name), '?')));
  return (row) => statement.run(names.map((n) => row[n]));
}
