/**
 * `npm run bench -- vault [--files N] [--bytes SIZE] [--days D] [--commit-files N] [--commit-rounds R]
 * [--commit-only] [--max-minutes M] [--dir DIR] [--keep] [--no-doc]`: the local vault over D daily snapshots (default 30)
 * of a virtual iPhone of N files (default 100,000, 400MB), with realistic daily change — ~1 % of the
 * files rewritten (`sim mutate kind=churn percent=1`), a growing sms.db (50 new messages) and 3 new
 * photos a day. `--commit-only` measures only the store-alone commit of N unchanged files (a minute).
 *
 * Side by side, in the same run, over the same folders (wall and CPU seconds for each):
 * - disk: what the vault grows by per snapshot (blocks of inodes new in it, plus its directories)
 *   against the bytes that changed (what the phone sent), and the total against the sum of logical sizes;
 * - snapshot time (the vault's own work: staging links + commit) against `cp -a` of the same folder
 *   and against `restic backup` of the same folder into one repository (restic's dedup);
 * - snapshot commit of 100,000 unchanged files, store alone: from "staging complete" to "snapshot
 *   durable and visible" (see TimedStore), and the same after a real backup in which nothing changed;
 * - verify throughput against `sha256sum` over the same files (page cache warm for both).
 * Targets (issue 6): growth ≤ 1.5× the changed bytes; unchanged commit < 2 s for 100,000 files;
 * verify ≥ 80 % of sha256sum's rate. Figures go into docs/benchmarks.md between the vault markers. */
import { sectionMarkers } from './doc-section.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { backupDevice } from '../src/backup/engine.js';
import { UsbmuxPairRecordStore } from '../src/protocol/host/pair-store.js';
import { pairDevice } from '../src/protocol/host/pairing-flow.js';
import { selectDevice } from '../src/protocol/host/select-device.js';
import { UsbmuxTransport } from '../src/protocol/transport.js';
import { UsbmuxClient } from '../src/protocol/usbmux/client.js';
import { readDigests, walkFiles } from '../src/vault/digests.js';
import { LocalSnapshotStore, type SnapshotRef, type Staging } from '../src/vault/local-store.js';
import { vaultUsage } from '../src/vault/usage.js';
import { verifySnapshot } from '../src/vault/verify.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LIFEBOAT = join(ROOT, 'bin', 'lifeboat.js');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
/** The vault suite's generated section of docs/benchmarks.md (see bench/doc-section.ts). */
export const { begin: VAULT_BEGIN, end: VAULT_END } = sectionMarkers('vault');

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const now = (): number => Number(process.hrtime.bigint()) / 1e9;
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

interface Options {
  files: number;
  bytes: string;
  days: number;
  dir: string;
  keep: boolean;
  doc: boolean;
  /** Files in the store-only commit measurement (default 100,000). */
  commitFiles: number;
  /** Rounds of that measurement (median reported). */
  commitRounds: number;
  /** Only the store-only commit measurement: no phone, no days. */
  commitOnly: boolean;
  /** Start no new day after this many minutes (the report says how many days were done). */
  maxMinutes: number | undefined;
}

