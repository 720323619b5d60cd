/**
 * The reading commands on Lifeboat snapshots and on an idevicebackup2 backup of the virtual iPhone:
 * ls (domains, files with metadata), extract (a subtree with original names, contents and times),
 * show (counts per data type), coverage (plain language), and --snapshot resolution without --udid.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backupDevice } from '../src/backup/engine.js';
import { UsbmuxPairRecordStore } from '../src/protocol/host/pair-store.js';
import { makeContentFixture, type ContentFixture } from './support/content-fixture.js';
import { requireTool } from './support/require-tool.js';
import { lifeboat, run } from './support/sim-harness.js';

describe('lifeboat ls, extract, show and coverage', () => {
  let fx: ContentFixture;
  let work: string;
  before(async () => {
    fx = await makeContentFixture({ encrypted: false });
    work = mkdtempSync(join(tmpdir(), 'lifeboat-content-cli-'));
  });
  after(async () => {
    await fx?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('lists domains and the files of a domain with their metadata', async () => {
    const r = await lifeboat(['ls', '--snapshot', fx.plain.id, '--json'], fx.env);
    assert.equal(r.code, 0, r.stderr);
    const domains = (JSON.parse(r.stdout) as { domains: { domain: string; files: number; directories: number }[] }).domains;
    for (const [domain, d] of Object.entries(fx.truth.domains)) {
      if (domain === 'HealthDomain' || domain === 'KeychainDomain') continue;
      const got = domains.find((x) => x.domain === domain);
      assert.deepEqual([got?.files, got?.directories], [d.files, d.directories], domain);
    }
    const files = await lifeboat(['ls', '--snapshot', fx.plain.id, '--udid', fx.udid, '--domain', 'HomeDomain', '--json'], fx.env);
    const list = (JSON.parse(files.stdout) as { files: { path: string; kind: string; size: number; fileId: string }[] }).files;
    const sms = list.find((f) => f.path === 'Library/SMS/sms.db');
    assert.equal(sms?.kind, 'file');
    assert.equal(sms?.fileId, '3d0d7e5fb2ce288813306e4d4636395e047a3d28');
    assert.equal(list.length, fx.truth.domains['HomeDomain']!.files + fx.truth.domains['HomeDomain']!.directories + fx.truth.domains['HomeDomain']!.symlinks);
    const text = await lifeboat(['ls', '--snapshot', 'latest', '--domain', 'HomeDomain'], fx.env);
    assert.match(text.stdout, /Library\/SMS\/sms\.db/);
    assert.match(text.stdout, /Library\/Preferences\/com\.apple\.carrier\.plist -> \//);
  });

  it('extracts a folder with original names, contents and times', async () => {
    const out = join(work, 'extract');
    const r = await lifeboat(['extract', '--snapshot', fx.plain.id, '--domain', 'HomeDomain', '--path', 'Library/SMS', '--out', out], fx.env);
    assert.equal(r.code, 0, r.stderr);
    const phone = fx.sim.simulator.phone(fx.udid)!;
    const file = fx.sim.simulator.fileSystem(phone).stat('HomeDomain', 'Library/SMS/sms.db')!;
    const bytes = readFileSync(join(out, 'SMS/sms.db'));
    const hash = createHash('sha256');
    for await (const chunk of fx.sim.simulator.fileSystem(phone).open(file)) hash.update(chunk as Buffer);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), hash.digest('hex'));
    assert.equal(statSync(join(out, 'SMS/sms.db')).mtimeMs, file.lastModified * 1000);
    const single = await lifeboat(['extract', '--snapshot', fx.plain.id, '--domain', 'HomeDomain', '--path', 'Library/SMS/sms.db', '--out', out], fx.env);
    assert.equal(single.code, 0, single.stderr);
    assert.deepEqual(readFileSync(join(out, 'sms.db')), bytes);
    const again = await lifeboat(['extract', '--snapshot', fx.plain.id, '--domain', 'HomeDomain', '--path', 'Library/SMS/sms.db', '--out', out], fx.env);
    assert.notEqual(again.code, 0, 'an existing file is never overwritten');
    assert.match(again.stderr, /EEXIST/);
    const missing = await lifeboat(['extract', '--snapshot', fx.plain.id, '--domain', 'HomeDomain', '--path', 'No/Such', '--out', join(work, 'none')], fx.env);
    assert.match(missing.stderr, /has nothing at HomeDomain\/No\/Such/);
  });

  it('shows counts per data type and explains coverage in plain language', async () => {
    const r = await lifeboat(['show', '--snapshot', fx.plain.id, '--json'], fx.env);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { messages: { messages: number }; contacts: number; photos: { photos: number }; health?: unknown; device: { encrypted: boolean } };
    const c = fx.truth.summary.counts;
    assert.deepEqual([s.messages.messages, s.contacts, s.photos.photos, s.health, s.device.encrypted], [c.messages, c.contacts, c.photos, undefined, false]);
    const text = await lifeboat(['show', '--snapshot', fx.plain.id], fx.env);
    assert.match(text.stdout, new RegExp(`Messages\\s+${c.messages.toLocaleString('en-US')} in`));
    assert.match(text.stdout, /Health\s+not in this backup \(only encrypted backups carry Health\)/);
    const cov = await lifeboat(['coverage', '--snapshot', fx.plain.id], fx.env);
    assert.equal(cov.code, 0, cov.stderr);
    assert.match(cov.stdout, /What this backup holds:/);
    assert.match(cov.stdout, /not encrypted/);
    assert.doesNotMatch(cov.stdout, /iCloud Photos is on/, 'every original is in this backup');
  });

  it('reads a backup made by idevicebackup2 (--backup with the parent folder)', async (t) => {
    if (!requireTool(t, 'idevicebackup2')) return;
    const dir = join(work, 'ib2');
    mkdirSync(dir);
    const b = await run('idevicebackup2', ['-u', fx.udid, 'backup', '--full', dir], fx.sim.env, 60_000);
    assert.equal(b.code, 0, b.stderr);
    const r = await lifeboat(['show', '--backup', dir, '--json'], fx.env);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { messages: { messages: number; chats: number }; contacts: number; notes: number; calls: number; apps: number };
    const c = fx.truth.summary.counts;
    assert.deepEqual([s.messages.messages, s.messages.chats, s.contacts, s.notes, s.calls, s.apps], [c.messages, c.chats, c.contacts, c.notes, c.calls, c.apps]);
    const out = join(work, 'ib2-out');
    const e = await lifeboat(['export', '--backup', dir, '--what', 'messages,contacts,photos', '--out', out], fx.env, 60_000);
    assert.equal(e.code, 0, e.stderr);
    const p = fx.truth.photos[0]!;
    assert.equal(statSync(join(out, 'photos', p.relativePath.split('/').at(-2)!, p.fileName)).mtime.toISOString(), p.captured);
  });

  it('coverage tells when iCloud Photos kept the camera roll out of the backup (virtual iPhone with iCloud Photos on)', async () => {
    fx.sim.set(fx.udid, 'icloudPhotos=true');
    const result = await backupDevice({ transport: await fx.transport(), pairStore: new UsbmuxPairRecordStore(fx.sim.mux), store: fx.store });
    const r = await lifeboat(['coverage', '--snapshot', result.snapshot.id, '--json'], fx.env);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { photosNotInBackup: number; gaps: { id: string }[]; summary: { originalsInBackup: number } };
    assert.equal(report.photosNotInBackup, fx.truth.photos.length);
    assert.equal(report.summary.originalsInBackup, 0);
    assert.equal(report.gaps[0]?.id, 'icloud-photos');
    const text = await lifeboat(['coverage', '--snapshot', result.snapshot.id], fx.env);
    assert.match(text.stdout, /iCloud Photos is on/);
    assert.match(text.stdout, /iCloud Photos is not a backup/);
  });
});
