/**
 * mutate(): content changes between backups, as a person using the phone would make them.
 *
 * Nouns: a *mutation* is one request (types.ts Mutation); each runs at the next tick of the overlay's
 * logical *clock* (one hour per mutation, starting at the reference time) with randomness drawn from
 * (seed, mutation number), so the same sequence of requests gives the same phone. Databases are changed
 * the way the apps would change them — a copy of the current file is edited with SQL and becomes the
 * file's new overlay content — and new bulk files (attachments, photos, documents) are overlay records
 * that regenerate their bytes on demand. A *log entry* records what was done (added messages with their
 * text, edited and removed GUIDs, added/removed photos and contacts) so truth() can replay it onto the
 * generated world. The summary counts items: messages, photos, contacts, app files, or files for churn.
 */
import { copyFileSync, rmSync, statSync } from 'node:fs';
import { encodeBinaryPlist, parseBinaryPlist, PlistReal, type PlistDict, type PlistValue } from '../../src/plist/index.js';
import { AddressBookWriter, contactJpeg } from './content/addressbook.js';
import { PhotosWriter } from './content/photosdb.js';
import { SmsWriter } from './content/sms.js';
import { openDb, type Db } from './content/sqlite.js';
import { SimDataError } from './errors.js';
import type { BulkRef } from './families.js';
import type { VirtualDeviceFileSystem } from './filesystem.js';
import { ADDRESSBOOK_DB, ADDRESSBOOK_IMAGES_DB, PHOTOS_DB, SMS_DB } from './layout.js';
import type { OverlayRecord } from './overlay.js';
import { LAST_NAMES, MESSAGE_PHRASES } from './names.js';
import { Rng } from './prng.js';
import { appleNanos, appleSeconds } from './time.js';
import { attributedBody } from './formats/typedstream.js';
import type { DeviceFile, Mutation, MutationSummary } from './types.js';
import { DOC_FAMILIES } from './world/apps.js';
import { attachmentAt, attachmentSize, photoAt, photoSize } from './world/media.js';
import { chatDefs, messageGuid, OBJECT_REPLACEMENT, type MessageDef } from './world/messages.js';
import { contactAt } from './world/people.js';

export type NewMessage = Omit<MessageDef, 'edits' | 'unsent' | 'reaction'> & { readonly text: string };

export type LogEntry =
  | { readonly kind: 'messages'; readonly add: readonly NewMessage[]; readonly edit: readonly { guid: string; text: string; date: number }[]; readonly remove: readonly string[] }
  | { readonly kind: 'photos'; readonly add: readonly { i: number; at: number }[]; readonly remove: readonly string[] }
  | { readonly kind: 'contacts'; readonly add: readonly { index: number; at: number }[]; readonly edit: readonly { index: number; last: string; email: string }[]; readonly remove: readonly number[] };

type Put = { d: string; p: string; r: OverlayRecord };

interface Step {
  readonly fs: VirtualDeviceFileSystem;
  readonly rng: Rng;
  /** Unix ms of this mutation. */
  readonly clock: number;
  readonly puts: Put[];
  readonly dels: { d: string; p: string }[];
}

export function applyMutation(fs: VirtualDeviceFileSystem, mutation: Mutation): MutationSummary {
  validate(mutation);
  const counters = fs.overlay.counters;
  const clock = (counters.clock ?? fs.ctx.now) + 3_600_000;
  counters.clock = clock;
  const seq = counters.mutations++;
  const step: Step = { fs, rng: new Rng(fs.ctx.seed, `mutation:${seq}`), clock, puts: [], dels: [] };
  let summary: MutationSummary;
  let log: LogEntry | undefined;
  switch (mutation.kind) {
    case 'messages':
      [summary, log] = messages(step, mutation.add, mutation.edit ?? 0, mutation.remove ?? 0);
      break;
    case 'photos':
      [summary, log] = photos(step, mutation.add, mutation.remove ?? 0);
      break;
    case 'contacts':
      [summary, log] = contacts(step, mutation.add, mutation.edit ?? 0, mutation.remove ?? 0);
      break;
    case 'appFiles':
      summary = appFiles(step, mutation.add, mutation.change ?? 0, mutation.remove ?? 0);
      break;
    case 'churn':
      summary = churn(step, mutation.percent);
      break;
  }
  fs.overlay.commit({ puts: step.puts, dels: step.dels, ...(log ? { log } : {}) });
  return summary;
}

