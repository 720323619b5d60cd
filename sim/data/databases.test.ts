/**
 * Every structured file opens the way a forensic reader opens it (better-sqlite3 on a copy, the plist
 * codec) and holds what truth() says, queried with the joins iLEAPP / MVT / imessage-exporter use.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parseBinaryPlist, type PlistDict } from '../../src/plist/index.js';
import { generateIdentity } from '../model/identity.js';
import { attributedBodyText } from './formats/typedstream.js';
import { createDeviceFileSystem, type DeviceTruth, type VirtualDeviceFileSystem } from './index.js';

const APPLE_EPOCH = 978307200;
let fs: VirtualDeviceFileSystem;
let truth: DeviceTruth;
let dir: string;

before(async () => {
  fs = createDeviceFileSystem({ seed: 'databases', identity: generateIdentity('sim-data-tests', 1) });
  truth = await fs.truth();
  dir = mkdtempSync(join(tmpdir(), 'sim-data-db-test-'));
});

after(() => {
  fs.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function bytes(domain: string, path: string): Promise<Buffer> {
  const f = fs.stat(domain, path);
  assert.ok(f, `${domain}/${path} exists`);
  const chunks: Buffer[] = [];
  for await (const chunk of fs.open(f)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A reader's copy of a database, opened read-only. */
async function open(domain: string, path: string): Promise<Database.Database> {
  const copy = join(dir, `${domain}-${path.replace(/\//g, '_')}`);
  writeFileSync(copy, await bytes(domain, path));
  return new Database(copy, { readonly: true });
}

function columns(db: Database.Database, table: string): string[] {
  return db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((r) => r.name);
}

test('sms.db: messages join handles and chats, with texts, tapbacks, edits, unsends and attachments', async () => {
  const db = await open('HomeDomain', 'Library/SMS/sms.db');
  for (const c of ['ROWID', 'guid', 'text', 'attributedBody', 'handle_id', 'service', 'date', 'date_read', 'is_from_me', 'cache_has_attachments', 'associated_message_guid', 'associated_message_type', 'date_edited', 'message_summary_info', 'thread_originator_guid']) {
    assert.ok(columns(db, 'message').includes(c), `message.${c}`);
  }
  const rows = db
    .prepare(`SELECT m.guid, m.text, m.attributedBody, m.is_from_me, m.date, m.associated_message_type AS type, m.associated_message_guid AS target,
      m.message_summary_info AS summary, m.date_edited, h.id AS handle, c.guid AS chat
      FROM message m JOIN chat_message_join j ON j.message_id = m.ROWID JOIN chat c ON c.ROWID = j.chat_id LEFT JOIN handle h ON h.ROWID = m.handle_id
      ORDER BY m.date`)
    .safeIntegers(true)
    .all() as { guid: string; text: string | null; attributedBody: Buffer | null; is_from_me: bigint; date: bigint; type: bigint; target: string | null; summary: Buffer | null; date_edited: bigint; handle: string | null; chat: string }[];
  const expected = truth.chats.flatMap((c) => c.messages.map((m) => ({ ...m, chat: c.guid })));
  assert.equal(rows.length, expected.length);
  const byGuid = new Map(expected.map((m) => [m.guid, m]));
  let edited = 0;
  let unsent = 0;
  let reactions = 0;
  for (const row of rows) {
    const want = byGuid.get(row.guid);
    assert.ok(want, row.guid);
    assert.equal(row.chat, want.chat);
    assert.equal(row.text ?? '', want.text);
    assert.equal(Boolean(row.is_from_me), want.fromMe);
    // nanoseconds since 2001 → the truth's millisecond instant
    assert.equal(new Date(Number(row.date / 1_000_000n) + APPLE_EPOCH * 1000).toISOString(), want.date);
    if (row.text !== null) assert.equal(attributedBodyText(row.attributedBody ?? Buffer.alloc(0)), row.text);
    if (want.reaction) {
      reactions++;
      assert.equal(Number(row.type), want.reaction.type);
      assert.equal(row.target, `p:0/${want.reaction.targetGuid}`);
      assert.ok(byGuid.has(want.reaction.targetGuid), 'tapback target exists');
    }
    if (want.edits) {
      edited++;
      assert.ok(row.date_edited > 0n);
      const summary = parseBinaryPlist(row.summary ?? Buffer.alloc(0)) as PlistDict;
      const history = (summary.ec as PlistDict)['0'] as PlistDict[];
      assert.deepEqual(history.map((h) => attributedBodyText(Buffer.from(h.t as Uint8Array))), want.edits);
    }
    if (want.unsent) {
      unsent++;
      assert.equal(row.text, null);
      assert.deepEqual((parseBinaryPlist(row.summary ?? Buffer.alloc(0)) as PlistDict).rp, [0]);
    }
  }
  assert.ok(reactions > 0 && edited > 0, `tapbacks (${reactions}) and edits (${edited}) present; unsent ${unsent}`);
  const groups = db.prepare(`SELECT c.guid, count(*) AS n FROM chat c JOIN chat_handle_join j ON j.chat_id = c.ROWID WHERE c.style = 43 GROUP BY c.ROWID`).all() as { n: number }[];
  assert.ok(groups.length > 0 && groups.every((g) => g.n >= 2), 'group chats have several participants');
  const attachments = db.prepare(`SELECT a.filename, a.total_bytes, a.mime_type, a.uti FROM attachment a JOIN message_attachment_join j ON j.attachment_id = a.ROWID`).all() as { filename: string; total_bytes: number }[];
  assert.equal(attachments.length, truth.summary.counts.messageAttachments);
  for (const a of attachments) {
    assert.match(a.filename, /^~\/Library\/SMS\/Attachments\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9A-F-]{36}\/.+/);
    assert.equal(fs.stat('MediaDomain', a.filename.slice(2))?.size, a.total_bytes, `${a.filename} is in MediaDomain with its size`);
  }
  db.close();
});

