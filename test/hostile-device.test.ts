/**
 * A hostile iPhone (fault=hostile:<kind>, sim/faults/hostile.ts) against the backup engine. For every
 * kind: nothing outside the staging folder is created, changed or removed (sentinel files next to and
 * above the vault, a symlink target, an absolute directory, /etc/passwd); the host neither hangs nor
 * crashes. Kinds the host can refuse operation by operation (each bad request gets an error status and
 * the backup carries on, with warnings) end in a snapshot equal to the phone's files; kinds that break
 * the framing (overlong names, size lies, 4 GiB blocks and frames) end the backup with a clear error,
 * leaving the previous snapshot as it was.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backupDevice, type BackupOptions, type BackupResult } from '../src/backup/engine.js';
import type { BackupEvent } from '../src/backup/progress.js';
import type { UsbmuxPairRecordStore } from '../src/protocol/host/pair-store.js';
import type { UsbmuxTransport } from '../src/protocol/transport.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import type { DeviceFileSystem } from '../sim/data/index.js';
import type { VirtualIPhone } from '../sim/device/virtual-iphone.js';
import { HOSTILE_KINDS, hostileAbsoluteDir, lastHostileReport, PLANTED_DIR, PLANTED_FILE, SENTINEL, type HostileKind } from '../sim/faults/index.js';
import { assertExplained, assertVaultIntact, backupFiles, bounded, fingerprint, fingerprintDiff, outcome, phoneFiles, vaultState } from './support/backup-checks.js';
import { startSimHarness, type SimHarness } from './support/sim-harness.js';

const PROFILE = { files: 60, bytes: 1_000_000 };
/** The host's idle bound for the size-lying phone that goes quiet (other kinds: a generous 10 s). */
const LIE_IDLE_MS = 2000;
const IDLE_MS = 10_000;

