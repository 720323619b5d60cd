/**
 * The daemon on Wi-Fi, inside a private network namespace (test/support/netns.ts): with usbmuxd out of
 * reach, its Wi-Fi source (mDNS + Lifeboat's Wi-Fi pair records, wired as `lifeboat daemon` wires it)
 * finds a phone that is only on Wi-Fi and the scheduler backs it up over TCP. Turning the phone's Wi-Fi
 * off makes it vanish (detached, with the doctor's reason): the next due backup is skipped and the
 * stale alert names Wi-Fi; back on the network it is backed up again. A phone announced at an address
 * that does not answer is "not on the same Wi-Fi network". With usbmuxd reachable too, a phone on both
 * the cable and Wi-Fi is one device that uses the cable.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../src/daemon/clock.js';
import { daemonDeviceSources } from '../src/daemon/wifi-source.js';
import { hostDevices } from '../src/protocol/host/host-devices.js';
import { sameUdid } from '../src/protocol/host/select-device.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import type { VirtualIPhone } from '../sim/device/virtual-iphone.js';
import { backupFiles, phoneFiles } from './support/backup-checks.js';
import { HOUR, startDaemon, testConfig, until, type DaemonHarness } from './support/daemon-harness.js';
import { LOOPBACK_ONLY, NETNS_MODE, runInNamespace } from './support/netns.js';
import { lifeboat, startSimHarness, type SimHarness } from './support/sim-harness.js';

/** How often the daemon's Wi-Fi source browses, in the ManualClock's time. */
const SCAN_MS = 60_000;