test('AddressBook: people with labelled phones and e-mails; images are JPEGs', async () => {
  const db = await open('HomeDomain', 'Library/AddressBook/AddressBook.sqlitedb');
  const people = db.prepare(`SELECT ABPerson.ROWID AS id, First, Last, Organization,
      (SELECT group_concat(value, '|') FROM ABMultiValue WHERE record_id = ABPerson.ROWID AND property = 3) AS phones,
      (SELECT group_concat(value, '|') FROM ABMultiValue WHERE record_id = ABPerson.ROWID AND property = 4) AS emails,
      (SELECT group_concat(ABMultiValueLabel.value) FROM ABMultiValue LEFT JOIN ABMultiValueLabel ON ABMultiValue.label = ABMultiValueLabel.ROWID WHERE record_id = ABPerson.ROWID) AS labels,
      CreationDate FROM ABPerson ORDER BY ROWID`).all() as { id: number; First: string | null; Last: string | null; Organization: string | null; phones: string | null; emails: string | null; labels: string | null; CreationDate: number }[];
  assert.equal(people.length, truth.contacts.length);
  people.forEach((p, k) => {
    const want = truth.contacts[k];
    assert.ok(want);
    assert.equal(p.First ?? undefined, want.first);
    assert.equal(p.Last ?? undefined, want.last);
    assert.deepEqual((p.phones ?? '').split('|').map((v) => `+1${v.replace(/\D/g, '')}`), want.phones);
    assert.deepEqual(p.emails ? p.emails.split('|') : [], want.emails);
    assert.match(p.labels ?? '', /_\$!<(Mobile|Work|Home)>!\$_|iPhone/);
    assert.ok(p.CreationDate > 4e8 && p.CreationDate < 8e8, 'seconds since 2001');
  });
  db.close();
  const images = await open('HomeDomain', 'Library/AddressBook/AddressBookImages.sqlitedb');
  const thumbs = images.prepare('SELECT record_id, data FROM ABThumbnailImage WHERE format = 0').all() as { record_id: number; data: Buffer }[];
  assert.equal(thumbs.length, truth.contacts.filter((c) => c.hasImage).length);
  for (const t of thumbs) assert.equal(t.data.subarray(0, 3).toString('hex'), 'ffd8ff');
  images.close();
});

