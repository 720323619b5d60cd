/**
 * The space check before a backup, on a real small disk (tmpfs): with too little room the backup is
 * refused before the phone sends anything — saying how much is needed, how much is free, and what to do
 * — and the vault is left exactly as it was; with room again, the backup runs.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { saveConfig } from '../src/config/config.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import { estimateBackupSpace } from '../src/vault/space.js';
import { lifeboat, startSimHarness, type SimHarness } from './support/sim-harness.js';
import { smallDisk, type SmallDisk } from './support/small-disk.js';

describe('space check before a backup', () => {
  let sim: SimHarness;
  let work: string;
  let disk: SmallDisk;
  let env: NodeJS.ProcessEnv;
  let store: LocalSnapshotStore;
  let udid: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lifeboat-space-'));
    disk = await smallDisk(join(work, 'disk'), 128 * 1024 * 1024);
    sim = await startSimHarness({ devices: 1, autoTrust: true });
    udid = sim.usbUdid;
    await sim.pair(udid);
    const home = join(work, 'home');
    const vaultPath = join(disk.dir, 'vault');
    saveConfig({ ...DEFAULT_CONFIG, vaultPath }, join(home, 'config.json'));
    env = { ...sim.env, LIFEBOAT_HOME: home };
    store = new LocalSnapshotStore(vaultPath);
  });
  after(async () => {
    await sim.close();
    await disk.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses a backup that would not fit, clearly, and leaves the vault as it was', async (t) => {
    if (disk.kind !== 'tmpfs') {
      // The CLI runs in a child process and asks the kernel (statfs): only a real small disk will do.
      if (process.env['CI'] === 'true') assert.fail(`needs a tmpfs: ${disk.why}`);
      return t.skip(`needs a tmpfs: ${disk.why}`);
    }
    const first = await lifeboat(['backup', '--json'], env, 120_000);
    assert.equal(first.code, 0, first.stderr);
    const ids = store.list(udid).map((r) => r.id);
    const size = store.latest(udid)!.meta!.logicalBytes!;

    const incremental = estimateBackupSpace(store, udid);
    const full = estimateBackupSpace(store, udid, { full: true });
    assert.ok(full.neededBytes > size, 'a full backup needs at least the whole snapshot again');
    assert.ok(incremental.neededBytes >= 16 * 1024 * 1024 && incremental.neededBytes < full.neededBytes, `an incremental needs a margin plus a tenth: ${incremental.neededBytes} (snapshot ${size})`);
    assert.ok(estimateBackupSpace(store, udid, { copiesLatest: true }).neededBytes > incremental.neededBytes + size - 1, 'a disk without hard links needs a copy too');

    sim.simulator.fileSystem(sim.simulator.phone(udid)!).mutate({ kind: 'photos', add: 2 });
    disk.fill(4 * 1024 * 1024);
    const refused = await lifeboat(['backup'], env, 120_000);
    assert.notEqual(refused.code, 0, 'refused');
    assert.match(refused.stderr, /not enough free space for this backup: about [\d.]+ MB needed, [\d.]+ MB available on the disk that holds .*vault/);
    assert.match(refused.stderr, /Free up space on that disk, forget old snapshots .*or move the vault to a larger disk/);
    assert.deepEqual(store.list(udid).map((r) => r.id), ids, 'no snapshot added');
    const staging = join(store.deviceRoot(udid), 'staging');
    assert.deepEqual(existsSync(staging) ? readdirSync(staging) : [], [], 'nothing staged');
    assert.equal(existsSync(join(store.deviceRoot(udid), 'lock')), false, 'no lock left');

    const fullRefused = await lifeboat(['backup', '--full', '--json'], env, 120_000);
    assert.notEqual(fullRefused.code, 0);
    assert.match(fullRefused.stderr, /a full backup sends everything again/);

    disk.unfill();
    const next = await lifeboat(['backup', '--json'], env, 120_000);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(store.list(udid).length, ids.length + 1);
  });
});
