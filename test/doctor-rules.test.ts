/**
 * Doctor's rules without a phone: explainFailure's mapping from real error objects, the space estimate
 * and the pure checks; and, over real sockets, a usbmuxd that is not there, one listing no phone, and a
 * phone that accepts the connection and then never answers (the probe's time bound).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { describe, it } from 'node:test';
import { MuxServer, type MuxBackplane } from '../sim/usbmuxd/server.js';
import { silentLogger } from '../sim/log.js';
import { explainBackupFailure } from '../src/backup/failure.js';
import { BackupError } from '../src/backup/errors.js';
import { DEFAULT_CONFIG, DEFAULT_POLICY } from '../src/config/schema.js';
import { FORMAT_CODES, FormatError } from '../src/format/index.js';
import { DeviceError, DisconnectedError, TimeoutError } from '../src/protocol/errors.js';
import { deviceErrorFor } from '../src/protocol/lockdown/device-errors.js';
import { UsbmuxClient } from '../src/protocol/usbmux/client.js';
import type { MuxDevice } from '../src/protocol/usbmux/messages.js';
import { VaultError } from '../src/vault/errors.js';
import { deviceFindings, estimateNextBackup, hostFindings, type CheckContext } from '../src/daemon/doctor/checks.js';
import { diagnose } from '../src/daemon/doctor/diagnose.js';
import { explainFailure } from '../src/daemon/doctor/explain-failure.js';
import { compareIosVersions, newestIosFor } from '../src/daemon/doctor/ios-releases.js';
import type { DeviceFacts } from '../src/daemon/doctor/probe-device.js';
import type { HostFacts } from '../src/daemon/doctor/probe-host.js';
import { sortFindings, worstSeverity, type Finding } from '../src/daemon/doctor/types.js';

const UDID = '00008030-001A2B3C4D5E6F70';
const ctx: CheckContext = { udid: UDID, policy: DEFAULT_POLICY, now: new Date('2026-11-25T12:00:00Z'), passwordFile: '/cfg/backup-password' };

describe('explainFailure', () => {
  const vaultDir = '/vault';
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['locked', deviceErrorFor('PasswordProtected', 'StartService'), 'locked', /Unlock/],
    ['Trust pending', deviceErrorFor('PairingDialogResponsePending', 'Pair'), 'trust-pending', /tap Trust/],
    ['Trust denied', deviceErrorFor('UserDeniedPairing', 'Pair'), 'trust-denied', /Reset Location & Privacy/],
    ['pairing forgotten', deviceErrorFor('InvalidHostID', 'StartSession'), 'pairing-invalid', /pair --reset/],
    ['sealed since restart', deviceErrorFor('EscrowLocked', 'StartService'), 'locked-since-restart', /passcode/],
    ['unplugged mid-backup', explainBackupFailure(new DisconnectedError('gone'), { vaultDir, idleTimeoutMs: 1000 }), 'disconnected-during-backup', /cable/],
    ['silent phone', explainBackupFailure(new TimeoutError('idle'), { vaultDir, idleTimeoutMs: 1000 }), 'device-not-responding', /Unlock/],
    ['host disk full', explainBackupFailure(Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }), { vaultDir, idleTimeoutMs: 1000 }), 'disk-too-small', /Free up space/],
    ['phone storage full (MB2 106)', explainBackupFailure(new DeviceError('MB2_106', 'the iPhone ended the operation with error 106: full'), { vaultDir, idleTimeoutMs: 1000 }), 'device-storage-full', /iPhone Storage/],
    ['wrong password (MB2 207)', explainBackupFailure(new DeviceError('MB2_207', 'the iPhone ended the operation with error 207'), { vaultDir, idleTimeoutMs: 1000 }), 'encryption-password-wrong', /encryption change/],
    ['encryption without password (MB2 208)', explainBackupFailure(new DeviceError('MB2_208', 'the iPhone ended the operation with error 208'), { vaultDir, idleTimeoutMs: 1000 }), 'encryption-misconfigured', /encryption on/],
    ['backup already running', new VaultError('a backup of X is already running (process 7)', { code: 'VAULT_LOCKED' }), 'backup-running', /Nothing to do/],
    ['password wrong when reading', new FormatError(FORMAT_CODES.WRONG_PASSWORD, 'the backup password is wrong'), 'encryption-password-wrong', /backup/],
    ['anything else', new BackupError('the iPhone sent nonsense', { code: 'BACKUP_PROTOCOL_ERROR', hint: 'Restart the iPhone.' }), 'backup-failed', /Restart the iPhone/],
    ['not even a LifeboatError', new Error('boom'), 'backup-failed', /lifeboat doctor/],
  ];
  for (const [what, error, id, fix] of cases) {
    it(`${what} → ${id}`, () => {
      const finding = explainFailure(error, UDID);
      assert.equal(finding.id, id);
      assert.equal(finding.udid, UDID);
      assert.ok(finding.severity === 'critical' || finding.severity === 'warning' || finding.severity === 'info');
      assert.match(finding.fix, fix);
      assert.ok(finding.explanation.length > 10);
    });
  }
});

describe('space estimate', () => {
  it('without history: everything on the phone (an upper bound)', () => {
    assert.deepEqual(estimateNextBackup([], 50e9), { nextBytes: 50e9, fullBytes: 50e9, basis: 'a first backup: up to the data on the iPhone' });
    assert.equal(estimateNextBackup([], undefined), undefined);
  });
  it('with history: 1.5× the largest recent incremental; a full backup is the latest size', () => {
    const at = (d: number): Date => new Date(2026, 0, d);
    const snaps = [1, 2, 3, 4, 5, 6].map((d) => ({ id: `s${d}`, createdAt: at(d), encrypted: false, logicalBytes: 10e9 + d, newBytes: d === 1 ? 9e9 : d * 1e6 }));
    const estimate = estimateNextBackup(snaps, 80e9)!;
    // The 9 GB first snapshot is no longer among the last five.
    assert.equal(estimate.nextBytes, 9e6);
    assert.equal(estimate.fullBytes, 10e9 + 6);
  });
});

describe('checks', () => {
  const host = (over: Partial<HostFacts> = {}): HostFacts => ({ vaultRoot: '/vault', freeBytes: 100e9, snapshots: [], ...over });
  const trusted: DeviceFacts = { udid: UDID, connections: ['USB'], productType: 'iPhone14,5', productVersion: '27.0.1', passcodeLocked: false, trust: { state: 'trusted' }, battery: { percent: 90, charging: true, externalPower: true }, storage: { totalBytes: 128e9, freeBytes: 60e9, usedBytes: 60e9 }, willEncrypt: true, wifiSync: false, lowPowerMode: false };
  const ids = (findings: Finding[]): string[] => findings.filter((f) => f.severity === 'warning' || f.severity === 'critical').map((f) => f.id);

  it('a healthy phone has nothing to fix', () => {
    assert.deepEqual(ids(deviceFindings(trusted, host(), ctx)), []);
  });
  it('measured from real backups, a disk that cannot hold the next one is critical', () => {
    const snapshots = [{ id: 'a', createdAt: new Date('2026-11-25T06:00:00Z'), encrypted: false, logicalBytes: 40e9, newBytes: 4e9 }];
    const tight = hostFindings(host({ freeBytes: 5e9, snapshots }), 60e9, { result: 'not-needed' }, ctx);
    assert.equal(tight.find((f) => f.id === 'disk-too-small')?.severity, 'critical');
    const noFull = hostFindings(host({ freeBytes: 20e9, snapshots }), 60e9, { result: 'not-needed' }, ctx);
    assert.equal(noFull.find((f) => f.id === 'disk-too-small')?.severity, 'warning');
    const roomy = hostFindings(host({ freeBytes: 200e9, snapshots }), 60e9, { result: 'not-needed' }, ctx);
    assert.equal(roomy.find((f) => f.id === 'disk-too-small')?.severity, 'ok');
  });
  it('locked counts as a condition (info) when the policy wants a locked phone', () => {
    const locked = { ...trusted, passcodeLocked: true };
    assert.equal(deviceFindings(locked, host(), ctx).find((f) => f.id === 'locked')?.severity, 'warning');
    const policy = { ...DEFAULT_POLICY, conditions: { ...DEFAULT_POLICY.conditions, requireLocked: true } };
    assert.equal(deviceFindings(locked, host(), { ...ctx, policy }).find((f) => f.id === 'locked')?.severity, 'info');
  });
  it('the newest iOS depends on the model; unsupported models are info', () => {
    assert.equal(newestIosFor('iPhone10,3')?.version, '16.7.16');
    assert.equal(newestIosFor('iPhone11,8')?.version, '18.7.10');
    assert.equal(newestIosFor('iPhone17,1')?.version, '27.0.1');
    assert.equal(newestIosFor('iPhone9,1'), undefined);
    assert.ok(compareIosVersions('18.10', '18.9') > 0);
    const old = deviceFindings({ ...trusted, productType: 'iPhone9,3', productVersion: '15.8.3' }, host(), ctx);
    assert.equal(old.find((f) => f.id === 'ios-outdated')?.severity, 'info');
  });
  it('sorting puts the worst first and the fix order within a severity', () => {
    const list = deviceFindings({ ...trusted, trust: { state: 'denied' }, passcodeLocked: true, productVersion: '18.6' }, host(), ctx);
    const sorted = sortFindings(list);
    assert.equal(sorted[0]?.id, 'trust-denied');
    assert.equal(worstSeverity(sorted), 'critical');
    assert.equal(worstSeverity([]), 'ok');
  });
});

/** A usbmuxd whose one phone accepts connections to lockdownd and then says nothing. */
function silentMux(devices: readonly MuxDevice[]): MuxBackplane & { held: Duplex[] } {
  const held: Duplex[] = [];
  return {
    held,
    systemBuid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE',
    devices: () => devices,
    subscribe: () => () => undefined,
    connect: () => (stream: Duplex) => {
      held.push(stream);
      stream.resume(); // reads the request, never answers
    },
    readPairRecord: () => undefined,
    savePairRecord: () => undefined,
    deletePairRecord: () => false,
    control: () => Promise.resolve(undefined),
  };
}

