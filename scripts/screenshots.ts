/**
 * `npm run screenshots`: pictures of every dashboard page at desktop (1280 px) and phone (390 px)
 * widths, into docs/screenshots/ (linked from the README). Everything is real: two virtual iPhones
 * behind a private usbmuxd socket, two backups of one of them (the phone changes in between) made by
 * the backup engine into a private vault, the dashboard started on it, and Debian's Chromium driving it.
 * Usage: node dist/scripts/screenshots.js [output folder]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { backupDevice } from '../src/backup/engine.js';
import { UsbmuxPairRecordStore } from '../src/protocol/host/pair-store.js';
import { pairDevice } from '../src/protocol/host/pairing-flow.js';
import { selectDevice } from '../src/protocol/host/select-device.js';
import { UsbmuxTransport } from '../src/protocol/transport.js';
import { UsbmuxClient } from '../src/protocol/usbmux/client.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import { verifySnapshot } from '../src/vault/verify.js';
import { startDashboard } from '../src/web/server.js';
import { updateConfig } from '../src/config/config.js';
import { defaultPasswordFile, openOrInitRepository, resolveRemote, syncRemote, writePasswordFile } from '../src/vault/remote/index.js';
import { startSimulator } from '../sim/cli.js';

const CHROMIUM = process.env['LIFEBOAT_CHROMIUM'] ?? '/usr/bin/chromium';
const WIDTHS = { desktop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } } as const;

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? 'docs/screenshots');
  mkdirSync(out, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-shots-'));
  const socket = join(dir, 'usbmuxd.sock');
  const { simulator, server } = await startSimulator({ socket, devices: 2, seed: 'demo', autoTrust: true, json: false, quiet: true, stateDir: join(dir, 'state'), fastKdf: true });
  const mux = new UsbmuxClient({ kind: 'unix', path: socket });
  const pairs = new UsbmuxPairRecordStore(mux);
  const home = join(dir, 'home');
  const store = new LocalSnapshotStore(join(home, 'vault'));
  const phone = simulator.phones[0]!;
  const transport = async (): Promise<UsbmuxTransport> => new UsbmuxTransport(mux, selectDevice(await mux.listDevices(), phone.udid));
  const dashboard = await startDashboard({ env: { ...process.env, LIFEBOAT_HOME: home, LIFEBOAT_CONFIG: '' }, mux });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  try {
    await pairDevice(await transport(), pairs);
    await backupDevice({ transport: await transport(), pairStore: pairs, store, full: true });
    simulator.fileSystem(phone).mutate({ kind: 'messages', add: 5 });
    simulator.fileSystem(phone).mutate({ kind: 'photos', add: 2 });
    const second = await backupDevice({ transport: await transport(), pairStore: pairs, store });
    await verifySnapshot(second.snapshot);
    // A remote copy (a local restic repository standing in for a USB disk or S3) holding both snapshots.
    const configFile = dashboard.context.configFile;
    const config = updateConfig((c) => ({ ...c, remotes: { offsite: { url: join(dir, 'offsite-repository') } }, defaults: { ...c.defaults, syncRemotes: ['offsite'] } }), configFile);
    writePasswordFile(defaultPasswordFile(configFile, 'offsite'), 'screenshots-only-password');
    await openOrInitRepository(resolveRemote(config, configFile, 'offsite'));
    await syncRemote({ config, configFile, name: 'offsite', vaultRoot: store.root, udid: phone.udid });
    phone.applySettings(['lowPower=true']); // something for the doctor to explain
    const id = second.snapshot.id;
    const inside = `#/inside/${phone.udid}/${id}`;
    const pages: Array<[string, string]> = [
      ['devices', '#/devices'],
      ['snapshots', `#/snapshots/${phone.udid}`],
      ['inside-summary', `${inside}/summary`],
      ['inside-messages', `${inside}/messages`],
      ['inside-photos', `${inside}/photos`],
      ['inside-coverage', `${inside}/coverage`],
      ['doctor', '#/doctor'],
      ['settings', '#/settings'],
    ];
    for (const [kind, viewport] of Object.entries(WIDTHS)) {
      for (const scheme of ['light', 'dark'] as const) {
        if (scheme === 'dark' && kind === 'phone') continue;
        const context = await browser.newContext({ viewport, colorScheme: scheme, deviceScaleFactor: 1 });
        const page = await context.newPage();
        await page.goto(dashboard.url);
        for (const [name, hash] of scheme === 'dark' ? pages.slice(0, 1).concat(pages.slice(3, 4)) : pages) {
          await show(page, `${dashboard.origin}/${hash}`);
          const file = join(out, `${name}-${kind}${scheme === 'dark' ? '-dark' : ''}.png`);
          await page.screenshot({ path: file });
          process.stdout.write(`${file}\n`);
          if (name === 'snapshots') {
            // The remote copies sit below the timeline: their own picture.
            await page.locator('section.remotes[data-loaded]').scrollIntoViewIfNeeded();
            const remotes = join(out, `snapshots-remotes-${kind}.png`);
            await page.screenshot({ path: remotes });
            process.stdout.write(`${remotes}\n`);
          }
        }
        if (kind === 'desktop' && scheme === 'light') {
          // Back Up Now while it runs: progress with bytes, files, rate.
          // The phone took new photos and sends slowly, so the picture catches the backup mid-way.
          simulator.fileSystem(phone).mutate({ kind: 'photos', add: 6 });
          phone.applySettings(['fault=slow:400KB']);
          await show(page, `${dashboard.origin}/#/devices`);
          await page.locator(`article.device[data-udid="${phone.udid}"] button.backup-now`).click();
          await page.locator('.progress-text', { hasText: /(KB|MB) · ([3-9]|\d\d+) files · / }).waitFor({ timeout: 60_000 });
          const file = join(out, 'devices-backing-up-desktop.png');
          await page.screenshot({ path: file });
          process.stdout.write(`${file}\n`);
          await page.locator('.progress-text', { hasText: /Backup finished/ }).waitFor({ timeout: 120_000 });
          phone.applySettings(['fault=none']);
        }
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await dashboard.close();
    await server.close();
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function show(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('main h1').first().waitFor({ timeout: 60_000 });
  // Wait for the page's own loading lines to go, and for images to decode.
  // A function, not a string: the dashboard's CSP forbids eval, which a string predicate would need.
  await page.waitForFunction(
    (texts) => {
      const main = (globalThis as unknown as { document: { querySelector(selector: string): { textContent: string | null } | null } }).document.querySelector('main');
      return !texts.some((text) => main?.textContent?.includes(text));
    },
    ['Reading the backup', 'Loading…', 'Asking the remotes'],
    { timeout: 60_000 },
  );
  await page.waitForTimeout(400);
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
