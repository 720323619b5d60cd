/**
 * Changes: mutate() alters exactly the entries it should (their generations change, nothing else's),
 * the overlay survives a restart on the same state dir, restore writes round-trip, and write() refuses
 * unsafe paths.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, test } from 'node:test';
import { LifeboatError } from '../../src/util/errors.js';
import { generateIdentity } from '../model/identity.js';
import { createDeviceFileSystem, type DeviceFile, type VirtualDeviceFileSystem } from './index.js';

const identity = generateIdentity('sim-data-tests', 4);
let stateDir: string;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'sim-data-mutate-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

const make = (seed = 'mutate'): VirtualDeviceFileSystem => createDeviceFileSystem({ seed, identity, stateDir });

function snapshot(fs: VirtualDeviceFileSystem): Map<string, DeviceFile> {
  return new Map([...fs.list()].map((f) => [`${f.domain}/${f.relativePath}`, f]));
}

/** Keys added, removed and changed (generation differs) between two snapshots. */
function diff(a: Map<string, DeviceFile>, b: Map<string, DeviceFile>): { added: string[]; removed: string[]; changed: string[] } {
  return {
    added: [...b.keys()].filter((k) => !a.has(k)),
    removed: [...a.keys()].filter((k) => !b.has(k)),
    changed: [...b.keys()].filter((k) => a.has(k) && a.get(k)?.generation !== b.get(k)?.generation),
  };
}

