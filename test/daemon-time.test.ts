/**
 * Compressed time must not hide the device events that real time would have delivered. The 200-day
 * soak used to end with no backup attempted for its last ~25 days: ManualClock.advance settled each
 * wake-up with microtasks only, so while the daemon believed every phone unplugged (nothing to read,
 * no I/O of its own) simulated days passed without the event loop ever reading the usbmux Listen
 * socket — the Attached events of the replugged phones sat unread, for ever. Here the same happens in
 * a few simulated hours: the phone is unplugged, replugged, and time advances with no real-time wait.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HOUR, pairOverUsb, startDaemon, testConfig, untilDaemonSees, type DaemonHarness } from './support/daemon-harness.js';
import { startSimHarness, type SimHarness } from './support/sim-harness.js';

describe('daemon under a ManualClock sees every attach and detach', () => {
  let sim: SimHarness;
  let d: DaemonHarness;
  let udid: string;

  before(async () => {
    sim = await startSimHarness({ devices: 1, autoTrust: true, dataProfile: { files: 20, bytes: 200_000 } });
    udid = sim.usbUdid;
    await pairOverUsb(sim, udid);
    sim.set(udid, 'totalSpace=64GB', 'freeSpace=63.5GB', 'plugged=false');
    d = await startDaemon(sim, { config: testConfig({ wantEncryption: false, intervalHours: 24 }) });
    await untilDaemonSees(d, udid, false);
  });
  after(async () => {
    await d?.close();
    await sim?.close();
  });

  it('backs a replugged phone up although nothing else happened in between', async () => {
    assert.equal(d.runs.length, 0);
    // Plugged in (and so charging) — then simulated time passes, with no real-time wait at all.
    sim.set(udid, 'plugged=true', 'charging=true');
    for (let hour = 0; hour < 6 && d.runs.length === 0; hour++) await d.advance(HOUR);
    assert.equal(d.daemon.devices().find((s) => s.udid === udid)?.attached, true, 'the daemon saw the phone attached');
    assert.equal(d.runs.length, 1, 'one backup ran within the first hours');
    assert.equal(d.runs[0]!.result, 'success', d.runs[0]!.error);
  });

  it('sees an unplug the same way', async () => {
    sim.set(udid, 'plugged=false');
    await d.advance(HOUR);
    assert.equal(d.daemon.devices().find((s) => s.udid === udid)?.attached, false, 'the daemon saw the phone detached');
  });
});
