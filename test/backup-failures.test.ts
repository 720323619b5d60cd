/**
 * Backups that fail, against the virtual iPhone's faults (fault=… in sim/faults) and a host whose
 * disk is really full (a small tmpfs) or whose Lifeboat process is killed with SIGKILL. In every case:
 * the backup rejects with a LifeboatError that says what happened and what to do; the previous
 * snapshot is byte-for-byte intact and still opens; no staging folder becomes a snapshot; and once the
 * fault is gone the next backup succeeds and holds exactly the phone's files.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { backupDevice, type BackupOptions } from '../src/backup/engine.js';
import type { BackupEvent } from '../src/backup/progress.js';
import type { UsbmuxPairRecordStore } from '../src/protocol/host/pair-store.js';
import type { UsbmuxTransport } from '../src/protocol/transport.js';
import type { MuxEvent } from '../src/protocol/usbmux/messages.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import type { DeviceFileSystem } from '../sim/data/index.js';
import type { VirtualIPhone } from '../sim/device/virtual-iphone.js';
import {
  assertExplained,
  assertVaultIntact,
  backupFiles,
  bounded,
  eventually,
  fingerprint,
  fingerprintDiff,
  outcome,
  phoneFiles,
  vaultState,
} from './support/backup-checks.js';
import { lifeboat, startSimHarness, type SimHarness } from './support/sim-harness.js';
import { smallDisk, type SmallDisk } from './support/small-disk.js';

/** A small phone keeps each backup well under a second. */
const PROFILE = { files: 90, bytes: 3_000_000 };
const BACKUP_BOUND_MS = 30_000;