/** Kinds the host cannot stay in step with: the backup fails, with this explanation. */
const FATAL: Partial<Record<HostileKind, { code: string; message: RegExp }>> = {
  overlong: { code: 'BACKUP_PROTOCOL_ERROR', message: /does not allow \(file stream: name of 5000 bytes exceeds 4096\)/ },
  'size-lie': { code: 'TIMEOUT', message: /stopped responding during the backup \(nothing arrived for 2 s\)/ },
  'huge-block': { code: 'BACKUP_PROTOCOL_ERROR', message: /does not allow \(file stream: block of 4294967294 bytes exceeds/ },
  'huge-frame': { code: 'BACKUP_PROTOCOL_ERROR', message: /does not allow \(.*announced length 4294967295 exceeds the limit/ },
};

const hash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('a hostile iPhone cannot touch anything outside its staging folder', () => {
  let sim: SimHarness;
  let work: string;
  let outside: string;
  let absolute: string;
  let store: LocalSnapshotStore;
  let pairs: UsbmuxPairRecordStore;
  let phone: VirtualIPhone;
  let fs: DeviceFileSystem;
  let udid: string;
  const transport = (): Promise<UsbmuxTransport> => sim.transport(udid);
  const backup = async (extra: Partial<BackupOptions> = {}): Promise<BackupResult> =>
    bounded(backupDevice({ transport: await transport(), pairStore: pairs, store, loop: { idleTimeoutMs: IDLE_MS }, ...extra }), 30_000, 'backupDevice');

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lifeboat-hostile-'));
    sim = await startSimHarness({ devices: 1, autoTrust: true, dataProfile: PROFILE });
    udid = sim.usbUdid;
    phone = sim.simulator.phone(udid)!;
    fs = sim.simulator.fileSystem(phone);
    store = new LocalSnapshotStore(join(work, 'vault'));
    pairs = await sim.pair(udid);
    await backup();
    // Bait: sentinels at every level a "../" climb from the staging folder reaches, a directory the
    // planted symlinks point at, and the absolute directory the phone aims at.
    const deviceRoot = store.deviceRoot(udid);
    for (const dir of [work, store.root, join(store.root, 'devices'), deviceRoot, join(deviceRoot, 'snapshots', store.latest(udid)!.id)]) {
      writeFileSync(join(dir, SENTINEL), `sentinel in ${dir}\n`);
    }
    outside = join(work, 'outside');
    mkdirSync(join(outside, 'sub'), { recursive: true });
    writeFileSync(join(outside, SENTINEL), 'outside sentinel\n');
    writeFileSync(join(outside, 'sub', 'secret'), 'secret\n');
    absolute = hostileAbsoluteDir(udid);
    rmSync(absolute, { recursive: true, force: true });
    mkdirSync(absolute);
    writeFileSync(join(absolute, SENTINEL), 'absolute sentinel\n');
  });
  after(async () => {
    await sim.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(absolute, { recursive: true, force: true });
  });

  /** Plants the symlinks the `symlink` kind aims at, in the staging folder, as the transfer begins. */
  function plantSymlinks(event: BackupEvent): void {
    if (event.type !== 'phase' || event.phase !== 'transferring') return;
    const stagingRoot = join(store.deviceRoot(udid), 'staging');
    const [run] = readdirSync(stagingRoot);
    assert.ok(run, 'a staging folder exists');
    symlinkSync(outside, join(stagingRoot, run, udid, PLANTED_DIR));
    symlinkSync(join(outside, SENTINEL), join(stagingRoot, run, udid, PLANTED_FILE));
  }

  for (const kind of Object.keys(HOSTILE_KINDS) as HostileKind[]) {
    it(`hostile:${kind} — ${HOSTILE_KINDS[kind]}`, async () => {
      const deviceRoot = store.deviceRoot(udid);
      const inStaging = (rel: string): boolean => rel === join(deviceRoot, 'staging').slice(work.length + 1) || rel.startsWith(`${join(deviceRoot, 'staging').slice(work.length + 1)}${sep}`);
      const isLock = (rel: string): boolean => rel === join(deviceRoot, 'lock').slice(work.length + 1);
      const skip = (rel: string): boolean => inStaging(rel) || isLock(rel);
      const before = fingerprint(work, skip);
      const beforeAbsolute = fingerprint(absolute);
      const passwd = hash('/etc/passwd');
      const state = vaultState(store, udid);

      sim.set(udid, `fault=hostile:${kind}`);
      const started = Date.now();
      const result = await outcome(
        backup({ ...(kind === 'symlink' ? { onEvent: plantSymlinks } : {}), ...(kind === 'size-lie' ? { loop: { idleTimeoutMs: LIE_IDLE_MS } } : {}) }),
      );
      sim.set(udid, 'fault=none');
      assert.ok(Date.now() - started < 20_000, 'bounded');

      const report = lastHostileReport(phone);
      assert.ok(report && report.kind === kind, 'the phone ran its attacks');
      assert.ok(report.attempts.length > 0);
      const fatal = FATAL[kind];
      if (fatal) {
        assertExplained(result.error, { code: fatal.code, message: fatal.message, hint: /./ });
        assert.equal(report.ended, 'host-hung-up', 'the host hung up on the final attack');
        await assertVaultIntact(store, udid, state);
      } else {
        assert.equal(result.error, undefined, `refusable attacks must not stop the backup: ${String(result.error)}`);
        assert.equal(report.ended, 'continued');
        const backupResult = result.value!;
        assert.deepEqual(await backupFiles(backupResult.snapshot.deviceDir), await phoneFiles(fs), "the snapshot holds exactly the phone's files");
        assert.match(backupResult.warnings[0] ?? '', /the iPhone asked for \d+ file operation\(s\) outside its backup folder; all were refused/);
        assert.ok(backupResult.warnings.some((w) => w.startsWith('the iPhone sent an unsafe path')));
      }
      for (const attempt of report.attempts) {
        if (attempt.expect !== 'refused' || attempt.op === 'raw') continue;
        assert.ok(attempt.status !== undefined && attempt.status !== 0, `${attempt.op} ${JSON.stringify(attempt.path)} must be refused (status ${String(attempt.status)})`);
        assert.equal(attempt.leaked, 0, `${attempt.op} ${JSON.stringify(attempt.path)} handed over ${attempt.leaked} bytes/entries`);
      }

      // Nothing outside the staging folder changed; only the new snapshot (if any) appeared.
      const after = fingerprint(work, skip);
      const newSnapshot = store.list(udid).map((s) => s.id).find((id) => !state.ids.includes(id));
      const snapshotsDir = join(deviceRoot, 'snapshots').slice(work.length + 1);
      const unexpected = fingerprintDiff(before, after).filter((line) => !(newSnapshot && line.startsWith(`+ ${join(snapshotsDir, newSnapshot)}`)));
      assert.deepEqual(unexpected, [], 'nothing outside the staging folder was created, changed or removed');
      assert.deepEqual(fingerprintDiff(beforeAbsolute, fingerprint(absolute)), [], `${absolute} is untouched`);
      assert.equal(hash('/etc/passwd'), passwd);
    });
  }

  it('after the hostile phone behaves again, the next backup succeeds and holds its files', async () => {
    fs.mutate({ kind: 'photos', add: 1 });
    const result = await backup();
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(await backupFiles(result.snapshot.deviceDir), await phoneFiles(fs));
  });
});
