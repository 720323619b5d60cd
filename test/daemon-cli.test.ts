/**
 * `lifeboat daemon`, `status`, `history` and `backup` as a person runs them: the daemon is a real
 * child process against the virtual iPhone; `lifeboat backup` hands its job to it over the control
 * socket; SIGTERM during a backup stops the daemon cleanly, abandoning the backup without touching the
 * previous snapshot; `status` then works alone from the history and the vault.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeviceStatus, RunRecord } from '../src/daemon/types.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import { fingerprint } from './support/backup-checks.js';
import { pairOverUsb } from './support/daemon-harness.js';
import { lifeboat, startSimHarness, type SimHarness } from './support/sim-harness.js';

describe('lifeboat daemon, status, history and backup hand-off', () => {
  let sim: SimHarness;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let daemon: ChildProcess;
  let daemonLog = '';
  let udid: string;
  const store = (): LocalSnapshotStore => new LocalSnapshotStore(join(home, 'vault'));

  async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out: ${what}\ndaemon log:\n${daemonLog}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function status(): Promise<{ daemonRunning: boolean; devices: DeviceStatus[] }> {
    const result = await lifeboat(['status', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { daemonRunning: boolean; devices: DeviceStatus[] };
  }

  before(async () => {
    sim = await startSimHarness({ devices: 1, autoTrust: true, dataProfile: { files: 60, bytes: 1_500_000 } });
    udid = sim.usbUdid;
    await pairOverUsb(sim, udid);
    sim.set(udid, 'totalSpace=64GB', 'freeSpace=63.5GB');
    home = mkdtempSync(join(tmpdir(), 'lifeboat-cli-daemon-'));
    env = { ...sim.env, LIFEBOAT_HOME: home };
    writeFileSync(join(home, 'config.json'), JSON.stringify({ version: 1, defaults: { wantEncryption: false }, alerts: { desktop: false, webhooks: [] } }));
    daemon = spawn(process.execPath, [join(process.cwd(), 'bin', 'lifeboat.js'), 'daemon'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    daemon.stderr!.on('data', (chunk: Buffer) => (daemonLog += chunk.toString()));
  });
  after(async () => {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
    await sim.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('backs up the plugged-in phone on its own; status asks the running daemon', async () => {
    const live = await eventually('a first scheduled backup', async () => {
      const s = await status().catch(() => undefined);
      return s?.daemonRunning && s.devices.find((d) => d.udid === udid)?.lastSuccessAt ? s : undefined;
    });
    const device = live.devices.find((d) => d.udid === udid)!;
    assert.equal(device.attached, true);
    assert.equal(device.connection, 'usb');
    assert.ok(device.nextRunAt && new Date(device.nextRunAt).getTime() > Date.now() + 23 * 3_600_000, 'next run a day later');
    assert.equal(store().list(udid).length, 1);
    const text = await lifeboat(['status'], env);
    assert.match(text.stdout, /Daemon: running/);
    assert.match(text.stdout, new RegExp(udid));
  });

  it('`lifeboat backup` hands the job to the daemon and shows its progress', async () => {
    const result = await lifeboat(['backup', '--udid', udid, '--json'], env, 60_000);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l['type'] === 'phase'), 'progress events streamed from the daemon');
    const last = lines.at(-1)!;
    assert.equal(last['type'], 'result');
    assert.equal(last['byDaemon'], true);
    assert.equal(store().list(udid).length, 2);
    assert.equal(store().latest(udid)!.id, last['snapshot']);
    const history = JSON.parse((await lifeboat(['history', '--json'], env)).stdout) as { runs: RunRecord[] };
    assert.deepEqual(history.runs.map((r) => [r.result, r.trigger]), [['success', 'manual'], ['success', 'schedule']]);
    const table = await lifeboat(['history', '--udid', udid], env);
    assert.match(table.stdout, /success\s+manual/);
  });

  it('SIGTERM during a backup stops cleanly: backup abandoned, previous snapshot intact, run recorded', async () => {
    const previous = store().latest(udid)!;
    const before = fingerprint(previous.backupDir);
    sim.set(udid, 'fault=slow:64KB');
    const backup = lifeboat(['backup', '--udid', udid, '--full', '--json'], env, 60_000);
    await eventually('the slow backup to be transferring', async () => {
      const s = await status().catch(() => undefined);
      return s?.devices.find((d) => d.udid === udid)?.progress?.type === 'progress' ? true : undefined;
    });
    const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
    daemon.kill('SIGTERM');
    assert.equal(await exited, 0, daemonLog);
    const handedOff = await backup;
    assert.notEqual(handedOff.code, 0, 'the client is told the backup did not finish');
    sim.set(udid, 'fault=none');
    assert.equal(store().list(udid).length, 2, 'no new snapshot');
    assert.deepEqual(fingerprint(previous.backupDir), before, 'the previous snapshot is byte-for-byte intact');
    const deviceRoot = store().deviceRoot(udid);
    assert.deepEqual(existsSync(join(deviceRoot, 'staging')) ? readdirSync(join(deviceRoot, 'staging')) : [], []);
    assert.equal(existsSync(join(deviceRoot, 'lock')), false, 'the device lock was released');
    assert.equal(existsSync(join(home, 'daemon.sock')), false, 'the control socket was removed');
    const history = JSON.parse((await lifeboat(['history', '--json', '--limit', '1'], env)).stdout) as { runs: RunRecord[] };
    assert.equal(history.runs[0]!.result, 'failure');
    assert.equal(history.runs[0]!.errorCode, 'DAEMON_STOPPED');
    assert.match(daemonLog, /SIGTERM: stopping/);
  });

  it('status without a daemon is computed from the history and the vault', async () => {
    const offline = await status();
    assert.equal(offline.daemonRunning, false);
    const device = offline.devices.find((d) => d.udid === udid)!;
    assert.equal(device.lastSnapshotId, store().latest(udid)!.id);
    assert.ok(device.lastSuccessAt && device.nextRunAt);
    assert.match(device.waitingFor.join(), /daemon is not running/);
    const text = await lifeboat(['status'], env);
    assert.match(text.stdout, /Daemon: not running/);
  });
});