describe('failed backups leave the previous backup intact and the next one works', () => {
  let sim: SimHarness;
  let work: string;
  let store: LocalSnapshotStore;
  let pairs: UsbmuxPairRecordStore;
  let phone: VirtualIPhone;
  let fs: DeviceFileSystem;
  let udid: string;
  const transport = (): Promise<UsbmuxTransport> => sim.transport(udid);
  const backup = async (extra: Partial<BackupOptions> = {}, into = store) =>
    bounded(backupDevice({ transport: await transport(), pairStore: pairs, store: into, ...extra }), BACKUP_BOUND_MS, 'backupDevice');

  /** The phone changes a little, so the next backup has something new to carry. */
  const change = (): void => {
    fs.mutate({ kind: 'photos', add: 1 });
  };

  async function nextBackupSucceeds(into = store, extra: Partial<BackupOptions> = {}): Promise<void> {
    const before = into.list(udid).length;
    const result = await backup(extra, into);
    assert.equal(into.list(udid).length, before + 1);
    assert.deepEqual(await backupFiles(result.snapshot.deviceDir), await phoneFiles(fs), 'the next backup holds exactly the phone\'s files');
  }

  /** Runs one failing backup with `fault` set, checks the failure and the vault, clears the fault, and backs up again. */
  async function failsThenRecovers(
    fault: string,
    expected: Parameters<typeof assertExplained>[1],
    options: Partial<BackupOptions> = {},
    clear = ['fault=none'],
    setFault: () => Promise<void> | void = () => sim.set(udid, `fault=${fault}`),
  ): Promise<unknown> {
    const state = vaultState(store, udid);
    change();
    await setFault();
    const result = await outcome(backup({ full: true, ...options }));
    assert.ok(result.error !== undefined, `the backup with fault=${fault} must fail`);
    assertExplained(result.error, expected);
    await assertVaultIntact(store, udid, state);
    sim.set(udid, ...clear);
    await nextBackupSucceeds();
    return result.error;
  }

  before(async () => {
    sim = await startSimHarness({ devices: 1, autoTrust: true, dataProfile: PROFILE });
    work = mkdtempSync(join(tmpdir(), 'lifeboat-failures-'));
    store = new LocalSnapshotStore(join(work, 'vault'));
    udid = sim.usbUdid;
    phone = sim.simulator.phone(udid)!;
    fs = sim.simulator.fileSystem(phone);
    pairs = await sim.pair(udid);
    await nextBackupSucceeds(); // the last good snapshot every failure must leave alone
  });
  after(async () => {
    await sim.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('the iPhone is unplugged mid-transfer: usbmuxd reports Detached, the error says reconnect', async () => {
    const events: MuxEvent[] = [];
    const stop = new AbortController();
    const listening = (async () => {
      for await (const event of sim.mux.listen(stop.signal)) events.push(event);
    })().catch(() => undefined);
    try {
      const deviceId = (await transport()).muxDeviceId;
      let sent = 0;
      await failsThenRecovers(
        'disconnect-after:256KB',
        {
          code: 'DEVICE_DISCONNECTED',
          message: /^the iPhone was disconnected during the backup; the previous backup is intact/,
          hint: /Reconnect the iPhone .* run the backup again/,
        },
        {
          onEvent: (event: BackupEvent) => {
            if (event.type === 'progress') sent = Math.max(sent, event.bytes);
          },
        },
        ['fault=none', 'plugged=true'],
      );
      assert.ok(sent > 0, 'the failure came mid-transfer, after file data arrived');
      await eventually(() => events.some((e) => e.type === 'Detached' && e.deviceId === deviceId), 5000, 'usbmuxd Detached event');
      assert.equal(phone.state.plugged, true, 'plugged back in for the next backup');
    } finally {
      stop.abort();
      await bounded(listening, 5000, 'usbmux listen');
    }
  });

  it('the iPhone ends the backup with an error code (fault set with `lifeboat sim set`, persisted)', async () => {
    const bad = await lifeboat(['sim', 'set', '--socket', sim.socket, udid, 'fault=error:0'], sim.env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /fault "error:0": the error code must be a whole number from 1/);
    await failsThenRecovers(
      'error:42',
      {
        code: 'BACKUP_DEVICE_FAILED',
        message: /^the iPhone stopped the backup with error 42: The backup could not be completed on the iPhone \(MBErrorDomain error 42\); the previous/,
        hint: /run the backup again/,
      },
      {},
      ['fault=none'],
      async () => {
        const set = await lifeboat(['sim', 'set', '--socket', sim.socket, udid, 'fault=error:42', '--json'], sim.env);
        assert.equal(set.code, 0, set.stderr);
        assert.equal((JSON.parse(set.stdout) as { state: { fault: string } }).state.fault, 'error:42');
        const saved = JSON.parse(readFileSync(join(sim.dir, 'state', 'devices', `${udid}.json`), 'utf8')) as { state: { fault: string } };
        assert.equal(saved.state.fault, 'error:42', 'kept in --state-dir like the other settings');
      },
    );
  });

  it('the iPhone sends a malformed DeviceLink message mid-backup', async () => {
    await failsThenRecovers('malformed', {
      code: 'BACKUP_PROTOCOL_ERROR',
      message: /^the iPhone sent something the backup protocol does not allow \(.*invalid plist/,
      hint: /Run the backup again/,
    });
  });

  it("the iPhone's own storage is full", async () => {
    await failsThenRecovers('storage-full', {
      code: 'BACKUP_DEVICE_STORAGE_FULL',
      message: /^the iPhone's own storage is full, so it cannot make a backup \(the iPhone says: Not enough free space on the iPhone/,
      hint: /Free up storage on the iPhone \(Settings › General › iPhone Storage\)/,
    });
  });

  it('the iPhone stalls with the connection open: the host gives up after its idle bound', async () => {
    const started = Date.now();
    await failsThenRecovers(
      'stall',
      {
        code: 'TIMEOUT',
        message: /^the iPhone stopped responding during the backup \(nothing arrived for 1\.5 s\)/,
        hint: /keep it connected and awake/,
      },
      { loop: { idleTimeoutMs: 1500 } },
    );
    assert.ok(Date.now() - started < 20_000, 'bounded by the idle timeout, not by the phone');
  });

  describe("this computer's disk is full (an 80 MB tmpfs)", () => {
    let disk: SmallDisk;
    let diskStore: LocalSnapshotStore;

    before(async () => {
      disk = await smallDisk(join(work, 'small-disk'), 80 * 1024 * 1024);
      diskStore = new LocalSnapshotStore(join(disk.dir, 'vault'));
    });
    after(async () => {
      await disk.close();
    });

    it('the host answers GetFreeDiskSpace truthfully and the phone refuses before sending files; then the host runs out mid-transfer (ENOSPC → status -15)', async (t) => {
      if (disk.kind === 'simulated') t.diagnostic(`no tmpfs: ${disk.why ?? ''}; the disk is simulated by wrapping node:fs writes (ENOSPC past 80 MB)`);
      // A simulated disk is invisible to statfs, so the host is told its truth through the free-space hook.
      const truth = disk.kind === 'simulated' ? { loop: { freeSpace: () => disk.free() } } : {};
      await nextBackupSucceeds(diskStore, truth);
      const state = vaultState(diskStore, udid);
      change();
      disk.fill(1024 * 1024);

      // (a) The truth: ~1 MB free. The phone refuses before sending a single file.
      const progress: BackupEvent[] = [];
      const refused = await outcome(backup({ ...truth, onEvent: (e) => progress.push(e) }, diskStore));
      assertExplained(refused.error, {
        code: 'BACKUP_HOST_DISK_FULL',
        message: /^not enough free space on this computer for the backup \(the iPhone says: Insufficient free disk space.*\); nothing was sent/,
        hint: new RegExp(`Free up space on the disk that holds ${diskStore.root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      });
      assert.equal(progress.filter((e) => e.type === 'progress' && e.bytes > 0).length, 0, 'no file was sent');
      await assertVaultIntact(diskStore, udid, state);

      // (b) The host says there is room (the free-space hook), and its writes then fail for real.
      const full = await outcome(backup({ full: true, loop: { freeSpace: () => 10e9 } }, diskStore));
      const error = assertExplained(full.error, {
        code: 'BACKUP_HOST_DISK_FULL',
        message: /^this computer's disk is full \(.*ENOSPC.*\); the backup was stopped/,
        hint: /Free up space on the disk that holds/,
      });
      // What the phone was told: DeviceLink status -15 (ENOSPC), which it quotes when it gives up.
      const chain: string[] = [];
      for (let e: unknown = error; e instanceof Error; e = e.cause) chain.push(e.message);
      assert.ok(chain.some((m) => /could not store the backup \(status -15\)/.test(m)), chain.join('\n ← '));
      await assertVaultIntact(diskStore, udid, state);

      disk.unfill();
      await nextBackupSucceeds(diskStore, truth);
    });
  });

  it('kill -9 of Lifeboat mid-backup: the lock is recovered, staging cleaned, the previous snapshot intact', async () => {
    const home = join(work, 'home');
    const env = { ...sim.env, LIFEBOAT_HOME: home };
    const cliStore = new LocalSnapshotStore(join(home, 'vault'));
    await nextBackupSucceeds(cliStore);
    const state = vaultState(cliStore, udid);
    change();
    // A slow phone (2 MB/s), so the kill surely lands while the transfer runs.
    sim.set(udid, 'fault=slow:2MB');

    const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'lifeboat.js'), 'backup', '--full', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const event = JSON.parse(line) as { type: string; bytes?: number };
      if (event.type === 'progress' && (event.bytes ?? 0) > 0) child.kill('SIGKILL');
    });
    const exit = await bounded(exited, 30_000, 'the killed backup');
    assert.equal(exit.signal, 'SIGKILL', `the backup ended on its own: ${lines.join('\n')}\n${stderr}`);
    assert.equal(lines.some((l) => l.includes('"type":"result"')), false, 'killed before it finished');

    const deviceRoot = cliStore.deviceRoot(udid);
    assert.equal(readFileSync(join(deviceRoot, 'lock'), 'utf8').trim(), String(child.pid), 'the lock file holds the dead process');
    assert.throws(() => process.kill(child.pid!, 0), /ESRCH/);
    assert.equal(readdirSync(join(deviceRoot, 'staging')).length, 1, 'the killed run left its staging folder');
    assert.deepEqual(cliStore.list(udid).map((s) => s.id), state.ids);

    sim.set(udid, 'fault=none');
    const next = await lifeboat(['backup', '--json'], env, 60_000);
    assert.equal(next.code, 0, next.stderr);
    const result = JSON.parse(next.stdout.trim().split('\n').at(-1)!) as { type: string; snapshot: string; folder: string };
    assert.equal(result.type, 'result');
    assert.deepEqual(cliStore.list(udid).map((s) => s.id), [...state.ids, result.snapshot]);
    assert.deepEqual(readdirSync(join(deviceRoot, 'staging')), [], 'the leftover staging folder was cleaned');
    assert.equal(existsSync(join(deviceRoot, 'lock')), false, 'the lock was released');
    const previous = cliStore.get(udid, state.ids.at(-1)!);
    assert.deepEqual(fingerprintDiff(state.lastPrint, fingerprint(previous.backupDir)), [], 'the previous snapshot is byte-for-byte intact');
    assert.deepEqual(await backupFiles(result.folder), await phoneFiles(fs));
  });
});