describe('diagnose over real sockets without a virtual iPhone', () => {
  it('usbmuxd not there → critical, with how to start it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeboat-doctor-'));
    try {
      const findings = await diagnose({ config: DEFAULT_CONFIG, env: { LIFEBOAT_HOME: dir, USBMUXD_SOCKET_ADDRESS: `UNIX:${join(dir, 'nothing.sock')}` } });
      const finding = findings.find((f) => f.id === 'usbmuxd-unreachable');
      assert.equal(finding?.severity, 'critical');
      assert.match(finding.fix, /usbmuxd/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no phone and an empty vault → "no-device"; a phone that never answers → "device-not-responding" within the bound', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeboat-doctor-'));
    const phone: MuxDevice = { deviceId: 1, udid: UDID.replace('-', ''), connectionType: 'USB', productId: 0x12a8 };
    const listing: MuxDevice[] = [];
    const backplane = silentMux(listing);
    const server = new MuxServer(backplane, silentLogger);
    const socket = join(dir, 'mux.sock');
    await server.listen({ path: socket });
    try {
      const env = { LIFEBOAT_HOME: dir };
      const mux = new UsbmuxClient({ kind: 'unix', path: socket });
      const empty = await diagnose({ config: DEFAULT_CONFIG, env, mux });
      assert.deepEqual(empty.map((f) => f.id), ['no-device']);
      assert.match(empty[0]!.fix, /Connect the iPhone/);

      listing.push(phone);
      const started = Date.now();
      const findings = await diagnose({ config: DEFAULT_CONFIG, env, mux, probeTimeoutMs: 800 });
      const elapsed = Date.now() - started;
      const silent = findings.find((f) => f.id === 'device-not-responding');
      assert.equal(silent?.severity, 'critical', JSON.stringify(findings));
      assert.match(silent.fix, /restart it/);
      assert.ok(elapsed < 5000, `took ${elapsed} ms`);
      // The probe closed its end: the phone's side of every connection sees the close.
      for (let i = 0; i < 50 && !backplane.held.every((s) => s.destroyed || s.readableEnded); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(backplane.held.length > 0 && backplane.held.every((s) => s.destroyed || s.readableEnded), 'the probe closes what it opened');

      // The daemon stopping: an abort ends the probe at once with the signal's reason.
      const controller = new AbortController();
      const abortedAt = Date.now();
      setTimeout(() => controller.abort(new Error('daemon stopping')), 100);
      await assert.rejects(diagnose({ config: DEFAULT_CONFIG, env, mux, probeTimeoutMs: 30_000, signal: controller.signal }), /daemon stopping/);
      assert.ok(Date.now() - abortedAt < 5000);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
