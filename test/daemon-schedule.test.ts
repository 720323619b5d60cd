/**
 * The daemon against the virtual iPhone with a controllable clock: backups start when the policy's
 * conditions become true and not before, follow the interval, respect the quiet window, and every
 * run lands in the SQLite history that `lifeboat history` reads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HistoryDb } from '../src/daemon/history.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import { join } from 'node:path';
import { DAY, HOUR, pairOverUsb, startDaemon, testConfig, untilDaemonSees, type DaemonHarness } from './support/daemon-harness.js';
import { startSimHarness, type SimHarness } from './support/sim-harness.js';

const PROFILE = { files: 60, bytes: 1_500_000 };

describe('daemon schedule and conditions', () => {
  let sim: SimHarness;
  let d: DaemonHarness;
  let udid: string;

  before(async () => {
    sim = await startSimHarness({ devices: 2, autoTrust: true, dataProfile: PROFILE });
    udid = sim.networkUdid!;
    await pairOverUsb(sim, udid);
    // Only the network phone takes part: the USB one leaves usbmuxd.
    sim.set(sim.usbUdid, 'plugged=false', 'wifi=false');
    // On Wi-Fi, not charging; small storage so the first-backup estimate fits any test disk.
    sim.set(udid, 'charging=false', 'battery=60', 'totalSpace=64GB', 'freeSpace=63.5GB');
    d = await startDaemon(sim, { config: testConfig({ wantEncryption: false, staleAfterHours: 10 * 24 }) });
  });
  after(async () => {
    await d?.close();
    await sim?.close();
  });

  it('waits while the phone is not charging, and backs up once it is', async () => {
    await untilDaemonSees(d, udid, true);
    let status = d.daemon.devices().find((s) => s.udid === udid)!;
    assert.equal(status.attached, true);
    assert.equal(status.connection, 'network');
    assert.deepEqual(status.waitingFor, ['not charging or plugged in']);
    assert.equal(status.state, 'waiting');
    await d.advance(30 * 60_000);
    assert.equal(d.runs.length, 0, 'no backup while the conditions do not hold');

    sim.set(udid, 'charging=true');
    // No usbmux event tells anyone about a charger: the daemon notices at its next look (2 min).
    await d.advance(2 * 60_000);
    assert.equal(d.runs.length, 1);
    assert.equal(d.runs[0]!.result, 'success', d.runs[0]!.error);
    assert.equal(d.runs[0]!.trigger, 'schedule');
    const store = new LocalSnapshotStore(join(d.home, 'vault'));
    assert.equal(store.list(udid).length, 1);
    assert.equal(store.latest(udid)!.id, d.runs[0]!.snapshotId);
    status = d.daemon.devices().find((s) => s.udid === udid)!;
    assert.equal(status.lastSuccessAt, d.clock.now().toISOString());
    assert.equal(status.nextRunAt, new Date(d.clock.now().getTime() + DAY).toISOString());
  });

  it('does not back up again before the interval, then does', async () => {
    await d.advance(23 * HOUR);
    assert.equal(d.runs.length, 1, 'not due yet');
    await d.advance(2 * HOUR);
    assert.equal(d.runs.length, 2);
    assert.equal(d.runs[1]!.result, 'success', d.runs[1]!.error);
  });

  it('holds back for Low Power Mode and a low battery, each named', async () => {
    sim.set(udid, 'lowPower=true', 'battery=10');
    await d.advance(25 * HOUR);
    assert.equal(d.runs.length, 2);
    const status = d.daemon.devices().find((s) => s.udid === udid)!;
    assert.deepEqual(status.waitingFor, ['Low Power Mode is on', 'battery at 10% (needs 20%)']);
    sim.set(udid, 'lowPower=false', 'battery=50');
    await d.advance(2 * 60_000);
    assert.equal(d.runs.length, 3);
  });

  it('records every run in SQLite, readable while the daemon runs', () => {
    const db = HistoryDb.open(join(d.home, 'history.db'), { readonly: true });
    try {
      const runs = db.listRuns({ udid });
      assert.equal(runs.length, 3);
      assert.ok(runs.every((r) => r.result === 'success' && r.endedAt && (r.bytes ?? 0) > 0 && (r.files ?? 0) > 0 && r.snapshotId));
      assert.deepEqual(runs.map((r) => r.id), [...runs.map((r) => r.id)].sort((a, b) => b - a), 'newest first');
    } finally {
      db.close();
    }
  });

  it('starts automatic backups only inside the quiet window', async () => {
    await d.daemon.stop();
    // A fresh daemon (new history: the phone is due at once) whose window opens in two hours, in the
    // host's local time (as the config means it). Its ManualClock starts at the same default moment.
    const now = new (d.clock.constructor as new () => { now(): Date })().now();
    const hm = (t: Date): string => `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}`;
    const window = { start: hm(new Date(now.getTime() + 2 * HOUR)), end: hm(new Date(now.getTime() + 4 * HOUR)) };
    const windowed = await startDaemon(sim, { config: testConfig({ wantEncryption: false, intervalHours: 1, window }) });
    try {
      await untilDaemonSees(windowed, udid, true);
      await windowed.advance(HOUR);
      assert.equal(windowed.runs.length, 0, 'outside the window nothing starts');
      assert.match(windowed.daemon.devices().find((s) => s.udid === udid)!.waitingFor.join(), /outside the backup window/);
      await windowed.advance(62 * 60_000);
      assert.equal(windowed.runs.length, 1, 'the backup starts when the window opens');
    } finally {
      await windowed.close();
    }
  });
});
