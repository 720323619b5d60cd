/**
 * `npm run bench -- vault [--files N] [--bytes SIZE] [--days D] [--dir DIR] [--keep] [--no-doc]`:
 * the local vault over D daily snapshots (default 30) of a virtual iPhone of N files (default 100,000),
 * with realistic daily change — ~1 % of the files rewritten (`sim mutate kind=churn percent=1`), a
 * growing sms.db (50 new messages) and 3 new photos a day.
 *
 * Side by side, in the same run, over the same folders:
 * - disk: what the vault grows by per snapshot (blocks of inodes new in it, plus its directories)
 *   against the bytes that changed (what the phone sent), and the total against the sum of logical sizes;
 * - snapshot time (the vault's own work: staging links + commit) against `cp -a` of the same folder
 *   and against `restic backup` of the same folder into one repository (restic's dedup);
 * - commit of a snapshot where nothing changed (all files unchanged: the digest walk, sync, rename);
 * - verify throughput against `sha256sum` over the same files (page cache warm for both).
 * Targets (issue 6): growth ≤ 1.5× the changed bytes; unchanged commit < 2 s for 100,000 files;
 * verify ≥ 80 % of sha256sum's rate. Figures go into docs/benchmarks.md between the vault markers.
 */
import { sectionMarkers } from './doc-section.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  return { files: whole('--files', 100_000), bytes: value('--bytes') ?? '400MB', days: whole('--days', 30), dir: value('--dir') ?? tmpdir(), keep: args.includes('--keep'), doc: !args.includes('--no-doc'), commitFiles: whole('--commit-files', 100_000) };
}

/** The vault with its own work timed: building the staging folder, and the commit. */
class TimedStore extends LocalSnapshotStore {
  stagingSeconds = 0;
  commitSeconds = 0;

