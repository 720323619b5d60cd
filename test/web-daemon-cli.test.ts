/**
 * `lifeboat daemon` starts the dashboard in its own process: the link with the key is written to a
 * file only its owner can read (mode 0600), the log names the file and never the key, the dashboard
 * answers with the daemon's view of the phone, refuses requests without the key, and SIGTERM stops both.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pairOverUsb } from './support/daemon-harness.js';
import { waitFor } from './support/dashboard.js';
import { startSimHarness, type SimHarness } from './support/sim-harness.js';

describe('lifeboat daemon with its dashboard', () => {
  let sim: SimHarness;
  let home: string;
  let daemon: ChildProcess;
  let log = '';

  before(async () => {
    sim = await startSimHarness({ devices: 1, autoTrust: true, dataProfile: { files: 60, bytes: 1_500_000 } });
    await pairOverUsb(sim, sim.usbUdid);
    home = mkdtempSync(join(tmpdir(), 'lifeboat-web-daemon-cli-'));
    writeFileSync(join(home, 'config.json'), JSON.stringify({ version: 1, defaults: { automatic: false }, alerts: { desktop: false, webhooks: [] } }));
    daemon = spawn(process.execPath, [join(process.cwd(), 'bin', 'lifeboat.js'), 'daemon'], { env: { ...sim.env, LIFEBOAT_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
    daemon.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  });
  after(async () => {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
    await sim.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('serves the dashboard with the daemon behind it, its key only in a private file', async () => {
    const file = join(home, 'dashboard-url');
    await waitFor(`the dashboard link file (log: ${log})`, () => (existsSync(file) ? true : undefined), 60_000);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const url = new URL(readFileSync(file, 'utf8').trim());
    const token = url.searchParams.get('token')!;
    assert.ok(token.length >= 40);
    await waitFor('the log line', () => (log.includes('dashboard on') ? true : undefined));
    assert.ok(log.includes(file), 'the log names the file');
    assert.ok(!log.includes(token), 'the log never holds the key');
    assert.equal((await fetch(`${url.origin}/api/devices`)).status, 401);
    const devices = await waitFor('the daemon to see the phone', async () => {
      const body = (await (await fetch(`${url.origin}/api/devices`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { daemon: boolean; devices: Array<{ udid: string; daemon?: { state: string } }> };
      return body.devices.find((d) => d.udid === sim.usbUdid && d.daemon) ? body : undefined;
    });
    assert.equal(devices.daemon, true);
    daemon.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => daemon.once('exit', (c) => resolve(c)));
    assert.equal(code, 0, log);
    await assert.rejects(fetch(`${url.origin}/api/devices`, { headers: { Authorization: `Bearer ${token}` } }), 'the dashboard stopped with the daemon');
  });
});
