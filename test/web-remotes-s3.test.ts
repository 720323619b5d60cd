/**
 * The dashboard's remote-copy API against a real S3 server (OpenStack Swift + s3api, test/support/s3.ts),
 * a real dashboard, virtual iPhone and restic: the copies listed per device; Sync now streams restic's
 * progress over Server-Sent Events and ends with the copy listed; Check passes; a copy restores onto
 * the iPhone only when confirmed (and into a folder, byte for byte); wrong credentials and a stopped
 * server come back as plain errors with a hint; no answer carries the password or the S3 secret.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fingerprint, fingerprintDiff } from './support/backup-checks.js';
import { startDashboardFixture, waitFor, type DashboardFixture } from './support/dashboard.js';
import { sentFingerprint } from './support/remote-fixture.js';
import { requireTool } from './support/require-tool.js';
import { requireS3, S3_TOOLS, startS3Server, type S3Server } from './support/s3.js';
import { readEvents } from './support/sse.js';
import { addRemote, backUpThroughDashboard } from './support/web-remote.js';

const PASSWORD = 'Pw4$remote-of-the-web-s3-test';
const available = [...S3_TOOLS, 'restic'].every((tool) => spawnSync('which', [tool], { stdio: 'ignore' }).status === 0);

interface Job {
  readonly id: number;
  readonly kind: string;
  readonly remote?: string;
  readonly state: string;
  readonly phase?: string;
  readonly message?: string;
  readonly progress?: { bytes: number; files: number; percent: number };
  readonly result?: Record<string, unknown>;
  readonly error?: { message: string; code?: string; hint?: string };
}

interface RemoteView {
  readonly name: string;
  readonly url: string;
  readonly automatic: boolean;
  readonly copies?: Array<{ snapshot: string | null; remoteId: string }>;
  readonly error?: { code: string; message: string; hint: string | null };
}

describe('dashboard remote copies against a local S3 server', () => {
  let fx: DashboardFixture;
  let s3: S3Server;
  let snapshot = '';
  const answers: string[] = [];

  before(async () => {
    // Lifeboat asks restic for 4 status lines a second; syncing this one small snapshot to a local
    // server can end inside the first 250 ms on a quiet machine, before any line counts bytes. restic's
    // own rate (60/s) makes the streamed byte counts this file checks appear every time.
    process.env['RESTIC_PROGRESS_FPS'] = '60';
    if (!available) return; // each test skips (or fails under CI=true) through requireS3
    [fx, s3] = await Promise.all([startDashboardFixture({ seed: 'web-remotes-s3' }), startS3Server()]);
    const envFile = join(fx.home, 's3.env');
    s3.writeEnvFile(envFile);
    snapshot = await backUpThroughDashboard(fx);
    await addRemote(fx, 'cloud', s3.repository('lifeboat-web'), PASSWORD, { envFile });
    // The same server with a wrong secret, and a server that is not there.
    const badEnv = join(fx.home, 'bad.env');
    writeFileSync(badEnv, `AWS_ACCESS_KEY_ID=test:tester\nAWS_SECRET_ACCESS_KEY=not-it\nSSL_CERT_FILE=${s3.caCert}\n`, { mode: 0o600 });
    await addRemote(fx, 'badkey', s3.repository('lifeboat-web'), PASSWORD, { envFile: badEnv, init: false });
    await addRemote(fx, 'gone', 's3:https://127.0.0.1:9/lifeboat-web', PASSWORD, { envFile, init: false });
  });
  after(async () => {
    await s3?.stop();
    await fx?.close();
  });

  const ready = (t: Parameters<typeof requireS3>[0]): boolean => requireS3(t) && requireTool(t, 'restic');
  const call = async (path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const r = await fx.api(path, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const text = await r.text();
    answers.push(text);
    return { status: r.status, json: JSON.parse(text) as Record<string, unknown> };
  };
  const remotes = async (): Promise<RemoteView[]> => (await call(`/api/devices/${fx.udid}/remotes`)).json['remotes'] as RemoteView[];
  const finished = (id: number, timeoutMs = 300_000): Promise<Job> => waitFor(`job ${id}`, () => fx.dashboard.context.jobs.list().find((j) => j.id === id && j.state !== 'running') as Job | undefined, timeoutMs);

  it('lists the remotes: an empty S3 repository, a refused key and an unreachable server in plain words', async (t) => {
    if (!ready(t)) return;
    const list = await remotes();
    assert.deepEqual(list.map((r) => r.name), ['badkey', 'cloud', 'gone']);
    const cloud = list.find((r) => r.name === 'cloud')!;
    assert.deepEqual(cloud.copies, []);
    assert.equal(cloud.url, s3.repository('lifeboat-web'));
    const badkey = list.find((r) => r.name === 'badkey')!;
    assert.equal(badkey.error?.code, 'REMOTE_ACCESS_DENIED', JSON.stringify(badkey.error));
    assert.match(badkey.error!.message, /refused the credentials/);
    assert.match(badkey.error!.hint ?? '', /AWS_SECRET_ACCESS_KEY/);
    const gone = list.find((r) => r.name === 'gone')!;
    assert.equal(gone.error?.code, 'REMOTE_UNREACHABLE', JSON.stringify(gone.error));
    assert.match(gone.error!.message, /cannot be reached/);
  });

  it('syncs now with restic\'s progress over Server-Sent Events, then lists the copy', async (t) => {
    if (!ready(t)) return;
    const events = await fx.api('/api/events');
    const seen: Job[] = [];
    const reading = readEvents(events, (type, data) => {
      const job = data as Job;
      if (type !== 'job' || job.kind !== 'remote-sync') return false;
      seen.push(job);
      return job.state !== 'running';
    });
    const started = await call(`/api/devices/${fx.udid}/remotes/cloud/sync`, {});
    assert.equal(started.status, 200, JSON.stringify(started.json));
    await reading;
    const last = seen.at(-1)!;
    assert.equal(last.state, 'done', JSON.stringify(last.error));
    assert.deepEqual(last.result?.['uploaded'], [snapshot]);
    assert.ok(seen.some((j) => j.message?.startsWith(`Sending snapshot ${snapshot}`)), 'the snapshot being sent was named');
    assert.ok(seen.some((j) => j.progress !== undefined && j.progress.bytes > 0), `restic's byte counts were streamed (${seen.length} events)`);
    const cloud = (await remotes()).find((r) => r.name === 'cloud')!;
    assert.deepEqual(cloud.copies?.map((c) => c.snapshot), [snapshot]);
  });

  it('checks the S3 repository', async (t) => {
    if (!ready(t)) return;
    const started = await call(`/api/devices/${fx.udid}/remotes/cloud/check`, { readData: true });
    const job = await finished((started.json['job'] as Job).id);
    assert.equal(job.state, 'done', JSON.stringify(job.error));
    assert.deepEqual([job.result?.['ok'], job.result?.['readData']], [true, true]);
    const failing = await call(`/api/devices/${fx.udid}/remotes/gone/check`, {});
    const failed = await finished((failing.json['job'] as Job).id);
    assert.equal(failed.state, 'failed');
    assert.equal(failed.error?.code, 'REMOTE_UNREACHABLE');
  });

  it('restores the copy into a folder byte for byte, and onto the iPhone only when confirmed', async (t) => {
    if (!ready(t)) return;
    const out = join(fx.home, 'restored');
    const relative = await call(`/api/devices/${fx.udid}/remotes/cloud/restore`, { snapshot, out: 'restored' });
    assert.equal(relative.status, 400);
    const toFolder = await call(`/api/devices/${fx.udid}/remotes/cloud/restore`, { snapshot, out });
    const folderJob = await finished((toFolder.json['job'] as Job).id);
    assert.equal(folderJob.state, 'done', JSON.stringify(folderJob.error));
    const local = join(fx.home, 'vault', 'devices', fx.udid, 'snapshots', snapshot);
    assert.deepEqual(fingerprintDiff(sentFingerprint(local), fingerprint(out)), [], 'every file identical');

    const before = fx.dashboard.context.jobs.list().length;
    const unconfirmed = await call(`/api/devices/${fx.udid}/remotes/cloud/restore`, { snapshot, target: fx.udid });
    assert.equal(unconfirmed.status, 400);
    assert.equal((unconfirmed.json['error'] as { code: string }).code, 'WEB_NOT_CONFIRMED');
    assert.equal(fx.dashboard.context.jobs.list().length, before, 'no restore started');
    const toPhone = await call(`/api/devices/${fx.udid}/remotes/cloud/restore`, { snapshot, target: fx.udid, confirm: fx.udid, reboot: false });
    assert.equal(toPhone.status, 200, JSON.stringify(toPhone.json));
    const phoneJob = await finished((toPhone.json['job'] as Job).id);
    assert.equal(phoneJob.state, 'done', JSON.stringify(phoneJob.error));
  });

  it('never answered with the repository password or the S3 secret', (t) => {
    if (!ready(t)) return;
    assert.ok(answers.length >= 8);
    for (const text of answers) {
      assert.ok(!text.includes(PASSWORD), 'no repository password');
      assert.ok(!text.includes('testing') && !text.includes('not-it'), 'no S3 secret');
    }
  });
});
