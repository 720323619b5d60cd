/**
 * Wi-Fi sync end to end, with the virtual iPhone on "Wi-Fi": mDNS discovery, lockdown and services over
 * TCP with no usbmuxd, `lifeboat devices` merging, `idevicebackup2 -n` through the NetworkAddress of the
 * simulator's usbmuxd, Wi-Fi going away mid-backup, pairing refused over Wi-Fi, `wifi on|off`.
 *
 * Multicast must never reach a real network, so the tests run in a private network namespace this file
 * creates: run normally, it re-runs itself under `unshare -n` (root) or `unshare -rn`, where only the
 * loopback interface exists (brought up, multicast on, 224.0.0.0/4 routed to it). The phones' "Wi-Fi"
 * addresses are 127.0.0.2 and 127.0.0.3 inside that namespace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DirectoryPairRecordStore } from '../src/protocol/host/pair-record-dir.js';
import { discoverWifiDevices } from '../src/protocol/host/wifi-discovery.js';
import { findWifiDevices } from '../src/protocol/host/wifi-devices.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import type { DeviceFileSystem } from '../sim/data/index.js';
import type { VirtualIPhone } from '../sim/device/virtual-iphone.js';
import { assertVaultIntact, backupFiles, phoneFiles, vaultState } from './support/backup-checks.js';
import { LOOPBACK_ONLY, NETNS_MODE, runInNamespace as runInNetns } from './support/netns.js';
import { requireTool } from './support/require-tool.js';
import { lifeboat, run, startSimHarness, type RunResult, type SimHarness } from './support/sim-harness.js';

const MODE = NETNS_MODE;
const runInNamespace = (t: TestContext, mode: string, setup: string): Promise<void> => runInNetns(t, fileURLToPath(import.meta.url), mode, setup);

/** Counts IPv4 UDP packets to port 5353 leaving through an interface (AF_PACKET sees transmitted packets). */
const SNIFFER = `
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0)); s.settimeout(0.1)
print('ready', flush=True)
end = time.time() + float(sys.argv[2]); count = 0
while time.time() < end:
    try: p = s.recv(65535)
    except socket.timeout: continue
    if len(p) >= 42 and p[12:14] == b'\\x08\\x00' and p[23] == 17:
        ihl = (p[14] & 15) * 4
        if struct.unpack('!H', p[14 + ihl + 2:16 + ihl + 2])[0] == 5353: count += 1
print(count, flush=True)
`;

