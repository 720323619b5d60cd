import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeMbFile, encodeMbFile, fileIdOf, ManifestDb, ManifestDbWriter } from './index.js';
import { expectFormatError, snapshotTree, tempDir } from './test-helpers.js';

const IOS_SCHEMA = [
  'CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)',
  'CREATE INDEX FilesDomainIdx ON Files(domain)',
  'CREATE INDEX FilesRelativePathIdx ON Files(relativePath)',
  'CREATE INDEX FilesFlagsIdx ON Files(flags)',
  'CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)',
];

/** A Manifest.db built by hand (any rows, any values) for hostile-input tests. */
function craft(path: string, rows: readonly (readonly unknown[])[]): void {
  const db = new Database(path);
  for (const sql of IOS_SCHEMA) db.exec(sql);
  const insert = db.prepare('INSERT INTO Files VALUES (?, ?, ?, ?, ?)');
  for (const row of rows) insert.run(...row);
  db.close();
}

describe('Manifest.db', () => {
  it('is written with the iOS schema, page size and WAL-mode header, leaving no sidecars', (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'Manifest.db');
    const writer = ManifestDbWriter.create(path);
    const id = writer.add({ domain: 'HomeDomain', relativePath: '', file: { relativePath: '', mode: 0o40755 } });
    assert.equal(id, '70765829101933f25994c71bbee6dfd685535bff');
    assert.deepEqual(writer.finish(), { rows: 1 });
    assert.deepEqual(readdirSync(dir), ['Manifest.db']);
    const header = readFileSync(path);
    assert.equal(header.readUInt16BE(16), 4096);
    assert.deepEqual([header[18], header[19]], [2, 2]);
    const db = new Database(path, { readonly: true });
    const sql = db.prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid").pluck().all();
    db.close();
    assert.deepEqual(sql, IOS_SCHEMA);
    assert.throws(() => ManifestDbWriter.create(path), /already exists/);
  });

  it('writes and reads 100,000 rows lazily (rows/s reported, not asserted)', async (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'Manifest.db');
    const templates = Array.from({ length: 256 }, (_, i) => encodeMbFile({ relativePath: `t${i}`, mode: i % 4 === 0 ? 0o40755 : 0o100644, size: i * 100, protectionClass: 3 }));
    const rows = 100_000;
    let started = performance.now();
    const writer = ManifestDbWriter.create(path);
    for (let i = 0; i < rows; i++) {
      writer.add({ domain: `AppDomain-com.example.app${i % 20}`, relativePath: `Library/Caches/${i % 7 === 0 ? 'a_b' : 'axb'}/file-${i}`, flags: i % 4 === 0 ? 2 : 1, file: templates[i % 256] ?? Buffer.alloc(0) });
    }
    writer.finish();
    const writeRate = rows / ((performance.now() - started) / 1000);

    const db = await ManifestDb.openCopy(path);
    try {
      assert.equal(db.count(), rows);
      assert.equal(db.count({ domain: 'AppDomain-com.example.app3' }), rows / 20);
      assert.equal(db.count({ flags: 2 }), rows / 4);
      // `_` is literal in a prefix (it would be a wildcard in LIKE): a_b rows only.
      const prefixed = [...db.rows({ domain: 'AppDomain-com.example.app0', pathPrefix: 'Library/Caches/a_b/' })];
      assert.ok(prefixed.length > 0 && prefixed.every((r) => r.relativePath.startsWith('Library/Caches/a_b/')));
      assert.equal(db.count({ pathPrefix: 'Library/Caches/a%' }), 0);
      const iterator = db.rows();
      const first = iterator.next();
      assert.equal(first.done, false);
      iterator.return(undefined);
      started = performance.now();
      let seen = 0;
      for (const row of db.rows()) {
        if (seen++ % 997 === 0) {
          assert.equal(row.fileId, fileIdOf(row.domain, row.relativePath));
          decodeMbFile(row.file);
        }
      }
      const readRate = rows / ((performance.now() - started) / 1000);
      assert.equal(seen, rows);
      t.diagnostic(`write ${writeRate.toFixed(0)} rows/s, read ${readRate.toFixed(0)} rows/s`);
    } finally {
      db.close();
    }
  });

  it('reads a WAL-mode database with a live -wal sidecar without touching the folder', async (t) => {
    const dir = tempDir(t);
    const live = join(dir, 'live');
    const folder = join(dir, 'backup');
    mkdirSync(live);
    mkdirSync(folder);
    // A writer that never checkpoints: the rows exist only in Manifest.db-wal, as after a crash.
    const writer = new Database(join(live, 'Manifest.db'));
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    for (const sql of IOS_SCHEMA) writer.exec(sql);
    const insert = writer.prepare('INSERT INTO Files VALUES (?, ?, ?, ?, ?)');
    for (let i = 0; i < 10; i++) insert.run(fileIdOf('HomeDomain', `f${i}`), 'HomeDomain', `f${i}`, 1, encodeMbFile({ relativePath: `f${i}`, mode: 0o100644 }));
    copyFileSync(join(live, 'Manifest.db'), join(folder, 'Manifest.db'));
    copyFileSync(join(live, 'Manifest.db-wal'), join(folder, 'Manifest.db-wal'));
    writer.close();
    assert.ok(readFileSync(join(folder, 'Manifest.db-wal')).length > 0);

    const before = snapshotTree(folder);
    const db = await ManifestDb.openCopy(join(folder, 'Manifest.db'));
    assert.equal(db.count(), 10);
    assert.equal([...db.rows()].length, 10);
    db.close();
    assert.deepEqual(snapshotTree(folder), before);
    assert.equal(existsSync(join(folder, 'Manifest.db-shm')), false);
  });

  it('needs the copy: SQLite readonly mode still creates -shm/-wal beside a WAL-mode file', (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'Manifest.db');
    const writer = ManifestDbWriter.create(path);
    writer.finish();
    const db = new Database(path, { readonly: true });
    db.prepare('SELECT count(*) FROM Files').get();
    db.close();
    // If this ever fails, SQLite changed and the in-place read could be reconsidered.
    assert.ok(readdirSync(dir).includes('Manifest.db-shm'));
  });

  it('opens a WAL-mode image from memory', (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'Manifest.db');
    const writer = ManifestDbWriter.create(path);
    writer.add({ domain: 'HomeDomain', relativePath: 'a', file: { relativePath: 'a', mode: 0o100644 } });
    writer.finish();
    const db = ManifestDb.openImage(readFileSync(path));
    assert.equal(db.get('HomeDomain', 'a')?.fileId, fileIdOf('HomeDomain', 'a'));
    assert.equal(db.get('HomeDomain', 'b'), undefined);
    assert.equal(db.properties().size, 0);
    db.close();
  });

  it('rejects hostile rows: non-hex fileIDs, wrong column types', async (t) => {
    const dir = tempDir(t);
    const blob = encodeMbFile({ relativePath: 'x', mode: 0o100644 });
    const traversal = join(dir, 'traversal.db');
    craft(traversal, [['../../etc/passwd', 'HomeDomain', 'x', 1, blob]]);
    const db = await ManifestDb.openCopy(traversal);
    await expectFormatError(() => [...db.rows()], 'FORMAT_BAD_FILE_ID', /\.\.\/\.\.\/etc\/passwd/);
    await expectFormatError(() => db.get('HomeDomain', 'x'), 'FORMAT_BAD_FILE_ID');
    db.close();
    const cases: [string, unknown[], RegExp][] = [
      ['upper', ['3D0D7E5FB2CE288813306E4D4636395E047A3D28', 'D', 'x', 1, blob], /fileID/],
      ['blob id', [Buffer.from('3d0d7e5fb2ce288813306e4d4636395e047a3d28'), 'D', 'x', 1, blob], /fileID/],
      ['null domain', [fileIdOf('D', 'x'), null, 'x', 1, blob], /domain is not text/],
      ['text flags', [fileIdOf('D', 'x'), 'D', 'x', 'one', blob], /flags/],
      ['null file', [fileIdOf('D', 'x'), 'D', 'x', 1, null], /file is not a blob/],
    ];
    for (const [name, row, message] of cases) {
      const path = join(dir, `${name}.db`);
      craft(path, [row]);
      const hostile = await ManifestDb.openCopy(path);
      await expectFormatError(() => [...hostile.rows()], message.source === 'fileID' ? 'FORMAT_BAD_FILE_ID' : 'FORMAT_CORRUPT', message);
      hostile.close();
    }
  });

  it('rejects files that are not a Manifest.db', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'garbage.db'), Buffer.alloc(8192, 0x5a));
    await expectFormatError(async () => (await ManifestDb.openCopy(join(dir, 'garbage.db'))).count(), 'FORMAT_CORRUPT');
    await expectFormatError(() => ManifestDb.openImage(Buffer.alloc(100, 1)).count(), 'FORMAT_CORRUPT');
    const other = new Database(join(dir, 'other.db'));
    other.exec('CREATE TABLE t (x)');
    other.close();
    await expectFormatError(() => ManifestDb.openCopy(join(dir, 'other.db')), 'FORMAT_CORRUPT', /no Files.fileID/);
    assert.deepEqual(readdirSync(dir).sort(), ['garbage.db', 'other.db']);
  });
});
