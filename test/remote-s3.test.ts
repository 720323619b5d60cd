/**
 * Remote copies through a real S3-compatible server (OpenStack Swift + s3api, started locally by
 * test/support/s3.ts): add, sync with a progress stream, byte-identical restore of every snapshot,
 * an idempotent second sync, retention mirrored on the remote, check — and kill -9 in the middle of
 * a sync, after which every local snapshot is intact and the next sync and check succeed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configPath, updateConfig } from '../src/config/config.js';
import { openBackup } from '../src/format/index.js';
import { verifySnapshot } from '../src/vault/verify.js';
import { backupFiles, bounded, eventually, fingerprint, fingerprintDiff } from './support/backup-checks.js';
import { makeRemoteFixture, REMOTE_PASSWORD, sentFingerprint, type RemoteFixture } from './support/remote-fixture.js';
import { requireTool } from './support/require-tool.js';
import { requireS3, S3_TOOLS, startS3Server, type S3Server } from './support/s3.js';
import { lifeboat, run } from './support/sim-harness.js';

interface SyncEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

const jsonLines = (text: string): SyncEvent[] =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as SyncEvent);

/** Whether any process (zombies included) of process group `pgid` still exists (Linux /proc). */
function groupAlive(pgid: number): boolean {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state, ppid, pgrp, …
      if (Number(fields[2]) === pgid) return true;
    } catch {
      // gone while we looked
    }
  }
  return false;
}

const available = [...S3_TOOLS, 'restic'].every((tool) => spawnSync('which', [tool], { stdio: 'ignore' }).status === 0);

