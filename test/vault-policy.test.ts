/**
 * The vault as configured: `lifeboat backup` keeps snapshots where the config's vaultPath says, and
 * applies the device's retention policy after each successful backup, reporting what it forgot.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { saveConfig } from '../src/config/config.js';
import { DEFAULT_CONFIG } from '../src/config/schema.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import { verifySnapshot } from '../src/vault/verify.js';
import { lifeboat, startSimHarness, type SimHarness } from './support/sim-harness.js';

interface BackupJson {
  type: string;
  snapshot: string;
  retention: { kept: number; forgotten: string[]; skipped?: string };
}

describe('configured vault and retention after backup', () => {
  let sim: SimHarness;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let store: LocalSnapshotStore;

  before(async () => {
    sim = await startSimHarness({ devices: 1, autoTrust: true });
    home = mkdtempSync(join(tmpdir(), 'lifeboat-policy-'));
    await sim.pair();
    // The vault lives away from LIFEBOAT_HOME: only the config says where.
    const vaultPath = join(home, 'elsewhere', 'vault');
    saveConfig({ ...DEFAULT_CONFIG, vaultPath, devices: { [sim.usbUdid]: { retention: { last: 2 } } } }, join(home, 'config.json'));
    env = { ...sim.env, LIFEBOAT_HOME: home };
    store = new LocalSnapshotStore(vaultPath);
  });
  after(async () => {
    await sim.close();
    rmSync(home, { recursive: true, force: true });
  });

  const backup = async (): Promise<BackupJson> => {
    const result = await lifeboat(['backup', '--json'], env, 120_000);
    assert.equal(result.code, 0, result.stderr);
    const last = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as BackupJson;
    assert.equal(last.type, 'result');
    return last;
  };

  it('keeps the last two snapshots in the configured vault and reports what it forgot', async () => {
    const fs = sim.simulator.fileSystem(sim.simulator.phone(sim.usbUdid)!);
    const first = await backup();
    assert.deepEqual(first.retention.forgotten, []);
    assert.equal(first.retention.kept, 1);
    fs.mutate({ kind: 'photos', add: 1 });
    const second = await backup();
    assert.deepEqual(second.retention.forgotten, []);
    fs.mutate({ kind: 'messages', add: 3 });
    const third = await backup();
    assert.deepEqual(third.retention.forgotten, [first.snapshot], 'the oldest snapshot goes');
    assert.equal(third.retention.kept, 2);
    assert.deepEqual(store.list(sim.usbUdid).map((r) => r.id), [second.snapshot, third.snapshot]);
    for (const ref of store.list(sim.usbUdid)) assert.equal((await verifySnapshot(ref)).ok, true, `${ref.id} still verifies`);

    const listed = await lifeboat(['snapshots', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { snapshots: Array<{ id: string }> }).snapshots.map((s) => s.id), [second.snapshot, third.snapshot]);
  });
});
