/**
 * `lifeboat export` end to end on Lifeboat backups of the virtual iPhone: every data type exported,
 * then read back and compared with the phone's ground truth — vCards and ICS through strict parsers
 * (test/support/strict-formats.ts), every HTML page through an XML well-formedness check (and Python's
 * expat when python3 is installed), CSVs through an RFC 4180 parser, photos by file name and mtime =
 * capture time. Health comes out of the encrypted backup only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCsv } from '../src/content/common/csv.js';
import { phoneKey } from '../src/content/contacts/reader.js';
import { makeContentFixture, PASSWORD, type ContentFixture } from './support/content-fixture.js';
import { requireTool } from './support/require-tool.js';
import { lifeboat, run } from './support/sim-harness.js';
import { checkWellFormedXml, icsDate, parseIcs, parseVcards, prop, props, unescapeText } from './support/strict-formats.js';
import { walkFiles } from './support/walk.js';

/** The part of ical.js (a maintained RFC 5545/6350 parser) these tests use. */
interface IcalComponent {
  getAllSubcomponents(name: string): IcalComponent[];
  getAllProperties(name: string): unknown[];
  getFirstPropertyValue(name: string): unknown;
}
interface IcalModule {
  parse(text: string): unknown[];
  Component: new (jcal: unknown) => IcalComponent;
}

/**
 * ical.js when it is installed (devDependency "ical.js": "^2.2.1"): the exports must then also parse
 * with it. Until then the strict hand-written checkers in support/strict-formats.ts carry the test.
 */
async function loadIcal(): Promise<IcalModule | undefined> {
  const name = 'ical.js';
  const mod = (await import(name).catch(() => undefined)) as { default?: IcalModule } | undefined;
  return mod?.default;
}

const csvOf = (path: string): Record<string, string>[] => {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  assert.ok(header && header.length > 1, `${path} has a header`);
  for (const r of rows) assert.equal(r.length, header.length, `${path}: every row has ${header.length} fields`);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
};

