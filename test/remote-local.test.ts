/**
 * Remote copies to a local-path restic repository (fast, no server): the library entry point the
 * daemon calls (syncRemote) with restic's progress, a byte-identical restore, idempotence, damage
 * found by check, and the errors a person meets — wrong password, missing repository, unreachable
 * server — each with what to do and the right exit code.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configPath, loadConfig } from '../src/config/config.js';
import { syncRemote, type RemoteSyncEvent } from '../src/vault/remote/index.js';
import { openBackup } from '../src/format/index.js';
import { fingerprint, phoneFiles } from './support/backup-checks.js';
import { makeRemoteFixture, REMOTE_PASSWORD, sentFingerprint, type RemoteFixture } from './support/remote-fixture.js';
import { requireTool } from './support/require-tool.js';
import { lifeboat } from './support/sim-harness.js';

describe('remote copies to a local-path repository', () => {
  let fx: RemoteFixture;
  let repo: string;

  before(async () => {
    fx = await makeRemoteFixture(3);
    repo = join(fx.home, 'offsite-repo');
    // The library runs restic from this process: the same recording wrapper and cache as the CLI.
    for (const key of ['LIFEBOAT_RESTIC', 'RESTIC_CACHE_DIR', 'LIFEBOAT_HOME'] as const) process.env[key] = fx.env[key];
  });
  after(async () => {
    await fx?.close();
  });

  it('adds the remote, creating the repository, with the password in a 0600 file', async (t) => {
    if (!requireTool(t, 'restic')) return;
    const added = await lifeboat(['--json', 'remote', 'add', 'usb-disk', repo], fx.env, 60_000);
    assert.equal(added.code, 0, added.stderr);
    const body = JSON.parse(added.stdout) as { created: boolean; passwordFile: string };
    assert.equal(body.created, true);
    assert.equal(statSync(body.passwordFile).mode & 0o777, 0o600);
    assert.ok(existsSync(join(repo, 'config')), 'restic init made the repository');
    assert.equal(loadConfig(configPath(fx.env)).remotes['usb-disk']?.url, repo);
    const again = await lifeboat(['remote', 'add', 'usb-disk', repo], fx.env);
    assert.equal(again.code, 2, 'adding the same name twice is a usage error');
  });

  it('syncs every snapshot through the library, with progress from restic, and restores one byte for byte', async (t) => {
    if (!requireTool(t, 'restic')) return;
    const events: RemoteSyncEvent[] = [];
    const result = await syncRemote({ config: loadConfig(configPath(fx.env)), configFile: configPath(fx.env), name: 'usb-disk', vaultRoot: fx.store.root, onProgress: (e) => events.push(e) });
    const local = fx.store.list(fx.udid);
    assert.deepEqual(result.uploaded.map((u) => u.snapshot), local.map((s) => s.id), 'every local snapshot sent, oldest first');
    assert.ok(result.uploaded.every((u) => /^[0-9a-f]{64}$/.test(u.remoteId)));
    assert.ok(events.some((e) => e.type === 'progress' && e.totalFiles !== undefined && e.totalFiles > 0), 'progress events carry restic status');
    assert.deepEqual(events.filter((e) => e.type === 'uploaded').length, 3);
    // Incremental: the later snapshots add far less than the first.
    assert.ok(result.uploaded[1]!.bytesAdded < result.uploaded[0]!.bytesAdded / 2, `${result.uploaded[1]!.bytesAdded} vs ${result.uploaded[0]!.bytesAdded}`);

    const out = join(fx.home, 'restored-middle');
    const restored = await lifeboat(['--json', 'remote', 'restore', 'usb-disk', local[1]!.id, '--out', out], fx.env, 120_000);
    assert.equal(restored.code, 0, restored.stderr);
    assert.ok(JSON.parse(restored.stdout).filesChecked > 0);
    assert.deepEqual(fingerprint(out), sentFingerprint(local[1]!.backupDir), 'the restored folder equals the local snapshot, every file and mode');
    const backup = await openBackup(join(out, fx.udid));
    assert.ok([...backup.files()].length > 0, 'a valid Finder backup');
    backup.close();
    assert.deepEqual(readdirSync(fx.home).filter((n) => n.includes('.partial-')), [], 'no partial folder left');
    const refused = await lifeboat(['remote', 'restore', 'usb-disk', local[1]!.id, '--out', out], fx.env, 60_000);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not empty/);
  });

  it('a second sync sends nothing', async (t) => {
    if (!requireTool(t, 'restic')) return;
    const second = await lifeboat(['--json', 'remote', 'sync', 'usb-disk'], fx.env, 120_000);
    assert.equal(second.code, 0, second.stderr);
    const result = JSON.parse(second.stdout.trim().split('\n').at(-1)!) as { type: string; uploaded: unknown[]; alreadyRemote: number };
    assert.equal(result.type, 'result');
    assert.deepEqual(result.uploaded, []);
    assert.equal(result.alreadyRemote, 3);
  });

  it('check passes, and fails naming the damage when a pack file is gone', async (t) => {
    if (!requireTool(t, 'restic')) return;
    const good = await lifeboat(['remote', 'check', 'usb-disk'], fx.env, 120_000);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /no errors found/);
    // The biggest pack: file data of the first snapshot.
    const packs = readdirSync(join(repo, 'data'))
      .flatMap((d) => readdirSync(join(repo, 'data', d)).map((f) => join(repo, 'data', d, f)))
      .sort((a, b) => statSync(b).size - statSync(a).size);
    const saved = `${packs[0]!}.aside`;
    renameSync(packs[0]!, saved);
    try {
      const bad = await lifeboat(['--json', 'remote', 'check', 'usb-disk'], fx.env, 120_000);
      assert.equal(bad.code, 1, bad.stdout + bad.stderr);
      const report = JSON.parse(bad.stdout) as { ok: boolean; problems: string[] };
      assert.equal(report.ok, false);
      assert.ok(report.problems.some((p) => p.includes(basename(packs[0]!)) && p.includes('does not exist')), report.problems.join('\n'));
      assert.match(bad.stderr, /REMOTE_CHECK_FAILED/);
    } finally {
      renameSync(saved, packs[0]!);
    }
  });

  it('says what to do on a wrong password, a missing repository and an unreachable server', async (t) => {
    if (!requireTool(t, 'restic')) return;
    const passwordFile = join(fx.home, 'remotes', 'usb-disk.password');
    writeFileSync(passwordFile, 'not the password', { mode: 0o600 });
    const wrong = await lifeboat(['remote', 'snapshots', 'usb-disk'], fx.env, 60_000);
    writeFileSync(passwordFile, REMOTE_PASSWORD, { mode: 0o600 });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /repository password is wrong[\s\S]*→ Put the right password/);

    renameSync(repo, `${repo}.moved`);
    const missing = await lifeboat(['remote', 'sync', 'usb-disk'], fx.env, 60_000);
    renameSync(`${repo}.moved`, repo);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no restic repository at that address[\s\S]*→ Check the URL/);

    const unreachable = await lifeboat(['--json', 'remote', 'add', 'nowhere', 's3:https://127.0.0.1:9/bucket'], { ...fx.env, AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }, 60_000);
    assert.equal(unreachable.code, 5, unreachable.stderr);
    assert.equal(JSON.parse(unreachable.stderr).error.code, 'REMOTE_UNREACHABLE');
    assert.equal(existsSync(join(fx.home, 'remotes', 'nowhere.password')), false, 'a failed add leaves no password file');
    assert.equal(loadConfig(configPath(fx.env)).remotes['nowhere'], undefined, 'nor a config entry');

    const existing = await lifeboat(['remote', 'add', 'again', repo], { ...fx.env, LIFEBOAT_REMOTE_PASSWORD: 'another password' }, 60_000);
    assert.equal(existing.code, 1);
    assert.match(existing.stderr, /exists at .* and the password given does not open it/);
  });

  it('never puts the password in restic\'s argv or environment, nor in the config', (t) => {
    if (!requireTool(t, 'restic')) return;
    const log = fx.resticLog();
    assert.match(log, /^ARGV \[backup\]/m, 'restic was run through the recording wrapper');
    assert.ok(!log.includes(REMOTE_PASSWORD), 'the password is in no argv and no environment restic saw');
    assert.match(log, /^ENV RESTIC_PASSWORD_FILE=/m);
    assert.doesNotMatch(log, /^ENV RESTIC_PASSWORD=/m);
    assert.doesNotMatch(log, /^ENV LIFEBOAT_REMOTE_PASSWORD=/m, 'the variable it came from is not passed on');
    assert.ok(!readFileSync(configPath(fx.env)).includes(REMOTE_PASSWORD), 'nor in the config');
  });

  it('restores a remote snapshot to the iPhone (restore --remote), leaving no temporary copy', async (t) => {
    if (!requireTool(t, 'restic')) return;
    const first = fx.store.list(fx.udid)[0]!;
    const phone = (): Promise<Map<string, string>> => phoneFiles(fx.sim.simulator.fileSystem(fx.sim.simulator.phone(fx.udid)!));
    assert.notDeepEqual(await phone(), fx.phoneFilesAt[0], 'the phone changed since the first snapshot');
    const restored = await lifeboat(['restore', '--udid', fx.udid, '--remote', 'usb-disk', '--snapshot', first.id, '--system', '--remove', '--no-reboot'], fx.env, 300_000);
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual(await phone(), fx.phoneFilesAt[0], 'the phone holds what it held at the first snapshot');
    const temp = join(fx.store.root, 'remote-restores');
    assert.deepEqual(existsSync(temp) ? readdirSync(temp) : [], []);
    const usage = await lifeboat(['restore', '--udid', fx.udid, '--remote', 'usb-disk', '--from', fx.home], fx.env);
    assert.equal(usage.code, 2);
  });

  it('remove forgets the remote and its password file but leaves the repository', async (t) => {
    if (!requireTool(t, 'restic')) return;
    const removed = await lifeboat(['remote', 'remove', 'usb-disk'], fx.env);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(loadConfig(configPath(fx.env)).remotes['usb-disk'], undefined);
    assert.equal(existsSync(join(fx.home, 'remotes', 'usb-disk.password')), false);
    assert.ok(existsSync(join(repo, 'config')));
  });
});

