/**
 * Content readers against the virtual iPhone's ground truth, on backups the backup engine made —
 * unencrypted and encrypted: every chat's messages (texts, senders, dates, edits, unsends, reactions,
 * attachments), contacts, events, notes, calls, Safari, photos, Health (encrypted only), Wi-Fi, apps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readApps } from '../src/content/apps/apps.js';
import { readCalls, openCalls } from '../src/content/calls/calls.js';
import { CalendarReader } from '../src/content/calendars/reader.js';
import { ContactsReader, phoneKey } from '../src/content/contacts/reader.js';
import { countHealth, openHealth } from '../src/content/health/health.js';
import { MessagesReader, type Message } from '../src/content/messages/reader.js';
import { NotesReader } from '../src/content/notes/reader.js';
import { PhotosReader } from '../src/content/photos/reader.js';
import { bookmarks, historyItems, openBookmarks, openHistory } from '../src/content/safari/reader.js';
import { ContentSource } from '../src/content/source.js';
import { summarize } from '../src/content/summary.js';
import { readWifi } from '../src/content/wifi/wifi.js';
import { openBackup } from '../src/format/index.js';
import { makeContentFixture, PASSWORD, type ContentFixture } from './support/content-fixture.js';

async function withSource<T>(dir: string, password: string | undefined, f: (source: ContentSource) => Promise<T>): Promise<T> {
  const backup = await openBackup(dir, password !== undefined ? { password } : {});
  const source = new ContentSource(backup);
  try {
    return await f(source);
  } finally {
    source.close();
    backup.close();
  }
}

async function checkAgainstTruth(fx: ContentFixture, source: ContentSource, encrypted: boolean): Promise<void> {
  const truth = fx.truth;
  // Messages, chat by chat.
  const messages = await MessagesReader.open(source);
  assert.ok(messages);
  const chats = new Map(messages.chats().map((c) => [c.guid, c]));
  assert.equal(chats.size, truth.chats.length);
  let total = 0;
  for (const tc of truth.chats) {
    const chat = chats.get(tc.guid);
    assert.ok(chat, `chat ${tc.guid}`);
    assert.deepEqual([...chat.participants].sort(), [...tc.participants].sort());
    assert.equal(chat.displayName, tc.displayName);
    const got: Message[] = [...messages.messages(chat)];
    assert.equal(got.length, tc.messages.length, `messages in ${tc.guid}`);
    got.forEach((m, k) => {
      const t = tc.messages[k]!;
      const where = `${tc.guid} #${k}`;
      assert.equal(m.guid, t.guid, where);
      assert.equal(m.text, t.text, where);
      assert.equal(m.fromMe, t.fromMe, where);
      assert.equal(m.sender, t.sender, where);
      assert.equal(m.date?.toISOString(), t.date, where);
      assert.equal(m.service, t.service, where);
      assert.deepEqual(m.edits, t.edits, where);
      assert.equal(m.unsent, t.unsent ?? false, where);
      assert.deepEqual(m.reaction && { type: m.reaction.type, targetGuid: m.reaction.targetGuid }, t.reaction, where);
      assert.deepEqual(m.attachments.map((a) => a.relativePath), t.attachments, where);
    });
    total += got.length;
  }
  assert.equal(total, truth.summary.counts.messages);
  assert.ok(truth.chats.some((c) => c.participants.length > 1), 'the phone has group chats');
  for (const feature of ['edits', 'reaction', 'unsent'] as const) assert.ok(truth.chats.some((c) => c.messages.some((m) => m[feature])), `${feature} are exercised`);
  assert.ok(truth.recentlyDeletedMessages > 0 && (messages.recentlyDeletedCount() === truth.recentlyDeletedMessages), 'recently deleted messages are not shown');

  // Contacts: names, phone numbers (stored formatted), e-mails, photos.
  const contacts = await ContactsReader.open(source);
  assert.ok(contacts);
  const people = [...contacts.contacts()];
  assert.equal(people.length, truth.contacts.length);
  people.forEach((c, k) => {
    const t = truth.contacts[k]!;
    assert.equal(c.first, t.first);
    assert.equal(c.last, t.last);
    assert.equal(c.organization, t.organization);
    assert.deepEqual(c.phones.map((p) => phoneKey(p.value)), t.phones.map(phoneKey));
    assert.deepEqual(c.emails.map((e) => e.value), t.emails);
    assert.equal(contacts.image(c.id) !== undefined, t.hasImage);
  });

  const calendar = await CalendarReader.open(source);
  assert.ok(calendar);
  const events = [...calendar.events()].map((e) => ({ title: e.title, calendar: e.calendar, start: e.start?.toISOString(), end: e.end?.toISOString(), allDay: e.allDay, ...(e.location ? { location: e.location } : {}) }));
  const byStart = (a: { start?: string; title: string }, b: { start?: string; title: string }): number => (a.start ?? '').localeCompare(b.start ?? '') || a.title.localeCompare(b.title);
  assert.deepEqual(events.sort(byStart), [...truth.calendarEvents].sort(byStart));

  const notes = await NotesReader.open(source);
  assert.ok(notes);
  const gotNotes = [...notes.notes()].map((n) => ({ title: n.title, body: n.body?.text, folder: n.folder, created: n.created?.toISOString(), modified: n.modified?.toISOString() }));
  assert.deepEqual(gotNotes, truth.notes.map((n) => ({ title: n.title, body: n.body, folder: n.folder, created: n.created, modified: n.modified })));

  const callsDb = await openCalls(source);
  assert.ok(callsDb);
  const calls = [...readCalls(callsDb)].map((c) => ({ address: c.address, date: c.date?.toISOString(), durationSeconds: c.durationSeconds, outgoing: c.outgoing, answered: c.answered, callType: c.callType }));
  assert.deepEqual(calls, truth.calls);

  const history = [...historyItems((await openHistory(source))!)].map((h) => ({ url: h.url, title: h.title, visitCount: h.visitCount, lastVisit: h.lastVisit?.toISOString() }));
  const byUrl = (a: { url: string }, b: { url: string }): number => a.url.localeCompare(b.url);
  assert.deepEqual(history.sort(byUrl), [...truth.safari.history].sort(byUrl));
  assert.deepEqual([...bookmarks((await openBookmarks(source))!)].filter((b) => !b.readingList).map((b) => ({ title: b.title, url: b.url })), truth.safari.bookmarks);

  const photos = await PhotosReader.open(source);
  assert.ok(photos);
  const assets = [...photos.assets()];
  const byPath = new Map(assets.map((a) => [a.relativePath, a]));
  assert.equal(assets.length, truth.photos.length);
  for (const p of truth.photos) {
    const a = byPath.get(p.relativePath);
    assert.ok(a, p.relativePath);
    assert.equal(a.fileName, p.fileName);
    assert.equal(a.captured?.toISOString(), p.captured);
    assert.equal(a.kind, p.kind);
  }
  assert.deepEqual(photos.albums().map((a) => ({ title: a.title, photos: a.count })), truth.albums);

  const health = await openHealth(source);
  if (encrypted) {
    assert.ok(health, 'Health is in the encrypted backup');
    assert.deepEqual(countHealth(health), { samples: truth.health.samples, byType: truth.health.byType });
  } else assert.equal(health, undefined, 'no Health in an unencrypted backup');

  assert.deepEqual((await readWifi(source))?.map((n) => n.ssid).sort(), [...truth.wifi.ssids].sort());
  const apps = readApps(source);
  assert.deepEqual(
    apps.map((a) => ({ bundleId: a.bundleId, name: a.name, version: a.version, shortVersion: a.shortVersion })),
    [...truth.apps].sort((a, b) => a.bundleId.localeCompare(b.bundleId)),
  );

  const summary = await summarize(source);
  const c = truth.summary.counts;
  assert.deepEqual(
    [summary.messages?.messages, summary.messages?.chats, summary.messages?.attachments, summary.contacts, summary.calendarEvents, summary.notes, summary.calls, summary.safari?.history, summary.safari?.bookmarks, summary.photos?.photos, summary.photos?.videos, summary.originalsInBackup, summary.wifiNetworks, summary.apps],
    [c.messages, c.chats, truth.chats.reduce((n, x) => n + x.messages.reduce((k, m) => k + m.attachments.length, 0), 0), c.contacts, c.calendarEvents, c.notes, c.calls, c.safariHistoryItems, c.safariBookmarks, c.photos, c.videos, c.photos + c.videos, c.wifiNetworks, c.apps],
  );
  assert.equal(summary.health?.samples, encrypted ? truth.health.samples : undefined);
  assert.equal(summary.keychainItems, encrypted ? truth.keychain.items : undefined);
}

describe('content readers against the virtual iPhone', () => {
  let fx: ContentFixture;
  before(async () => {
    fx = await makeContentFixture({ encrypted: true });
  });
  after(async () => fx?.close());

  it('reads an unencrypted Lifeboat backup: everything equals the ground truth', async () => {
    await withSource(fx.plain.deviceDir, undefined, (source) => checkAgainstTruth(fx, source, false));
  });

  it('reads an encrypted Lifeboat backup with its password: the same, plus Health and the keychain', async () => {
    await withSource(fx.encrypted!.deviceDir, PASSWORD, (source) => checkAgainstTruth(fx, source, true));
  });
});
