/**
 * AFC and installation_proxy end to end: Lifeboat's host clients against the virtual iPhone's
 * services, first over plain in-process sockets, then through the whole stack (usbmuxd, lockdownd
 * pairing, a TLS session, StartService, a TLS service connection), and finally libimobiledevice's own
 * AFC client (src/afc.c) against our device side.
 *
 * Real tools: Debian's libimobiledevice-utils 1.3.0 ships neither `afcclient` (added to
 * libimobiledevice after 1.3.0) nor `ideviceinstaller` (a separate package, not installed here), so
 * they cannot cross-check these services. `idevicecrashreport` from that package does speak AFC with
 * libimobiledevice's afc.c (on com.apple.crashreportcopymobile, after a "ping" from
 * com.apple.crashreportmover), so the test registers our AFC service under those names and lets it
 * copy and then move files: read-dir, get-file-info, open, 4 KiB reads to EOF, close, remove.
 * `idevicebackup2` also drives AFC (the sync lock) and installation_proxy, but only once
 * mobilebackup2 exists on the phone.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import type net from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { encodeXmlPlist, parsePlist, type PlistDict } from '../src/plist/index.js';
import type { UsbmuxPairRecordStore } from '../src/protocol/host/pair-store.js';
import { openTrustedSession } from '../src/protocol/host/session.js';
import { LockdownService } from '../src/protocol/lockdown/constants.js';
import type { LockdownClient } from '../src/protocol/lockdown/client.js';
import { AfcClient } from '../src/protocol/services/afc/client.js';
import { AFC_SYNC_LOCK_PATH } from '../src/protocol/services/afc/constants.js';
import { AfcError } from '../src/protocol/services/afc/errors.js';
import { InstallationProxyClient } from '../src/protocol/services/installation-proxy/client.js';
import { BACKUP_RETURN_ATTRIBUTES } from '../src/protocol/services/installation-proxy/messages.js';
import type { UsbmuxTransport } from '../src/protocol/transport.js';
import type { InstalledApp } from '../sim/data/types.js';
import { VirtualIPhone } from '../sim/device/virtual-iphone.js';
import { generateIdentity } from '../sim/model/identity.js';
import { defaultState } from '../sim/model/state.js';
import { createMediaPartition, serveAfc, type MediaPartition } from '../sim/services/afc.js';
import { serveInstallationProxy } from '../sim/services/installation-proxy.js';
import { MemoryStore } from '../sim/store.js';
import { requireTool } from './support/require-tool.js';
import { run, startSimHarness, type SimHarness } from './support/sim-harness.js';
import { socketPair } from './support/socket-pair.js';

function makeApps(count: number): InstalledApp[] {
  return Array.from({ length: count }, (_, i) => ({
    bundleId: `org.lifeboat.test${String(i).padStart(2, '0')}`,
    name: `Test App ${i}`,
    version: String(200 + i),
    shortVersion: `2.${i}`,
    domains: [`AppDomain-org.lifeboat.test${i}`],
    iTunesMetadata: encodeXmlPlist({ itemId: 1000 + i, itemName: `Test App ${i}` }),
    applicationSinf: Buffer.from(`SINF-${i}-`.repeat(8)),
  }));
}

const isAfc = (name: string) => (e: unknown) => e instanceof AfcError && e.deviceError === name;

describe('host AFC and installation_proxy clients against the virtual iPhone (in process)', () => {
  const sockets: net.Socket[] = [];
  let phone: VirtualIPhone;
  let partition: MediaPartition;
  let afc: () => Promise<AfcClient>;

  before(async () => {
    const identity = generateIdentity('afc-interop', 0);
    phone = await VirtualIPhone.open(identity, defaultState(identity), new MemoryStore(), { log() {} }, () =>
      Promise.resolve({ publicKeyPem: Buffer.alloc(0), privateKeyPem: Buffer.alloc(0) }),
    );
    partition = createMediaPartition({ seed: 'afc-interop' });
    const handler = serveAfc(partition);
    afc = async () => {
      const [host, device] = await socketPair();
      sockets.push(host, device);
      handler(device, phone);
      return new AfcClient(host, { timeoutMs: 5000 });
    };
  });
  after(() => sockets.forEach((s) => s.destroy()));

  it('lists, stats, makes directories, writes and reads files in chunks, renames and removes', async () => {
    const client = await afc();
    const root = await client.readDirectory('/');
    assert.ok(root.includes('iTunes_Control') && root.includes('Books') && !root.includes('.'));
    assert.equal((await client.getFileInfo('/DCIM')).type, 'S_IFDIR');
    await client.makeDirectory('/Downloads/lifeboat/deep');
    await client.makeDirectory('/Downloads/lifeboat/deep');
    const big = Buffer.alloc(3 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    await client.writeFile('/Downloads/lifeboat/deep/big.bin', big);
    const info = await client.getFileInfo('/Downloads/lifeboat/deep/big.bin');
    assert.equal(info.type, 'S_IFREG');
    assert.equal(info.size, big.length);
    assert.ok(info.mtimeNs > 0n);
    assert.ok((await client.readFile('/Downloads/lifeboat/deep/big.bin')).equals(big));
    assert.ok(partition.readFile('/Downloads/lifeboat/deep/big.bin')!.equals(big));

    const handle = await client.fileOpen('/Downloads/lifeboat/deep/big.bin', 'RDONLY');
    await client.fileSeek(handle, 1000);
    assert.deepEqual(await client.fileRead(handle, 4), big.subarray(1000, 1004));
    assert.equal(await client.fileTell(handle), 1004);
    await client.fileClose(handle);
    await assert.rejects(client.fileClose(handle), isAfc('INVALID_ARG'));

    await client.renamePath('/Downloads/lifeboat/deep/big.bin', '/Downloads/lifeboat/moved.bin');
    assert.deepEqual(await client.readDirectory('/Downloads/lifeboat'), ['deep', 'moved.bin']);
    await assert.rejects(client.getFileInfo('/Downloads/lifeboat/deep/big.bin'), isAfc('OBJECT_NOT_FOUND'));
    await assert.rejects(client.removePath('/Downloads/lifeboat'), isAfc('DIR_NOT_EMPTY'));
    await client.removePath('/Downloads/lifeboat/moved.bin');
    await client.removePath('/Downloads/lifeboat/deep');
    await client.removePath('/Downloads/lifeboat');
    assert.equal(partition.exists('/Downloads/lifeboat'), false);
    const device = await client.getDeviceInfo();
    assert.equal(device.model, phone.identity.productType);
    assert.equal(device.totalBytes, phone.state.totalBytes);
    client.close();
  });

  it('refuses path traversal with PERM_DENIED and keeps working', async () => {
    const client = await afc();
    await assert.rejects(client.getFileInfo('/../../etc/passwd'), isAfc('PERM_DENIED'));
    await assert.rejects(client.writeFile('../outside.txt', Buffer.from('x')), isAfc('PERM_DENIED'));
    await assert.rejects(client.readDirectory('/DCIM/../..'), isAfc('PERM_DENIED'));
    await assert.rejects(client.renamePath('/Books/iBooksData2.plist', '/Books/../../x'), isAfc('PERM_DENIED'));
    assert.ok((await client.readDirectory('/DCIM/../Books')).includes('iBooksData2.plist'));
    client.close();
  });

  it('holds the sync lock against a second connection, which gets it once the first releases', async () => {
    const first = await afc();
    const second = await afc();
    let secondGotIt = false;
    let waited = 0;
    let waiting: Promise<void> | undefined;
    await first.withSyncLock(async () => {
      assert.equal(partition.lockState(AFC_SYNC_LOCK_PATH), 'exclusive');
      await assert.rejects(second.withSyncLock(() => assert.fail('must not run'), { attempts: 3, intervalMs: 5 }), isAfc('OP_WOULD_BLOCK'));
      waiting = second.withSyncLock(
        () => {
          secondGotIt = true;
        },
        { intervalMs: 10, onWaiting: () => waited++ },
      );
      await new Promise((r) => setTimeout(r, 60));
      assert.equal(secondGotIt, false);
    });
    await waiting;
    assert.equal(secondGotIt, true);
    assert.ok(waited >= 1, 'the second host had to wait');
    assert.equal(partition.lockState(AFC_SYNC_LOCK_PATH), 'none');
    first.close();
    second.close();
  });

  it('releases the lock when the holder disconnects', async () => {
    const holder = await afc();
    const handle = await holder.fileOpen(AFC_SYNC_LOCK_PATH, 'RW');
    await holder.fileLock(handle, 'EX');
    const other = await afc();
    await assert.rejects(other.withSyncLock(() => 1, { attempts: 2, intervalMs: 5 }), isAfc('OP_WOULD_BLOCK'));
    holder.close();
    assert.equal(await other.withSyncLock(() => 'mine', { intervalMs: 10 }), 'mine');
    other.close();
  });

  it('browses installed apps page by page, typed, with SINF and metadata when asked', async () => {
    const apps = makeApps(25);
    const [host, device] = await socketPair();
    sockets.push(host, device);
    serveInstallationProxy(apps, { pageSize: 10 })(device, phone);
    const client = new InstallationProxyClient(host, { timeoutMs: 5000 });
    const listed = await client.browse({ applicationType: 'User' });
    assert.deepEqual(
      listed.map((a) => a.bundleId),
      apps.map((a) => a.bundleId),
    );
    assert.equal(listed[3]!.displayName, 'Test App 3');
    assert.equal(listed[3]!.version, '203');
    assert.equal(listed[3]!.shortVersion, '2.3');
    assert.equal(listed[3]!.applicationType, 'User');
    assert.match(listed[3]!.container ?? '', /Containers\/Data\/Application/);
    assert.equal(listed[3]!.iTunesMetadata, undefined);
    const forBackup = await client.browse({ applicationType: 'User', returnAttributes: BACKUP_RETURN_ATTRIBUTES });
    assert.ok(Buffer.from(forBackup[24]!.applicationSinf!).equals(apps[24]!.applicationSinf));
    assert.ok(Buffer.from(forBackup[24]!.iTunesMetadata!).equals(apps[24]!.iTunesMetadata));
    const system = await client.browse({ applicationType: 'System' });
    assert.ok(system.every((a) => a.applicationType === 'System') && system.length > 0);
    const found = await client.lookup(['org.lifeboat.test07', 'com.absent'], { returnAttributes: ['CFBundleShortVersionString'] });
    assert.deepEqual([...found.keys()], ['org.lifeboat.test07']);
    assert.equal(found.get('org.lifeboat.test07')!.shortVersion, '2.7');
    client.close();
  });
});

describe('AFC and installation_proxy through the whole stack (usbmuxd, lockdown, TLS)', () => {
  let sim: SimHarness;
  let store: UsbmuxPairRecordStore;
  let partition: MediaPartition;
  let udid: string;
  const apps = makeApps(3);
  const transport = (): Promise<UsbmuxTransport> => sim.transport(udid);
  const lockdowns: LockdownClient[] = [];
  const session = async (): Promise<LockdownClient> => {
    const { lockdown } = await openTrustedSession(await transport(), store);
    lockdowns.push(lockdown);
    return lockdown;
  };

  before(async () => {
    sim = await startSimHarness({ devices: 1, autoTrust: true });
    udid = sim.usbUdid;
    const phone = sim.simulator.phone(udid)!;
    partition = createMediaPartition({ seed: udid });
    phone.registerService(LockdownService.AFC, serveAfc(partition));
    phone.registerService(LockdownService.INSTALLATION_PROXY, serveInstallationProxy(apps));
    store = await sim.pair(udid);
  });
  after(async () => {
    for (const lockdown of lockdowns) lockdown.close();
    await sim.close();
  });

  it('prepares a backup as idevicebackup2 does: sync lock, Info.plist files, app list, RestoreApplications.plist', async () => {
    const lockdown = await session();
    const afc = new AfcClient(await lockdown.openService(LockdownService.AFC), { label: `AFC ${udid}`, timeoutMs: 10_000 });
    const instproxy = new InstallationProxyClient(await lockdown.openService(LockdownService.INSTALLATION_PROXY), { timeoutMs: 10_000 });
    const rival = new AfcClient(await (await session()).openService(LockdownService.AFC), { timeoutMs: 10_000 });

    const applications: PlistDict = {};
    await afc.withSyncLock(async () => {
      // Another host trying to sync now is told to wait.
      await assert.rejects(rival.withSyncLock(() => 0, { attempts: 2, intervalMs: 10 }), isAfc('OP_WOULD_BLOCK'));

      const books = await afc.readFile('/Books/iBooksData2.plist');
      assert.ok(books.equals(partition.readFile('/Books/iBooksData2.plist')!));
      const names = ['ApertureAlbumPrefs', 'IC-Info.sidb', 'IC-Info.sidv', 'PhotosFolderAlbums', 'PhotosFolderName', 'PhotosFolderPrefs', 'VoiceMemos.plist', 'iPhotoAlbumPrefs', 'iTunesApplicationIDs', 'iTunesPrefs', 'iTunesPrefs.plist'];
      const itunesFiles: Record<string, Buffer> = {};
      for (const name of names) {
        const path = `/iTunes_Control/iTunes/${name}`;
        try {
          if ((await afc.getFileInfo(path)).size > 0) itunesFiles[name] = await afc.readFile(path);
        } catch (error) {
          if (!(error instanceof AfcError && error.deviceError === 'OBJECT_NOT_FOUND')) throw error;
        }
      }
      assert.deepEqual(Object.keys(itunesFiles).sort(), ['IC-Info.sidb', 'IC-Info.sidv', 'VoiceMemos.plist', 'iTunesPrefs', 'iTunesPrefs.plist']);
      for (const [name, content] of Object.entries(itunesFiles)) assert.ok(content.equals(partition.readFile(`/iTunes_Control/iTunes/${name}`)!), name);

      const listed = await instproxy.browse({ applicationType: 'User', returnAttributes: BACKUP_RETURN_ATTRIBUTES });
      assert.deepEqual(
        listed.map((a) => a.bundleId),
        apps.map((a) => a.bundleId),
      );
      for (const app of listed) applications[app.bundleId] = { ApplicationSINF: app.applicationSinf!, iTunesMetadata: app.iTunesMetadata! };

      await afc.makeDirectory('/iTunesRestore');
      await afc.writeFile('/iTunesRestore/RestoreApplications.plist', encodeXmlPlist(applications));
    });
    assert.equal(partition.lockState(AFC_SYNC_LOCK_PATH), 'none');

    const written = partition.lastWrite('/iTunesRestore/RestoreApplications.plist');
    assert.ok(written, 'the phone recorded RestoreApplications.plist');
    const parsed = parsePlist(written) as PlistDict;
    assert.deepEqual(Object.keys(parsed).sort(), apps.map((a) => a.bundleId).sort());
    const first = parsed[apps[0]!.bundleId] as PlistDict;
    assert.ok(Buffer.from(first['ApplicationSINF'] as Uint8Array).equals(apps[0]!.applicationSinf));

    // The rival gets the lock now that the backup host released it.
    assert.equal(await rival.withSyncLock(() => 'rival', { intervalMs: 10 }), 'rival');
    afc.close();
    rival.close();
    instproxy.close();
  });

  it('lets libimobiledevice\'s AFC client (idevicecrashreport) copy, then move, files from our AFC service', async (t) => {
    if (!requireTool(t, 'idevicecrashreport')) return;
    const phone = sim.simulator.phone(udid)!;
    const reports = createMediaPartition({ populate: false });
    const big = Buffer.alloc(10_000);
    for (let i = 0; i < big.length; i++) big[i] = 0x41 + (i % 26);
    reports.writeFile('/JetsamEvent-2025-01-01-120000.ips', '{"bug_type":"298"}\n');
    reports.writeFile('/Retired/ExcUserFault_Lifeboat-2025-01-02.ips', big);
    reports.writeFile('/Analytics/Log-Aggregated-2025-01-03.ips', 'aggregated\n');
    phone.registerService('com.apple.crashreportmover', (stream: Duplex) => {
      stream.on('error', () => undefined);
      stream.write('ping');
      stream.resume();
      stream.once('end', () => stream.destroy());
    });
    phone.registerService('com.apple.crashreportcopymobile', serveAfc(reports, { serviceName: 'crashreportcopymobile' }));

    const copyDir = join(sim.dir, 'reports-copy');
    mkdirSync(copyDir);
    const copied = await run('idevicecrashreport', ['-u', udid, '-k', copyDir], sim.env);
    assert.equal(copied.code, 0, copied.stdout + copied.stderr);
    assert.equal(readFileSync(join(copyDir, 'JetsamEvent-2025-01-01-120000.ips'), 'utf8'), '{"bug_type":"298"}\n');
    assert.ok(readFileSync(join(copyDir, 'Retired', 'ExcUserFault_Lifeboat-2025-01-02.ips')).equals(big), 'a multi-read file arrives intact');
    assert.equal(readFileSync(join(copyDir, 'Analytics', 'Log-Aggregated-2025-01-03.ips'), 'utf8'), 'aggregated\n');
    assert.ok(reports.exists('/Retired/ExcUserFault_Lifeboat-2025-01-02.ips'), '-k keeps the reports on the phone');

    const moveDir = join(sim.dir, 'reports-move');
    mkdirSync(moveDir);
    const moved = await run('idevicecrashreport', ['-u', udid, moveDir], sim.env);
    assert.equal(moved.code, 0, moved.stdout + moved.stderr);
    assert.deepEqual(readdirSync(moveDir).sort(), ['Analytics', 'JetsamEvent-2025-01-01-120000.ips', 'Retired']);
    assert.deepEqual(reports.listDirectory('/'), [], 'files and emptied directories were removed through AFC');
  });
});