function validate(m: Mutation): void {
  const counts = m.kind === 'churn' ? [m.percent] : Object.entries(m).filter(([k]) => k !== 'kind').map(([, v]) => v as unknown);
  const ok = m.kind === 'churn' ? typeof m.percent === 'number' && m.percent >= 0 && m.percent <= 100 : counts.every((v) => v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0));
  if (!ok) {
    throw new SimDataError(`mutation ${JSON.stringify(m)} is invalid: counts must be whole numbers ≥ 0 and churn percent 0…100`, { code: 'SIM_DATA_BAD_MUTATION' });
  }
}

/** Copies the current content of a database into a new overlay file, edits it, and records the change. */
function rewriteDb(s: Step, where: { domain: string; path: string }, edit: (db: Db) => void): void {
  const { fs } = s;
  const current = fs.stat(where.domain, where.path);
  const from = fs.diskPath(where.domain, where.path);
  if (!current || !from) throw new SimDataError(`${where.domain}/${where.path} is gone, so the mutation cannot update it`, { code: 'SIM_DATA_NOT_FOUND' });
  const name = fs.overlay.newContentName();
  const to = fs.overlay.contentPath(name);
  copyFileSync(from, to);
  try {
    const db = openDb(to);
    try {
      db.transaction(() => edit(db))();
    } finally {
      db.close();
    }
  } catch (error) {
    rmSync(to, { force: true });
    throw new SimDataError(`cannot update ${where.domain}/${where.path}: ${error instanceof Error ? error.message : String(error)}`, {
      code: 'SIM_DATA_BAD_MUTATION',
      hint: 'A restore may have replaced the database with something that is not a valid one',
      cause: error,
    });
  }
  s.puts.push({ d: where.domain, p: where.path, r: fileRecord(s, current, statSync(to).size, { t: 'file', f: name }) });
}

function fileRecord(s: Step, current: DeviceFile | undefined, size: number, src: OverlayRecord['src'], inode?: number): OverlayRecord {
  const t = Math.floor(s.clock / 1000);
  return {
    kind: 'file', size, mode: current?.mode ?? 0o100644, uid: current?.uid ?? 501, gid: current?.gid ?? 501,
    inode: current?.inode ?? inode ?? s.fs.overlay.nextInode(), birth: current?.birth ?? t, mtime: t, ctime: t, prot: current?.protectionClass ?? 3,
    gen: s.fs.overlay.nextGeneration(), ...(src ? { src } : {}),
  };
}

/** Adds a new bulk file (and any missing parent directories) to the step. */
function addBulk(s: Step, ref: BulkRef): void {
  const family = s.fs.base.familyById.get(ref.fam);
  if (!family) return;
  const meta = family.file(ref);
  const t = Math.floor(s.clock / 1000);
  for (const dir of family.dirsOf(ref)) {
    if (s.fs.stat(family.domain, dir) || s.puts.some((p) => p.d === family.domain && p.p === dir)) continue;
    s.puts.push({ d: family.domain, p: dir, r: s.fs.dirRecord(family.domain, { time: t, mtime: t }) });
  }
  s.puts.push({ d: family.domain, p: meta.path, r: fileRecord(s, undefined, meta.size, { t: 'bulk', ref }) });
}

function nextIndex(s: Step, fam: string, base: number): number {
  const next = s.fs.overlay.counters.next;
  const i = next[fam] ?? base;
  next[fam] = i + 1;
  return i;
}

/** Picks k items uniformly from an iterable in one pass (reservoir sampling). */
export function sample<T>(items: Iterable<T>, k: number, rng: Rng): T[] {
  const out: T[] = [];
  let seen = 0;
  for (const item of items) {
    seen++;
    if (out.length < k) out.push(item);
    else {
      const j = rng.below(seen);
      if (j < k) out[j] = item;
    }
  }
  return out;
}

