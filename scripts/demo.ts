/**
 * `npm run demo`: the whole product on the embedded default — a virtual iPhone — with no hardware.
 * Starts two virtual phones behind a private usbmuxd socket, then drives the real CLI against them:
 * list devices, pair (showing the Trust prompt the phone raises), read device values, back up, let
 * the daemon back the phone up when it is plugged in, and show doctor's findings for a fault.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../src/cli/exit-codes.js';
import { runCli } from '../src/cli/main.js';
import { registerSimCommands, startSimulator } from '../sim/cli.js';
import { UsbmuxPairRecordStore } from '../src/protocol/host/pair-store.js';
import { pairDevice } from '../src/protocol/host/pairing-flow.js';
import { selectDevice } from '../src/protocol/host/select-device.js';
import { UsbmuxTransport } from '../src/protocol/transport.js';
import { UsbmuxClient } from '../src/protocol/usbmux/client.js';
import { startDashboard } from '../src/web/server.js';
import type { VirtualIPhone } from '../sim/device/virtual-iphone.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { Daemon } from '../src/daemon/daemon.js';

const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

function step(title: string): void {
  process.stdout.write(`\n${bold(`▶ ${title}`)}\n`);
}

async function cli(...args: string[]): Promise<void> {
  await cliExpecting([0], ...args);
}

/** Runs the CLI and fails the demo unless it exits with one of `codes`; returns the exit code. */
async function cliExpecting(codes: readonly number[], ...args: string[]): Promise<number> {
  process.stdout.write(`$ lifeboat ${args.join(' ')}\n`);
  const code = await runCli(['node', 'lifeboat', ...args], [registerSimCommands]);
  if (!codes.includes(code)) throw new Error(`lifeboat ${args.join(' ')} exited with ${code}`);
  return code;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-demo-'));
  const socket = join(dir, 'usbmuxd.sock');
  const { simulator, server } = await startSimulator({ socket, devices: 2, seed: 'demo', autoTrust: false, json: false, quiet: true, stateDir: join(dir, 'state') });
  process.env['USBMUXD_SOCKET_ADDRESS'] = `UNIX:${socket}`;
  // The demo's vault stays in ./.lifeboat-demo (kept, so the snapshots can be looked at afterwards)
  // unless LIFEBOAT_HOME says otherwise.
  process.env['LIFEBOAT_HOME'] ??= join(process.cwd(), '.lifeboat-demo');
  try {
    const usb = simulator.phones[0]!;
    step(`A virtual iPhone is running behind usbmuxd at ${socket}`);
    process.stdout.write(`  (any libimobiledevice tool reaches it with USBMUXD_SOCKET_ADDRESS=UNIX:${socket})\n`);

    step('Connected devices, before this computer is trusted');
    await cli('devices');

    step('Pairing: the phone is locked and shows "Trust This Computer?"');
    usb.applySettings(['passcode=true', 'locked=true', 'trust=pending']);
    // A person unlocks the phone after two seconds, then taps Trust a second later.
    setTimeout(() => usb.applySettings(['locked=false']), 2000).unref();
    setTimeout(() => usb.applySettings(['trust=accept']), 3000).unref();
    await cli('pair', '--udid', usb.udid, '--wait', '30');

    step('Connected devices, now trusted: battery, storage, backup encryption');
    await cli('devices');

    step('Device values over the TLS session (like ideviceinfo)');
    await cli('info', '--udid', usb.udid, '--domain', 'com.apple.disk_usage');

    step('First backup: everything the phone holds, in the Finder format');
    await cli('backup', '--udid', usb.udid, '--full');

    step('The phone changes: 5 new messages and 2 new photos');
    const fs = simulator.fileSystem(usb);
    fs.mutate({ kind: 'messages', add: 5 });
    fs.mutate({ kind: 'photos', add: 2 });
    process.stdout.write('  (lifeboat sim mutate does the same from another terminal)\n');

    step('Second backup: incremental, only what changed travels; the first snapshot stays intact');
    await cli('backup', '--udid', usb.udid);

    step('The vault: two snapshots, each a complete Finder backup; unchanged files are shared (hard links)');
    await cli('snapshots', '--udid', usb.udid);
    await cli('du', '--udid', usb.udid);

    step('Unplugging the cable');
    usb.applySettings(['plugged=false']);
    await cli('devices');

    // ── daemon step (issue 7): kept separate so other demo steps can change around it ──
    await daemonStep(usb, dir);
    await doctorStep(usb);

    step('What the latest backup contains (read back from the vault, no phone needed)');
    await cli('show', '--snapshot', 'latest', '--udid', usb.udid);
    process.stdout.write(`\nDone. The snapshots are Finder-format backup folders under ${process.env['LIFEBOAT_HOME']}/vault.\n`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ── daemon step (issue 7) ──────────────────────────────────────────────────────────────────────
/**
 * The daemon, in this process with the real clock: the phone is unplugged, so it waits; when the
 * phone is plugged in (and so charging), usbmuxd announces it, the daemon reads its conditions and
 * backs it up into the same vault — no command typed.
 */
async function daemonStep(usb: VirtualIPhone, dir: string): Promise<void> {
  step('The daemon waits for the iPhone to be plugged in, then backs it up by itself');
  const say = (text: string): void => void process.stdout.write(`  daemon: ${text}\n`);
  const daemon = new Daemon({
    // Its own history for the demo (a fresh one: the phone counts as never backed up by the daemon).
    config: { ...DEFAULT_CONFIG, defaults: { ...DEFAULT_CONFIG.defaults, wantEncryption: false }, alerts: { desktop: false, webhooks: [] } },
    dataHome: join(dir, 'daemon'),
    vaultRoot: join(process.env['LIFEBOAT_HOME'] as string, 'vault'),
  });
  let lastWaiting = '';
  daemon.on('status', (status) => {
    const waiting = status.waitingFor.join('; ');
    if (status.udid === usb.udid && waiting && waiting !== lastWaiting) say(`${status.name ?? status.udid}: waiting — ${waiting}`);
    lastWaiting = waiting;
  });
  daemon.on('progress', ({ event }) => {
    if (event.type === 'phase') say(event.message);
  });
  const finished = new Promise<void>((resolve) => {
    daemon.on('run', (run) => {
      if (run.result === 'running') say(`backup started (${run.trigger})`);
      else {
        say(run.result === 'success' ? `backup finished: snapshot ${run.snapshotId}, ${run.files} files, ${run.bytes} bytes` : `backup failed: ${run.error}`);
        resolve();
      }
    });
  });
  await daemon.start();
  try {
    await daemon.whenIdle();
    if (!daemon.devices().some((d) => d.udid === usb.udid && d.attached)) say(`watching usbmuxd: ${usb.identity.deviceName} is not connected, nothing to do yet`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    process.stdout.write('  (plugging the cable in: the phone charges)\n');
    usb.applySettings(['plugged=true', 'charging=true']);
    await finished;
    await daemon.whenIdle();
    const status = daemon.devices().find((d) => d.udid === usb.udid);
    if (status?.nextRunAt) say(`next automatic backup planned for ${new Date(status.nextRunAt).toLocaleString()}`);
  } finally {
    await daemon.stop();
  }
}
/**
 * Doctor: a fault is switched on through the virtual iPhone (Low Power Mode, and the phone locked with
 * its passcode, as a phone lying on a desk is), `lifeboat doctor` names each cause with its fix and
 * exits with the worst finding's code; switched off again, those findings are gone (the warnings
 * that remain — an older iOS, no encryption — are the demo phone's and real).
 */
async function doctorStep(usb: VirtualIPhone): Promise<void> {
  step('Doctor: why would a backup not happen? Switching a fault on: Low Power Mode, and the phone locked with its passcode');
  usb.applySettings(['lowPower=true', 'locked=true']);
  process.stdout.write('  (lifeboat sim set UDID lowPower=true locked=true does the same from another terminal)\n');
  const faulty = await cliExpecting([ExitCode.DOCTOR_WARNING, ExitCode.DOCTOR_CRITICAL], 'doctor', '--udid', usb.udid, '--no-pair');
  process.stdout.write(`  (doctor exited with ${faulty}: ${faulty === ExitCode.DOCTOR_CRITICAL ? 'a critical finding' : 'a warning'}, so scripts and monitoring can act on it)\n`);

  step('The fault switched off again: Low Power Mode off, the phone unlocked');
  usb.applySettings(['lowPower=false', 'locked=false']);
  const clean = await cliExpecting([ExitCode.OK, ExitCode.DOCTOR_WARNING], 'doctor', '--udid', usb.udid, '--no-pair');
  process.stdout.write(`  (doctor exited with ${clean}: ${clean === ExitCode.OK ? 'nothing to fix' : 'the warnings left are the demo phone\'s own, not the fault\'s'})\n`);
}
// ── end of the daemon step ─────────────────────────────────────────────────────────────────────


/**
 * The last step: the web dashboard on the demo's vault, with the virtual iPhones running again (the
 * same seed, so the same phones) so Back Up Now works. It keeps running until Ctrl-C on a terminal;
 * elsewhere (CI) it checks that the dashboard answers, prints the URL and stops.
 */
async function dashboardStep(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-demo-web-'));
  const socket = join(dir, 'usbmuxd.sock');
  const { simulator, server } = await startSimulator({ socket, devices: 2, seed: 'demo', autoTrust: true, json: false, quiet: true, stateDir: join(dir, 'state') });
  const mux = new UsbmuxClient({ kind: 'unix', path: socket });
  const usb = simulator.phones[0]!;
  await pairDevice(new UsbmuxTransport(mux, selectDevice(await mux.listDevices(), usb.udid)), new UsbmuxPairRecordStore(mux));
  const dashboard = await startDashboard({ mux });
  try {
    step('The dashboard: every device at a glance, Back Up Now, snapshots, what a backup holds');
    const answer = await fetch(`${dashboard.origin}/api/devices`, { headers: { Authorization: `Bearer ${dashboard.token}` } });
    if (!answer.ok) throw new Error(`the dashboard answered ${answer.status}`);
    process.stdout.write(`  ${bold(dashboard.url)}\n  (open it in a browser; the link holds the dashboard's key)\n`);
    if (process.stdin.isTTY) {
      process.stdout.write('  Ctrl-C stops the dashboard and the virtual iPhones.\n');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    await dashboard.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main()
  .then(dashboardStep)
  // Everything is closed by now, but a handle left by the dashboard's device watcher (not yet tracked
  // down) keeps the event loop alive; the demo is over, so it ends here instead of hanging.
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