test('Calendar, CallHistory and Safari hold the truth, in Apple time', async () => {
  const cal = await open('HomeDomain', 'Library/Calendar/Calendar.sqlitedb');
  const events = cal.prepare(`SELECT ci.summary, ci.start_date, ci.end_date, ci.all_day, c.title AS calendar, l.title AS location FROM CalendarItem ci
      JOIN Calendar c ON c.ROWID = ci.calendar_id LEFT JOIN Location l ON l.ROWID = ci.location_id WHERE ci.entity_type = 2 ORDER BY ci.ROWID`).all() as { summary: string; start_date: number; calendar: string; location: string | null; all_day: number }[];
  assert.deepEqual(
    events.map((e) => ({ title: e.summary, calendar: e.calendar, start: new Date((e.start_date + APPLE_EPOCH) * 1000).toISOString(), location: e.location ?? undefined, allDay: e.all_day === 1 })),
    truth.calendarEvents.map((e) => ({ title: e.title, calendar: e.calendar, start: e.start, location: e.location, allDay: e.allDay })),
  );
  cal.close();
  const calls = await open('HomeDomain', 'Library/CallHistoryDB/CallHistory.storedata');
  const records = calls.prepare('SELECT ZDATE, ZDURATION, ZADDRESS, ZORIGINATED, ZANSWERED, ZCALLTYPE FROM ZCALLRECORD ORDER BY Z_PK').all() as { ZDATE: number; ZADDRESS: Buffer; ZORIGINATED: number }[];
  assert.deepEqual(
    records.map((r) => ({ address: r.ZADDRESS.toString('utf8'), date: new Date(Math.round((r.ZDATE + APPLE_EPOCH) * 1000)).toISOString(), outgoing: r.ZORIGINATED === 1 })),
    truth.calls.map((c) => ({ address: c.address, date: c.date, outgoing: c.outgoing })),
  );
  calls.close();
  const history = await open('HomeDomain', 'Library/Safari/History.db');
  const visits = history.prepare(`SELECT history_items.url, history_items.visit_count, max(history_visits.visit_time) AS last FROM history_visits
      LEFT JOIN history_items ON history_visits.history_item = history_items.id GROUP BY history_items.id ORDER BY history_items.id`).all() as { url: string; visit_count: number }[];
  assert.deepEqual(visits.map((v) => [v.url, v.visit_count]), truth.safari.history.map((h) => [h.url, h.visitCount]));
  history.close();
  const bookmarks = await open('HomeDomain', 'Library/Safari/Bookmarks.db');
  const marks = bookmarks.prepare('SELECT title, url, hidden FROM bookmarks WHERE type = 0 ORDER BY order_index').all() as { title: string; url: string }[];
  assert.deepEqual(marks.map((b) => ({ title: b.title, url: b.url })), truth.safari.bookmarks);
  bookmarks.close();
});

/** iLEAPP notes.py's reading of a note body: gunzip, then 08 00 12 … 08 00 10 … 1A … 12 <text>. */
function noteText(zdata: Buffer): string {
  const blob = gunzipSync(zdata);
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = blob[pos++] ?? 0;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  assert.equal(blob.subarray(0, 3).toString('hex'), '080012');
  pos = 3;
  varint();
  assert.equal(blob.subarray(pos, pos + 3).toString('hex'), '080010');
  pos += 3;
  varint();
  assert.equal(blob[pos++], 0x1a);
  varint();
  assert.equal(blob[pos++], 0x12);
  const length = varint();
  return blob.toString('utf8', pos, pos + length);
}

test('NoteStore: notes with folders and gzip-compressed protobuf bodies (iOS 16+ columns)', async () => {
  const db = await open('AppDomainGroup-group.com.apple.notes', 'NoteStore.sqlite');
  const cols = columns(db, 'ZICCLOUDSYNCINGOBJECT');
  for (const c of ['ZTITLE1', 'ZTITLE2', 'ZSNIPPET', 'ZFOLDER', 'ZCREATIONDATE3', 'ZMODIFICATIONDATE1', 'ZACCOUNT7', 'ZISPASSWORDPROTECTED', 'ZUNAPPLIEDENCRYPTEDRECORDDATA', 'ZGENERATION', 'ZACCOUNT6']) assert.ok(cols.includes(c), c);
  const notes = db.prepare(`SELECT TabA.ZTITLE1 AS title, TabB.ZTITLE2 AS folder, TabC.ZNAME AS account, TabA.ZCREATIONDATE3 AS created, TabF.ZDATA AS data
      FROM ZICCLOUDSYNCINGOBJECT TabA LEFT JOIN ZICCLOUDSYNCINGOBJECT TabB ON TabA.ZFOLDER = TabB.Z_PK LEFT JOIN ZICCLOUDSYNCINGOBJECT TabC ON TabA.ZACCOUNT7 = TabC.Z_PK
      INNER JOIN ZICNOTEDATA TabF ON TabF.ZNOTE = TabA.Z_PK ORDER BY TabA.Z_PK`).all() as { title: string; folder: string; account: string; created: number; data: Buffer }[];
  assert.deepEqual(
    notes.map((n) => ({ title: n.title, folder: n.folder, body: noteText(n.data), created: new Date(Math.round((n.created + APPLE_EPOCH) * 1000)).toISOString() })),
    truth.notes.map((n) => ({ title: n.title, folder: n.folder, body: n.body, created: n.created })),
  );
  assert.ok(notes.every((n) => n.account === 'iCloud'));
  db.close();
});