function parseOptions(args: string[]): Options {
  const value = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const whole = (name: string, fallback: number): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} takes a positive whole number`);
    return n;
  };
  return { files: whole('--files', 100_000), bytes: value('--bytes') ?? '400MB', days: whole('--days', 30), dir: value('--dir') ?? tmpdir(), keep: args.includes('--keep'), doc: !args.includes('--no-doc'), commitFiles: whole('--commit-files', 100_000), commitRounds: whole('--commit-rounds', 3), commitOnly: args.includes('--commit-only'), maxMinutes: value('--max-minutes') === undefined ? undefined : whole('--max-minutes', 1) };
}

const cpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

/**
 * The vault with its own work timed, wall and CPU (user + sys of this process; on a loaded machine
 * the CPU seconds are the comparable figure):
 * - *staging*: openStaging — the device lock, the staging folder as hard links to the latest
 *   snapshot, reading its digest record. Happens before the phone sends anything.
 * - *commit*: Staging.commit — from "staging complete" (the phone said the backup finished, Status.plist
 *   says so) to "snapshot durable and visible": the digest record (carried over for unchanged files,
 *   from the engine's digests for received ones), the metadata, one `sync -f` of the file system, the
 *   atomic rename into snapshots/ and the fsync of that directory.
 */
class TimedStore extends LocalSnapshotStore {
  stagingSeconds = 0;
  stagingCpu = 0;
  commitSeconds = 0;
  commitCpu = 0;

  override openStaging(udid: string, options: { full?: boolean } = {}): Staging {
    const started = now();
    const cpu = cpuSeconds();
    const staging = super.openStaging(udid, options);
    this.stagingSeconds = now() - started;
    this.stagingCpu = cpuSeconds() - cpu;
    return {
      ...staging,
      backupDir: staging.backupDir,
      deviceDir: staging.deviceDir,
      basedOn: staging.basedOn,
      // The engine's options (digests computed while receiving, the paths the phone changed) are
      // passed on: dropping them would time the slow path, not the one a backup takes.
      commit: (meta, commitOptions) => {
        const begin = now();
        const cpu = cpuSeconds();
        const ref = staging.commit(meta, commitOptions);
        this.commitSeconds = now() - begin;
        this.commitCpu = cpuSeconds() - cpu;
        return ref;
      },
      abandon: () => staging.abandon(),
    };
  }
}

/** The virtual iPhone in a process of its own (its CPU is not the vault's). */
async function startPhone(work: string, files: number, bytes: string): Promise<{ child: ChildProcess; socket: string; udid: string }> {
  const socket = join(work, 'phone.sock');
  const args = [LIFEBOAT, 'sim', '--socket', socket, '--devices', '1', '--auto-trust', '--fast-kdf', '--quiet', '--json', '--files', String(files), '--bytes', bytes, '--state-dir', join(work, 'phone-state'), '--seed', 'bench-vault'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const udid = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the virtual iPhone did not start within 300 s')), 300_000);
    child.once('exit', (code) => reject(new Error(`the virtual iPhone exited (${code})`)));
    lines.on('line', (line) => {
      try {
        const event = JSON.parse(line) as { event?: string; devices?: Array<{ udid: string }> };
        if (event.event === 'ready' && event.devices?.[0]) {
          clearTimeout(timer);
          resolve(event.devices[0].udid);
        }
      } catch {
        // not JSON
      }
    });
  });
  child.removeAllListeners('exit');
  return { child, socket, udid };
}

function mutate(socket: string, udid: string, ...settings: string[]): void {
  const r = spawnSync(process.execPath, [LIFEBOAT, 'sim', 'mutate', '--socket', socket, udid, ...settings], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sim mutate ${settings.join(' ')} failed: ${r.stderr}`);
}

interface Run {
  /** Wall seconds. */
  readonly wall: number;
  /** User + system CPU seconds of the command and its children (GNU time). */
  readonly cpu: number;
}

