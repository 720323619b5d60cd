/**
 * Doctor on the Wi-Fi path, inside a private network namespace (test/support/netns.ts): "Wi-Fi sync
 * off", "not on Wi-Fi" and "not on the same network" each produced from the virtual iPhone's state
 * (`wifiSync=false`, `wifi=false`, `wifiNetwork=other|unreachable`), detected through real mDNS
 * discovery and TCP reachability, and cleared once fixed. A phone reachable only over Wi-Fi is
 * examined directly over TCP with usbmuxd out of reach.
 *
 * The simulator's usbmuxd lists a phone on the network as Apple's does, which doctor also accepts as
 * "reachable"; the USB phone's findings are therefore checked with the evidence doctor names (the
 * address lockdown answered at, the addresses announced).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { diagnose, type DiagnoseOptions, type Finding } from '../src/daemon/doctor/index.js';
import { LOOPBACK_ONLY, NETNS_MODE, runInNamespace } from './support/netns.js';
import { lifeboat, startSimHarness, type SimHarness } from './support/sim-harness.js';

if (NETNS_MODE === undefined) {
  describe('doctor on the Wi-Fi path (in a private network namespace)', () => {
    it('every test passes inside `unshare -n` with only loopback, multicast enabled on it', (t) => runInNamespace(t, fileURLToPath(import.meta.url), 'doctor', LOOPBACK_ONLY));
  });
} else {
  describe('doctor on the Wi-Fi path', () => {
    let sim: SimHarness;
    let home: string;
    let env: NodeJS.ProcessEnv;
    let noMux: NodeJS.ProcessEnv;
    let a: string;
    let b: string;

    before(async () => {
      sim = await startSimHarness({ devices: 2, autoTrust: true, mdns: true, wifiPrefix: '127.0.0' });
      home = mkdtempSync(join(tmpdir(), 'lifeboat-wifi-doctor-'));
      env = { ...sim.env, LIFEBOAT_HOME: home };
      delete env['LIFEBOAT_WIFI'];
      noMux = { ...env, USBMUXD_SOCKET_ADDRESS: `UNIX:${join(home, 'no-usbmuxd-here.sock')}` };
      a = sim.usbUdid;
      b = sim.networkUdid!;
      for (const udid of [a, b]) sim.set(udid, 'totalSpace=64GB', 'freeSpace=60GB', 'locked=false');
      sim.set(b, 'plugged=true');
      for (const udid of [a, b]) {
        assert.equal((await lifeboat(['pair', '--udid', udid], env)).code, 0);
        assert.equal((await lifeboat(['wifi', 'on', '--udid', udid], env)).code, 0);
      }
      sim.set(b, 'plugged=false');
      await sim.simulator.networkSettled();
    });
    after(async () => {
      await sim.close();
      rmSync(home, { recursive: true, force: true });
    });

    const run = (udid: string, options: Partial<DiagnoseOptions> = {}): Promise<Finding[]> =>
      diagnose({ config: DEFAULT_CONFIG, configPath: join(home, 'config.json'), env, mux: sim.mux, udid, probeTimeoutMs: 15_000, ...options });
    /** As on a computer without usbmuxd running (Linux, no phone plugged in). */
    const runWithoutMux = (udid: string): Promise<Finding[]> => diagnose({ config: DEFAULT_CONFIG, configPath: join(home, 'config.json'), env: noMux, udid, probeTimeoutMs: 15_000 });
    const settle = (): Promise<void> => sim.simulator.networkSettled();

    function expectFinding(findings: readonly Finding[], id: string, severity: Finding['severity'], text?: RegExp): Finding {
      const found = findings.find((f) => f.id === id);
      assert.ok(found, `expected a "${id}" finding, got: ${findings.map((f) => `${f.id}/${f.severity}`).join(', ')}`);
      assert.equal(found.severity, severity, `${id}: ${found.title}`);
      assert.ok(found.title.length > 0 && found.explanation.length > 0);
      if (severity !== 'ok') assert.ok(found.fix.length > 0, `${id} has a fix`);
      if (text) assert.match(`${found.title}\n${found.explanation}\n${found.fix}`, text);
      return found;
    }
    function expectNone(findings: readonly Finding[], ...ids: string[]): void {
      for (const id of ids) {
        const found = findings.find((f) => f.id === id && (f.severity === 'warning' || f.severity === 'critical'));
        assert.equal(found, undefined, `"${id}" should be cleared: ${found?.title}`);
      }
    }

    it('a phone on USB with Wi-Fi sync on and on the same network: reachable over Wi-Fi at the address discovery found', async () => {
      const findings = await run(a);
      expectFinding(findings, 'trusted', 'ok');
      expectFinding(findings, 'not-on-wifi', 'ok', /Lockdown answered at 127\.0\.0\.2/);
      expectNone(findings, 'wifi-sync-off', 'not-same-network');
    });

    it('Wi-Fi sync turned off on the phone (read over USB) → "Wi-Fi sync is off" with `lifeboat wifi on`; cleared by it', async () => {
      sim.set(a, 'wifiSync=false');
      await settle();
      const off = expectFinding(await run(a), 'wifi-sync-off', 'warning', /lifeboat wifi on --udid/);
      assert.match(off.explanation, /was turned on for Lifeboat/);
      assert.equal((await lifeboat(['wifi', 'on', '--udid', a], env)).code, 0);
      await settle();
      const fixed = await run(a);
      expectNone(fixed, 'wifi-sync-off');
      expectFinding(fixed, 'not-on-wifi', 'ok', /127\.0\.0\.2/);
    });

    it('Wi-Fi off on the phone (`wifi=false`) → "not on Wi-Fi" (not seen by mDNS); cleared when Wi-Fi is back', async () => {
      sim.set(a, 'wifi=false');
      await settle();
      const findings = await run(a);
      expectFinding(findings, 'not-on-wifi', 'warning', /Turn on Wi-Fi on the iPhone/);
      expectNone(findings, 'not-same-network', 'wifi-sync-off');
      sim.set(a, 'wifi=true');
      await settle();
      expectFinding(await run(a), 'not-on-wifi', 'ok', /127\.0\.0\.2/);
    });

    it('on another Wi-Fi network (`wifiNetwork=other`) → "not on the same network"; cleared on the same network', async () => {
      sim.set(a, 'wifiNetwork=other');
      await settle();
      const findings = await run(a);
      const found = expectFinding(findings, 'not-same-network', 'warning', /same Wi-Fi network as this computer/);
      assert.match(found.explanation, /does not see its announcement/);
      expectNone(findings, 'not-on-wifi');
      sim.set(a, 'wifiNetwork=same');
      await settle();
      const fixed = await run(a);
      expectNone(fixed, 'not-same-network');
      expectFinding(fixed, 'not-on-wifi', 'ok');
    });

    it('announced at an address on another subnet that does not answer (`wifiNetwork=unreachable`) → "not on the same network" naming it', async () => {
      sim.set(a, 'wifiNetwork=unreachable');
      await settle();
      const found = expectFinding(await run(a), 'not-same-network', 'warning', /client isolation/);
      assert.match(found.explanation, /announces itself on the network at 127\.253\.253\.2, but it does not answer there/);
      sim.set(a, 'wifiNetwork=same');
      await settle();
      expectNone(await run(a), 'not-same-network');
    });

    it('a phone only on Wi-Fi, without usbmuxd: examined directly over TCP; off Wi-Fi it is "not connected" (looked for on the network), unreachable it is "not on the same network"', async () => {
      sim.set(b, 'charging=true');
      const found = await runWithoutMux(b);
      expectFinding(found, 'usbmuxd-unreachable', 'info', /only iPhones on Wi-Fi/);
      expectFinding(found, 'trusted', 'ok');
      expectFinding(found, 'not-on-wifi', 'ok', /127\.0\.0\.3/);
      expectFinding(found, 'not-charging', 'ok');
      expectFinding(found, 'device-storage-full', 'ok');

      sim.set(b, 'wifi=false');
      await settle();
      const gone = await runWithoutMux(b);
      expectFinding(gone, 'not-connected', 'warning', /looked for it on this computer's network/);
      expectNone(gone, 'not-same-network');

      sim.set(b, 'wifi=true', 'wifiNetwork=unreachable');
      await settle();
      const unreachable = await runWithoutMux(b);
      expectFinding(unreachable, 'not-same-network', 'warning', /127\.253\.253\.3/);
      expectNone(unreachable, 'not-connected');

      sim.set(b, 'wifiNetwork=same');
      await settle();
      const back = await runWithoutMux(b);
      expectNone(back, 'not-same-network', 'not-connected');
      expectFinding(back, 'not-on-wifi', 'ok');
    });

    it('`lifeboat doctor --json` lists the Wi-Fi-only phone without usbmuxd, with the same findings', async () => {
      const result = await lifeboat(['doctor', '--json'], noMux, 120_000);
      const { findings } = JSON.parse(result.stdout) as { findings: Finding[] };
      const ofB = findings.filter((f) => f.udid === b);
      expectFinding(ofB, 'trusted', 'ok');
      expectFinding(ofB, 'not-on-wifi', 'ok', /127\.0\.0\.3/);
      // a is on the network too (Wi-Fi sync on, same network): found without usbmuxd as well.
      expectFinding(findings.filter((f) => f.udid === a), 'not-on-wifi', 'ok', /127\.0\.0\.2/);
    });
  });
}