test('Photos.sqlite lists every camera-roll file with its capture date; albums join through Z_30ASSETS', async () => {
  const db = await open('CameraRollDomain', 'Media/PhotoData/Photos.sqlite');
  const assets = db.prepare(`SELECT ZASSET.ZDIRECTORY, ZASSET.ZFILENAME, ZASSET.ZDATECREATED, ZASSET.ZKIND, ZASSET.ZWIDTH, ZASSET.ZHEIGHT,
      ZADDITIONALASSETATTRIBUTES.ZORIGINALFILENAME, ZADDITIONALASSETATTRIBUTES.ZORIGINALFILESIZE FROM ZASSET
      JOIN ZADDITIONALASSETATTRIBUTES ON ZASSET.ZADDITIONALATTRIBUTES = ZADDITIONALASSETATTRIBUTES.Z_PK ORDER BY ZASSET.Z_PK`).all() as {
    ZDIRECTORY: string; ZFILENAME: string; ZDATECREATED: number; ZKIND: number; ZWIDTH: number; ZHEIGHT: number; ZORIGINALFILESIZE: number;
  }[];
  assert.equal(assets.length, truth.photos.length);
  assets.forEach((a, k) => {
    const want = truth.photos[k];
    assert.ok(want);
    const path = `Media/${a.ZDIRECTORY}/${a.ZFILENAME}`;
    assert.equal(path, want.relativePath);
    assert.equal(fs.stat('CameraRollDomain', path)?.size, a.ZORIGINALFILESIZE);
    assert.equal(new Date(Math.round((a.ZDATECREATED + APPLE_EPOCH) * 1000)).toISOString(), want.captured);
    assert.equal(a.ZKIND, want.kind === 'video' ? 1 : 0);
    assert.deepEqual([a.ZWIDTH, a.ZHEIGHT], [want.width, want.height]);
  });
  const albums = db.prepare(`SELECT ZGENERICALBUM.ZTITLE AS title, count(Z_30ASSETS.Z_3ASSETS) AS n FROM ZGENERICALBUM LEFT JOIN Z_30ASSETS ON Z_30ASSETS.Z_30ALBUMS = ZGENERICALBUM.Z_PK
      WHERE ZGENERICALBUM.ZKIND = 2 GROUP BY ZGENERICALBUM.Z_PK ORDER BY ZGENERICALBUM.Z_PK`).all() as { title: string; n: number }[];
  assert.deepEqual(albums.map((a) => ({ title: a.title, photos: a.n })), truth.albums);
  db.close();
});

test('Health: samples join objects and provenances; sources and devices live in healthdb.sqlite', async () => {
  const secure = await open('HealthDomain', 'Health/healthdb_secure.sqlite');
  const healthdb = join(dir, 'HealthDomain-Health_healthdb.sqlite');
  writeFileSync(healthdb, await bytes('HealthDomain', 'Health/healthdb.sqlite'));
  const attached = new Database(':memory:');
  attached.exec(`ATTACH DATABASE '${join(dir, 'HealthDomain-Health_healthdb_secure.sqlite')}' AS s; ATTACH DATABASE '${healthdb}' AS healthdb`);
  const byType = attached.prepare(`SELECT s.samples.data_type AS type, count(*) AS n FROM s.samples LEFT JOIN s.objects ON s.samples.data_id = s.objects.data_id
      LEFT JOIN s.data_provenances ON s.objects.provenance = s.data_provenances.ROWID LEFT JOIN healthdb.source_devices ON healthdb.source_devices.ROWID = s.data_provenances.device_id
      GROUP BY s.samples.data_type`).all() as { type: number; n: number }[];
  assert.deepEqual(Object.fromEntries(byType.map((r) => [String(r.type), r.n])), truth.health.byType);
  const steps = attached.prepare('SELECT count(*) AS n FROM s.samples JOIN s.quantity_samples USING (data_id) WHERE data_type = 7').get() as { n: number };
  assert.equal(steps.n, truth.health.byType['7']);
  attached.close();
  secure.close();
});

test('keychain-backup.plist and the known Wi-Fi networks hold what truth says', async () => {
  const keychain = parseBinaryPlist(await bytes('KeychainDomain', 'keychain-backup.plist')) as Record<string, PlistDict[]>;
  for (const table of ['genp', 'inet', 'cert', 'keys'] as const) {
    assert.equal(keychain[table]?.length, truth.keychain.byClass[table]);
    for (const item of keychain[table] ?? []) {
      const data = Buffer.from(item.v_Data as Uint8Array);
      assert.equal(data.readUInt32LE(0), 3);
      assert.equal(Buffer.from(item.v_PersistentRef as Uint8Array).toString('latin1', 0, 4), table);
    }
  }
  const wifi = parseBinaryPlist(await bytes('SystemPreferencesDomain', 'com.apple.wifi.known-networks.plist')) as Record<string, PlistDict>;
  assert.deepEqual(Object.values(wifi).map((n) => Buffer.from(n.SSID as Uint8Array).toString('utf8')), truth.wifi.ssids);
  assert.deepEqual(Object.keys(wifi), truth.wifi.ssids.map((s) => `wifi.network.ssid.${s}`));
});