/** Runs a command under GNU time: wall and CPU seconds (CPU is what compares on a loaded machine). */
function timed(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: Buffer } = {}): Run {
  const out = join(tmpdir(), `lifeboat-bench-time-${process.pid}`);
  const started = now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', out, command, ...args], { ...options, stdio: [options.input ? 'pipe' : 'ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const wall = now() - started;
  if (r.status !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed: ${r.stderr?.toString().slice(-500)}`);
  const [user, sys] = readFileSync(out, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  rmSync(out, { force: true });
  return { wall, cpu: (user ?? 0) + (sys ?? 0) };
}

function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? treeBytes(path) + lstatSync(path).blocks * 512 : lstatSync(path).blocks * 512;
  }
  return total;
}

/** Disk the snapshot added: blocks of inodes not in the previous snapshot, plus all of its directories. */
function growth(ref: SnapshotRef, previous: SnapshotRef | undefined): number {
  const old = new Set((previous ? readDigests(previous.backupDir) ?? [] : []).map((d) => d.inode));
  let total = 0;
  const walk = (dir: string): void => {
    total += lstatSync(dir).blocks * 512;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const stat = lstatSync(path);
        if (!old.has(stat.ino)) total += stat.blocks * 512;
      }
    }
  };
  walk(ref.backupDir);
  return total;
}

/** The files every backup rewrites even when nothing changed: the engine and the phone give them new inodes. */
const ALWAYS_REWRITTEN = ['Info.plist', 'Manifest.db', 'Manifest.plist', 'Status.plist'];

export interface CommitMeasure {
  files: number;
  rounds: number;
  /** Medians over the rounds. */
  staging: number;
  stagingCpu: number;
  commit: number;
  commitCpu: number;
  /** The same commit without the engine's list of changed paths (every directory looked at). */
  walkCommit: number;
  walkCommitCpu: number;
  firstCommit: number;
}

/**
 * The commit of N unchanged files measured on the store alone (no phone): a snapshot of N files of
 * 1–8 KiB in 256 folders (as a Finder backup's) written and committed; then, `rounds` times, a new
 * staging folder (hard links) in which only the four files every backup rewrites get new inodes —
 * what the engine does on a backup where nothing changed — committed with the engine's list of
 * changed paths. One more round commits without that list (the fallback: every directory's mtime).
 */
function measureUnchangedCommit(work: string, files: number, rounds: number): CommitMeasure {
  const store = new TimedStore(join(work, 'commit-vault'));
  const udid = '00008101-0000BE4C000000AA';
  const first = store.openStaging(udid);
  let seed = 1;
  const block = Buffer.alloc(8192);
  for (const name of ALWAYS_REWRITTEN) writeFileSync(join(first.deviceDir, name), block.subarray(0, 4096));
  for (let i = 0; i < files; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    block.writeUInt32LE(seed, 0);
    block.writeUInt32LE(i, 4);
    const name = `${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}${i.toString(16).padStart(32, '0')}`;
    const dir = join(first.deviceDir, name.slice(0, 2));
    if (!existsSync(dir)) mkdirSync(dir);
    writeFileSync(join(dir, name), block.subarray(0, 1024 + (seed % 7168)));
  }
  const meta = { encrypted: false, full: true, filesReceived: files, bytesReceived: 0 };
  first.commit(meta);
  const firstCommit = store.commitSeconds;
  const samples: Array<{ staging: number; stagingCpu: number; commit: number; commitCpu: number }> = [];
  const unchangedRound = (withList: boolean): void => {
    spawnSync('sync');
    const staging = store.openStaging(udid);
    for (const name of ALWAYS_REWRITTEN) {
      rmSync(join(staging.deviceDir, name));
      writeFileSync(join(staging.deviceDir, name), block.subarray(0, 4096 + samples.length));
    }
    staging.commit({ ...meta, full: false, filesReceived: ALWAYS_REWRITTEN.length }, withList ? { changedPaths: new Set(ALWAYS_REWRITTEN) } : undefined);
    samples.push({ staging: store.stagingSeconds, stagingCpu: store.stagingCpu, commit: store.commitSeconds, commitCpu: store.commitCpu });
  };
  for (let i = 0; i < rounds; i++) unchangedRound(true);
  unchangedRound(false);
  const walk = samples.pop()!;
  const mid = (pick: (s: (typeof samples)[number]) => number): number => median(samples.map(pick));
  return { files, rounds, staging: mid((s) => s.staging), stagingCpu: mid((s) => s.stagingCpu), commit: mid((s) => s.commit), commitCpu: mid((s) => s.commitCpu), walkCommit: walk.commit, walkCommitCpu: walk.commitCpu, firstCommit };
}

interface Day {
  day: number;
  sentBytes: number;
  sentFiles: number;
  files: number;
  logicalBytes: number;
  growthBytes: number;
  backupSeconds: number;
  staging: Run;
  commit: Run;
  restic: Run;
  cp: Run | undefined;
}

const runText = (run: Run): string => `${run.wall.toFixed(2)} s (CPU ${run.cpu.toFixed(2)} s)`;

function logCommit(measure: CommitMeasure): void {
  log(
    `  store only, ${measure.files} unchanged files (median of ${measure.rounds}): commit ${measure.commit.toFixed(2)} s, CPU ${measure.commitCpu.toFixed(2)} s; ` +
      `staging ${measure.staging.toFixed(2)} s, CPU ${measure.stagingCpu.toFixed(2)} s; without the changed-path list: commit ${measure.walkCommit.toFixed(2)} s, CPU ${measure.walkCommitCpu.toFixed(2)} s; first commit (hashing all) ${measure.firstCommit.toFixed(2)} s`,
  );
}

export async function benchVault(args: string[]): Promise<void> {
  const options = parseOptions(args);
  const work = mkdtempSync(join(options.dir, 'lifeboat-bench-vault-'));
  const began = now();
  if (options.commitOnly) {
    try {
      const measure = measureUnchangedCommit(work, options.commitFiles, options.commitRounds);
      logCommit(measure);
      process.stdout.write(`${JSON.stringify({ commit: measure, loadAverage: loadavg() })}\n`);
    } finally {
      if (!options.keep) rmSync(work, { recursive: true, force: true });
    }
    return;
  }
  log(`vault benchmark: ${options.days} daily snapshots of a virtual iPhone of ${options.files.toLocaleString('en-US')} files (${options.bytes}) in ${work}`);
  const loads: number[] = [loadavg()[0] ?? 0];
  const phone = await startPhone(work, options.files, options.bytes);
  const mux = new UsbmuxClient({ kind: 'unix', path: phone.socket });
  const pairs = new UsbmuxPairRecordStore(mux);
  const transport = async (): Promise<UsbmuxTransport> => new UsbmuxTransport(mux, selectDevice(await mux.listDevices(), phone.udid));
  const store = new TimedStore(join(work, 'vault'));
  const resticRepo = join(work, 'restic');
  const resticEnv = { ...process.env, RESTIC_PASSWORD_FILE: join(work, 'restic.password') };
  writeFileSync(join(work, 'restic.password'), 'bench\n', { mode: 0o600 });
  try {
    const storeOnly = measureUnchangedCommit(work, options.commitFiles, options.commitRounds);
    logCommit(storeOnly);
    rmSync(join(work, 'commit-vault'), { recursive: true, force: true });
    await pairDevice(await transport(), pairs);
    timed('restic', ['--repo', resticRepo, '--no-cache', 'init'], { env: resticEnv });
    const days: Day[] = [];
    // cp -a on the first two days (the full folder, then an incremental's), mid-way and the last day.
    const cpDays = new Set([0, 1, Math.floor(options.days / 2), options.days - 1]);
    let previous: SnapshotRef | undefined;
    for (let day = 0; day < options.days; day++) {
      if (day > 0) {
        mutate(phone.socket, phone.udid, 'kind=churn', 'percent=1');
        mutate(phone.socket, phone.udid, 'kind=messages', 'add=50');
        mutate(phone.socket, phone.udid, 'kind=photos', 'add=3');
      }
      spawnSync('sync');
      const started = now();
      const result = await backupDevice({ transport: await transport(), pairStore: pairs, store });
      const backupSeconds = now() - started;
      const ref = result.snapshot;
      const grown = growth(ref, previous);
      // restic of the same folder, always from the same path so it finds its parent snapshot.
      const restic = timed('restic', ['--repo', resticRepo, '--no-cache', '--quiet', 'backup', '--host', 'bench', '.'], { cwd: ref.backupDir, env: resticEnv });
      let cp: Run | undefined;
      if (cpDays.has(day)) {
        spawnSync('sync');
        cp = timed('cp', ['-a', ref.backupDir, join(work, 'cp-copy')]);
        spawnSync('sync');
        rmSync(join(work, 'cp-copy'), { recursive: true, force: true });
      }
      const staging = { wall: store.stagingSeconds, cpu: store.stagingCpu };
      const commit = { wall: store.commitSeconds, cpu: store.commitCpu };
      const entry: Day = { day: day + 1, sentBytes: result.bytesReceived, sentFiles: result.filesReceived, files: ref.meta?.files ?? 0, logicalBytes: ref.meta?.logicalBytes ?? 0, growthBytes: grown, backupSeconds, staging, commit, restic, cp };
      days.push(entry);
      loads.push(loadavg()[0] ?? 0);
      log(
        `  day ${entry.day} (${((now() - began) / 60).toFixed(1)} min, load ${(loadavg()[0] ?? 0).toFixed(1)}): sent ${entry.sentFiles} files ${mb(entry.sentBytes)} MB, vault +${mb(grown)} MB (${(grown / Math.max(1, entry.sentBytes)).toFixed(2)}×); backup ${backupSeconds.toFixed(1)} s; staging ${runText(staging)}, commit ${runText(commit)}; restic ${runText(restic)}${cp ? `; cp -a ${runText(cp)}` : ''}`,
      );
      previous = ref;
      if (options.maxMinutes !== undefined && now() - began > options.maxMinutes * 60 && day < options.days - 1) {
        log(`  stopping after day ${day + 1}: past --max-minutes ${options.maxMinutes}`);
        break;
      }
    }

    // A day where nothing changed: the commit carries every digest over, syncs and renames.
    await backupDevice({ transport: await transport(), pairStore: pairs, store });
    const unchanged = { staging: { wall: store.stagingSeconds, cpu: store.stagingCpu }, commit: { wall: store.commitSeconds, cpu: store.commitCpu }, files: store.latest(phone.udid)?.meta?.files ?? 0 };
    log(`  no change: staging ${runText(unchanged.staging)}, commit ${runText(unchanged.commit)} for ${unchanged.files} files`);
    rmSync(store.latest(phone.udid)!.backupDir, { recursive: true, force: true });

    const usage = vaultUsage(store, [phone.udid]);
    const resticBytes = treeBytes(resticRepo);

    // Verify vs sha256sum over the latest snapshot's files, page cache warm for both.
    const latest = store.latest(phone.udid)!;
    const files = walkFiles(latest.deviceDir);
    const list = Buffer.from(files.map((f) => join(latest.deviceDir, f.path)).join('\0'));
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    timed('xargs', ['-0', 'cat'], { input: list }); // warm the cache
    const shaRuns = [timed('xargs', ['-0', 'sha256sum'], { input: list }), timed('xargs', ['-0', 'sha256sum'], { input: list })];
    const sha = shaRuns.reduce((best, run) => (run.wall < best.wall ? run : best));
    const verifyRuns: Run[] = [];
    let verifyOk = true;
    for (let i = 0; i < 2; i++) {
      const started = now();
      const cpu = cpuSeconds();
      const report = await verifySnapshot(latest);
      verifyRuns.push({ wall: now() - started, cpu: cpuSeconds() - cpu });
      verifyOk &&= report.ok;
    }
    const verify = verifyRuns.reduce((best, run) => (run.wall < best.wall ? run : best));
    log(`  verify ${files.length} files ${mb(bytes)} MB: Lifeboat ${runText(verify)}, sha256sum ${runText(sha)}${verifyOk ? '' : ' (PROBLEMS FOUND)'}`);
    loads.push(loadavg()[0] ?? 0);

    const section = render(options, days, unchanged, storeOnly, usage, resticBytes, { files: files.length, bytes, verify, sha, ok: verifyOk }, { minutes: (now() - began) / 60, loads });
    process.stdout.write(`${section}\n`);
    if (options.doc) writeSection(section);
  } finally {
    phone.child.kill('SIGINT');
    if (!options.keep) rmSync(work, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
}

function render(
  options: Options,
  days: Day[],
  unchanged: { staging: Run; commit: Run; files: number },
  storeOnly: CommitMeasure,
  usage: { diskBytes: number; logicalBytes: number },
  resticBytes: number,
  verify: { files: number; bytes: number; verify: Run; sha: Run; ok: boolean },
  run: { minutes: number; loads: number[] },
): string {
  const incrementals = days.slice(1);
  const ratios = incrementals.map((d) => d.growthBytes / Math.max(1, d.sentBytes));
  const worst = Math.max(0, ...ratios);
  const total = (pick: (d: Day) => number): number => incrementals.reduce((sum, d) => sum + pick(d), 0);
  const mid = (pick: (d: Day) => number): number => median(incrementals.map(pick));
  const cps = days.filter((d) => d.cp !== undefined).slice(1);
  const vaultWall = mid((d) => d.staging.wall + d.commit.wall);
  const vaultCpu = mid((d) => d.staging.cpu + d.commit.cpu);
  const cpWall = median(cps.map((d) => d.cp?.wall ?? 0));
  const cpCpu = median(cps.map((d) => d.cp?.cpu ?? 0));
  const resticWall = mid((d) => d.restic.wall);
  const resticCpu = mid((d) => d.restic.cpu);
  const verifyRate = verify.bytes / verify.verify.wall;
  const shaRate = verify.bytes / verify.sha.wall;
  const ok = (pass: boolean): string => (pass ? '✅' : '❌');
  const times = (a: number, b: number): string => `${(b / Math.max(1e-9, a)).toFixed(1)}×`;
  const scaled = options.files !== 100_000 || days.length !== 30 ? ` Reduced run (${options.files.toLocaleString('en-US')} files, ${days.length} days${days.length < options.days ? ` of the ${options.days} asked, stopped by --max-minutes` : ''}): the targets are for 100,000 files and 30 days.` : '';
  const loads = run.loads.map((l) => l.toFixed(1));
  const lines = [
    VAULT_BEGIN,
    `Command: \`npm run bench -- vault${options.files !== 100_000 ? ` --files ${options.files}` : ''}${options.bytes !== '400MB' ? ` --bytes ${options.bytes}` : ''}${options.days !== 30 ? ` --days ${options.days}` : ''}${options.maxMinutes !== undefined ? ` --max-minutes ${options.maxMinutes}` : ''}\` — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${run.minutes.toFixed(1)} min; ${availableParallelism()} cores; load average (1 min) from ${loads[0]} to ${loads.at(-1)}, highest ${Math.max(...run.loads).toFixed(1)}.`,
    '',
    `A virtual iPhone of ${options.files.toLocaleString('en-US')} files (${options.bytes}) backed up ${days.length} times, each day after \`sim mutate kind=churn percent=1\` (about 1 % of the files rewritten), 50 new messages (sms.db grows) and 3 new photos.${scaled} The phone runs in its own process; the backup engine and vault in the benchmark's. Peers run over the very same snapshot folders in the same run. CPU = user + sys seconds (the vault's from its own process, the peers' from GNU time).`,
    '',
    '| measure | Lifeboat vault | peer | target |',
    '|---|---|---|---|',
    `| disk growth per incremental snapshot vs bytes the phone sent | median ${median(ratios).toFixed(2)}×, worst ${worst.toFixed(2)}× (${mb(total((d) => d.growthBytes))} MB for ${mb(total((d) => d.sentBytes))} MB sent over ${incrementals.length} days) | restic repository of the same folders: ${mb(resticBytes)} MB in all | ≤ 1.5× ${ok(worst <= 1.5)} |`,
    `| disk used by all ${days.length} snapshots vs the sum of their logical sizes | ${mb(usage.diskBytes)} MB for ${mb(usage.logicalBytes)} MB (${((1 - usage.diskBytes / Math.max(1, usage.logicalBytes)) * 100).toFixed(1)} % saved) | one \`cp -a\` per day would take ${mb(usage.logicalBytes)} MB | — |`,
    `| snapshot time: the vault's own work per incremental (staging links + commit), median | ${vaultWall.toFixed(2)} s, CPU ${vaultCpu.toFixed(2)} s | \`cp -a\` of the same folder: ${cpWall.toFixed(2)} s, CPU ${cpCpu.toFixed(2)} s (${times(vaultWall, cpWall)} the vault's time); \`restic backup\` of the same folder (incremental): ${resticWall.toFixed(2)} s, CPU ${resticCpu.toFixed(2)} s (${times(vaultWall, resticWall)}) | — |`,
    `| snapshot commit of ${storeOnly.files.toLocaleString('en-US')} unchanged files, store alone (from staging complete to durable and visible), median of ${storeOnly.rounds} | ${storeOnly.commit.toFixed(2)} s, CPU ${storeOnly.commitCpu.toFixed(2)} s (staging before it: ${storeOnly.staging.toFixed(2)} s, CPU ${storeOnly.stagingCpu.toFixed(2)} s; without the engine's changed-path list: ${storeOnly.walkCommit.toFixed(2)} s, CPU ${storeOnly.walkCommitCpu.toFixed(2)} s) | — | < 2 s ${storeOnly.files >= 100_000 ? ok(storeOnly.commit < 2) : '(measured with fewer files: not comparable)'} |`,
    `| commit after a backup from the phone in which nothing changed (${unchanged.files.toLocaleString('en-US')} files) | ${runText(unchanged.commit)} (staging: ${runText(unchanged.staging)}) | — | — |`,
    `| commit of a daily incremental (~1 % changed), median | ${mid((d) => d.commit.wall).toFixed(2)} s, CPU ${mid((d) => d.commit.cpu).toFixed(2)} s (staging: ${mid((d) => d.staging.wall).toFixed(2)} s, CPU ${mid((d) => d.staging.cpu).toFixed(2)} s) | — | — |`,
    `| verify throughput (${verify.files.toLocaleString('en-US')} files, ${mb(verify.bytes)} MB, page cache warm) | ${mb(verifyRate)} MB/s (${runText(verify.verify)})${verify.ok ? '' : ' — PROBLEMS FOUND'} | \`sha256sum\` of the same files: ${mb(shaRate)} MB/s (${runText(verify.sha)}) | ≥ 80 % ${ok(verifyRate >= 0.8 * shaRate)} (${((verifyRate / shaRate) * 100).toFixed(0)} %) |`,
    '',
    'Per day (incrementals; vault growth / bytes sent, the vault\'s time): ' + incrementals.map((d) => `${d.day}: +${mb(d.growthBytes)}/${mb(d.sentBytes)} MB, ${(d.staging.wall + d.commit.wall).toFixed(2)} s`).join('; ') + '.',
    '',
    `Whole backups (phone → vault, incremental) took a median of ${mid((d) => d.backupSeconds).toFixed(1)} s; the first (full) took ${days[0]?.backupSeconds.toFixed(1) ?? '?'} s. The latest snapshot: ${days.at(-1)?.files.toLocaleString('en-US') ?? '?'} files, ${mb(days.at(-1)?.logicalBytes ?? 0)} MB.`,
    VAULT_END,
  ];
  return lines.join('\n');
}

/** Replaces the vault section of docs/benchmarks.md (or appends it), leaving the rest as it is. */
function writeSection(section: string): void {
  const existing = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n';
  const begin = existing.indexOf(VAULT_BEGIN);
  const end = existing.indexOf(VAULT_END);
  const next = begin >= 0 && end > begin ? `${existing.slice(0, begin)}${section}${existing.slice(end + VAULT_END.length)}` : `${existing.trimEnd()}\n\n${section}\n`;
  mkdirSync(dirname(DOC), { recursive: true });
  writeFileSync(DOC, next);
  log(`wrote the vault section of ${DOC}`);
}