describe('export of a virtual iPhone backup', () => {
  let fx: ContentFixture;
  let work: string;
  before(async () => {
    fx = await makeContentFixture({ encrypted: true });
    work = mkdtempSync(join(tmpdir(), 'lifeboat-export-test-'));
  });
  after(async () => {
    await fx?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('exports every data type of an unencrypted backup, equal to the ground truth', async (t) => {
    const out = join(work, 'plain');
    const r = await lifeboat(['export', '--snapshot', fx.plain.id, '--what', 'all', '--out', out, '--json'], fx.env, 60_000);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { results: { type: string; exported: boolean; reason?: string }[] };
    assert.deepEqual(result.results.filter((x) => !x.exported).map((x) => x.type), ['health']);
    assert.match(result.results.find((x) => x.type === 'health')?.reason ?? '', /encrypted/);
    assert.match(r.stderr, /Exporting messages/, 'progress goes to stderr');
    const truth = fx.truth;
    const files = walkFiles(out);

    // Messages: one page per conversation + index, CSV and JSON with every message, attachments copied.
    const pages = files.filter((f) => f.startsWith('messages/conversations/'));
    assert.equal(pages.length, truth.chats.length);
    const csv = csvOf(join(out, 'messages/messages.csv'));
    const expected = truth.chats.flatMap((c) => c.messages.map((m) => ({ chat: c.guid, guid: m.guid, text: m.text, from_me: String(m.fromMe), date: m.date })));
    assert.deepEqual(csv.map((row) => ({ chat: row['chat'], guid: row['message_guid'], text: row['text'], from_me: row['from_me'], date: row['date'] })), expected);
    const json = JSON.parse(readFileSync(join(out, 'messages/messages.json'), 'utf8')) as { chats: { guid: string; messages: { text: string; edits?: string[] }[] }[] };
    assert.deepEqual(json.chats.map((c) => [c.guid, c.messages.map((m) => m.text)]), truth.chats.map((c) => [c.guid, c.messages.map((m) => m.text)]));
    // Attachments of visible messages (those of "Recently Deleted" messages stay out).
    const visibleAttachments = truth.chats.reduce((n, c) => n + c.messages.reduce((k, m) => k + m.attachments.length, 0), 0);
    assert.equal(files.filter((f) => f.startsWith('messages/attachments/')).length, visibleAttachments);
    const someText = truth.chats.flatMap((c) => c.messages).find((m) => !m.reaction && !m.unsent && m.text.length > 3 && !m.edits)!;
    assert.ok(pages.some((p) => readFileSync(join(out, p), 'utf8').includes(someText.text.replace(/&/g, '&amp;').replace(/</g, '&lt;'))), 'a message text is on its page');

    // Every HTML page is well-formed XML.
    const html = files.filter((f) => f.endsWith('.html'));
    assert.ok(html.length > truth.chats.length + truth.notes.length);
    for (const f of html) assert.doesNotThrow(() => checkWellFormedXml(readFileSync(join(out, f), 'utf8')), f);
    if (requireTool(t, 'python3')) {
      const script = join(work, 'expat.py');
      writeFileSync(script, 'import sys, xml.dom.minidom\nfor p in sys.argv[1:]:\n    xml.dom.minidom.parse(p)\nprint(len(sys.argv) - 1)\n');
      const py = await run('python3', [script, ...html.map((f) => join(out, f))], process.env);
      assert.equal(py.code, 0, py.stderr);
      assert.equal(py.stdout.trim(), String(html.length));
    }

    // Contacts: vCard 3.0 and 4.0 parse strictly and hold the names, numbers, e-mails and photos.
    for (const [file, version] of [['contacts/contacts.vcf', '3.0'], ['contacts/contacts-v4.vcf', '4.0']] as const) {
      const cards = parseVcards(readFileSync(join(out, file), 'utf8'), version);
      assert.equal(cards.length, truth.contacts.length, file);
      cards.forEach((card, k) => {
        const tc = truth.contacts[k]!;
        const [last, first, , ,] = prop(card, 'N')!.value.split(/(?<!\\);/).map(unescapeText);
        assert.equal(first || undefined, tc.first, file);
        assert.equal(last || undefined, tc.last, file);
        assert.deepEqual(props(card, 'TEL').map((p) => phoneKey(unescapeText(p.value))), tc.phones.map(phoneKey));
        assert.deepEqual(props(card, 'EMAIL').map((p) => unescapeText(p.value)), tc.emails);
        assert.equal(prop(card, 'PHOTO') !== undefined, tc.hasImage);
      });
    }

    const ical = await loadIcal();
    if (ical) {
      for (const file of ['contacts/contacts.vcf', 'contacts/contacts-v4.vcf']) {
        const parsed = ical.parse(readFileSync(join(out, file), 'utf8'));
        const cards: IcalComponent[] = (Array.isArray(parsed[0]) ? parsed : [parsed]).map((j): IcalComponent => new ical.Component(j));
        assert.deepEqual(cards.map((c) => c.getAllProperties('email').length), truth.contacts.map((c) => c.emails.length), `ical.js: ${file}`);
      }
      const parsedEvents = files.filter((f) => f.endsWith('.ics')).flatMap((f) => new ical.Component(ical.parse(readFileSync(join(out, f), 'utf8'))).getAllSubcomponents('vevent'));
      assert.equal(parsedEvents.length, truth.calendarEvents.length, 'ical.js: events');
    }

    // Calendars: ICS files parse strictly; events equal the truth.
    const events = files.filter((f) => f.startsWith('calendars/') && f.endsWith('.ics')).flatMap((f) => {
      const name = f.slice('calendars/'.length, -'.ics'.length);
      return parseIcs(readFileSync(join(out, f), 'utf8')).map((e) => ({
        title: unescapeText(prop(e, 'SUMMARY')!.value),
        calendar: name,
        start: icsDate(prop(e, 'DTSTART')!).toISOString(),
        allDay: prop(e, 'DTSTART')!.params['VALUE'] === 'DATE',
      }));
    });
    const key = (e: { start: string; title: string }): string => `${e.start} ${e.title}`;
    assert.deepEqual(events.map(key).sort(), truth.calendarEvents.map(key).sort());
    assert.deepEqual(events.map((e) => `${e.calendar}:${e.allDay}`).sort(), truth.calendarEvents.map((e) => `${e.calendar}:${e.allDay}`).sort());

    // Notes: Markdown and HTML per note with the body's lines.
    for (const n of truth.notes) {
      const md = files.filter((f) => f.startsWith(`notes/${n.folder}/`) && f.endsWith('.md')).map((f) => readFileSync(join(out, f), 'utf8'));
      assert.ok(md.some((text) => text.startsWith(`# ${n.title}\n`) && n.body.split('\n').slice(1).every((line) => text.includes(line.replace(/([\\`*_[\]<>])/g, '\\$1')))), n.title);
    }

    // Calls, Safari, Wi-Fi, apps: CSVs with every row.
    assert.deepEqual(csvOf(join(out, 'calls/calls.csv')).map((c) => [c['number'], c['date'], c['direction']]), truth.calls.map((c) => [c.address, c.date, c.outgoing ? 'outgoing' : 'incoming']));
    assert.deepEqual(csvOf(join(out, 'safari/history.csv')).map((h) => h['url']).sort(), truth.safari.history.map((h) => h.url).sort());
    assert.deepEqual(csvOf(join(out, 'safari/bookmarks.csv')).map((b) => b['url']), truth.safari.bookmarks.map((b) => b.url));
    assert.deepEqual(csvOf(join(out, 'wifi/wifi-networks.csv')).map((w) => w['ssid']).sort(), [...truth.wifi.ssids].sort());
    assert.deepEqual(csvOf(join(out, 'apps/apps.csv')).map((a) => a['bundle_id']), truth.apps.map((a) => a.bundleId).sort());
    assert.equal((JSON.parse(readFileSync(join(out, 'device/device.json'), 'utf8')) as { udid: string }).udid, fx.udid);

    // Photos: every original, named as on the phone, its mtime the capture time.
    for (const p of truth.photos) {
      const path = join(out, 'photos', p.relativePath.split('/').at(-2)!, p.fileName);
      assert.equal(statSync(path).mtime.toISOString(), p.captured, p.relativePath);
    }
    assert.equal(csvOf(join(out, 'photos/albums.csv')).length, truth.albums.reduce((s, a) => s + a.photos, 0));
  });

  it('exports Health from the encrypted backup with the password; a wrong password writes nothing', async () => {
    const out = join(work, 'health');
    const ok = await lifeboat(['export', '--snapshot', fx.encrypted!.id, '--what', 'health,messages', '--format', 'csv', '--out', out], { ...fx.env, LIFEBOAT_PASSWORD: PASSWORD }, 60_000);
    assert.equal(ok.code, 0, ok.stderr);
    const samples = csvOf(join(out, 'health/health-samples.csv'));
    assert.equal(samples.length, fx.truth.health.samples);
    const byType: Record<string, number> = {};
    for (const s of samples) byType[s['data_type']!] = (byType[s['data_type']!] ?? 0) + 1;
    assert.deepEqual(byType, fx.truth.health.byType);
    assert.deepEqual(walkFiles(join(out, 'messages')).filter((f) => !f.startsWith('attachments/')), ['messages.csv'], '--format csv leaves out html and json');

    const wrong = join(work, 'wrong');
    const bad = await lifeboat(['export', '--snapshot', fx.encrypted!.id, '--out', wrong], { ...fx.env, LIFEBOAT_PASSWORD: 'not it' }, 60_000);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /password is wrong/);
    assert.throws(() => statSync(wrong), /ENOENT/, 'nothing was written');
    const none = await lifeboat(['show', '--snapshot', fx.encrypted!.id], fx.env);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /password/);
  });
});
