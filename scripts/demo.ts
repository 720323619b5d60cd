/**
 * `npm run demo`: the whole product on the embedded default — a virtual iPhone — with no hardware.
 * Starts two virtual phones behind a private usbmuxd socket, then drives the real CLI against them:
 * list devices, pair (showing the Trust prompt the phone raises), and read device values.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli/main.js';
import { registerSimCommands, startSimulator } from '../sim/cli.js';

const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

function step(title: string): void {
  process.stdout.write(`\n${bold(`▶ ${title}`)}\n`);
}

async function cli(...args: string[]): Promise<void> {
  process.stdout.write(`$ lifeboat ${args.join(' ')}\n`);
  const code = await runCli(['node', 'lifeboat', ...args], [registerSimCommands]);
  if (code !== 0) throw new Error(`lifeboat ${args.join(' ')} exited with ${code}`);
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

    step('What the latest backup contains (read back from the vault, no phone needed)');
    await cli('show', '--snapshot', 'latest', '--udid', usb.udid);
    process.stdout.write(`\nDone. The snapshots are Finder-format backup folders under ${process.env['LIFEBOAT_HOME']}/vault.\n`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
