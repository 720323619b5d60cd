/**
 * The dashboard's HTTP surface against a real server and virtual iPhone, without a browser: no token
 * means 401 and nothing happens; a cross-site POST is refused even with the cookie; a foreign Host is
 * refused (DNS rebinding); the token URL becomes an HttpOnly cookie; the security headers are set;
 * Back Up Now makes a snapshot and streams progress over Server-Sent Events; forget previews before
 * it removes; settings are validated; only photos and attachments can be read out of a backup.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { startDashboardFixture, waitFor, type DashboardFixture } from './support/dashboard.js';
import { readEvents } from './support/sse.js';

/** A raw request (fetch cannot set Host or Origin freely). */
function raw(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('web dashboard API', () => {
  let fx: DashboardFixture;
  let snapshotDir: string;
  before(async () => {
    fx = await startDashboardFixture({ seed: 'web-api' });
    snapshotDir = join(fx.home, 'vault', 'devices', fx.udid, 'snapshots');
  });
  after(async () => {
    await fx?.close();
  });

  it('answers 401 without the token, and a POST without it changes nothing', async () => {
    const port = fx.dashboard.port;
    for (const path of ['/api/devices', '/api/settings', '/api/events', `/api/devices/${fx.udid}/snapshots`, '/']) {
      const r = await raw(port, { path, headers: { Host: `127.0.0.1:${port}` } });
      assert.equal(r.status, 401, path);
      assert.doesNotMatch(r.body, new RegExp(fx.udid), `${path} leaks nothing`);
    }
    const wrong = await raw(port, { path: '/api/devices', headers: { Host: `127.0.0.1:${port}`, Authorization: 'Bearer not-the-token' } });
    assert.equal(wrong.status, 401);
    const post = await raw(port, { method: 'POST', path: `/api/devices/${fx.udid}/backup`, headers: { Host: `127.0.0.1:${port}`, Origin: fx.dashboard.origin } });
    assert.equal(post.status, 401);
    const settings = await raw(port, { method: 'POST', path: '/api/settings/defaults', headers: { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/json' }, body: '{"policy":{"intervalHours":1}}' });
    assert.equal(settings.status, 401);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(fx.dashboard.context.jobs.list().length, 0, 'no job was started');
    assert.equal(existsSync(snapshotDir), false, 'no snapshot was made');
    assert.equal(existsSync(join(fx.home, 'config.json')), false, 'the config was not written');
  });

  it('refuses cross-site POSTs (even with the cookie), GET for changes, and foreign Host headers', async () => {
    const port = fx.dashboard.port;
    const cookie = `lifeboat_token_${port}=${fx.dashboard.token}`;
    const base = { Host: `127.0.0.1:${port}`, Cookie: cookie, 'Content-Type': 'application/json' };
    const evil = await raw(port, { method: 'POST', path: '/api/settings/defaults', headers: { ...base, Origin: 'http://evil.example' }, body: '{"policy":{"intervalHours":1}}' });
    assert.equal(evil.status, 403);
    const site = await raw(port, { method: 'POST', path: '/api/settings/defaults', headers: { ...base, 'Sec-Fetch-Site': 'cross-site' }, body: '{"policy":{"intervalHours":1}}' });
    assert.equal(site.status, 403);
    const bare = await raw(port, { method: 'POST', path: '/api/settings/defaults', headers: base, body: '{"policy":{"intervalHours":1}}' });
    assert.equal(bare.status, 403, 'a cookie alone (no Origin, no Sec-Fetch-Site) is not enough for a change');
    const get = await raw(port, { path: `/api/devices/${fx.udid}/backup`, headers: base });
    assert.equal(get.status, 405);
    assert.equal(existsSync(join(fx.home, 'config.json')), false, 'the config was not written');
    assert.equal(fx.dashboard.context.jobs.list().length, 0);
    const rebinding = await raw(port, { path: '/api/devices', headers: { Host: `attacker.example:${port}`, Authorization: `Bearer ${fx.dashboard.token}` } });
    assert.equal(rebinding.status, 403);
    const sameSite = await raw(port, { method: 'POST', path: '/api/settings/defaults', headers: { ...base, Origin: fx.dashboard.origin, 'Sec-Fetch-Site': 'same-origin' }, body: '{"policy":{"intervalHours":12}}' });
    assert.equal(sameSite.status, 200, sameSite.body);
    assert.equal((JSON.parse(readFileSync(join(fx.home, 'config.json'), 'utf8')) as { defaults: { intervalHours: number } }).defaults.intervalHours, 12);
  });

  it('turns the token URL into an HttpOnly cookie and sets strict security headers', async () => {
    const port = fx.dashboard.port;
    const first = await raw(port, { path: `/?token=${fx.dashboard.token}`, headers: { Host: `127.0.0.1:${port}` } });
    assert.equal(first.status, 303);
    assert.equal(first.headers['location'], '/');
    const setCookie = String(first.headers['set-cookie']);
    assert.match(setCookie, new RegExp(`^lifeboat_token_${port}=${fx.dashboard.token};`));
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const bad = await raw(port, { path: '/?token=guess', headers: { Host: `127.0.0.1:${port}` } });
    assert.equal(bad.status, 401);
    assert.equal(bad.headers['set-cookie'], undefined);
    const page = await raw(port, { path: '/', headers: { Host: `127.0.0.1:${port}`, Cookie: `lifeboat_token_${port}=${fx.dashboard.token}` } });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.doesNotMatch(page.body, /<script>(?!<)/, 'no inline script');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
  });

  it('backs up now with progress over Server-Sent Events, then lists the new snapshot', async () => {
    const events = await fx.api('/api/events');
    assert.equal(events.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const seen: Array<{ state: string; progress?: { bytes: number }; snapshot?: string }> = [];
    const reading = readEvents(events, (type, data) => {
      if (type !== 'job') return false;
      const job = data as { state: string; progress?: { bytes: number }; snapshot?: string };
      seen.push(job);
      return job.state !== 'running';
    });
    const start = await fx.api(`/api/devices/${fx.udid}/backup`, { method: 'POST' });
    assert.equal(start.status, 200, await start.clone().text());
    const again = await fx.api(`/api/devices/${fx.udid}/backup`, { method: 'POST' });
    assert.equal(again.status, 409, 'one backup per device at a time');
    await reading;
    const last = seen.at(-1)!;
    assert.equal(last.state, 'done', JSON.stringify(last));
    assert.ok(seen.some((j) => j.progress && j.progress.bytes > 0), 'progress with bytes was streamed');
    const list = (await (await fx.api(`/api/devices/${fx.udid}/snapshots`)).json()) as { snapshots: Array<{ id: string; newBytes: number }> };
    assert.equal(list.snapshots[0]?.id, last.snapshot);
    assert.ok((list.snapshots[0]?.newBytes ?? 0) > 0);
    const devices = (await (await fx.api('/api/devices')).json()) as { devices: Array<{ udid: string; health: string; lastSnapshot: string; snapshots: number }> };
    const card = devices.devices.find((d) => d.udid === fx.udid)!;
    assert.deepEqual([card.health, card.lastSnapshot, card.snapshots], ['green', last.snapshot, 1]);
  });

  it('reads a backup: summary, a photo, an export; refuses other files', async () => {
    const id = ((await (await fx.api(`/api/devices/${fx.udid}/snapshots`)).json()) as { snapshots: Array<{ id: string }> }).snapshots[0]!.id;
    const base = `/api/devices/${fx.udid}/snapshots/${id}`;
    const truth = await fx.sim.simulator.fileSystem(fx.sim.simulator.phone(fx.udid)!).truth();
    const summary = (await (await fx.api(`${base}/summary`)).json()) as { messages: { messages: number }; contacts: number };
    assert.deepEqual([summary.messages.messages, summary.contacts], [truth.summary.counts.messages, truth.summary.counts.contacts]);
    const photo = truth.photos.find((p) => p.fileName.endsWith('.JPG'))!;
    const image = await fx.api(`${base}/file?domain=CameraRollDomain&path=${encodeURIComponent(photo.relativePath)}`);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/jpeg');
    assert.equal(image.headers.get('content-security-policy'), "default-src 'none'; sandbox");
    const bytes = Buffer.from(await image.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
    for (const [domain, path] of [
      ['HomeDomain', 'Library/SMS/sms.db'],
      ['CameraRollDomain', 'Media/PhotoData/Photos.sqlite'],
      ['CameraRollDomain', 'Media/DCIM/../PhotoData/Photos.sqlite'],
    ]) {
      const r = await fx.api(`${base}/file?domain=${domain}&path=${encodeURIComponent(path!)}`);
      assert.equal(r.status, 403, `${domain}/${path}`);
    }
    const exported = await fx.api(`${base}/export?type=contacts&format=vcf`);
    assert.equal(exported.status, 200);
    const tar = gunzipSync(Buffer.from(await exported.arrayBuffer()));
    const vcards = tar.toString('latin1').match(/BEGIN:VCARD/g)?.length ?? 0;
    assert.equal(vcards, truth.contacts.length);
    const badType = await fx.api(`${base}/export?type=../../etc`);
    assert.equal(badType.status, 400);
  });

  it('previews a forget, refuses a changed plan, then forgets; rejects an invalid setting naming it', async () => {
    const list = async (): Promise<string[]> => ((await (await fx.api(`/api/devices/${fx.udid}/snapshots`)).json()) as { snapshots: Array<{ id: string }> }).snapshots.map((s) => s.id);
    const [id] = await list();
    const post = (path: string, body: unknown): Promise<Response> => fx.api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const preview = (await (await post(`/api/devices/${fx.udid}/forget`, { snapshot: id, dryRun: true })).json()) as { plan: { forget: string[] } };
    assert.deepEqual(preview.plan.forget, [id]);
    assert.deepEqual(await list(), [id], 'a preview removes nothing');
    const stale = await post(`/api/devices/${fx.udid}/forget`, { snapshot: id, dryRun: false, expect: [] });
    assert.equal(stale.status, 409);
    const applied = (await (await post(`/api/devices/${fx.udid}/forget`, { snapshot: id, dryRun: false, expect: [id] })).json()) as { removed: string[] };
    assert.deepEqual(applied.removed, [id]);
    assert.deepEqual(await list(), []);
    const answer = await post('/api/advise', { answers: { dataGb: 'lots', upgrade: 'yearly', os: 'linux', manual: 'none', sensitivity: 'high', storage: 'external', icloudPhotos: 'on' } });
    assert.equal(answer.status, 400);
    assert.match(((await answer.json()) as { error: { message: string } }).error.message, /--data-gb: "lots"/);
    const invalid = await post('/api/settings/defaults', { policy: { intervalHours: -3 } });
    assert.equal(invalid.status, 400);
    assert.match(((await invalid.json()) as { error: { message: string } }).error.message, /defaults\.intervalHours/);
  });

  it('lists the finished job in /api/jobs', async () => {
    const jobs = await waitFor('jobs', async () => ((await (await fx.api('/api/jobs')).json()) as { jobs: Array<{ state: string }> }).jobs.find((j) => j.state === 'done'));
    assert.equal(jobs.state, 'done');
  });
});