  override openStaging(udid: string, options: { full?: boolean } = {}): Staging {
    const started = now();
    const staging = super.openStaging(udid, options);
    this.stagingSeconds = now() - started;
    return {
      ...staging,
      backupDir: staging.backupDir,
      deviceDir: staging.deviceDir,
      basedOn: staging.basedOn,
      // The engine's options (digests computed while receiving, the paths the phone changed) are
      // passed on: dropping them would time the slow path, not the one a backup takes.
      commit: (meta, commitOptions) => {
        const begin = now();
        const ref = staging.commit(meta, commitOptions);
        this.commitSeconds = now() - begin;
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

function timed(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: Buffer } = {}): number {
  const started = now();
  const r = spawnSync(command, args, { ...options, stdio: [options.input ? 'pipe' : 'ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed: ${r.stderr?.toString().slice(-500)}`);
  return now() - started;
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

/**
 * The commit of N unchanged files measured on the store alone (no phone): a snapshot of N files of
 * 1–8 KiB written into a staging folder and committed, then a second staging folder (hard links) that
 * changes nothing, committed: the digest walk reuses every digest, then sync and rename.
 */
function measureUnchangedCommit(work: string, files: number): { files: number; staging: number; commit: number; firstCommit: number } {
  const store = new TimedStore(join(work, 'commit-vault'));
  const udid = '00008101-0000BE4C000000AA';
  const first = store.openStaging(udid);
  let seed = 1;
  const block = Buffer.alloc(8192);
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
  const second = store.openStaging(udid);
  second.commit({ ...meta, full: false });
  return { files, staging: store.stagingSeconds, commit: store.commitSeconds, firstCommit };
}

interface Day {
  day: number;
  sentBytes: number;
  sentFiles: number;
  growthBytes: number;
  backupSeconds: number;
  stagingSeconds: number;
  commitSeconds: number;
  resticSeconds: number;
  cpSeconds: number | undefined;
}

export async function benchVault(args: string[]): Promise<void> {
  const options = parseOptions(args);
  const work = mkdtempSync(join(options.dir, 'lifeboat-bench-vault-'));
  log(`vault benchmark: ${options.days} daily snapshots of a virtual iPhone of ${options.files.toLocaleString('en-US')} files (${options.bytes}) in ${work}`);
  const phone = await startPhone(work, options.files, options.bytes);
  const mux = new UsbmuxClient({ kind: 'unix', path: phone.socket });
  const pairs = new UsbmuxPairRecordStore(mux);
  const transport = async (): Promise<UsbmuxTransport> => new UsbmuxTransport(mux, selectDevice(await mux.listDevices(), phone.udid));
  const store = new TimedStore(join(work, 'vault'));
  const resticRepo = join(work, 'restic');
  const resticEnv = { ...process.env, RESTIC_PASSWORD_FILE: join(work, 'restic.password') };
  writeFileSync(join(work, 'restic.password'), 'bench\n', { mode: 0o600 });
  try {
    const storeOnly = measureUnchangedCommit(work, options.commitFiles);
    log(`  store only: commit of ${storeOnly.files} unchanged files ${storeOnly.commit.toFixed(2)} s (staging links ${storeOnly.staging.toFixed(2)} s; first commit hashing them all ${storeOnly.firstCommit.toFixed(2)} s)`);
    rmSync(join(work, 'commit-vault'), { recursive: true, force: true });
    await pairDevice(await transport(), pairs);
    timed('restic', ['--repo', resticRepo, '--no-cache', 'init'], { env: resticEnv });
    const days: Day[] = [];
    const cpDays = new Set([0, Math.floor(options.days / 2), options.days - 1]);
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
      const resticSeconds = timed('restic', ['--repo', resticRepo, '--no-cache', '--quiet', 'backup', '--host', 'bench', '.'], { cwd: ref.backupDir, env: resticEnv });
      let cpSeconds: number | undefined;
      if (cpDays.has(day)) {
        spawnSync('sync');
        cpSeconds = timed('cp', ['-a', ref.backupDir, join(work, 'cp-copy')]);
        spawnSync('sync');
        rmSync(join(work, 'cp-copy'), { recursive: true, force: true });
      }
      const entry: Day = { day: day + 1, sentBytes: result.bytesReceived, sentFiles: result.filesReceived, growthBytes: grown, backupSeconds, stagingSeconds: store.stagingSeconds, commitSeconds: store.commitSeconds, resticSeconds, cpSeconds };
      days.push(entry);
      log(
        `  day ${entry.day}: sent ${entry.sentFiles} files ${mb(entry.sentBytes)} MB, vault +${mb(grown)} MB (${(grown / Math.max(1, entry.sentBytes)).toFixed(2)}×); backup ${backupSeconds.toFixed(1)} s, staging ${entry.stagingSeconds.toFixed(2)} s, commit ${entry.commitSeconds.toFixed(2)} s; restic ${resticSeconds.toFixed(1)} s${cpSeconds !== undefined ? `; cp -a ${cpSeconds.toFixed(1)} s` : ''}`,
      );
      previous = ref;
    }

    // A day where nothing changed: the commit walks, reuses every digest, syncs and renames.
    await backupDevice({ transport: await transport(), pairStore: pairs, store });
    const unchanged = { staging: store.stagingSeconds, commit: store.commitSeconds, files: store.latest(phone.udid)?.meta?.files ?? 0 };
    log(`  no change: staging ${unchanged.staging.toFixed(2)} s, commit ${unchanged.commit.toFixed(2)} s for ${unchanged.files} files`);
    rmSync(store.latest(phone.udid)!.backupDir, { recursive: true, force: true });

    const usage = vaultUsage(store, [phone.udid]);
    const resticBytes = treeBytes(resticRepo);

    // Verify vs sha256sum over the latest snapshot's files, page cache warm for both.
    const latest = store.latest(phone.udid)!;
    const files = walkFiles(latest.deviceDir);
    const list = Buffer.from(files.map((f) => join(latest.deviceDir, f.path)).join('\0'));
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    timed('xargs', ['-0', 'cat'], { input: list }); // warm the cache
    const shaSeconds = Math.min(timed('xargs', ['-0', 'sha256sum'], { input: list }), timed('xargs', ['-0', 'sha256sum'], { input: list }));
    const verifyRuns: number[] = [];
    let verifyOk = true;
    for (let i = 0; i < 2; i++) {
      const started = now();
      const report = await verifySnapshot(latest);
      verifyRuns.push(now() - started);
      verifyOk &&= report.ok;
    }
    const verifySeconds = Math.min(...verifyRuns);
    log(`  verify ${files.length} files ${mb(bytes)} MB: Lifeboat ${verifySeconds.toFixed(2)} s, sha256sum ${shaSeconds.toFixed(2)} s${verifyOk ? '' : ' (PROBLEMS FOUND)'}`);

    const section = render(options, days, unchanged, storeOnly, usage, resticBytes, { files: files.length, bytes, verifySeconds, shaSeconds });
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
  unchanged: { staging: number; commit: number; files: number },
  storeOnly: { files: number; staging: number; commit: number; firstCommit: number },
  usage: { diskBytes: number; logicalBytes: number },
  resticBytes: number,
  verify: { files: number; bytes: number; verifySeconds: number; shaSeconds: number },
): string {
  const incrementals = days.slice(1);
  const ratios = incrementals.map((d) => d.growthBytes / Math.max(1, d.sentBytes));
  const worst = Math.max(0, ...ratios);
  const total = (pick: (d: Day) => number): number => incrementals.reduce((sum, d) => sum + pick(d), 0);
  const cps = days.filter((d) => d.cpSeconds !== undefined);
  const vaultPerDay = median(incrementals.map((d) => d.stagingSeconds + d.commitSeconds));
  const cpMedian = median(cps.slice(1).map((d) => d.cpSeconds ?? 0));
  const resticMedian = median(incrementals.map((d) => d.resticSeconds));
  const verifyRate = verify.bytes / verify.verifySeconds;
  const shaRate = verify.bytes / verify.shaSeconds;
  const ok = (pass: boolean): string => (pass ? '✅' : '❌');
  const scaled = options.files !== 100_000 || options.days !== 30 ? ` (reduced run: ${options.files} files, ${options.days} days — the targets are for 100,000 files and 30 days)` : '';
  const lines = [
    VAULT_BEGIN,
    '## Vault: 30 daily snapshots (`npm run bench -- vault`, module `bench/vault.ts`)',
    '',
    `Run ${new Date().toISOString().slice(0, 10)}: a virtual iPhone of ${options.files.toLocaleString('en-US')} files (${options.bytes}) backed up ${options.days} times, each day after \`sim mutate kind=churn percent=1\` (about 1 % of the files rewritten), 50 new messages (sms.db grows) and 3 new photos${scaled}. The phone runs in its own process; the backup engine and vault in the benchmark's. Peers run over the very same snapshot folders in the same run.`,
    '',
    '| measure | Lifeboat vault | peer | target |',
    '|---|---|---|---|',
    `| disk growth per incremental snapshot vs bytes the phone sent | median ${median(ratios).toFixed(2)}×, worst ${worst.toFixed(2)}× (${mb(total((d) => d.growthBytes))} MB for ${mb(total((d) => d.sentBytes))} MB sent over ${incrementals.length} days) | restic repository of the same folders: ${mb(resticBytes)} MB in all | ≤ 1.5× ${ok(worst <= 1.5)} |`,
    `| disk used by all ${days.length} snapshots vs the sum of their logical sizes | ${mb(usage.diskBytes)} MB for ${mb(usage.logicalBytes)} MB (${((1 - usage.diskBytes / Math.max(1, usage.logicalBytes)) * 100).toFixed(1)} % saved) | one \`cp -a\` per day would take ${mb(usage.logicalBytes)} MB | — |`,
    `| snapshot time, the vault's own work (staging links + commit), median of incrementals | ${vaultPerDay.toFixed(2)} s | \`cp -a\` of the same folder: ${cpMedian.toFixed(2)} s; \`restic backup\` of the same folder (incremental): ${resticMedian.toFixed(2)} s | — |`,
    `| commit of a snapshot of ${storeOnly.files.toLocaleString('en-US')} unchanged files, store alone (digest walk, sync, rename) | ${storeOnly.commit.toFixed(2)} s (staging links before it: ${storeOnly.staging.toFixed(2)} s; the first commit, hashing all, ${storeOnly.firstCommit.toFixed(2)} s) | — | < 2 s ${ok(storeOnly.commit < 2 && storeOnly.files >= 100_000)} |`,
    `| commit after a backup in which nothing changed (${unchanged.files.toLocaleString('en-US')} files from the phone) | ${unchanged.commit.toFixed(2)} s (staging links: ${unchanged.staging.toFixed(2)} s) | — | — |`,
    `| verify throughput (${verify.files.toLocaleString('en-US')} files, ${mb(verify.bytes)} MB, page cache warm) | ${mb(verifyRate)} MB/s (${verify.verifySeconds.toFixed(2)} s) | \`sha256sum\` of the same files: ${mb(shaRate)} MB/s (${verify.shaSeconds.toFixed(2)} s) | ≥ 80 % ${ok(verifyRate >= 0.8 * shaRate)} (${((verifyRate / shaRate) * 100).toFixed(0)} %) |`,
    '',
    'Per day (incrementals): ' + incrementals.map((d) => `${d.day}: +${mb(d.growthBytes)}/${mb(d.sentBytes)} MB, ${(d.stagingSeconds + d.commitSeconds).toFixed(2)} s`).join('; ') + '.',
    '',
    `Whole backups (phone → vault, incremental) took a median of ${median(incrementals.map((d) => d.backupSeconds)).toFixed(1)} s; the first (full) took ${days[0]?.backupSeconds.toFixed(1) ?? '?'} s.`,
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