function messages(s: Step, add: number, edit: number, remove: number): [MutationSummary, LogEntry] {
  const { fs, rng } = s;
  const ctx = fs.ctx;
  const chats = chatDefs(ctx).filter((c) => !c.shortCode);
  const added: NewMessage[] = [];
  const edits: { guid: string; text: string; date: number }[] = [];
  const removed: string[] = [];
  rewriteDb(s, SMS_DB, (db) => {
    const writer = new SmsWriter(db, ctx);
    for (let n = 0; n < add; n++) {
      const chat = rng.pick(chats);
      const index = fs.overlay.counters.nextMessage ?? ctx.plan.messages;
      fs.overlay.counters.nextMessage = index + 1;
      const fromMe = rng.chance(0.5);
      const date = s.clock + n * 45_000;
      const attachments = rng.chance(0.3) ? [nextIndex(s, 'att', ctx.plan.attachments)] : [];
      const m: NewMessage = {
        index, guid: messageGuid(ctx, index), chat: chat.index, date, nanos: rng.below(1_000_000), fromMe,
        sender: fromMe ? ctx.owner.phone : rng.pick(chat.participants), service: chat.service,
        text: attachments.length > 0 ? OBJECT_REPLACEMENT : rng.pick(MESSAGE_PHRASES), attachments,
      };
      const defs = attachments.map((i) => attachmentAt(ctx, i, { created: date, outgoing: fromMe, messageIndex: index }));
      writer.addMessage(chat, m, defs, (a) => attachmentSize(ctx, a.index, 0));
      for (const i of attachments) addBulk(s, { fam: 'att', i, v: 0, at: date, out: fromMe, m: index });
      added.push(m);
    }
    const editable = db.prepare<[], { guid: string; text: string; date: bigint; message_summary_info: Buffer | null }>(
      `SELECT guid, text, date, message_summary_info FROM message WHERE is_from_me = 1 AND service = 'iMessage' AND text IS NOT NULL
       AND associated_message_type = 0 AND cache_has_attachments = 0 AND ROWID IN (SELECT message_id FROM chat_message_join) ORDER BY ROWID`,
    );
    for (const row of sample(editable.safeIntegers(true).iterate(), edit, rng)) {
      const text = `${row.text} ✏️`;
      const history = editHistory(row.message_summary_info, row.text, Number(row.date / 1_000_000n) + Date.UTC(2001, 0, 1));
      history.push({ t: attributedBody(text), d: new PlistReal(appleSeconds(s.clock)) });
      const summary: PlistDict = { amc: 0, ec: { '0': history }, ust: true, ep: [0], otr: { '0': { lo: 0, le: text.length } } };
      db.prepare('UPDATE message SET text = ?, attributedBody = ?, message_summary_info = ?, date_edited = ? WHERE guid = ?').run(
        text, attributedBody(text), Buffer.from(encodeBinaryPlist(summary)), appleNanos(s.clock), row.guid);
      edits.push({ guid: row.guid, text, date: s.clock });
    }
    const removable = db.prepare<[], { ROWID: number; guid: string; chat_id: number }>(
      'SELECT m.ROWID, m.guid, j.chat_id FROM message m JOIN chat_message_join j ON j.message_id = m.ROWID ORDER BY m.ROWID',
    );
    for (const row of sample(removable.iterate(), remove, rng)) {
      db.prepare('DELETE FROM chat_message_join WHERE message_id = ?').run(row.ROWID);
      db.prepare('INSERT INTO chat_recoverable_message_join (chat_id, message_id, delete_date) VALUES (?, ?, ?)').run(row.chat_id, row.ROWID, appleNanos(s.clock));
      removed.push(row.guid);
    }
  });
  return [{ added: added.length, changed: edits.length, removed: removed.length }, { kind: 'messages', add: added, edit: edits, remove: removed }];
}

