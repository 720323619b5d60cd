/**
 * The local vault end to end: snapshots with digests and sizes, verify catching a flipped byte, a
 * truncated file and a deleted file, du counting hard links once, forget removing a snapshot while an
 * older remaining one is still restorable by idevicebackup2 and by Lifeboat.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, openSync, readSync, rmSync, truncateSync, unlinkSync, writeSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backupDevice } from '../src/backup/engine.js';
import { restoreDevice } from '../src/backup/restore.js';
import type { UsbmuxPairRecordStore } from '../src/protocol/host/pair-store.js';
import type { UsbmuxTransport } from '../src/protocol/transport.js';
import { readDigests } from '../src/vault/digests.js';
import { applyForget } from '../src/vault/forget.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import { vaultUsage } from '../src/vault/usage.js';
import { verifySnapshot } from '../src/vault/verify.js';
import type { DeviceFileSystem } from '../sim/data/index.js';
import { requireTool } from './support/require-tool.js';
import { phoneFiles } from './support/backup-checks.js';
import { lifeboat, run, startSimHarness, type SimHarness } from './support/sim-harness.js';

describe('local vault', () => {
  let sim: SimHarness;
  let home: string;
  let store: LocalSnapshotStore;
  let pairs: UsbmuxPairRecordStore;
  let firstFiles: Map<string, string>;
  const transport = (udid: string): Promise<UsbmuxTransport> => sim.transport(udid);
  const fsOf = (udid: string): DeviceFileSystem => sim.simulator.fileSystem(sim.simulator.phone(udid)!);

  before(async () => {
    sim = await startSimHarness({ devices: 2, autoTrust: true });
    home = mkdtempSync(join(tmpdir(), 'lifeboat-home-'));
    store = new LocalSnapshotStore(join(home, 'vault'));
    pairs = await sim.pair();
    firstFiles = await phoneFiles(fsOf(sim.usbUdid));
    await backupDevice({ transport: await transport(sim.usbUdid), pairStore: pairs, store });
    fsOf(sim.usbUdid).mutate({ kind: 'photos', add: 2 });
    await backupDevice({ transport: await transport(sim.usbUdid), pairStore: pairs, store });
    fsOf(sim.usbUdid).mutate({ kind: 'appFiles', add: 8, change: 2 });
    await backupDevice({ transport: await transport(sim.usbUdid), pairStore: pairs, store });
  });
  after(async () => {
    await sim.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('records files, sizes and new bytes per snapshot, and verifies them', async () => {
    const [first, second] = store.list(sim.usbUdid);
    assert.ok(first?.meta?.files && first.meta.logicalBytes && first.meta.newBytes === first.meta.logicalBytes);
    assert.ok(second?.meta?.newBytes !== undefined && second.meta.newBytes < second.meta.logicalBytes! / 2, 'an incremental snapshot adds little');
    assert.equal(readDigests(second.backupDir)?.length, second.meta.files);
    for (const ref of store.list(sim.usbUdid)) assert.equal((await verifySnapshot(ref)).ok, true, ref.id);
  });

  it('counts shared files once on disk', () => {
    const usage = vaultUsage(store, [sim.usbUdid]);
    assert.ok(usage.diskBytes < usage.logicalBytes * 0.6, `${usage.diskBytes} on disk for ${usage.logicalBytes} logical`);
  });

  it('names a flipped byte, a truncated file and a deleted file, and the CLI exits non-zero', async () => {
    const latest = store.latest(sim.usbUdid)!;
    const previous = store.list(sim.usbUdid).at(-2)!;
    // Files new in the latest snapshot (not shared with the previous one), so damage stays local to it.
    const before = new Set(readDigests(previous.backupDir)!.map((d) => `${d.inode}`));
    const fresh = readDigests(latest.backupDir)!.filter((d) => !before.has(`${d.inode}`) && /^[0-9a-f]{2}\//.test(d.path) && d.size > 10);
    assert.ok(fresh.length >= 3, `three new blobs to damage (found ${fresh.length} of ${readDigests(latest.backupDir)!.length})`);
    const [flip, cut, gone] = fresh as [typeof fresh[0], typeof fresh[0], typeof fresh[0]];
    const fd = openSync(join(latest.deviceDir, flip.path), 'r+');
    const one = Buffer.alloc(1);
    readSync(fd, one, 0, 1, 5);
    one[0] = one[0]! ^ 0xff;
    writeSync(fd, one, 0, 1, 5);
    closeSync(fd);
    truncateSync(join(latest.deviceDir, cut.path), Math.floor(cut.size / 2));
    unlinkSync(join(latest.deviceDir, gone.path));
    appendFileSync(join(latest.deviceDir, 'stray.txt'), 'x');
    const report = await verifySnapshot(latest);
    assert.equal(report.ok, false);
    const find = (kind: string, path: string): boolean => report.problems.some((p) => p.kind === kind && p.path === path);
    assert.ok(find('changed', flip.path), 'flipped byte');
    assert.ok(find('truncated', cut.path), 'truncated file');
    assert.ok(find('missing', gone.path), 'deleted file');
    assert.ok(find('unexpected', 'stray.txt'));
    assert.ok(report.problems.some((p) => p.kind === 'structure' && p.detail.includes('has no data')), 'Manifest.db row without data');
    const cli = await lifeboat(['verify', '--udid', sim.usbUdid], { ...sim.env, LIFEBOAT_HOME: home });
    assert.equal(cli.code, 1);
    assert.match(cli.stdout, /changed: /);
    assert.match(cli.stderr, /failed verification/);
    // The older snapshots are unaffected.
    assert.equal((await verifySnapshot(previous)).ok, true);
  });

  it('forgets a snapshot; an older remaining one is restorable by idevicebackup2 and by Lifeboat', async (t) => {
    const [first, middle] = store.list(sim.usbUdid);
    const removed = applyForget(store, { udid: sim.usbUdid, keep: [], forget: [middle!.id] });
    assert.deepEqual(removed, [middle!.id]);
    assert.equal(store.list(sim.usbUdid).length, 2);
    assert.equal((await verifySnapshot(first!)).ok, true);
    const target = sim.networkUdid!;
    sim.set(target, 'plugged=true');
    await sim.pair(target);
    await restoreDevice({ transport: await transport(target), pairStore: pairs, backupDir: first!.backupDir, sourceName: sim.usbUdid, system: true, removeNotRestored: true, reboot: false });
    assert.deepEqual(await phoneFiles(fsOf(target)), firstFiles);
    if (!requireTool(t, 'idevicebackup2')) return;
    fsOf(target).mutate({ kind: 'appFiles', add: 2 }); // so the restore has something to undo
    const restored = await run('idevicebackup2', ['-u', target, '-s', sim.usbUdid, 'restore', '--system', '--remove', '--no-reboot', first!.backupDir], sim.env, 120_000);
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    assert.deepEqual(await phoneFiles(fsOf(target)), firstFiles);
    assert.ok(statSync(first!.deviceDir).isDirectory());
  });
});
