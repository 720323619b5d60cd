/**
 * A backup that stalls (the phone stops sending mid-backup and keeps the connection open) is bounded:
 * the engine's no-progress timeout fails the job with a diagnosed cause, the parallel slot and the
 * vault's device lock are released (another phone backs up meanwhile, and the stalled phone's own
 * next attempt takes the lock again), and it is retried with backoff until it succeeds.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import { pairOverUsb, startDaemon, testConfig, until, untilDaemonSees, type DaemonHarness } from './support/daemon-harness.js';
import { startSimHarness, type SimHarness } from './support/sim-harness.js';

const MINUTE = 60_000;
// Long enough that a healthy backup on a loaded machine never trips it, short enough for a test.
const IDLE_TIMEOUT_MS = 5000;

describe('daemon with a phone that stalls mid-backup', () => {
  let sim: SimHarness;
  let d: DaemonHarness;
  let stalled: string;
  let healthy: string;

  before(async () => {
    sim = await startSimHarness({ devices: 2, autoTrust: true, dataProfile: { files: 40, bytes: 600_000 } });
    [stalled, healthy] = sim.simulator.phones.map((p) => p.udid) as [string, string];
    for (const udid of [stalled, healthy]) {
      await pairOverUsb(sim, udid);
      sim.set(udid, 'totalSpace=64GB', 'freeSpace=63.5GB', 'plugged=false', 'wifi=false');
    }
    sim.set(stalled, 'fault=stall');
    d = await startDaemon(sim, {
      // One slot: a stalled job that never let go would starve the other phone for ever.
      config: testConfig({ wantEncryption: false }, { daemon: { maxParallel: 1, dashboardPort: 0 } }),
      engine: { loop: { idleTimeoutMs: IDLE_TIMEOUT_MS } },
    });
  });
  after(async () => {
    await d?.close();
    await sim?.close();
  });

  it('fails the stalled backup with its cause, frees the slot, and the other phone backs up', async () => {
    sim.set(stalled, 'plugged=true', 'charging=true');
    await untilDaemonSees(d, stalled, true);
    await until(d, 'the stalled backup ends', () => d.runs.length >= 1, 60_000);
    const failed = d.runs[0]!;
    assert.equal(failed.udid, stalled);
    assert.equal(failed.result, 'failure');
    assert.equal(failed.errorCode, 'TIMEOUT');
    assert.equal(failed.cause, 'device-not-responding');
    assert.match(failed.error ?? '', /stopped responding during the backup \(nothing arrived for 5 s\)/);
    assert.equal(d.daemon.running(stalled), undefined, 'the job is over');
    const alert = d.alerts.find((a) => a.kind === 'failure' && a.udid === stalled);
    assert.ok(alert, 'the failure was alerted');

    // The one slot is free: the other phone, plugged in now, backs up at once.
    sim.set(healthy, 'plugged=true', 'charging=true');
    await untilDaemonSees(d, healthy, true);
    await until(d, 'the healthy phone backs up', () => d.runs.some((r) => r.udid === healthy), 60_000);
    const other = d.runs.find((r) => r.udid === healthy)!;
    assert.equal(other.result, 'success', other.error);
  });

  it('retries the stalled phone with backoff, and succeeds once it stops stalling', async () => {
    const before = d.runs.filter((r) => r.udid === stalled).length;
    await d.advance(4 * MINUTE);
    assert.equal(d.runs.filter((r) => r.udid === stalled).length, before, 'no retry before the 5-minute backoff');
    await d.advance(2 * MINUTE);
    await until(d, 'the first retry ends', () => d.runs.filter((r) => r.udid === stalled).length === before + 1, 60_000);
    assert.equal(d.runs.at(-1)!.errorCode, 'TIMEOUT', 'still stalling: failed the same bounded way');

    sim.set(stalled, 'fault=none');
    await d.advance(11 * MINUTE);
    await until(d, 'the retry after the fault ends', () => d.runs.filter((r) => r.udid === stalled).length === before + 2, 60_000);
    const last = d.runs.at(-1)!;
    assert.equal(last.result, 'success', last.error);
    // The device lock was released by each failed attempt: the vault holds the new snapshot.
    const store = new LocalSnapshotStore(join(d.home, 'vault'));
    assert.equal(store.latest(stalled)?.id, last.snapshotId);
    assert.equal(d.alerts.at(-1)!.kind, 'recovered');
  });
});
