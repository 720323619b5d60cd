/**
 * `lifeboat doctor` against the virtual iPhone: every cause is produced from the phone's state
 * (`sim set` keys, through the harness), detected with its fix, and cleared once the state is fixed.
 * Host-side causes (vault lock, stale or missing backups, wrong or missing password, disk space) use
 * the real vault after real backups. The CLI part checks --json's shape and the exit codes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backupDevice } from '../src/backup/engine.js';
import { changeBackupEncryption } from '../src/backup/encryption.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { diagnose, newestIosFor, type DiagnoseOptions, type Finding } from '../src/daemon/doctor/index.js';
import { UsbmuxPairRecordStore } from '../src/protocol/host/pair-store.js';
import { pairDevice } from '../src/protocol/host/pairing-flow.js';
import { sameUdid } from '../src/protocol/host/select-device.js';
import { UsbmuxTransport } from '../src/protocol/transport.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import { lifeboat, startSimHarness, type SimHarness } from './support/sim-harness.js';

const PROFILE = { files: 90, bytes: 3_000_000 };
const PASSWORD = 'correct horse battery staple';

describe('doctor finds every cause on the virtual iPhone, with its fix, and clears it', () => {
  let sim: SimHarness;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let usb: string;
  let net: string;
  let store: UsbmuxPairRecordStore;

  before(async () => {
    sim = await startSimHarness({ devices: 2, dataProfile: PROFILE });
    home = mkdtempSync(join(tmpdir(), 'lifeboat-doctor-'));
    env = { ...sim.env, LIFEBOAT_HOME: home };
    delete env['LIFEBOAT_PASSWORD'];
    delete env['LIFEBOAT_PASSWORD_FILE'];
    usb = sim.usbUdid;
    net = sim.networkUdid!;
    store = new UsbmuxPairRecordStore(sim.mux);
    // A phone whose data leaves the backup disk plenty of room (the default state's 80 GB of data is
    // more than some test machines have free; the disk-space test sets it on purpose).
    for (const udid of [usb, net]) sim.set(udid, 'totalSpace=64GB', 'freeSpace=60GB');
  });
  after(async () => {
    await sim.close();
    rmSync(home, { recursive: true, force: true });
  });

  function run(udid: string | undefined, options: Partial<DiagnoseOptions> = {}): Promise<Finding[]> {
    return diagnose({ config: DEFAULT_CONFIG, configPath: join(home, 'config.json'), env, mux: sim.mux, ...(udid ? { udid } : {}), probeTimeoutMs: 10_000, ...options });
  }

  function vaultFolder(udid: string): string {
    const name = readdirSync(join(home, 'vault', 'devices')).find((n) => sameUdid(n, udid));
    assert.ok(name, `no vault folder for ${udid}`);
    return join(home, 'vault', 'devices', name);
  }

  function expectFinding(findings: readonly Finding[], id: string, severity: Finding['severity'], fix?: RegExp): Finding {
    const found = findings.find((f) => f.id === id);
    assert.ok(found, `expected a "${id}" finding, got: ${findings.map((f) => `${f.id}/${f.severity}`).join(', ')}`);
    assert.equal(found.severity, severity, `${id}: ${found.title}`);
    assert.ok(found.title.length > 0 && found.explanation.length > 0);
    if (fix) assert.match(found.fix, fix);
    return found;
  }

  function expectCleared(findings: readonly Finding[], id: string): void {
    const found = findings.find((f) => f.id === id && (f.severity === 'warning' || f.severity === 'critical'));
    assert.equal(found, undefined, `"${id}" should be cleared: ${found?.title}`);
  }

  async function pair(udid: string): Promise<void> {
    const device = (await sim.mux.listDevices()).find((d) => sameUdid(d.udid, udid) && d.connectionType === 'USB');
    assert.ok(device, `${udid} is not on USB`);
    await pairDevice(new UsbmuxTransport(sim.mux, device), store, { waitMs: 0 });
  }

  async function backup(udid: string): Promise<void> {
    const device = (await sim.mux.listDevices()).find((d) => sameUdid(d.udid, udid));
    assert.ok(device);
    await backupDevice({ transport: new UsbmuxTransport(sim.mux, device), pairStore: store, store: new LocalSnapshotStore(join(home, 'vault')) });
  }

  it('not paired: says so and names `lifeboat pair`; locked phones cannot show the prompt', async () => {
    const findings = await run(usb, { attemptPairing: true });
    const found = expectFinding(findings, 'not-paired', 'critical', /lifeboat pair --udid/);
    assert.match(found.explanation, /locked/);
    expectFinding(await run(usb), 'not-paired', 'critical', /tap Trust/);
    // A phone only on Wi-Fi cannot accept a new computer: it needs the cable once.
    expectFinding(await run(net, { attemptPairing: true }), 'not-paired', 'critical', /Connect the iPhone with a cable/);
  });

  it('Trust prompt pending, then "Don\'t Trust", then trusted', async () => {
    sim.set(usb, 'locked=false', 'trust=pending');
    expectFinding(await run(usb, { attemptPairing: true }), 'trust-pending', 'critical', /tap Trust/);
    sim.set(usb, 'trust=deny');
    expectFinding(await run(usb, { attemptPairing: true }), 'trust-denied', 'critical', /Reset Location & Privacy/);
    sim.set(usb, 'trust=accept');
    const findings = await run(usb, { attemptPairing: true });
    expectFinding(findings, 'trusted', 'ok');
    for (const id of ['not-paired', 'trust-pending', 'trust-denied']) expectCleared(findings, id);
  });

  it('pairing no longer valid (the phone forgot this computer) → pair --reset', async () => {
    sim.set(usb, 'trustedHosts=none');
    expectFinding(await run(usb), 'pairing-invalid', 'critical', /lifeboat pair --reset --udid/);
    sim.set(usb, 'trust=accept');
    await store.delete(usb);
    await pair(usb);
    const findings = await run(usb);
    expectCleared(findings, 'pairing-invalid');
    expectFinding(findings, 'trusted', 'ok');
  });

  it('locked with a passcode (a backup asks for it since iOS 16.1)', async () => {
    sim.set(usb, 'locked=true');
    expectFinding(await run(usb), 'locked', 'warning', /Unlock the iPhone/);
    sim.set(usb, 'locked=false');
    expectFinding(await run(usb), 'locked', 'ok');
  });

  it('Low Power Mode', async () => {
    sim.set(usb, 'lowPower=true');
    expectFinding(await run(usb), 'low-power-mode', 'warning', /Settings › Battery › Low Power Mode/);
    sim.set(usb, 'lowPower=false');
    expectFinding(await run(usb), 'low-power-mode', 'ok');
  });

  // Without Wi-Fi pairings Lifeboat sends no mDNS query (so this test stays off the network); discovery's
  // findings — not on Wi-Fi, not on the same network — are tested in a private namespace (test/wifi.test.ts).
  it('Wi-Fi without discovery: sync off, on but not set up for Lifeboat, listed by usbmuxd on the network', async () => {
    sim.set(usb, 'wifiSync=false');
    const off = expectFinding(await run(usb), 'wifi-sync-off', 'info', /lifeboat wifi on --udid/);
    assert.match(off.title, /Wi-Fi sync is off/);
    sim.set(usb, 'wifiSync=true', 'wifi=false');
    const notSetUp = expectFinding(await run(usb), 'wifi-sync-off', 'info', /lifeboat wifi on --udid/);
    assert.match(notSetUp.title, /not set up for Lifeboat/);
    sim.set(usb, 'wifi=true');
    const findings = await run(usb);
    expectFinding(findings, 'not-on-wifi', 'ok');
    expectCleared(findings, 'wifi-sync-off');
    sim.set(usb, 'wifiSync=false');
  });

  it('not on power and battery low (a phone on Wi-Fi, off the cable)', async () => {
    sim.set(net, 'plugged=true', 'locked=false', 'trust=accept');
    await pair(net);
    sim.set(net, 'plugged=false', 'charging=false', 'battery=12');
    const findings = await run(net);
    expectFinding(findings, 'not-charging', 'warning', /Plug the iPhone into power/);
    expectFinding(findings, 'battery-low', 'warning', /Plug the iPhone into power/);
    expectFinding(findings, 'not-on-wifi', 'ok');
    sim.set(net, 'charging=true');
    const fixed = await run(net);
    expectFinding(fixed, 'not-charging', 'ok');
    expectCleared(fixed, 'battery-low');
  });

  it('device storage nearly full', async () => {
    sim.set(usb, 'freeSpace=500MB');
    expectFinding(await run(usb), 'device-storage-full', 'critical', /iPhone Storage/);
    sim.set(usb, 'freeSpace=2.5GB');
    expectFinding(await run(usb), 'device-storage-full', 'warning', /iPhone Storage/);
    sim.set(usb, 'freeSpace=60GB');
    expectFinding(await run(usb), 'device-storage-full', 'ok');
  });

  it('iOS older than the newest release for the model', async () => {
    const productType = sim.simulator.phone(usb)!.identity.productType;
    const newest = newestIosFor(productType)!;
    // An iPhone X already starts on its newest (16.7.16); every model can run one of these older ones.
    sim.set(usb, `ios=${productType.startsWith('iPhone10,') ? '16.7.12' : '18.6'}`);
    const old = await run(usb);
    const found = expectFinding(old, 'ios-outdated', 'warning', /Software Update/);
    assert.match(found.explanation, new RegExp(newest.version.replace(/\./g, '\\.')));
    sim.set(usb, `ios=${newest.version}`);
    expectFinding(await run(usb), 'ios-outdated', 'ok');
  });

  it('host disk too small for the first backup (estimated from the phone\'s data)', async () => {
    const stats = statfsSync(home);
    const free = stats.bavail * stats.bsize;
    // A phone holding more data than this computer has free.
    const total = Math.ceil((free * 3 + 30e9) / 1e9) * 1e9;
    sim.set(usb, `totalSpace=${total}`, 'freeSpace=20GB');
    const found = expectFinding(await run(usb), 'disk-too-small', 'warning', /vaultPath/);
    assert.match(found.explanation, /first backup/);
    sim.set(usb, 'freeSpace=60GB', 'totalSpace=64GB');
    expectFinding(await run(usb), 'disk-too-small', 'ok');
  });

  it('never backed up, then backed up, then too old for the policy', async () => {
    expectFinding(await run(usb), 'last-backup-old', 'critical', /lifeboat backup --udid/);
    await backup(usb);
    expectFinding(await run(usb), 'last-backup-old', 'ok');
    const later = new Date(Date.now() + (DEFAULT_CONFIG.defaults.staleAfterHours + 1) * 3_600_000);
    const stale = expectFinding(await run(usb, { now: () => later }), 'last-backup-old', 'critical', /lifeboat backup --udid/);
    assert.match(stale.title, /3 days old/);
  });

  it('another backup running (the vault\'s device lock held by a live process)', async () => {
    const lock = join(vaultFolder(usb), 'lock');
    writeFileSync(lock, `${process.pid}\n`);
    const found = expectFinding(await run(usb), 'backup-running', 'info', /Wait for it to finish/);
    assert.match(found.explanation, new RegExp(String(process.pid)));
    unlinkSync(lock);
    assert.equal((await run(usb)).find((f) => f.id === 'backup-running'), undefined);
  });

  it('unencrypted, then encrypted with the password unknown, wrong, and right', async () => {
    expectFinding(await run(usb), 'unencrypted', 'warning', /lifeboat encryption on --udid/);
    const device = (await sim.mux.listDevices()).find((d) => sameUdid(d.udid, usb))!;
    await changeBackupEncryption(new UsbmuxTransport(sim.mux, device), store, { action: 'on', newPassword: PASSWORD });
    const unknown = await run(usb);
    expectCleared(unknown, 'unencrypted');
    expectFinding(unknown, 'encryption-password-unknown', 'warning', /backup-password/);

    await backup(usb);
    const wrong = await run(usb, { env: { ...env, LIFEBOAT_PASSWORD: 'not the password' } });
    expectFinding(wrong, 'encryption-password-wrong', 'critical', /LIFEBOAT_PASSWORD/);

    writeFileSync(join(home, 'backup-password'), `${PASSWORD}\n`, { mode: 0o600 });
    const right = await run(usb);
    expectFinding(right, 'encryption-password-wrong', 'ok');
    expectCleared(right, 'encryption-password-unknown');
  });

  it('not connected (a known phone unplugged) and back', async () => {
    sim.set(usb, 'plugged=false');
    expectFinding(await run(usb), 'not-connected', 'warning', /Connect it with a cable/);
    const all = await run(undefined);
    expectFinding(all.filter((f) => f.udid === usb), 'not-connected', 'warning');
    sim.set(usb, 'plugged=true');
    assert.equal((await run(usb)).find((f) => f.id === 'not-connected'), undefined);
  });

  it('CLI: --json gives the findings; exit 11 on critical, 10 on warning, 0 when all is well', async () => {
    const cliEnv = { ...env, LIFEBOAT_CONFIG: join(home, 'config.json') };
    const critical = await lifeboat(['doctor', '--udid', net, '--json', '--no-pair'], cliEnv, 60_000);
    assert.equal(critical.code, 11, critical.stderr);
    const doc = JSON.parse(critical.stdout) as { worst: string; findings: Finding[] };
    assert.equal(doc.worst, 'critical');
    assert.ok(doc.findings.length > 0);
    for (const f of doc.findings) {
      assert.deepEqual(Object.keys(f).sort(), ['explanation', 'fix', 'id', 'severity', 'title', 'udid']);
      assert.ok(['ok', 'info', 'warning', 'critical'].includes(f.severity));
    }
    assert.ok(doc.findings.some((f) => f.id === 'last-backup-old' && f.severity === 'critical'));

    // The USB phone: encrypted, password known, fresh backup, newest iOS — only lock state left.
    sim.set(usb, 'locked=true');
    const warning = await lifeboat(['doctor', '--udid', usb, '--json'], cliEnv, 60_000);
    assert.equal(warning.code, 10, `${warning.stdout}\n${warning.stderr}`);
    assert.equal((JSON.parse(warning.stdout) as { worst: string }).worst, 'warning');
    sim.set(usb, 'locked=false');
    const ok = await lifeboat(['doctor', '--udid', usb], cliEnv, 60_000);
    assert.equal(ok.code, 0, `${ok.stdout}\n${ok.stderr}`);
    assert.match(ok.stdout, /✓ ok +This computer is trusted/);
    assert.match(ok.stdout, /i info +Wi-Fi sync is off/);
  });
});
