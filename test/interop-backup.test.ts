/**
 * Backups and restores across tools: idevicebackup2 (libimobiledevice 1.3.0) against the virtual
 * iPhone, Lifeboat reading what it made, idevicebackup2 reading and restoring what Lifeboat made, and
 * Lifeboat restoring what idevicebackup2 made. Contents are compared file by file (sha256).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backupDevice } from '../src/backup/engine.js';
import { restoreDevice } from '../src/backup/restore.js';
import type { UsbmuxPairRecordStore } from '../src/protocol/host/pair-store.js';
import type { UsbmuxTransport } from '../src/protocol/transport.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import type { DeviceFileSystem } from '../sim/data/index.js';
import { requireTool } from './support/require-tool.js';
import { backupFiles, phoneFiles } from './support/backup-checks.js';
import { run, startSimHarness, type SimHarness } from './support/sim-harness.js';

describe('backups across idevicebackup2 and Lifeboat', () => {
  let sim: SimHarness;
  let work: string;
  let pairs: UsbmuxPairRecordStore;
  let a: string;
  let b: string;
  const transport = (udid: string): Promise<UsbmuxTransport> => sim.transport(udid);
  const fsOf = (udid: string): DeviceFileSystem => sim.simulator.fileSystem(sim.simulator.phone(udid)!);

  before(async () => {
    sim = await startSimHarness({ devices: 2, autoTrust: true });
    work = mkdtempSync(join(tmpdir(), 'lifeboat-interop-'));
    a = sim.usbUdid;
    b = sim.networkUdid!;
    sim.set(b, 'plugged=true');
    pairs = await sim.pair(a);
    await sim.pair(b);
  });
  after(async () => {
    await sim.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('idevicebackup2 makes full, incremental and encrypted backups of the virtual iPhone that Lifeboat reads', async (t) => {
    if (!requireTool(t, 'idevicebackup2')) return;
    const dir = join(work, 'ib2');
    mkdirSync(dir);
    const full = await run('idevicebackup2', ['-u', a, 'backup', '--full', dir], sim.env, 120_000);
    assert.equal(full.code, 0, full.stdout + full.stderr);
    assert.match(full.stdout, /Backup Successful/);
    assert.deepEqual(await backupFiles(join(dir, a)), await phoneFiles(fsOf(a), false));

    fsOf(a).mutate({ kind: 'messages', add: 4 });
    fsOf(a).mutate({ kind: 'appFiles', add: 2, change: 2, remove: 1 });
    const incremental = await run('idevicebackup2', ['-u', a, 'backup', dir], sim.env, 120_000);
    assert.equal(incremental.code, 0, incremental.stdout + incremental.stderr);
    const received = Number(/Received (\d+) files/.exec(incremental.stdout)?.[1]);
    assert.ok(received > 0 && received < 100, `incremental received ${received} files`);
    assert.deepEqual(await backupFiles(join(dir, a)), await phoneFiles(fsOf(a), false));

    const on = await run('idevicebackup2', ['-u', a, 'encryption', 'on', 'interop-pw'], sim.env);
    assert.equal(on.code, 0, on.stdout + on.stderr);
    const encrypted = await run('idevicebackup2', ['-u', a, 'backup', dir], sim.env, 120_000);
    assert.equal(encrypted.code, 0, encrypted.stdout + encrypted.stderr);
    assert.deepEqual(await backupFiles(join(dir, a), 'interop-pw'), await phoneFiles(fsOf(a), true));
    const off = await run('idevicebackup2', ['-u', a, 'encryption', 'off', 'interop-pw'], sim.env);
    assert.equal(off.code, 0, off.stdout + off.stderr);
  });

  it('idevicebackup2 lists, describes and restores a Lifeboat snapshot into another phone', async (t) => {
    if (!requireTool(t, 'idevicebackup2')) return;
    const store = new LocalSnapshotStore(join(work, 'vault'));
    const result = await backupDevice({ transport: await transport(a), pairStore: pairs, store });
    const snapshotDir = result.snapshot.backupDir;
    const info = await run('idevicebackup2', ['-u', a, 'info', snapshotDir], sim.env);
    assert.equal(info.code, 0, info.stdout + info.stderr);
    assert.match(info.stdout, new RegExp(sim.simulator.phone(a)!.identity.deviceName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    const list = await run('idevicebackup2', ['-u', a, 'list', snapshotDir], sim.env);
    assert.equal(list.code, 0, list.stdout + list.stderr);
    assert.match(list.stdout, /HomeDomain,"Library\/SMS\/sms.db"/);

    const expected = await phoneFiles(fsOf(a), false);
    const restore = await run('idevicebackup2', ['-u', b, '-s', a, 'restore', '--system', '--remove', '--no-reboot', snapshotDir], sim.env, 120_000);
    assert.equal(restore.code, 0, restore.stdout + restore.stderr);
    assert.deepEqual(await phoneFiles(fsOf(b), false), expected);
  });

  it('Lifeboat restores a backup made by idevicebackup2, content checked file by file', async (t) => {
    if (!requireTool(t, 'idevicebackup2')) return;
    const dir = join(work, 'ib2-for-restore');
    mkdirSync(dir);
    fsOf(a).mutate({ kind: 'photos', add: 3 });
    const made = await run('idevicebackup2', ['-u', a, 'backup', '--full', dir], sim.env, 120_000);
    assert.equal(made.code, 0, made.stdout + made.stderr);
    const expected = await phoneFiles(fsOf(a), false);
    await restoreDevice({ transport: await transport(b), pairStore: pairs, backupDir: dir, sourceName: a, system: true, removeNotRestored: true, reboot: false });
    assert.deepEqual(await phoneFiles(fsOf(b), false), expected);
  });
});