if (MODE === undefined) {
  describe('Wi-Fi sync (in private network namespaces)', () => {
    it('every Wi-Fi test passes inside `unshare -n` with only loopback, multicast enabled on it', (t) =>
      runInNamespace(t, '1', LOOPBACK_ONLY));

    it('no mDNS packet of the virtual iPhone leaves loopback, in a namespace with a second interface as the default route', (t) =>
      runInNamespace(
        t,
        'leak',
        'ip link set lo up && ip link add lb-out type veth peer name lb-peer && ip addr add 10.9.9.1/24 dev lb-out && ip link set lb-out up && ip link set lb-peer up && ip route add default via 10.9.9.2 dev lb-out',
      ));
  });
} else if (MODE === 'leak') {
  describe('mDNS stays on loopback', () => {
    const sniff = async (seconds: number, during: () => Promise<void>): Promise<number> => {
      const child = spawn('python3', ['-c', SNIFFER, 'lb-out', String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      assert.equal((await lines.next()).value, 'ready');
      await during();
      return Number((await lines.next()).value);
    };

    it('the virtual iPhone advertising and a discovery pinned to 127.0.0.1 send nothing on lb-out; an unpinned discovery does', async (t) => {
      if (!requireTool(t, 'python3')) return;
      let found = 0;
      const leaked = await sniff(6, async () => {
        const sim = await startSimHarness({ devices: 2, autoTrust: true, mdns: true, wifiPrefix: '127.0.0' });
        try {
          sim.set(sim.usbUdid, 'wifiSync=true');
          await sim.simulator.networkSettled();
          found = (await discoverWifiDevices({ timeoutMs: 1500, interfaceAddress: '127.0.0.1' })).length;
        } finally {
          await sim.close(); // sends the goodbyes
        }
      });
      assert.equal(found, 2, 'the phones were advertised and found on loopback');
      assert.equal(leaked, 0, 'no mDNS packet on the other interface');
      const control = await sniff(3, async () => {
        await discoverWifiDevices({ timeoutMs: 1000 });
      });
      assert.ok(control > 0, 'the check sees mDNS on lb-out when discovery is not pinned (so 0 above means something)');
    });
  });
} else {
  describe('Wi-Fi sync inside the namespace', () => {
    let sim: SimHarness;
    let home: string;
    let env: NodeJS.ProcessEnv;
    /** The CLI with usbmuxd out of reach: anything that works here works without usbmuxd. */
    let noMux: NodeJS.ProcessEnv;
    let a: string;
    let b: string;
    const phone = (udid: string): VirtualIPhone => sim.simulator.phone(udid)!;
    const fsOf = (udid: string): DeviceFileSystem => sim.simulator.fileSystem(phone(udid));
    const json = <T>(result: RunResult): T => {
      assert.equal(result.code, 0, result.stdout + result.stderr);
      return JSON.parse(result.stdout) as T;
    };
    const lastLine = <T>(result: RunResult): T => {
      assert.equal(result.code, 0, result.stdout + result.stderr);
      return JSON.parse(result.stdout.trim().split('\n').pop()!) as T;
    };
    const wifiRecords = (): DirectoryPairRecordStore => new DirectoryPairRecordStore(join(home, 'wifi', 'pair-records'));

    before(async () => {
      sim = await startSimHarness({ devices: 2, autoTrust: true, mdns: true, wifiPrefix: '127.0.0' });
      home = mkdtempSync(join(tmpdir(), 'lifeboat-wifi-home-'));
      env = { ...sim.env, LIFEBOAT_HOME: home };
      noMux = { ...env, USBMUXD_SOCKET_ADDRESS: `UNIX:${join(home, 'no-usbmuxd-here.sock')}` };
      a = sim.usbUdid;
      b = sim.networkUdid!;
      sim.set(b, 'plugged=true'); // pairing needs a cable, as on a real phone
      for (const udid of [a, b]) assert.equal((await lifeboat(['pair', '--udid', udid], env)).code, 0);
    });
    after(async () => {
      await sim.close();
      rmSync(home, { recursive: true, force: true });
    });

    it('lifeboat wifi on (over USB) sets EnableWifiConnections, keeps the pair record with the Wi-Fi MAC, and the phone advertises itself', async () => {
      assert.equal(phone(a).state.wifiSync, false);
      assert.equal(sim.simulator.advertisedInstances().some((i) => i.startsWith(phone(a).identity.wifiAddress)), false);
      for (const udid of [a, b]) {
        const on = json<{ udid: string; wifiSync: boolean; wifiMac: string; connection: string }>(await lifeboat(['wifi', 'on', '--udid', udid, '--json'], env));
        assert.deepEqual(on, { udid, wifiSync: true, wifiMac: phone(udid).identity.wifiAddress, connection: 'USB' });
        assert.equal(phone(udid).state.wifiSync, true);
        assert.equal((await wifiRecords().read(udid))?.wifiMacAddress, phone(udid).identity.wifiAddress);
      }
      await sim.simulator.networkSettled();
      assert.deepEqual(
        sim.simulator.advertisedInstances().map((i) => i.split('@')[0]).sort(),
        [phone(a).identity.wifiAddress, phone(b).identity.wifiAddress].sort(),
      );
      sim.set(b, 'plugged=false');
    });

    it('discovery finds both phones by mDNS at their own addresses and matches them to pair records by Wi-Fi MAC', async () => {
      const ads = await discoverWifiDevices({ timeoutMs: 1500 });
      for (const [udid, address] of [[a, '127.0.0.2'], [b, '127.0.0.3']] as const) {
        const ad = ads.find((x) => x.wifiMac === phone(udid).identity.wifiAddress);
        assert.ok(ad, `${udid} advertised`);
        assert.deepEqual(ad.addresses, [address]);
        assert.match(ad.instance, /^[0-9a-f:]{17}@fe80::[0-9a-f:]+\._apple-mobdev2\._tcp\.local$/);
      }
      const started = Date.now();
      assert.deepEqual((await findWifiDevices(wifiRecords(), { timeoutMs: 20_000 })).map((d) => d.udid).sort(), [a, b].sort());
      assert.ok(Date.now() - started < 10_000, 'discovery stops as soon as every paired phone has answered');
      const scan = json<{ devices: Array<{ udid: string | null; addresses: string[] }> }>(await lifeboat(['wifi', 'scan', '--json'], noMux));
      assert.deepEqual(scan.devices.map((d) => d.udid).sort(), [a, b].sort());
    });

    it('lifeboat devices lists Wi-Fi phones as "wifi", merged with usbmuxd (USB preferred), and still lists them without usbmuxd', async () => {
      type Listing = { devices: Array<{ udid: string; connection: string; connections: string[]; trust: string; battery?: { percent: number } }> };
      const merged = json<Listing>(await lifeboat(['devices', '--json'], env)).devices;
      assert.deepEqual(merged.find((d) => d.udid === a)?.connections, ['USB', 'Network', 'wifi'], 'with Wi-Fi sync on, the simulator\'s usbmuxd lists it as Network too');
      assert.equal(merged.find((d) => d.udid === a)?.connection, 'USB');
      assert.deepEqual(merged.find((d) => d.udid === b)?.connections, ['Network', 'wifi']);
      const direct = json<Listing>(await lifeboat(['devices', '--json'], noMux)).devices;
      assert.equal(direct.length, 2);
      for (const device of direct) {
        assert.equal(device.connection, 'wifi');
        assert.deepEqual(device.connections, ['wifi']);
        assert.equal(device.trust, 'trusted', 'a TLS lockdown session over TCP with the stored pair record');
        assert.equal(device.battery?.percent, 80);
      }
    });

    it('Lifeboat backs a phone up over Wi-Fi with no usbmuxd, and the snapshot holds exactly what a USB backup holds', async () => {
      const accepted = sim.simulator.networkConnectionsAccepted(phone(b));
      const wifi = lastLine<{ type: string; folder: string; full: boolean }>(await lifeboat(['backup', '--udid', b, '--json'], noMux, 180_000));
      assert.equal(wifi.type, 'result');
      assert.ok(sim.simulator.networkConnectionsAccepted(phone(b)) > accepted, 'lockdown and services were reached over TCP');
      const expected = await phoneFiles(fsOf(b), false);
      const overWifi = await backupFiles(wifi.folder);
      assert.deepEqual(overWifi, expected);

      sim.set(b, 'plugged=true');
      const usbHome = mkdtempSync(join(tmpdir(), 'lifeboat-wifi-usb-'));
      try {
        const usb = lastLine<{ folder: string }>(await lifeboat(['backup', '--udid', b, '--full', '--json'], { ...sim.env, LIFEBOAT_HOME: usbHome }, 180_000));
        assert.deepEqual(await backupFiles(usb.folder), overWifi, 'same content over USB and over Wi-Fi');
      } finally {
        sim.set(b, 'plugged=false');
        rmSync(usbHome, { recursive: true, force: true });
      }
    });

    it('idevicebackup2 -n reaches the phone through the NetworkAddress of its usbmuxd entry and backs it up over TCP', async (t) => {
      if (!requireTool(t, 'idevicebackup2')) return;
      const ids = await run('idevice_id', ['-n'], sim.env);
      if (ids.code === 0) assert.match(ids.stdout, new RegExp(b));
      const dir = join(home, 'ib2');
      mkdirSync(dir);
      const accepted = sim.simulator.networkConnectionsAccepted(phone(b));
      const result = await run('idevicebackup2', ['-n', '-u', b, 'backup', '--full', dir], sim.env, 180_000);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /Backup Successful/);
      assert.ok(sim.simulator.networkConnectionsAccepted(phone(b)) > accepted, 'idevicebackup2 connected to 127.0.0.3 directly');
      assert.deepEqual(await backupFiles(join(dir, b)), await phoneFiles(fsOf(b), false));
    });

    it('Wi-Fi turned off mid-backup: a clear error, the previous snapshot intact, the phone gone from the network; the next backup succeeds', async () => {
      const store = new LocalSnapshotStore(join(home, 'vault'));
      const previous = vaultState(store, b);
      sim.set(b, 'fault=slow:2MB');
      const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'lifeboat.js'), 'backup', '--udid', b, '--full', '--json'], { env: noMux, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      let cut = false;
      createInterface({ input: child.stdout }).on('line', (line) => {
        const event = JSON.parse(line) as { type: string; bytes?: number };
        if (!cut && event.type === 'progress' && (event.bytes ?? 0) > 0) {
          cut = true;
          sim.set(b, 'wifi=false');
        }
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.ok(cut, 'Wi-Fi went off while file data was arriving');
      assert.equal(code, 3, stderr);
      const error = (JSON.parse(stderr.trim().split('\n').pop()!) as { error: { code: string; message: string; hint: string } }).error;
      assert.equal(error.code, 'DEVICE_DISCONNECTED');
      assert.match(error.message, /^the iPhone was disconnected during the backup; the previous backup is intact/);
      assert.match(error.hint, /same Wi-Fi network/);
      await assertVaultIntact(store, b, previous);

      await sim.simulator.networkSettled();
      assert.equal((await discoverWifiDevices({ timeoutMs: 1000 })).some((ad) => ad.wifiMac === phone(b).identity.wifiAddress), false, 'no longer advertised');
      assert.equal((await sim.mux.listDevices()).some((d) => d.udid.replace(/-/g, '') === b.replace(/-/g, '')), false, 'gone from usbmuxd');
      await assert.rejects(
        new Promise((resolve, reject) => net.connect({ host: '127.0.0.3', port: 62078 }).once('connect', resolve).once('error', reject)),
        /ECONNREFUSED/,
      );
      const gone = await lifeboat(['backup', '--udid', b], noMux, 60_000);
      assert.equal(gone.code, 3);
      assert.match(gone.stderr, /no connected iPhone has UDID/);

      sim.set(b, 'wifi=true', 'fault=none');
      await sim.simulator.networkSettled();
      const next = lastLine<{ type: string; folder: string }>(await lifeboat(['backup', '--udid', b, '--json'], noMux, 180_000));
      assert.equal(store.list(b).length, previous.ids.length + 1);
      assert.deepEqual(await backupFiles(next.folder), await phoneFiles(fsOf(b), false));
    });

    it('Lifeboat restores a snapshot to the phone over Wi-Fi with no usbmuxd (every file, and what `sim truth` reports)', async () => {
      const snapshot = new LocalSnapshotStore(join(home, 'vault')).latest(b)!;
      const expected = await backupFiles(snapshot.deviceDir);
      // The snapshot was taken just before, so the phone's truth now is the snapshot's.
      assert.deepEqual(await phoneFiles(fsOf(b), false), expected);
      type Truth = { domains: Record<string, unknown>; restoredStructuredFiles: string[] };
      const simTruth = async (): Promise<Truth> => {
        const result = await lifeboat(['sim', 'truth', '--socket', sim.socket, b], env, 120_000);
        assert.equal(result.code, 0, result.stderr);
        return JSON.parse(result.stdout) as Truth;
      };
      const truthAtSnapshot = await simTruth();
      fsOf(b).mutate({ kind: 'messages', add: 3 });
      assert.notDeepEqual((await simTruth()).domains, truthAtSnapshot.domains, 'sim truth sees the new messages');
      fsOf(b).mutate({ kind: 'appFiles', add: 2, remove: 1 });
      assert.notDeepEqual(await phoneFiles(fsOf(b), false), expected, 'the phone changed since the snapshot');
      const restored = await lifeboat(['restore', '--udid', b, '--snapshot', snapshot.id, '--system', '--remove', '--no-reboot', '--json'], noMux, 180_000);
      assert.equal(restored.code, 0, restored.stdout + restored.stderr);
      assert.deepEqual(await phoneFiles(fsOf(b), false), expected);
      // `sim truth` reports the Messages database as one the restore replaced (the phone's per-file truth
      // is compared above: every file of an unencrypted backup, by content digest, as in the snapshot).
      const restoredTruth = await simTruth();
      assert.ok(restoredTruth.restoredStructuredFiles.includes('HomeDomain/Library/SMS/sms.db'), restoredTruth.restoredStructuredFiles.join(', '));
      assert.notDeepEqual(truthAtSnapshot.restoredStructuredFiles, restoredTruth.restoredStructuredFiles);
    });

    it('pairing over Wi-Fi is refused with a clear message, as the phone refuses it', async () => {
      const result = await lifeboat(['pair', '--udid', b], noMux, 60_000);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /pairing is only allowed over a USB cable \(Pair: PairingProhibitedOverThisConnection\)/);
      assert.match(result.stderr, /Connect the iPhone with a cable to pair it once/);
      assert.equal(phone(b).pairedHosts().length, 1, 'the existing pairing is untouched');
    });

    it('lifeboat wifi off: the phone stops advertising, Lifeboat forgets its Wi-Fi record, devices shows USB only', async () => {
      const off = json<{ wifiSync: boolean }>(await lifeboat(['wifi', 'off', '--udid', a, '--json'], env));
      assert.equal(off.wifiSync, false);
      assert.equal(phone(a).state.wifiSync, false);
      await sim.simulator.networkSettled();
      assert.equal(sim.simulator.advertisedInstances().some((i) => i.startsWith(phone(a).identity.wifiAddress)), false);
      assert.equal(existsSync(join(home, 'wifi', 'pair-records', `${a}.plist`)), false);
      const listing = json<{ devices: Array<{ udid: string; connections: string[] }> }>(await lifeboat(['devices', '--json'], env));
      assert.deepEqual(listing.devices.find((d) => d.udid === a)?.connections, ['USB']);
    });
  });
}