if (NETNS_MODE === undefined) {
  describe('the daemon on Wi-Fi (in a private network namespace)', () => {
    it('every test passes inside `unshare -n` with only loopback, multicast enabled on it', (t) => runInNamespace(t, fileURLToPath(import.meta.url), 'daemon', LOOPBACK_ONLY));
  });
} else {
  describe('the daemon backs up a phone reachable only over Wi-Fi', () => {
    let sim: SimHarness;
    let home: string;
    let env: NodeJS.ProcessEnv;
    let d: DaemonHarness;
    let a: string;
    let b: string;
    const phone = (udid: string): VirtualIPhone => sim.simulator.phone(udid)!;
    const status = (udid: string) => d.daemon.devices().find((s) => sameUdid(s.udid, udid));
    /**
     * Moves the clock a scan interval at a time until `predicate` holds (real time bounded): a scan
     * takes real time (mDNS), and the source only sleeps on the clock again once it has finished.
     */
    const advanceUntil = async (what: string, predicate: () => boolean, timeoutMs = 60_000): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
        await d.advance(SCAN_MS);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await d.daemon.whenIdle();
    };

    before(async () => {
      sim = await startSimHarness({ devices: 2, autoTrust: true, mdns: true, wifiPrefix: '127.0.0', dataProfile: { files: 60, bytes: 1_500_000 } });
      home = mkdtempSync(join(tmpdir(), 'lifeboat-wifi-daemon-'));
      env = { ...sim.env, LIFEBOAT_HOME: home };
      delete env['LIFEBOAT_WIFI'];
      a = sim.usbUdid;
      b = sim.networkUdid!;
      sim.set(b, 'plugged=true');
      for (const udid of [a, b]) {
        assert.equal((await lifeboat(['pair', '--udid', udid], env)).code, 0);
        assert.equal((await lifeboat(['wifi', 'on', '--udid', udid], env)).code, 0);
        // On a wireless charger, with storage that any test disk holds.
        sim.set(udid, 'charging=true', 'totalSpace=64GB', 'freeSpace=63.5GB');
      }
      // Only b takes part at first: a leaves Wi-Fi (the daemon below cannot see its cable).
      sim.set(b, 'plugged=false');
      sim.set(a, 'wifi=false');
      await sim.simulator.networkSettled();
    });
    after(async () => {
      await d?.close();
      await sim?.close();
      rmSync(home, { recursive: true, force: true });
    });

    it('with usbmuxd unreachable, the Wi-Fi source finds the phone and the daemon backs it up over TCP', async () => {
      const accepted = sim.simulator.networkConnectionsAccepted(phone(b));
      // As `lifeboat daemon` builds it, with USBMUXD_SOCKET_ADDRESS pointing at nothing.
      const daemonEnv = { ...env, USBMUXD_SOCKET_ADDRESS: `UNIX:${join(home, 'no-usbmuxd-here.sock')}` };
      const host = hostDevices(daemonEnv);
      const clock = new ManualClock();
      d = await startDaemon(sim, {
        config: testConfig({ wantEncryption: false, staleAfterHours: 30 }),
        clock,
        mux: host.mux,
        pairs: host.store,
        sources: daemonDeviceSources(host, clock, daemonEnv, SCAN_MS),
      });
      await until(d, 'the first backup', () => d.runs.length >= 1, 180_000);
      assert.equal(d.runs[0]!.result, 'success', d.runs[0]!.error);
      assert.ok(sameUdid(d.runs[0]!.udid, b));
      assert.equal(status(b)?.connection, 'wifi');
      assert.ok(sim.simulator.networkConnectionsAccepted(phone(b)) > accepted + 3, 'lockdown and the backup service were reached over TCP');
      const store = new LocalSnapshotStore(join(d.home, 'vault'));
      assert.deepEqual(await backupFiles(store.latest(b)!.deviceDir), await phoneFiles(sim.simulator.fileSystem(phone(b)), false));
      assert.equal(status(a)?.attached ?? false, false, 'a is neither on Wi-Fi nor reachable through usbmuxd');
    });

    it('Wi-Fi off: the phone vanishes with the reason, the next due backup is skipped and the stale alert names Wi-Fi; back on Wi-Fi it is backed up', async () => {
      sim.set(b, 'wifi=false');
      await sim.simulator.networkSettled();
      await advanceUntil('b detached', () => status(b)?.attached === false);
      assert.deepEqual(status(b)?.waitingFor, ['not connected: the iPhone is not seen on this computer\'s Wi-Fi network']);

      // Past the interval (24 h) and the stale limit (30 h): no attempt, and an alert that says why.
      await d.advance(31 * HOUR);
      assert.equal(d.runs.length, 1, 'nothing to back up while the phone is off the network');
      const stale = d.alerts.filter((x) => x.kind === 'stale' && x.udid === b);
      assert.equal(stale.length, 1, JSON.stringify(d.alerts));
      assert.match(stale[0]!.body, /It has not run because: not connected: the iPhone is not seen on this computer's Wi-Fi network/);

      sim.set(b, 'wifi=true');
      await sim.simulator.networkSettled();
      await advanceUntil('the backup after Wi-Fi came back', () => d.runs.length >= 2, 180_000);
      assert.equal(d.runs[1]!.result, 'success', d.runs[1]!.error);
      assert.equal(status(b)?.connection, 'wifi');
    });

    it('announced at an address that does not answer: detached as "not on the same Wi-Fi network"; reattached on the same network', async () => {
      sim.set(b, 'wifiNetwork=unreachable');
      await sim.simulator.networkSettled();
      await advanceUntil('b detached', () => status(b)?.attached === false);
      assert.match(status(b)!.waitingFor[0]!, /^not connected: the iPhone is not on the same Wi-Fi network as this computer$/);
      sim.set(b, 'wifiNetwork=same');
      await sim.simulator.networkSettled();
      await advanceUntil('b attached again', () => status(b)?.attached === true);
      assert.equal(status(b)?.connection, 'wifi');
    });

    it('Wi-Fi off during a backup: the run fails with the diagnosed cause and the failure alert names Wi-Fi; the previous snapshot stays', async () => {
      const store = new LocalSnapshotStore(join(d.home, 'vault'));
      const before = store.list(b).map((r) => r.id);
      sim.set(b, 'fault=slow:2MB');
      let cut = false;
      const onProgress = ({ udid, event }: { udid: string; event: { type: string; bytes?: number } }): void => {
        if (!cut && sameUdid(udid, b) && event.type === 'progress' && (event.bytes ?? 0) > 0) {
          cut = true;
          sim.set(b, 'wifi=false');
        }
      };
      d.daemon.on('progress', onProgress);
      try {
        const run = await d.daemon.backupNow(b, { full: true });
        assert.ok(cut, 'Wi-Fi went off while file data was arriving');
        assert.equal(run.result, 'failure');
        assert.equal(run.cause, 'disconnected-during-backup', run.error);
      } finally {
        d.daemon.off('progress', onProgress);
      }
      await until(d, 'the failure alert', () => d.alerts.some((x) => x.kind === 'failure' && sameUdid(x.udid ?? '', b)), 30_000);
      const alert = d.alerts.find((x) => x.kind === 'failure' && sameUdid(x.udid ?? '', b))!;
      assert.match(alert.title, /backup failed — The iPhone was disconnected during the backup/);
      assert.match(alert.body, /Wi-Fi/);
      assert.deepEqual(store.list(b).map((r) => r.id), before, 'the previous snapshots are untouched');

      sim.set(b, 'wifi=true', 'fault=none');
      await sim.simulator.networkSettled();
      await advanceUntil('b attached again', () => status(b)?.attached === true);
    });

    it('with usbmuxd reachable as well, a phone on the cable and on Wi-Fi is one device that uses the cable', async () => {
      await d.close();
      sim.set(a, 'wifi=true');
      await sim.simulator.networkSettled();
      const host = hostDevices(env);
      const clock = new ManualClock();
      d = await startDaemon(sim, { config: testConfig({ wantEncryption: false, automatic: false }), clock, mux: host.mux, pairs: host.store, sources: daemonDeviceSources(host, clock, env, SCAN_MS) });
      await until(d, 'a on the cable and on Wi-Fi', () => (status(a)?.attached ?? false) && status(b)?.attached === true, 30_000);
      assert.equal(d.daemon.devices().filter((s) => sameUdid(s.udid, a)).length, 1, 'one entry for a');
      assert.equal(status(a)?.connection, 'usb');
      const accepted = sim.simulator.networkConnectionsAccepted(phone(a));
      const run = await d.daemon.backupNow(a);
      assert.equal(run.result, 'success', run.error);
      // A backup over TCP opens more than 3 connections (see the first test); the Wi-Fi source's
      // reachability probe, scanning concurrently, may open one.
      assert.ok(sim.simulator.networkConnectionsAccepted(phone(a)) - accepted <= 1, 'the backup used the cable, not TCP');
    });
  });
}