async function read(fs: VirtualDeviceFileSystem, domain: string, path: string): Promise<Buffer> {
  const f = fs.stat(domain, path);
  assert.ok(f, `${domain}/${path}`);
  const chunks: Buffer[] = [];
  for await (const c of fs.open(f)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function sqlite(fs: VirtualDeviceFileSystem, domain: string, path: string): Database.Database {
  const disk = fs.diskPath(domain, path);
  assert.ok(disk);
  return new Database(disk, { readonly: true });
}

test('messages: sms.db changes, new attachments appear, truth follows', async () => {
  const fs = make();
  const before = snapshot(fs);
  const truthBefore = await fs.truth();
  const summary = fs.mutate({ kind: 'messages', add: 12, edit: 2, remove: 3 });
  assert.deepEqual(summary, { added: 12, changed: 2, removed: 3 });
  const d = diff(before, snapshot(fs));
  assert.deepEqual(d.changed, ['HomeDomain/Library/SMS/sms.db']);
  assert.deepEqual(d.removed, []);
  assert.ok(d.added.every((k) => k.startsWith('MediaDomain/Library/SMS/Attachments/')), d.added.join(', '));
  const truth = await fs.truth();
  assert.equal(truth.summary.counts.messages, truthBefore.summary.counts.messages + 12 - 3);
  assert.equal(truth.recentlyDeletedMessages, 3);
  const db = sqlite(fs, 'HomeDomain', 'Library/SMS/sms.db');
  const visible = db.prepare('SELECT count(*) AS n FROM message m JOIN chat_message_join j ON j.message_id = m.ROWID').get() as { n: number };
  assert.equal(visible.n, truth.chats.reduce((s, c) => s + c.messages.length, 0));
  assert.equal((db.prepare('SELECT count(*) AS n FROM chat_recoverable_message_join').get() as { n: number }).n, 3);
  const edited = truth.chats.flatMap((c) => c.messages).filter((m) => m.edits && m.edits.length > 0 && m.text.endsWith('✏️'));
  assert.equal(edited.length, 2);
  for (const m of edited) {
    const row = db.prepare('SELECT text, date_edited FROM message WHERE guid = ?').get(m.guid) as { text: string; date_edited: number };
    assert.equal(row.text, m.text);
    assert.ok(row.date_edited > 0);
  }
  const attachments = db.prepare('SELECT filename, total_bytes FROM attachment').all() as { filename: string; total_bytes: number }[];
  for (const key of d.added.filter((k) => before.size > 0 && /\.\w+$/.test(k) && !k.endsWith('/'))) {
    const f = snapshot(fs).get(key);
    if (f?.kind !== 'file') continue;
    assert.ok(attachments.some((a) => `MediaDomain/${a.filename.slice(2)}` === key && a.total_bytes === f.size), `${key} is in the attachment table`);
  }
  db.close();
  fs.dispose();
});

test('photos: DCIM files and Photos.sqlite change together', async () => {
  const fs = make();
  const before = snapshot(fs);
  assert.deepEqual(fs.mutate({ kind: 'photos', add: 4, remove: 2 }), { added: 4, changed: 0, removed: 2 });
  const d = diff(before, snapshot(fs));
  assert.deepEqual(d.changed, ['CameraRollDomain/Media/PhotoData/Photos.sqlite']);
  assert.equal(d.removed.length, 2);
  assert.ok([...d.added, ...d.removed].every((k) => k.startsWith('CameraRollDomain/Media/DCIM/')));
  assert.equal(d.added.filter((k) => /IMG_\d{4}\.\w+$/.test(k)).length, 4);
  const truth = await fs.truth();
  const db = sqlite(fs, 'CameraRollDomain', 'Media/PhotoData/Photos.sqlite');
  const rows = db.prepare('SELECT ZDIRECTORY, ZFILENAME, ZDATECREATED FROM ZASSET ORDER BY Z_PK').all() as { ZDIRECTORY: string; ZFILENAME: string; ZDATECREATED: number }[];
  assert.deepEqual(rows.map((r) => `Media/${r.ZDIRECTORY}/${r.ZFILENAME}`).sort(), truth.photos.map((p) => p.relativePath).sort());
  for (const r of rows) assert.ok(fs.stat('CameraRollDomain', `Media/${r.ZDIRECTORY}/${r.ZFILENAME}`), 'every asset has its file');
  db.close();
  fs.dispose();
});

test('contacts and app files change only their own entries', async () => {
  const fs = make();
  let before = snapshot(fs);
  const truthBefore = await fs.truth();
  fs.mutate({ kind: 'contacts', add: 5, edit: 2, remove: 1 });
  let d = diff(before, snapshot(fs));
  assert.deepEqual(d.added, []);
  assert.ok(d.changed.includes('HomeDomain/Library/AddressBook/AddressBook.sqlitedb'));
  assert.ok(d.changed.every((k) => k.startsWith('HomeDomain/Library/AddressBook/')));
  const truth = await fs.truth();
  assert.equal(truth.contacts.length, truthBefore.contacts.length + 5 - 1);
  const db = sqlite(fs, 'HomeDomain', 'Library/AddressBook/AddressBook.sqlitedb');
  assert.equal((db.prepare('SELECT count(*) AS n FROM ABPerson').get() as { n: number }).n, truth.contacts.length);
  db.close();

  before = snapshot(fs);
  assert.deepEqual(fs.mutate({ kind: 'appFiles', add: 3, change: 4, remove: 2 }), { added: 3, changed: 4, removed: 2 });
  d = diff(before, snapshot(fs));
  assert.equal(d.changed.length, 4);
  assert.equal(d.removed.length, 2);
  assert.equal(d.added.filter((k) => snapshot(fs).get(k)?.kind === 'file').length, 3);
  assert.ok([...d.added, ...d.changed, ...d.removed].every((k) => k.startsWith('AppDomain')));
  for (const k of d.changed) {
    const [domain, ...rest] = k.split('/');
    const f = snapshot(fs).get(k);
    assert.ok(f && domain);
    assert.equal((await read(fs, domain, rest.join('/'))).length, f.size);
  }
  fs.dispose();
});

test('churn changes about the requested share of files and nothing else', () => {
  const fs = make();
  const before = snapshot(fs);
  const files = [...before.values()].filter((f) => f.kind === 'file').length;
  const summary = fs.mutate({ kind: 'churn', percent: 5 });
  const d = diff(before, snapshot(fs));
  assert.equal(summary.changed, Math.round(files * 0.05));
  assert.equal(d.changed.length, summary.changed);
  assert.deepEqual([d.added, d.removed], [[], []]);
  fs.dispose();
});

test('the overlay survives re-creation on the same state dir; another seed is refused', async () => {
  const fs = make();
  fs.mutate({ kind: 'messages', add: 5, edit: 1, remove: 1 });
  fs.mutate({ kind: 'photos', add: 2, remove: 1 });
  fs.mutate({ kind: 'churn', percent: 2 });
  await fs.write('AppDomain-com.spotify.client', 'Documents/restored/note.txt', Readable.from([Buffer.from('hello')]), { mode: 0o100600 });
  fs.remove('AppDomain-com.burbn.instagram', 'Documents/drafts');
  const listed = [...fs.list()];
  const truth = await fs.truth();
  const again = make();
  assert.deepEqual([...again.list()], listed);
  assert.deepEqual(await again.truth(), truth);
  assert.equal((await read(again, 'AppDomain-com.spotify.client', 'Documents/restored/note.txt')).toString(), 'hello');
  assert.throws(() => make('another-seed'), (e: unknown) => e instanceof LifeboatError && e.code === 'SIM_DATA_STATE_MISMATCH');
  // The same requests on a fresh phone give the same content (generations differ: they name the overlay).
  const dirs = [mkdtempSync(join(tmpdir(), 'sim-data-mutate-b-')), mkdtempSync(join(tmpdir(), 'sim-data-mutate-c-'))];
  const other = createDeviceFileSystem({ seed: 'mutate', identity, stateDir: dirs[0] });
  other.mutate({ kind: 'messages', add: 5, edit: 1, remove: 1 });
  const strip = (f: DeviceFile): unknown => ({ ...f, generation: undefined, inode: undefined });
  const sms = (x: VirtualDeviceFileSystem): Promise<Buffer> => read(x, 'HomeDomain', 'Library/SMS/sms.db');
  const first = createDeviceFileSystem({ seed: 'mutate', identity, stateDir: dirs[1] });
  first.mutate({ kind: 'messages', add: 5, edit: 1, remove: 1 });
  assert.deepEqual([...other.list()].map(strip), [...first.list()].map(strip));
  assert.ok((await sms(other)).equals(await sms(first)));
  for (const d of dirs) rmSync(d ?? '', { recursive: true, force: true });
});

test('restore: write, mkdir, symlink and remove round-trip with metadata and generations', async () => {
  const fs = make();
  const content = Buffer.from('restored content '.repeat(1000));
  const written = await fs.write('HomeDomain', 'Library/Restored/deep/file.bin', Readable.from([content.subarray(0, 5000), content.subarray(5000)]), {
    mode: 0o600, lastModified: 1_700_000_000, birth: 1_600_000_000, protectionClass: 4, uid: 501, gid: 501,
  });
  assert.equal(written.size, content.length);
  assert.equal(written.mode, 0o100600);
  assert.deepEqual(fs.stat('HomeDomain', 'Library/Restored/deep/file.bin'), written);
  assert.equal(fs.stat('HomeDomain', 'Library/Restored/deep')?.kind, 'directory', 'parents are created');
  assert.ok((await read(fs, 'HomeDomain', 'Library/Restored/deep/file.bin')).equals(content));
  // Replacing a generated database: new generation, new bytes, noted as restored.
  const sms = fs.stat('HomeDomain', 'Library/SMS/sms.db');
  const replaced = await fs.write('HomeDomain', 'Library/SMS/sms.db', Readable.from([Buffer.from('not really sqlite')]), {});
  assert.notEqual(replaced.generation, sms?.generation);
  assert.equal(replaced.inode, sms?.inode);
  assert.deepEqual((await fs.truth()).restoredStructuredFiles, ['HomeDomain/Library/SMS/sms.db']);
  const dir = fs.mkdir('HomeDomain', 'Library/Empty', { mode: 0o700, lastModified: 1_700_000_100 });
  assert.equal(dir.mode, 0o40700);
  assert.deepEqual(fs.mkdir('HomeDomain', 'Library/Empty'), dir, 'mkdir of an existing directory changes nothing');
  const link = fs.symlink('HomeDomain', 'Library/Restored/link', '/private/var/mobile/Library/Restored/deep/file.bin');
  assert.equal(link.kind, 'symlink');
  assert.equal(fs.stat('HomeDomain', 'Library/Restored/link')?.target, '/private/var/mobile/Library/Restored/deep/file.bin');
  // Removing a generated directory removes everything below it, base and overlay alike.
  const camera = [...fs.listDomain('CameraRollDomain')].filter((f) => f.relativePath.startsWith('Media/DCIM/'));
  assert.ok(camera.length > 10);
  assert.equal(fs.remove('CameraRollDomain', 'Media/DCIM'), true);
  assert.ok(![...fs.listDomain('CameraRollDomain')].some((f) => f.relativePath.startsWith('Media/DCIM')));
  assert.equal(fs.stat('CameraRollDomain', camera[5]?.relativePath ?? ''), undefined);
  assert.equal(fs.remove('CameraRollDomain', 'Media/DCIM'), false);
  assert.equal(fs.remove('HomeDomain', 'No/Such/File'), false);
  const recreated = fs.mkdir('CameraRollDomain', 'Media/DCIM/100APPLE');
  assert.equal(recreated.kind, 'directory');
  assert.deepEqual([...fs.listDomain('CameraRollDomain')].filter((f) => f.relativePath.startsWith('Media/DCIM')).map((f) => f.relativePath), ['Media/DCIM', 'Media/DCIM/100APPLE']);
  await assert.rejects(fs.write('HomeDomain', 'Library/Empty', Readable.from([Buffer.from('x')]), {}), (e: unknown) => e instanceof LifeboatError && e.code === 'SIM_DATA_WRONG_KIND');
  await assert.rejects(fs.write('HomeDomain', 'Library/Restored/deep/file.bin/below', Readable.from([Buffer.from('x')]), {}), (e: unknown) => e instanceof LifeboatError && e.code === 'SIM_DATA_WRONG_KIND');
  fs.dispose();
});

test('write() refuses unsafe relative paths and domains with a clear error', async () => {
  const fs = make();
  const bad = async (domain: string, path: string, pattern: RegExp): Promise<void> => {
    await assert.rejects(fs.write(domain, path, Readable.from([Buffer.from('x')]), {}), (e: unknown) => {
      assert.ok(e instanceof LifeboatError);
      assert.equal(e.code, 'SIM_DATA_BAD_PATH');
      assert.match(e.message, pattern);
      return true;
    });
  };
  await bad('HomeDomain', '../escape', /"\.\." segment/);
  await bad('HomeDomain', 'Library/../../etc/passwd', /"\.\." segment/);
  await bad('HomeDomain', '/etc/passwd', /absolute/);
  await bad('HomeDomain', 'Library/a\0b', /NUL/);
  await bad('HomeDomain', `Library/${'x'.repeat(256)}`, /longer than 255 bytes/);
  await bad('HomeDomain', `${'abcdefgh/'.repeat(120)}file`, /longer than 1024 bytes/);
  await bad('HomeDomain', 'Library//double', /empty segment/);
  await bad('HomeDomain', '', /empty/);
  await bad('../HomeDomain', 'Library/x', /not a backup domain/);
  await bad('Home/Domain', 'Library/x', /not a backup domain/);
  assert.throws(() => fs.mkdir('HomeDomain', './x'), /"\." segment/);
  assert.throws(() => fs.symlink('HomeDomain', 'a/../b', '/x'), /"\.\." segment/);
  assert.throws(() => fs.remove('HomeDomain', '../x'), /"\.\." segment/);
  assert.equal(fs.stat('HomeDomain', 'escape'), undefined);
  fs.dispose();
});
