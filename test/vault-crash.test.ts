/**
 * kill -9 at the worst moments of the vault's two writing operations — a snapshot commit and a forget —
 * through the test-only kill points (src/vault/crash-point.ts): every finished snapshot stays
 * byte-for-byte intact and verifies, and the next run cleans up what the dead process left (staging,
 * trash, its lock).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { saveConfig } from '../src/config/config.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import type { CrashPoint } from '../src/vault/crash-point.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import { VERIFIED_FILE, verifySnapshot } from '../src/vault/verify.js';
import type { DeviceFileSystem } from '../sim/data/index.js';
import { backupFiles, fingerprint, fingerprintDiff, phoneFiles } from './support/backup-checks.js';
import { lifeboat, startSimHarness, type SimHarness } from './support/sim-harness.js';

/** Runs the CLI with a kill point armed; resolves with how it ended. */
function runUntilKilled(args: string[], env: NodeJS.ProcessEnv, point: CrashPoint): Promise<{ pid: number; signal: NodeJS.Signals | null; code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'lifeboat.js'), ...args], { env: { ...env, LIFEBOAT_TEST_CRASH_AT: point }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lifeboat ${args.join(' ')} did not finish within 120 s`));
    }, 120_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ pid: child.pid!, signal, code, output });
    });
  });
}

describe('kill -9 in the vault', () => {
  let sim: SimHarness;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let store: LocalSnapshotStore;
  let udid: string;
  let fs: DeviceFileSystem;

  before(async () => {
    sim = await startSimHarness({ devices: 1, autoTrust: true });
    udid = sim.usbUdid;
    fs = sim.simulator.fileSystem(sim.simulator.phone(udid)!);
    home = mkdtempSync(join(tmpdir(), 'lifeboat-crash-'));
    env = { ...sim.env, LIFEBOAT_HOME: home };
    // Keep every snapshot after a backup: this test forgets them itself.
    saveConfig({ ...DEFAULT_CONFIG, defaults: { ...DEFAULT_CONFIG.defaults, retention: {} } }, join(home, 'config.json'));
    store = new LocalSnapshotStore(join(home, 'vault'));
    await sim.pair(udid);
  });
  after(async () => {
    await sim.close();
    rmSync(home, { recursive: true, force: true });
  });

  const skipVerified = (path: string): boolean => path === VERIFIED_FILE;
  const prints = (): Map<string, Map<string, string>> => new Map(store.list(udid).map((ref) => [ref.id, fingerprint(ref.backupDir, skipVerified)]));
  const deviceRoot = (): string => store.deviceRoot(udid);
  const entries = (name: string): string[] => (existsSync(join(deviceRoot(), name)) ? readdirSync(join(deviceRoot(), name)) : []);

  /** Every snapshot in `before` is still listed, unchanged, and verifies. */
  async function assertFinishedIntact(before: Map<string, Map<string, string>>, expectIds: string[]): Promise<void> {
    assert.deepEqual(store.list(udid).map((r) => r.id), expectIds);
    for (const id of expectIds) {
      const print = before.get(id);
      if (print) assert.deepEqual(fingerprintDiff(print, fingerprint(store.get(udid, id).backupDir, skipVerified)), [], `${id} is byte-for-byte intact`);
      const report = await verifySnapshot(store.get(udid, id));
      assert.equal(report.ok, true, `${id} verifies: ${JSON.stringify(report.problems.slice(0, 3))}`);
    }
  }

  async function backupSucceeds(): Promise<string> {
    const result = await lifeboat(['backup', '--json'], env, 120_000);
    assert.equal(result.code, 0, result.stderr);
    const last = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { snapshot: string; folder: string };
    assert.deepEqual(await backupFiles(last.folder), await phoneFiles(fs), 'the next backup holds exactly the phone\'s files');
    return last.snapshot;
  }

  function assertCleanedUp(): void {
    assert.deepEqual(entries('staging'), [], 'no staging left');
    assert.deepEqual(entries('trash'), [], 'the trash is empty');
    assert.equal(existsSync(join(deviceRoot(), 'lock')), false, 'the lock was released');
  }

  it('commit: killed halfway through the digest record and before the rename, nothing new appears and the next backup cleans up', async () => {
    await backupSucceeds();
    for (const point of ['commit:digests-half-written', 'commit:before-rename'] as const) {
      const before = prints();
      fs.mutate({ kind: 'photos', add: 1 });
      const killed = await runUntilKilled(['backup', '--json'], env, point);
      assert.equal(killed.signal, 'SIGKILL', `killed at ${point}: ${killed.output}`);
      assert.equal(readFileSync(join(deviceRoot(), 'lock'), 'utf8').trim(), String(killed.pid), 'the dead process still holds the lock');
      assert.equal(entries('staging').length, 1, 'its staging folder is left');
      await assertFinishedIntact(before, [...before.keys()]);
      const next = await backupSucceeds();
      assertCleanedUp();
      await assertFinishedIntact(before, [...before.keys(), next]);
    }
  });

  it('commit: killed right after the rename, the new snapshot is complete and verifies; the stale lock is taken over', async () => {
    const before = prints();
    fs.mutate({ kind: 'messages', add: 4 });
    const killed = await runUntilKilled(['backup', '--json'], env, 'commit:after-rename');
    assert.equal(killed.signal, 'SIGKILL', killed.output);
    const ids = store.list(udid).map((r) => r.id);
    assert.equal(ids.length, before.size + 1, 'the renamed snapshot is there');
    assert.deepEqual(await backupFiles(store.latest(udid)!.deviceDir), await phoneFiles(fs), 'and it is the whole backup');
    await assertFinishedIntact(before, ids);
    const next = await backupSucceeds();
    assertCleanedUp();
    await assertFinishedIntact(before, [...ids, next]);
  });

  it('forget: killed after the first snapshot moved to the trash, and halfway through deleting one, the rest are intact', async () => {
    fs.mutate({ kind: 'appFiles', add: 3, change: 1 });
    await backupSucceeds();
    let before = prints();
    let ids = [...before.keys()];
    assert.ok(ids.length >= 5, `enough snapshots to forget (${ids.length})`);

    const moved = await runUntilKilled(['forget', '--keep-last', '2'], env, 'forget:after-first-move');
    assert.equal(moved.signal, 'SIGKILL', moved.output);
    const trashed = entries('trash');
    assert.equal(trashed.length, 1, 'one snapshot moved to the trash');
    assert.ok(ids.slice(0, -2).includes(trashed[0]!), 'one the policy forgets');
    await assertFinishedIntact(before, ids.filter((id) => id !== trashed[0]));

    before = prints();
    ids = [...before.keys()];
    const deleting = await runUntilKilled(['forget', '--keep-last', '2'], env, 'forget:while-deleting');
    assert.equal(deleting.signal, 'SIGKILL', deleting.output);
    assert.equal(entries('trash').length, 1, 'one snapshot half deleted in the trash');
    assert.ok(!store.list(udid).some((r) => r.id === entries('trash')[0]), 'what is in the trash is no longer listed');
    const listed = store.list(udid).map((r) => r.id);
    await assertFinishedIntact(before, listed);
    assert.deepEqual(listed.slice(-2), ids.slice(-2), 'the two newest are kept');

    // The next backup finishes the deletion; the next forget completes the policy.
    const next = await backupSucceeds();
    assertCleanedUp();
    const done = await lifeboat(['forget', '--keep-last', '2', '--json'], env, 60_000);
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(store.list(udid).map((r) => r.id), [ids.at(-1)!, next]);
    assertCleanedUp();
    await assertFinishedIntact(before, [ids.at(-1)!, next]);
  });
});