/** The `ec` history of a message: the stored one, or its original text as the first version. */
function editHistory(summary: Buffer | null, text: string, dateMs: number): PlistValue[] {
  if (summary) {
    const parsed = parseBinaryPlist(summary, { preserveRealType: true }) as PlistDict;
    const ec = parsed.ec as PlistDict | undefined;
    const list = ec?.['0'];
    if (Array.isArray(list)) return [...list];
  }
  return [{ t: attributedBody(text), d: new PlistReal(appleSeconds(dateMs)) }];
}

function photos(s: Step, add: number, remove: number): [MutationSummary, LogEntry] {
  const { fs, rng } = s;
  const ctx = fs.ctx;
  const victims = sample(
    (function* () {
      for (const f of fs.listDomain('CameraRollDomain')) if (f.kind === 'file' && f.relativePath.startsWith('Media/DCIM/')) yield f.relativePath;
    })(),
    remove,
    rng,
  );
  const addedPhotos: { i: number; at: number }[] = [];
  rewriteDb(s, PHOTOS_DB, (db) => {
    const writer = new PhotosWriter(db, ctx);
    let pk = (db.prepare<[], { max: number | null }>('SELECT MAX(Z_PK) AS max FROM ZASSET').get()?.max ?? 0) + 1;
    for (let n = 0; n < add; n++) {
      const i = nextIndex(s, 'photo', ctx.plan.photos);
      const at = s.clock + n * 20_000;
      writer.add(pk++, photoAt(ctx, i, at), photoSize(ctx, i, 0));
      addBulk(s, { fam: 'photo', i, v: 0, at });
      addedPhotos.push({ i, at });
    }
    db.prepare(`UPDATE Z_PRIMARYKEY SET Z_MAX = ? WHERE Z_NAME IN ('Asset', 'AdditionalAssetAttributes', 'ExtendedAttributes')`).run(pk - 1);
    for (const path of victims) {
      const slash = path.lastIndexOf('/');
      writer.remove(path.slice('Media/'.length, slash), path.slice(slash + 1));
      s.dels.push({ d: 'CameraRollDomain', p: path });
    }
  });
  return [{ added: addedPhotos.length, changed: 0, removed: victims.length }, { kind: 'photos', add: addedPhotos, remove: victims }];
}

function contacts(s: Step, add: number, edit: number, remove: number): [MutationSummary, LogEntry] {
  const { fs, rng } = s;
  const ctx = fs.ctx;
  const addedContacts: { index: number; at: number }[] = [];
  const edits: { index: number; last: string; email: string }[] = [];
  const removed: number[] = [];
  const images: { rowid: number; created: number }[] = [];
  const dropImages: number[] = [];
  rewriteDb(s, ADDRESSBOOK_DB, (db) => {
    const writer = new AddressBookWriter(db, ctx);
    const rows = db.prepare<[], { ROWID: number; ImageURI: string | null }>('SELECT ROWID, ImageURI FROM ABPerson ORDER BY ROWID').all();
    for (const row of sample(rows, edit + remove, rng).sort((a, b) => a.ROWID - b.ROWID)) {
      if (edits.length < edit) {
        const last = rng.pick(LAST_NAMES);
        const email = `contact${row.ROWID}.${s.clock % 100_000}@example.net`;
        db.prepare('UPDATE ABPerson SET Last = ?, LastSort = ?, ModificationDate = ? WHERE ROWID = ?').run(last, last.toUpperCase(), Math.floor(appleSeconds(s.clock)), row.ROWID);
        db.prepare('INSERT INTO ABMultiValue (record_id, property, identifier, label, value, guid) VALUES (?, 4, 9, NULL, ?, ?)').run(row.ROWID, email, `${rng.uuid()}`);
        edits.push({ index: row.ROWID - 1, last, email });
      } else {
        db.prepare('DELETE FROM ABMultiValue WHERE record_id = ?').run(row.ROWID);
        db.prepare('DELETE FROM ABGroupMembers WHERE member_id = ?').run(row.ROWID);
        db.prepare('DELETE FROM ABPerson WHERE ROWID = ?').run(row.ROWID);
        if (row.ImageURI) dropImages.push(row.ROWID);
        removed.push(row.ROWID - 1);
      }
    }
    for (let n = 0; n < add; n++) {
      const index = fs.overlay.counters.nextContact ?? ctx.plan.contacts;
      fs.overlay.counters.nextContact = index + 1;
      const at = s.clock + n * 1000;
      const contact = { ...contactAt(ctx, index), created: at, modified: at };
      const rowid = writer.add(contact, 1);
      if (contact.hasImage) images.push({ rowid, created: at });
      addedContacts.push({ index, at });
    }
  });
  if (images.length > 0 || dropImages.length > 0) {
    rewriteDb(s, ADDRESSBOOK_IMAGES_DB, (db) => {
      for (const rowid of dropImages) {
        db.prepare('DELETE FROM ABThumbnailImage WHERE record_id = ?').run(rowid);
        db.prepare('DELETE FROM ABFullSizeImage WHERE record_id = ?').run(rowid);
      }
      for (const { rowid, created } of images) {
        db.prepare('INSERT INTO ABThumbnailImage (record_id, format, derived_from_format, data) VALUES (?, 0, 0, ?)').run(rowid, contactJpeg(ctx, { created }, 120));
        db.prepare('INSERT INTO ABFullSizeImage (record_id, data) VALUES (?, ?)').run(rowid, contactJpeg(ctx, { created }, 600));
      }
    });
  }
  return [
    { added: addedContacts.length, changed: edits.length, removed: removed.length },
    { kind: 'contacts', add: addedContacts, edit: edits, remove: removed },
  ];
}

