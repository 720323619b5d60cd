/**
 * A vault on a real exFAT disk (no hard links): history goes to a local restic repository instead of a
 * full copy per snapshot, the person is told once, the latest snapshot stays a plain Finder folder,
 * and older ones are listed, verified, read and forgotten through restic — byte-identical to what the
 * phone held when each was made.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { saveConfig } from '../src/config/config.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import type { DeviceFileSystem } from '../sim/data/index.js';
import { backupFiles, phoneFiles } from './support/backup-checks.js';
import { exfatDisk, type ExfatDisk } from './support/exfat-disk.js';
import { requireTool } from './support/require-tool.js';
import { lifeboat, startSimHarness, type SimHarness } from './support/sim-harness.js';

interface BackupJson {
  type: string;
  snapshot: string;
  folder: string;
  notices: string[];
}

describe('vault on a disk without hard links (exFAT)', () => {
  let sim: SimHarness;
  let work: string;
  let disk: ExfatDisk | undefined;
  let why = '';
  let env: NodeJS.ProcessEnv;
  let store: LocalSnapshotStore;
  let udid: string;
  let fs: DeviceFileSystem;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lifeboat-exfat-'));
    try {
      disk = await exfatDisk(work, 400 * 1024 * 1024);
    } catch (error) {
      why = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      return;
    }
    sim = await startSimHarness({ devices: 1, autoTrust: true });
    udid = sim.usbUdid;
    fs = sim.simulator.fileSystem(sim.simulator.phone(udid)!);
    await sim.pair(udid);
    const home = join(work, 'home');
    const vaultPath = join(disk.dir, 'vault');
    saveConfig({ ...DEFAULT_CONFIG, vaultPath, defaults: { ...DEFAULT_CONFIG.defaults, retention: {} } }, join(home, 'config.json'));
    env = { ...sim.env, LIFEBOAT_HOME: home };
    store = new LocalSnapshotStore(vaultPath);
  });
  after(async () => {
    await sim?.close();
    await disk?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const ready = (t: TestContext): boolean => {
    for (const tool of ['restic', 'mkfs.exfat', 'mount.exfat-fuse', 'losetup']) if (!requireTool(t, tool)) return false;
    if (disk) return true;
    if (process.env['CI'] === 'true') assert.fail(`could not mount an exFAT disk: ${why}`);
    t.skip(`could not mount an exFAT disk: ${why}`);
    return false;
  };

  const backup = async (): Promise<BackupJson> => {
    const result = await lifeboat(['backup', '--json'], env, 180_000);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as BackupJson;
  };

  it('keeps history in restic, says so once, and serves every snapshot back byte-identical', async (t) => {
    if (!ready(t)) return;
    assert.equal(store.historyInRestic(), true, 'exFAT has no hard links');
    const phoneAt: Array<Map<string, string>> = [];
    const made: BackupJson[] = [];
    for (let i = 0; i < 3; i++) {
      if (i === 1) fs.mutate({ kind: 'photos', add: 2 });
      if (i === 2) fs.mutate({ kind: 'appFiles', add: 5, change: 2 });
      phoneAt.push(await phoneFiles(fs));
      made.push(await backup());
    }
    assert.equal(made[0]!.notices.length, 1, 'told on the first backup');
    assert.match(made[0]!.notices[0]!, /cannot hard-link files.*restic repository.*latest snapshot stays a plain Finder folder/);
    assert.deepEqual(made[1]!.notices, [], 'and only once');
    assert.deepEqual(made[2]!.notices, []);

    // The latest is a plain Finder folder; the older ones live in restic only.
    const refs = store.list(udid);
    assert.deepEqual(refs.map((r) => r.heldIn), ['restic', 'restic', 'folder']);
    assert.equal(existsSync(refs[0]!.deviceDir), false, 'no full copy of an older snapshot');
    assert.deepEqual(await backupFiles(made[2]!.folder), phoneAt[2]);
    const second = refs[1]!.meta!;
    assert.ok(second.newBytes! < second.logicalBytes! / 2, `an incremental snapshot records only its change as new (${second.newBytes} of ${second.logicalBytes})`);

    const listed = await lifeboat(['snapshots', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { snapshots: Array<{ heldIn: string }> }).snapshots.map((s) => s.heldIn), ['restic', 'restic', 'folder']);

    // Every snapshot comes back from restic exactly as the phone held it then.
    for (const [i, ref] of refs.entries()) {
      const folder = store.materialise(ref);
      assert.deepEqual(await backupFiles(folder.deviceDir), phoneAt[i], `snapshot ${i + 1} restored from restic`);
    }
    const verified = await lifeboat(['verify', '--all', '--json'], env, 180_000);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const reports = (JSON.parse(verified.stdout) as { reports: Array<{ ok: boolean; filesChecked: number }> }).reports;
    assert.equal(reports.length, 3);
    assert.ok(reports.every((r) => r.ok && r.filesChecked > 100));
    const shown = await lifeboat(['show', '--snapshot', refs[0]!.id, '--udid', udid], env, 120_000);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /Messages/);

    // The history costs about the change, not a copy per snapshot.
    const du = await lifeboat(['du', '--json'], env, 120_000);
    const usage = JSON.parse(du.stdout) as { diskBytes: number; logicalBytes: number };
    assert.ok(usage.diskBytes < usage.logicalBytes * 0.85, `${usage.diskBytes} on disk for ${usage.logicalBytes} logical`);

    // Forget reaches into restic too.
    const forgot = await lifeboat(['forget', '--keep-last', '1', '--json'], env, 180_000);
    assert.equal(forgot.code, 0, forgot.stderr);
    assert.deepEqual(store.list(udid).map((r) => r.id), [made[2]!.snapshot]);
    assert.deepEqual(store.history(udid).list().map((s) => s.lifeboatId), [made[2]!.snapshot]);
    fs.mutate({ kind: 'messages', add: 2 });
    const after = await backup();
    assert.deepEqual(store.list(udid).map((r) => r.heldIn), ['restic', 'folder']);
    assert.deepEqual(await backupFiles(after.folder), await phoneFiles(fs));
  });
});
