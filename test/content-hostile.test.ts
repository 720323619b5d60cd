/**
 * Crafted backups a person (or an attacker) could hand to Lifeboat: path traversal in Manifest.db, a
 * hostile sms.db (markup, control characters and "../" in names), a legacy Manifest.mbdb backup, and a
 * Photos library whose originals are in iCloud (the coverage report must say so). Backups are written
 * with BackupFolderWriter and the app databases with the virtual iPhone's real schemas.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BackupFolderWriter, buildInfoPlist } from '../src/format/index.js';
import { TEST_DEVICE } from '../src/format/test-helpers.js';
import { SMS_SCHEMA } from '../sim/data/content/sms.js';
import { PHOTOS_SCHEMA } from '../sim/data/content/photosdb.js';
import { build } from '../sim/data/content/sqlite.js';
import { lifeboat } from './support/sim-harness.js';
import { checkWellFormedXml } from './support/strict-formats.js';
import { walkFiles } from './support/walk.js';

const env = { ...process.env, LIFEBOAT_PASSWORD: '' };

describe('crafted and hostile backups', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'lifeboat-hostile-content-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('extract refuses paths that climb out of the output folder, and writes the rest', async () => {
    const dir = join(work, 'traversal', TEST_DEVICE.udid);
    const writer = await BackupFolderWriter.create(dir, { device: TEST_DEVICE });
    await writer.addFile('HomeDomain', 'Library/ok.txt', Buffer.from('fine'));
    await writer.addFile('HomeDomain', 'Library/../../../escaped.txt', Buffer.from('evil'));
    await writer.addFile('HomeDomain', '/tmp/absolute.txt', Buffer.from('evil'));
    await writer.addSymlink('HomeDomain', 'Library/link', '/etc/passwd');
    await writer.finish();
    const out = join(work, 'traversal-out', 'inner');
    const r = await lifeboat(['extract', '--backup', join(work, 'traversal'), '--domain', 'HomeDomain', '--out', out], env);
    assert.equal(r.code, 1, `refusals make the command fail: ${r.stderr}`);
    assert.match(r.stderr, /6 entries with unsafe paths were refused/);
    assert.match(r.stdout, /refused unsafe path "Library\/..\/..\/..\/escaped.txt"/);
    assert.match(r.stdout, /refused unsafe path "\/tmp\/absolute.txt"/);
    assert.match(r.stdout, /1 symlinks not recreated/);
    assert.equal(readFileSync(join(out, 'Library/ok.txt'), 'utf8'), 'fine');
    assert.deepEqual(walkFiles(join(work, 'traversal-out')), ['inner/Library/ok.txt']);
    assert.equal(existsSync(join(work, 'escaped.txt')), false);
  });

  it('exports a hostile sms.db safely: markup escaped, names sanitised, pages well-formed', async () => {
    const db = join(work, 'sms.db');
    build(db, SMS_SCHEMA, (d) => {
      d.prepare(`INSERT INTO handle (id, service) VALUES ('+15550001111', 'iMessage')`).run();
      d.prepare(`INSERT INTO chat (guid, style, chat_identifier, service_name, display_name) VALUES ('iMessage;+;chat1', 43, 'chat1', 'iMessage', ?)`).run('<b onload="x">Team</b> & "co" /../../etc');
      d.prepare('INSERT INTO chat_handle_join (chat_id, handle_id) VALUES (1, 1)').run();
      const text = '<script>alert(1)</script>\u0001\u0008 a, "quoted"\nline & more';
      d.prepare(`INSERT INTO message (guid, text, handle_id, service, date, is_from_me, cache_has_attachments) VALUES ('M1', ?, 1, 'iMessage', 700000000000000000, 0, 1)`).run(text);
      d.prepare('INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (1, 1, 700000000000000000)').run();
      d.prepare(`INSERT INTO attachment (guid, filename, transfer_name, mime_type, original_guid) VALUES ('../../A1', '~/Library/SMS/Attachments/aa/bb/x/../../../../../../etc/passwd', '../../evil.html', 'image/jpeg', 'A1')`).run();
      d.prepare(`INSERT INTO attachment (guid, filename, transfer_name, mime_type, original_guid) VALUES ('A2', '~/Library/SMS/Attachments/aa/bb/A2/pic.jpg', '../../evil.html', 'image/jpeg', 'A2')`).run();
      d.prepare('INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (1, 1), (1, 2)').run();
    });
    const dir = join(work, 'sms', TEST_DEVICE.udid);
    const writer = await BackupFolderWriter.create(dir, { device: TEST_DEVICE });
    await writer.addFile('HomeDomain', 'Library/SMS/sms.db', readFileSync(db));
    await writer.addFile('MediaDomain', 'Library/SMS/Attachments/aa/bb/A2/pic.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    await writer.finish();
    const out = join(work, 'sms-out');
    const r = await lifeboat(['export', '--backup', dir, '--what', 'messages', '--out', out], env);
    assert.equal(r.code, 0, r.stderr);
    const files = walkFiles(out);
    assert.ok(files.every((f) => f.startsWith('messages/')), files.join('\n'));
    assert.deepEqual(files.filter((f) => f.includes('attachments/')), ['messages/attachments/0001/A2/_.._evil.html'], 'the missing attachment is listed, the other named safely');
    for (const f of files.filter((x) => x.endsWith('.html') && !x.includes('/attachments/'))) {
      const page = readFileSync(join(out, f), 'utf8');
      checkWellFormedXml(page);
      assert.doesNotMatch(page, /<script|<b onload/);
    }
    const page = readFileSync(join(out, files.find((f) => f.startsWith('messages/conversations/'))!), 'utf8');
    assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;\ufffd\ufffd a, &quot;quoted&quot;<br\/>line &amp; more/);
  });

  it('reports a legacy Manifest.mbdb backup clearly', async () => {
    const dir = join(work, 'legacy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'Manifest.mbdb'), Buffer.from('mbdb\x05\x00', 'latin1'));
    writeFileSync(join(dir, 'Info.plist'), buildInfoPlist({ device: TEST_DEVICE, lastBackupDate: new Date() }));
    const r = await lifeboat(['show', '--backup', dir], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /iOS 9 or older backup \(Manifest\.mbdb\)/);
  });

  it('coverage explains photos whose originals are in iCloud, and what an unencrypted backup lacks', async () => {
    const db = join(work, 'Photos.sqlite');
    build(db, PHOTOS_SCHEMA, (d) => {
      const asset = d.prepare('INSERT INTO ZASSET (Z_PK, Z_ENT, ZDIRECTORY, ZFILENAME, ZDATECREATED, ZKIND, ZTRASHEDSTATE) VALUES (?, 3, ?, ?, ?, ?, 0)');
      asset.run(1, 'DCIM/100APPLE', 'IMG_0001.HEIC', 700000000, 0);
      asset.run(2, 'DCIM/100APPLE', 'IMG_0002.HEIC', 700000100, 0);
      asset.run(3, 'DCIM/100APPLE', 'IMG_0003.MOV', 700000200, 1);
    });
    const dir = join(work, 'icloud', TEST_DEVICE.udid);
    const writer = await BackupFolderWriter.create(dir, { device: TEST_DEVICE });
    await writer.addFile('CameraRollDomain', 'Media/PhotoData/Photos.sqlite', readFileSync(db));
    await writer.addFile('CameraRollDomain', 'Media/DCIM/100APPLE/IMG_0001.HEIC', Buffer.from('heic'));
    await writer.finish();
    const r = await lifeboat(['coverage', '--backup', join(work, 'icloud')], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2 photos and videos from the Photos library are not in this backup/);
    assert.match(r.stdout, /iCloud Photos is not a backup/);
    assert.match(r.stdout, /Health and Activity data, saved passwords \(the keychain\) and Wi-Fi passwords are not in this backup/);
    assert.match(r.stdout, /music, films, TV shows and books bought from Apple/);
    const json = JSON.parse((await lifeboat(['coverage', '--backup', dir, '--json'], env)).stdout) as { photosNotInBackup: number; gaps: { id: string }[] };
    assert.equal(json.photosNotInBackup, 2);
    assert.deepEqual(json.gaps.map((g) => g.id), ['icloud-photos', 'not-encrypted', 'purchases', 'never-backed-up']);
    const show = JSON.parse((await lifeboat(['show', '--backup', dir, '--json'], env)).stdout) as { photos: { photos: number; videos: number }; originalsInBackup: number };
    assert.deepEqual([show.photos.photos, show.photos.videos, show.originalsInBackup], [2, 1, 1]);
  });
});