/** Current bulk files of the given families: (file, its ref). */
function* bulkFiles(fs: VirtualDeviceFileSystem, families: (f: string) => boolean): Generator<{ file: DeviceFile; ref: BulkRef }> {
  const domains = new Set(fs.base.families.filter((f) => families(f.id)).map((f) => f.domain));
  for (const domain of [...domains].sort()) {
    for (const file of fs.listDomain(domain)) {
      if (file.kind !== 'file') continue;
      const src = fs.currentSource(domain, file.relativePath);
      if (src?.t === 'bulk' && families(src.ref.fam)) yield { file, ref: src.ref };
    }
  }
}

/** Gives a bulk file its next version (new bytes, slightly different size, new generation). */
function bumpVersion(s: Step, file: DeviceFile, ref: BulkRef): void {
  const next: BulkRef = { ...ref, v: ref.v + 1 };
  const size = s.fs.base.familyById.get(ref.fam)?.file(next).size ?? file.size;
  s.puts.push({ d: file.domain, p: file.relativePath, r: fileRecord(s, file, size, { t: 'bulk', ref: next }) });
}

function appFiles(s: Step, add: number, change: number, remove: number): MutationSummary {
  const { fs, rng } = s;
  const isDoc = (id: string): boolean => id.startsWith('doc:');
  const picked = sample(bulkFiles(fs, isDoc), change + remove, rng);
  picked.slice(0, change).forEach(({ file, ref }) => bumpVersion(s, file, ref));
  for (const { file } of picked.slice(change)) s.dels.push({ d: file.domain, p: file.relativePath });
  for (let n = 0; n < add; n++) {
    const family = rng.below(DOC_FAMILIES.length);
    const fam = `doc:${DOC_FAMILIES[family]?.id ?? 'dropbox'}`;
    addBulk(s, { fam, i: nextIndex(s, fam, fs.ctx.plan.docs[family] ?? 0), v: 0, at: s.clock + n * 1000 });
  }
  return { added: add, changed: Math.min(change, picked.length), removed: Math.max(0, picked.length - change) };
}

function churn(s: Step, percent: number): MutationSummary {
  const { fs, rng } = s;
  let files = 0;
  for (const f of fs.list()) if (f.kind === 'file') files++;
  const target = Math.round((files * percent) / 100);
  const picked = sample(bulkFiles(fs, () => true), target, rng);
  for (const { file, ref } of picked) bumpVersion(s, file, ref);
  return { added: 0, changed: picked.length, removed: 0 };
}
