/**
 * The CLI as a user runs it: `lifeboat sim` in its own process, controlled by `sim show|set` from
 * another, and `devices`, `pair`, `info` through USBMUXD_SOCKET_ADDRESS. Pairing persists across a
 * restart of the virtual iPhone with the same --state-dir.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { requireTool } from './support/require-tool.js';
import { lifeboat, run } from './support/sim-harness.js';

interface Ready {
  event: string;
  socket: string;
  devices: Array<{ udid: string; attachments: Array<{ connection: string }> }>;
}

function startSimProcess(socket: string, stateDir: string): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = spawn(process.execPath, ['bin/lifeboat.js', 'sim', '--socket', socket, '--state-dir', stateDir, '--json', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sim did not print a ready line within 20 s')), 20_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, ready: JSON.parse(line) as Ready });
    });
    child.once('exit', (code) => reject(new Error(`sim exited early with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('lifeboat CLI with a virtual iPhone in another process', () => {
  let dir: string;
  let socket: string;
  let stateDir: string;
  let child: ChildProcess;
  let ready: Ready;
  let env: NodeJS.ProcessEnv;
  let usb: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-cli-'));
    socket = join(dir, 'mux.sock');
    stateDir = join(dir, 'state');
    ({ child, ready } = await startSimProcess(socket, stateDir));
    env = { ...process.env, USBMUXD_SOCKET_ADDRESS: `UNIX:${socket}` };
    usb = ready.devices.find((d) => d.attachments.some((a) => a.connection === 'USB'))!.udid;
  });
  after(async () => {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a JSON ready line listing a USB and a network phone', () => {
    assert.equal(ready.event, 'ready');
    assert.equal(ready.devices.length, 2);
    assert.deepEqual(ready.devices.map((d) => d.attachments.map((a) => a.connection).join()).sort(), ['Network', 'USB']);
  });

  it('--help works', async () => {
    const help = await lifeboat(['--help'], env);
    assert.equal(help.code, 0);
    for (const command of ['devices', 'pair', 'info', 'sim']) assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
  });

  it('sim set changes state that sim show reports; bad settings fail naming the key', async () => {
    const set = await lifeboat(['sim', 'set', '--socket', socket, usb, 'battery=42', 'charging=false', 'ios=18.5', '--json'], env);
    assert.equal(set.code, 0, set.stderr);
    const shown = await lifeboat(['sim', 'show', '--socket', socket, usb, '--json'], env);
    const device = JSON.parse(shown.stdout) as { productVersion: string; state: Record<string, unknown> };
    assert.equal(device.productVersion, '18.5');
    assert.equal(JSON.stringify(device.state).includes('42'), true);
    const bad = await lifeboat(['sim', 'set', '--socket', socket, usb, 'batery=5'], env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /batery/);
    const range = await lifeboat(['sim', 'set', '--socket', socket, usb, 'battery=140'], env);
    assert.notEqual(range.code, 0);
    assert.match(range.stderr, /battery/);
  });

  it('devices shows the phones before pairing, with trust "not paired"', async () => {
    const result = await lifeboat(['devices', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const { devices } = JSON.parse(result.stdout) as { devices: Array<{ udid: string; trust: string; productVersion: string; model: string }> };
    const phone = devices.find((d) => d.udid === usb)!;
    assert.equal(phone.trust, 'not-paired');
    assert.equal(phone.productVersion, '18.5');
    assert.ok(phone.model.startsWith('iPhone'));
  });

  it('pair waits for Trust with a clear message and exit code 4 when time runs out', async () => {
    await lifeboat(['sim', 'set', '--socket', socket, usb, 'passcode=true', 'locked=true', 'trust=pending'], env);
    const result = await lifeboat(['pair', '--udid', usb, '--wait', '0'], env);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /locked|passcode/i);
    assert.match(result.stderr, /Unlock/);
  });

  it('pairs, then devices shows battery, storage and encryption; info reads a domain', async () => {
    await lifeboat(['sim', 'set', '--socket', socket, usb, 'locked=false', 'trust=accept'], env);
    const paired = await lifeboat(['pair', '--udid', usb, '--json'], env);
    assert.equal(paired.code, 0, paired.stderr);
    const result = await lifeboat(['devices', '--json'], env);
    const { devices } = JSON.parse(result.stdout) as {
      devices: Array<{ udid: string; trust: string; battery?: { percent: number }; storage?: { freeBytes: number }; backupEncryption?: boolean }>;
    };
    const phone = devices.find((d) => d.udid === usb)!;
    assert.equal(phone.trust, 'trusted');
    assert.equal(phone.battery?.percent, 42);
    assert.ok((phone.storage?.freeBytes ?? 0) > 0);
    assert.equal(typeof phone.backupEncryption, 'boolean');
    const text = await lifeboat(['devices'], env);
    assert.match(text.stdout, /42%/);
    const info = await lifeboat(['info', '--udid', usb, '--domain', 'com.apple.mobile.battery', '--json'], env);
    assert.equal((JSON.parse(info.stdout) as { BatteryCurrentCapacity: number }).BatteryCurrentCapacity, 42);
  });

  it('pairing survives a restart of the virtual iPhone with the same --state-dir', async (t) => {
    await stop(child);
    ({ child, ready } = await startSimProcess(socket, stateDir));
    assert.ok(ready.devices.some((d) => d.udid === usb));
    const info = await lifeboat(['info', '--udid', usb, '--key', 'ProductVersion', '--json'], env);
    assert.equal(info.code, 0, info.stderr);
    assert.equal(JSON.parse(info.stdout), '18.5');
    if (!requireTool(t, 'ideviceinfo')) return;
    const theirs = await run('ideviceinfo', ['-u', usb, '-k', 'ProductVersion'], env);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.equal(theirs.stdout.trim(), '18.5');
  });

  it('unplugging makes the phone disappear from devices; replugging brings it back', async () => {
    await lifeboat(['sim', 'set', '--socket', socket, usb, 'plugged=false'], env);
    const gone = JSON.parse((await lifeboat(['devices', '--json'], env)).stdout) as { devices: Array<{ udid: string }> };
    assert.equal(gone.devices.some((d) => d.udid === usb), false);
    const missing = await lifeboat(['info', '--udid', usb], env);
    assert.equal(missing.code, 3);
    await lifeboat(['sim', 'set', '--socket', socket, usb, 'plugged=true'], env);
    const back = JSON.parse((await lifeboat(['devices', '--json'], env)).stdout) as { devices: Array<{ udid: string }> };
    assert.equal(back.devices.some((d) => d.udid === usb), true);
  });

  it('reports an unreachable usbmuxd with exit code 5 and a hint', async () => {
    const result = await lifeboat(['devices'], { ...env, USBMUXD_SOCKET_ADDRESS: `UNIX:${join(dir, 'nothing.sock')}` });
    assert.equal(result.code, 5);
    assert.match(result.stderr, /usbmuxd/);
  });
});