describe('remote copies through a local S3 server', () => {
  let fx: RemoteFixture;
  let s3: S3Server;
  let envFile: string;

  before(async () => {
    if (!available) return; // each test skips (or fails under CI=true) through requireS3
    [fx, s3] = await Promise.all([makeRemoteFixture(3), startS3Server()]);
    envFile = join(fx.home, 's3.env');
    s3.writeEnvFile(envFile);
  });
  after(async () => {
    await s3?.stop();
    await fx?.close();
  });

  const ready = (t: Parameters<typeof requireS3>[0]): boolean => requireS3(t) && requireTool(t, 'restic');

  it('adds an S3 remote and syncs every snapshot with a progress stream', async (t) => {
    if (!ready(t)) return;
    const added = await lifeboat(['remote', 'add', 'offsite', s3.repository('lifeboat-offsite'), '--env-file', envFile], fx.env, 120_000);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Created the restic repository/);

    const synced = await lifeboat(['--json', 'remote', 'sync', 'offsite'], fx.env, 300_000);
    assert.equal(synced.code, 0, synced.stderr);
    const events = jsonLines(synced.stdout);
    const local = fx.store.list(fx.udid).map((s) => s.id);
    assert.deepEqual(events.filter((e) => e.type === 'uploaded').map((e) => e['snapshot']), local);
    assert.ok(events.some((e) => e.type === 'progress' && typeof e['bytes'] === 'number'), 'progress lines from restic --json');
    const result = events.at(-1)!;
    assert.equal(result.type, 'result');
    assert.equal((result['uploaded'] as unknown[]).length, 3);

    const listed = await lifeboat(['--json', 'remote', 'snapshots', 'offsite'], fx.env, 60_000);
    assert.equal(listed.code, 0, listed.stderr);
    const remote = JSON.parse(listed.stdout) as { snapshots: Array<{ snapshot: string; udid: string; time: string }> };
    assert.deepEqual(remote.snapshots.map((s) => s.snapshot), local);
    assert.ok(remote.snapshots.every((s) => s.udid === fx.udid));
    for (const s of remote.snapshots) {
      const meta = fx.store.get(fx.udid, s.snapshot).meta!;
      assert.equal(new Date(s.time).getTime(), Math.floor(new Date(meta.createdAt).getTime() / 1000) * 1000, 'the remote copy carries the snapshot\'s own time');
    }
  });

  it('restores every snapshot byte for byte, as a valid Finder backup', async (t) => {
    if (!ready(t)) return;
    for (const ref of fx.store.list(fx.udid)) {
      const out = join(fx.home, `restored-${ref.id}`);
      const restored = await lifeboat(['remote', 'restore', 'offsite', ref.id, '--out', out], fx.env, 300_000);
      assert.equal(restored.code, 0, restored.stderr);
      assert.match(restored.stdout, /match the digests recorded at backup time/);
      assert.deepEqual(fingerprintDiff(sentFingerprint(ref.backupDir), fingerprint(out)), [], `${ref.id}: every file, folder and mode identical`);
      assert.deepEqual(await backupFiles(join(out, fx.udid)), await backupFiles(ref.deviceDir), 'the format reader sees the same files');
      const report = await verifySnapshot({ ...ref, backupDir: out, deviceDir: join(out, fx.udid) });
      assert.equal(report.ok, true, JSON.stringify(report.problems));
      const backup = await openBackup(join(out, fx.udid));
      backup.close();
    }
  });

  it('a second sync sends nothing new', async (t) => {
    if (!ready(t)) return;
    const again = await lifeboat(['--json', 'remote', 'sync', 'offsite'], fx.env, 120_000);
    assert.equal(again.code, 0, again.stderr);
    const events = jsonLines(again.stdout);
    assert.equal(events.filter((e) => e.type === 'uploaded' || e.type === 'snapshot').length, 0);
    assert.equal(events.at(-1)!['alreadyRemote'], 3);
  });

  it('mirrors retention on the remote, and does not send what retention would drop', async (t) => {
    if (!ready(t)) return;
    updateConfig((c) => ({ ...c, remotes: { ...c.remotes, offsite: { ...c.remotes['offsite']!, retention: { last: 2 } } } }), configPath(fx.env));
    const synced = await lifeboat(['--json', 'remote', 'sync', 'offsite'], fx.env, 300_000);
    assert.equal(synced.code, 0, synced.stderr);
    const result = jsonLines(synced.stdout).at(-1)!;
    const local = fx.store.list(fx.udid).map((s) => s.id);
    assert.deepEqual(result['forgotten'], [{ udid: fx.udid, snapshots: [local[0]] }]);
    assert.equal(result['pruned'], true);
    const listed = JSON.parse((await lifeboat(['--json', 'remote', 'snapshots', 'offsite'], fx.env, 60_000)).stdout) as { snapshots: Array<{ snapshot: string }> };
    assert.deepEqual(listed.snapshots.map((s) => s.snapshot), local.slice(1));
    assert.equal(fx.store.list(fx.udid).length, 3, 'the local vault is not touched by remote retention');

    const after = jsonLines((await lifeboat(['--json', 'remote', 'sync', 'offsite'], fx.env, 120_000)).stdout).at(-1)!;
    assert.deepEqual(after['uploaded'], [], 'the forgotten snapshot is not sent again');
    assert.deepEqual(after['notNeeded'], [{ udid: fx.udid, snapshot: local[0] }]);
  });

  it('check passes on the S3 repository', async (t) => {
    if (!ready(t)) return;
    const checked = await lifeboat(['--json', 'remote', 'check', 'offsite', '--read-data'], fx.env, 300_000);
    assert.equal(checked.code, 0, checked.stderr);
    assert.equal(JSON.parse(checked.stdout).ok, true);
  });

  it('survives kill -9 in the middle of a sync: local snapshots intact, the next sync and check succeed', async (t) => {
    if (!ready(t)) return;
    const added = await lifeboat(['remote', 'add', 'crashy', s3.repository('lifeboat-crashy'), '--env-file', envFile], fx.env, 120_000);
    assert.equal(added.code, 0, added.stderr);
    const local = fx.store.list(fx.udid);
    const before = new Map(local.map((ref) => [ref.id, fingerprint(ref.backupDir)]));

    // The CLI in a process group of its own, so kill -9 takes restic down with it, as a power cut would.
    const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'lifeboat.js'), '--json', 'remote', 'sync', 'crashy'], { env: fx.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const killed = new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        // Mid-upload: restic has started and reports its status (it holds its lock on the repository
        // by then). Not "once bytes were sent": on a fast machine a small snapshot is sent before restic
        // reports any bytes, and the sync would end before the kill.
        if (jsonLines(output).some((e) => e.type === 'progress')) {
          process.kill(-child.pid!, 'SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`the sync ended before it could be killed:\n${output}`)));
    });
    await bounded(killed, 240_000, 'a sync to reach its upload');
    await new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    // restic treats a lock as stale once its process is gone; a killed orphan is gone when init reaps
    // it (at once on a normal system; some container inits reap only every few seconds).
    await eventually(() => !groupAlive(child.pid!), 120_000, 'the killed processes to be reaped');

    for (const ref of fx.store.list(fx.udid)) assert.deepEqual(fingerprintDiff(before.get(ref.id)!, fingerprint(ref.backupDir)), [], `${ref.id} untouched`);
    const partial = JSON.parse((await lifeboat(['--json', 'remote', 'snapshots', 'crashy'], fx.env, 60_000)).stdout) as { snapshots: unknown[] };
    assert.ok(partial.snapshots.length < 3, 'the kill happened before the sync finished');
    const locks = await run('restic', ['list', 'locks', '--no-lock'], { ...fx.env, RESTIC_REPOSITORY: s3.repository('lifeboat-crashy'), RESTIC_PASSWORD_FILE: join(fx.home, 'remotes', 'crashy.password'), AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey, SSL_CERT_FILE: s3.caCert }, 60_000);
    assert.ok(locks.stdout.trim().length > 0, 'the killed restic left its lock behind');

    const resumed = await lifeboat(['--json', 'remote', 'sync', 'crashy'], fx.env, 300_000);
    assert.equal(resumed.code, 0, resumed.stderr);
    const done = JSON.parse((await lifeboat(['--json', 'remote', 'snapshots', 'crashy'], fx.env, 60_000)).stdout) as { snapshots: Array<{ snapshot: string }> };
    assert.deepEqual(done.snapshots.map((s) => s.snapshot), local.map((s) => s.id), 'every snapshot once, none twice');
    const checked = await lifeboat(['--json', 'remote', 'check', 'crashy'], fx.env, 300_000);
    assert.equal(checked.code, 0, `check clears the stale lock and passes: ${checked.stderr}`);
    const newest = local.at(-1)!;
    const out = join(fx.home, 'restored-after-crash');
    assert.equal((await lifeboat(['remote', 'restore', 'crashy', newest.id, '--out', out], fx.env, 300_000)).code, 0);
    assert.deepEqual(fingerprintDiff(sentFingerprint(newest.backupDir), fingerprint(out)), []);
  });

  it('never gave restic the password on its command line or in its environment', (t) => {
    if (!ready(t)) return;
    const log = fx.resticLog();
    assert.match(log, /^ARGV \[backup\]/m);
    assert.ok(!log.includes(REMOTE_PASSWORD));
    assert.doesNotMatch(log, /^ARGV .*testing/m, 'the S3 secret stays out of argv too');
  });
});
