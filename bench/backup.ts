/**
 * `npm run bench -- backup [large] [small] [nochange] [churn] [options]`: Lifeboat and idevicebackup2
 * backing up the same virtual iPhone in the same run (not a timed test).
 *
 * Scenarios (all four when none is named):
 *   large     full backups of a phone of ~200 files holding ≥ 2 GB
 *   small     full backups of a phone of 100,000 small files
 *   nochange  incremental backups of the 100,000-file phone with nothing changed
 *   churn     incremental backups after ~1 % of its files changed (`sim mutate kind=churn percent=1`)
 *
 * Processes: the virtual iPhone runs in a process of its own (`lifeboat sim`), and every backup is a
 * process of its own too (`lifeboat backup --json`, `idevicebackup2 backup`), run under GNU time, so
 * each tool's wall time, CPU time and peak RSS are its own and both face the same phone process. The
 * *null host* (bench/null-host.ts) speaks the same protocol but keeps nothing: its run time is the
 * phone's serving time plus the transport — the ceiling any host can reach against this phone.
 * Runs are interleaved (Lifeboat, idevicebackup2, null host; the first two swap order every round) and
 * repeated; the table shows medians. Every run starts after a `sync`, so no run pays for the previous
 * run's dirty pages; Lifeboat's time includes its own commit (`sync -f`), idevicebackup2 never syncs
 * (the time a `sync` took after it is reported).
 *
 * Options: --runs N (rounds per scenario; default 3, small 2), --block-size B (the phone's file
 * block size; default 32768 as a real iPhone), --dir D (where backups go; default the OS temp
 * folder), --keep, --no-doc (do not refresh docs/benchmarks.md), --files N / --large-bytes SIZE /
 * --small-bytes SIZE (phone sizes).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { writeDocSection } from './doc-section.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LIFEBOAT = join(ROOT, 'bin', 'lifeboat.js');
const NULL_HOST = join(ROOT, 'dist', 'bench', 'null-host.js');
const GNU_TIME = '/usr/bin/time';
const SCENARIOS = ['large', 'small', 'nochange', 'churn'] as const;
type Scenario = (typeof SCENARIOS)[number];
type Tool = 'lifeboat' | 'lifeboat-wifi' | 'idevicebackup2' | 'phone';

interface Options {
  readonly scenarios: Scenario[];
  readonly runs: number | undefined;
  readonly blockSize: number;
  readonly dir: string;
  readonly keep: boolean;
  readonly doc: boolean;
  readonly smallFiles: number;
  readonly largeBytes: string;
  readonly smallBytes: string;
}

/** One timed run of one tool. */
interface Run {
  readonly tool: Tool;
  readonly seconds: number;
  /** What the phone sent: regular files and their bytes (from the tool, else from the same round). */
  files: number;
  bytes: number;
  readonly cpuSeconds: number | undefined;
  readonly peakRssMb: number | undefined;
  readonly phoneCpuSeconds: number;
  /** Lifeboat: seconds from start to its "committing" phase; idevicebackup2: the sync after it. */
  readonly extra: number | undefined;
}

interface Row {
  readonly scenario: Scenario;
  readonly tool: Tool;
  readonly runs: Run[];
}

function parseOptions(args: string[]): Options {
  const value = (name: string): string | undefined => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    const v = args[at + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
    return v;
  };
  const number = (name: string): number | undefined => {
    const v = value(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} takes a positive whole number`);
    return n;
  };
  const named = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && (args[i - 1] ?? '').startsWith('--') && !['--keep', '--no-doc'].includes(args[i - 1] ?? '')));
  for (const n of named) if (!(SCENARIOS as readonly string[]).includes(n)) throw new Error(`unknown scenario "${n}" (scenarios: ${SCENARIOS.join(', ')})`);
  return {
    scenarios: named.length > 0 ? SCENARIOS.filter((s) => named.includes(s)) : [...SCENARIOS],
    runs: number('--runs'),
    blockSize: number('--block-size') ?? 32768,
    dir: value('--dir') ?? tmpdir(),
    keep: args.includes('--keep'),
    doc: !args.includes('--no-doc'),
    smallFiles: number('--files') ?? 100_000,
    largeBytes: value('--large-bytes') ?? '2200MB',
    smallBytes: value('--small-bytes') ?? '400MB',
  };
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The virtual iPhone in its own process. */
class Phone {
  private constructor(
    readonly child: ChildProcess,
    readonly socket: string,
    readonly udid: string,
    private readonly stderr: string[],
  ) {}

  static async start(work: string, name: string, files: number, bytes: string, blockSize: number, extra: readonly string[] = []): Promise<Phone> {
    const socket = join(work, `${name}.sock`);
    const args = [LIFEBOAT, 'sim', '--socket', socket, '--devices', '1', '--auto-trust', '--fast-kdf', '--quiet', '--json'];
    args.push('--files', String(files), '--bytes', bytes, '--block-size', String(blockSize), '--state-dir', join(work, `${name}-state`), '--seed', `bench-${name}`, ...extra);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk.toString());
      if (stderr.length > 50) stderr.shift();
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const udid = await new Promise<string>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error('the virtual iPhone did not start within 120 s')), 120_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the virtual iPhone exited (${code}): ${stderr.join('')}`));
      });
      lines.on('line', (line) => {
        try {
          const event = JSON.parse(line) as { event?: string; devices?: Array<{ udid: string }> };
          if (event.event === 'ready' && event.devices?.[0]) {
            clearTimeout(timer);
            resolveReady(event.devices[0].udid);
          }
        } catch {
          // not JSON: ignore
        }
      });
    });
    child.removeAllListeners('exit');
    return new Phone(child, socket, udid, stderr);
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, USBMUXD_SOCKET_ADDRESS: `UNIX:${this.socket}` };
  }

  /** CPU seconds the phone process has used so far (/proc; 0 where there is no /proc). */
  cpuSeconds(): number {
    try {
      const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      return 0;
    }
  }

  async control(args: string[]): Promise<string> {
    const result = await run(process.execPath, [LIFEBOAT, 'sim', ...args.slice(0, 1), '--socket', this.socket, ...args.slice(1)], this.env);
    if (result.code !== 0) throw new Error(`lifeboat sim ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

const CLOCK_TICKS = (() => {
  const r = spawnSync('getconf', ['CLK_TCK']);
  const n = Number(r.stdout?.toString().trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

interface Finished {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  readonly cpuSeconds: number | undefined;
  readonly peakRssMb: number | undefined;
  /** Seconds from the start to the first stdout line containing `mark` (Lifeboat's phases). */
  readonly markAt: number | undefined;
}

/** Runs a command to completion, under GNU time when present (wall, CPU, peak RSS). */
async function run(command: string, args: string[], env: NodeJS.ProcessEnv, options: { timed?: boolean; mark?: string; keepStdout?: number } = {}): Promise<Finished> {
  const useTime = options.timed === true && existsSync(GNU_TIME);
  const timeFile = useTime ? join(tmpdir(), `lifeboat-bench-time-${process.pid}-${Date.now()}`) : undefined;
  const argv = useTime ? ['-f', '%e %U %S %M', '-o', timeFile as string, command, ...args] : args;
  const started = process.hrtime.bigint();
  const child = spawn(useTime ? GNU_TIME : command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = options.keepStdout ?? 256 * 1024;
  let stdout = '';
  let stderr = '';
  let markAt: number | undefined;
  let peakKb = 0;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        try {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          const hwm = /VmHWM:\s+(\d+)/.exec(status);
          if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
        } catch {
          // exited
        }
      }, 50);
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (options.mark && markAt === undefined && text.includes(options.mark)) markAt = Number(process.hrtime.bigint() - started) / 1e9;
    stdout = (stdout + text).slice(-keep);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-64 * 1024);
  });
  const code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? 1)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (poll) clearInterval(poll);
  let cpuSeconds: number | undefined;
  let peakRssMb: number | undefined = peakKb > 0 ? peakKb / 1024 : undefined;
  if (timeFile) {
    try {
      const [, user, sys, rss] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
      if (user !== undefined && sys !== undefined) cpuSeconds = user + sys;
      if (rss !== undefined) peakRssMb = rss / 1024;
    } catch {
      // no figures
    }
    rmSync(timeFile, { force: true });
  }
  return { code, stdout, stderr, seconds, cpuSeconds, peakRssMb, markAt };
}

function syncDisks(): number {
  const started = process.hrtime.bigint();
  spawnSync('sync', [], { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The tools, each as a process of its own. */
class Tools {
  private round = 0;

  constructor(
    readonly phone: Phone,
    readonly work: string,
  ) {}

  /** Lifeboat's vault home for this scenario family (`name`). */
  home(name: string): string {
    return join(this.work, `lifeboat-${name}`);
  }

  async lifeboat(home: string, full: boolean, overWifi = false): Promise<Run> {
    // Over Wi-Fi: `wifi on` (over USB, untimed) stores the Wi-Fi pair record in this home; the timed
    // backup then finds the phone by mDNS on loopback and talks TCP to it, with usbmuxd out of reach.
    if (overWifi) {
      const on = await run(process.execPath, [LIFEBOAT, 'wifi', 'on', '-u', this.phone.udid, '--json'], { ...this.phone.env, LIFEBOAT_HOME: home });
      if (on.code !== 0) throw new Error(`lifeboat wifi on failed (${on.code}): ${on.stderr.slice(-2000)}`);
    }
    syncDisks();
    const phoneBefore = this.phone.cpuSeconds();
    const args = [LIFEBOAT, 'backup', '--json', '-u', this.phone.udid, ...(full ? ['--full'] : [])];
    const env = overWifi
      ? { ...this.phone.env, LIFEBOAT_HOME: home, USBMUXD_SOCKET_ADDRESS: `UNIX:${join(this.work, 'no-usbmuxd.sock')}`, LIFEBOAT_MDNS_INTERFACE: '127.0.0.1' }
      : { ...this.phone.env, LIFEBOAT_HOME: home };
    const r = await run(process.execPath, args, env, { timed: true, mark: '"phase":"committing"' });
    const phoneCpu = this.phone.cpuSeconds() - phoneBefore;
    const result = r.stdout
      .split('\n')
      .reverse()
      .map((l) => {
        try {
          return JSON.parse(l) as { type?: string; files?: number; bytes?: number };
        } catch {
          return undefined;
        }
      })
      .find((e) => e?.type === 'result');
    if (r.code !== 0 || !result) throw new Error(`lifeboat backup failed (${r.code}): ${r.stderr.slice(-2000)}`);
    return { tool: overWifi ? 'lifeboat-wifi' : 'lifeboat', seconds: r.seconds, files: result.files ?? 0, bytes: result.bytes ?? 0, cpuSeconds: r.cpuSeconds, peakRssMb: r.peakRssMb, phoneCpuSeconds: phoneCpu, extra: r.markAt };
  }

  async idevicebackup2(dir: string, full: boolean): Promise<Run> {
    mkdirSync(dir, { recursive: true });
    syncDisks();
    const phoneBefore = this.phone.cpuSeconds();
    const args = ['-u', this.phone.udid, 'backup', ...(full ? ['--full'] : []), dir];
    const r = await run('idevicebackup2', args, this.phone.env, { timed: true, keepStdout: 16 * 1024 });
    const phoneCpu = this.phone.cpuSeconds() - phoneBefore;
    if (r.code !== 0 || !/Backup Successful/.test(r.stdout)) throw new Error(`idevicebackup2 failed (${r.code}): ${r.stdout.slice(-1500)} ${r.stderr.slice(-1500)}`);
    const files = Number(/Received (\d+) files/.exec(r.stdout)?.[1] ?? 0);
    // idevicebackup2 returns with its writes still in the page cache; what a sync then takes is shown.
    const flush = syncDisks();
    return { tool: 'idevicebackup2', seconds: r.seconds, files, bytes: 0, cpuSeconds: r.cpuSeconds, peakRssMb: r.peakRssMb, phoneCpuSeconds: phoneCpu, extra: flush };
  }

  /** The null host: the phone's own serving time (see null-host.ts). */
  async nullHost(full: boolean, previous: string | undefined): Promise<Run> {
    syncDisks();
    const phoneBefore = this.phone.cpuSeconds();
    const args = [NULL_HOST, ...(full ? ['--full'] : []), ...(previous ? ['--previous', previous] : [])];
    const r = await run(process.execPath, args, this.phone.env, { timed: true });
    const phoneCpu = this.phone.cpuSeconds() - phoneBefore;
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    if (r.code !== 0) throw new Error(`null host failed (${r.code}): ${r.stderr.slice(-2000)}`);
    const result = JSON.parse(line) as { files: number; bytes: number; seconds: number };
    return { tool: 'phone', seconds: r.seconds, files: result.files, bytes: result.bytes, cpuSeconds: r.cpuSeconds, peakRssMb: r.peakRssMb, phoneCpuSeconds: phoneCpu, extra: undefined };
  }

  /** Lifeboat and idevicebackup2 in alternating order, then the null host. */
  async rounds(count: number, one: (round: number) => Promise<{ lifeboat: () => Promise<Run>; ib2: () => Promise<Run>; phone?: () => Promise<Run>; wifi?: () => Promise<Run> }>): Promise<Run[][]> {
    const out: Run[][] = [];
    for (let i = 0; i < count; i++) {
      const steps = await one(i);
      const first = this.round++ % 2 === 0;
      const a = first ? await steps.lifeboat() : await steps.ib2();
      const b = first ? await steps.ib2() : await steps.lifeboat();
      const lb = first ? a : b;
      const ib = first ? b : a;
      const ph = steps.phone ? await steps.phone() : undefined;
      const wifi = steps.wifi ? await steps.wifi() : undefined;
      // idevicebackup2 reports no byte count: it received what Lifeboat received from the same phone state.
      ib.bytes = lb.bytes;
      log(`  round ${i + 1}: lifeboat ${lb.seconds.toFixed(1)} s, idevicebackup2 ${ib.seconds.toFixed(1)} s${ph ? `, null host ${ph.seconds.toFixed(1)} s` : ''}${wifi ? `, lifeboat over Wi-Fi ${wifi.seconds.toFixed(1)} s` : ''}  (${lb.files} files, ${(lb.bytes / 1e6).toFixed(0)} MB)`);
      out.push([lb, ib, ...(ph ? [ph] : []), ...(wifi ? [wifi] : [])]);
    }
    return out;
  }
}

function latestSnapshotDir(home: string, udid: string): string {
  const dir = join(home, 'vault', 'devices', udid, 'snapshots');
  const ids = spawnSync('ls', [dir]).stdout?.toString().trim().split('\n').filter(Boolean).sort() ?? [];
  const last = ids.at(-1);
  if (!last) throw new Error(`no Lifeboat snapshot in ${dir}`);
  return join(dir, last);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function medianOf(runs: Run[], pick: (r: Run) => number | undefined): number | undefined {
  const values = runs.map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return values.length ? median(values) : undefined;
}

function rowsFrom(scenario: Scenario, rounds: Run[][]): Row[] {
  const tools: Tool[] = ['lifeboat', 'lifeboat-wifi', 'idevicebackup2', 'phone'];
  return tools.map((tool) => ({ scenario, tool, runs: rounds.flatMap((r) => r.filter((x) => x.tool === tool)) })).filter((r) => r.runs.length > 0);
}

const LABEL: Record<Scenario, string> = {
  large: '(a) large files, full',
  small: '(b) 100,000 small files, full',
  nochange: '(c) no-change incremental',
  churn: '(d) incremental after 1 % changes',
};
const TOOL_LABEL: Record<Tool, string> = { lifeboat: 'Lifeboat', 'lifeboat-wifi': 'Lifeboat over Wi-Fi (TCP, no usbmuxd)', idevicebackup2: 'idevicebackup2', phone: 'virtual iPhone alone (null host)' };

const fmt = (n: number | undefined, digits = 0): string => (n === undefined ? '—' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

/** The results table (markdown) and the target checks. */
function report(rows: Row[], phoneFiles: Map<Scenario, number>): { table: string[]; verdicts: string[] } {
  const table = [
    '| scenario | tool | files | MB | time (s) | MB/s | files/s | host CPU (s) | peak RSS (MB) | phone CPU (s) | commit / sync (s) | Lifeboat vs idevicebackup2 |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const verdicts: string[] = [];
  for (const scenario of SCENARIOS) {
    const group = rows.filter((r) => r.scenario === scenario);
    if (group.length === 0) continue;
    const time = (tool: Tool): number | undefined => medianOf(group.find((r) => r.tool === tool)?.runs ?? [], (r) => r.seconds);
    const lbTime = time('lifeboat');
    const ibTime = time('idevicebackup2');
    const ratio = lbTime !== undefined && ibTime !== undefined ? ibTime / lbTime : undefined;
    for (const row of group) {
      const seconds = medianOf(row.runs, (r) => r.seconds) ?? NaN;
      const files = medianOf(row.runs, (r) => r.files) ?? 0;
      const bytes = medianOf(row.runs, (r) => r.bytes) ?? 0;
      const cpu = medianOf(row.runs, (r) => r.cpuSeconds);
      const rss = Math.max(...row.runs.map((r) => r.peakRssMb ?? 0));
      const phoneCpu = medianOf(row.runs, (r) => r.phoneCpuSeconds);
      // Lifeboat: its commit (digest record + file-system sync), inside its time; idevicebackup2: the
      // sync run after it, outside its time (it never syncs).
      const sync = medianOf(row.runs, (r) => (r.tool.startsWith('lifeboat') ? (r.extra === undefined ? undefined : r.seconds - r.extra) : r.extra));
      const wifiTime = row.tool === 'lifeboat-wifi' ? medianOf(row.runs, (r) => r.seconds) : undefined;
      const ratioText = row.tool === 'lifeboat' && ratio !== undefined ? `**${ratio.toFixed(2)}×**` : wifiTime !== undefined && ibTime !== undefined ? `${(ibTime / wifiTime).toFixed(2)}×` : '';
      table.push(
        `| ${LABEL[scenario]} | ${TOOL_LABEL[row.tool]} | ${fmt(files)} | ${fmt(bytes / 1e6)} | ${fmt(seconds, 2)} | ${fmt(bytes / 1e6 / seconds)} | ${fmt(files / seconds)} | ${fmt(cpu, 1)} | ${rss > 0 ? fmt(rss) : '—'} | ${fmt(phoneCpu, 1)} | ${row.tool.startsWith('lifeboat') ? fmt(sync, 2) : row.tool === 'idevicebackup2' ? `(${fmt(sync, 2)})` : '—'} | ${ratioText} |`,
      );
    }
    const lb = group.find((r) => r.tool === 'lifeboat');
    if (!lb) continue;
    const lbSeconds = medianOf(lb.runs, (r) => r.seconds) ?? NaN;
    const rss = Math.max(...lb.runs.map((r) => r.peakRssMb ?? 0));
    const ok = (pass: boolean): string => (pass ? 'met' : 'MISSED');
    const checks = [`≥ 1.5× idevicebackup2: ${ratio === undefined ? '—' : `${ratio.toFixed(2)}× ${ok(ratio >= 1.5)}`}`, `peak RSS < 512 MB: ${fmt(rss)} MB ${ok(rss < 512)}`];
    if (scenario === 'large') {
      const mbps = (medianOf(lb.runs, (r) => r.bytes) ?? 0) / 1e6 / lbSeconds;
      checks.push(`≥ 400 MB/s: ${fmt(mbps)} MB/s ${ok(mbps >= 400)}`);
    }
    if (scenario === 'small') {
      const fps = (medianOf(lb.runs, (r) => r.files) ?? 0) / lbSeconds;
      checks.push(`≥ 10,000 files/s: ${fmt(fps)} files/s ${ok(fps >= 10_000)}`);
    }
    if (scenario === 'nochange') {
      const cpu = medianOf(lb.runs, (r) => r.cpuSeconds);
      const onPhone = phoneFiles.get('nochange') ?? 100_000;
      if (cpu !== undefined) {
        const per100k = (cpu * 100_000) / onPhone;
        checks.push(`host-side work < 2 s per 100,000 files: ${per100k.toFixed(2)} s of CPU per 100,000 files ${ok(per100k < 2)} (wall ${((lbSeconds * 100_000) / onPhone).toFixed(2)} s)`);
      }
    }
    verdicts.push(`- ${LABEL[scenario]}: ${checks.join('; ')}`);
  }
  return { table, verdicts };
}

function machine(): string[] {
  const cpu = cpus();
  const mount = (() => {
    try {
      return readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((l) => l.split(' '))
        .filter((f) => f.length > 3)
        .sort((a, b) => (b[1]?.length ?? 0) - (a[1]?.length ?? 0));
    } catch {
      return [];
    }
  })();
  const fsOf = (path: string): string => {
    const m = mount.find((f) => path === f[1] || path.startsWith(`${f[1] === '/' ? '' : f[1]}/`));
    return m ? `${m[2]} (${m[0]} on ${m[1]})` : 'unknown';
  };
  const ib2 = spawnSync('idevicebackup2', ['--version']).stdout?.toString().trim() ?? 'not installed';
  return [
    `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}`,
    `Node ${process.version}; ${ib2}`,
    `backups written to ${fsOf(tmpdir())}`,
  ];
}

export async function benchBackup(args: string[]): Promise<void> {
  const options = parseOptions(args);
  if (spawnSync('idevicebackup2', ['--version']).status !== 0) throw new Error('idevicebackup2 is not installed (Debian: libimobiledevice-utils)');
  mkdirSync(options.dir, { recursive: true });
  const work = mkdtempSync(join(options.dir, 'lifeboat-bench-backup-'));
  const rows: Row[] = [];
  const phoneFiles = new Map<Scenario, number>();
  const started = Date.now();
  const phones: Phone[] = [];
  const stopAll = async (): Promise<void> => {
    for (const p of phones) await p.stop().catch(() => undefined);
  };
  const onSignal = (): void => {
    void stopAll().then(() => {
      if (!options.keep) rmSync(work, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  log(`backup benchmark in ${work}: ${options.scenarios.join(', ')}; phone block size ${options.blockSize} bytes`);
  try {
    if (options.scenarios.includes('large')) {
      log('(a) large files: starting a virtual iPhone of ~200 files');
      // Wi-Fi sync on a loopback address of its own, so the same phone also serves the TCP (Wi-Fi) path.
      const phone = await Phone.start(work, 'large', 200, options.largeBytes, options.blockSize, ['--wifi-prefix', '127.77.7']);
      phones.push(phone);
      await run(process.execPath, [LIFEBOAT, 'pair', '-u', phone.udid, '--json'], phone.env);
      const tools = new Tools(phone, work);
      // A first, untimed pass warms the phone (its databases are built on first use) and the page cache.
      await tools.nullHost(true, undefined);
      const rounds = await tools.rounds(options.runs ?? 3, async (i) => ({
        lifeboat: () => tools.lifeboat(tools.home(`large-${i}`), true),
        ib2: () => tools.idevicebackup2(join(work, `ib2-large-${i}`), true),
        phone: () => tools.nullHost(true, undefined),
        wifi: async () => {
          const run = await tools.lifeboat(tools.home(`large-wifi-${i}`), true, true);
          rmSync(tools.home(`large-wifi-${i}`), { recursive: true, force: true });
          return run;
        },
      }));
      rows.push(...rowsFrom('large', rounds));
      await phone.stop();
      log('  removing the large backups…');
      for (let i = 0; i < rounds.length; i++) {
        rmSync(tools.home(`large-${i}`), { recursive: true, force: true });
        rmSync(join(work, `ib2-large-${i}`), { recursive: true, force: true });
      }
      syncDisks();
    }

    const needsSmallPhone = options.scenarios.some((s) => s !== 'large');
    if (needsSmallPhone) {
      log(`(b–d) starting a virtual iPhone of ${options.smallFiles.toLocaleString('en-US')} small files`);
      const phone = await Phone.start(work, 'small', options.smallFiles, options.smallBytes, options.blockSize);
      phones.push(phone);
      await run(process.execPath, [LIFEBOAT, 'pair', '-u', phone.udid, '--json'], phone.env);
      const tools = new Tools(phone, work);
      const home = tools.home('small');
      const ib2Dir = (i: number): string => join(work, `ib2-small-${i}`);
      let lastIb2 = ib2Dir(0);
      await tools.nullHost(true, undefined);
      if (options.scenarios.includes('small')) {
        log('(b) 100,000 small files, full backups');
        const rounds = await tools.rounds(options.runs ?? 2, async (i) => ({
          lifeboat: () => tools.lifeboat(home, true),
          ib2: () => tools.idevicebackup2((lastIb2 = ib2Dir(i)), true),
          phone: () => tools.nullHost(true, undefined),
        }));
        rows.push(...rowsFrom('small', rounds));
      } else {
        log('  untimed full backups as the base of the incrementals');
        await tools.lifeboat(home, true);
        await tools.idevicebackup2(lastIb2, true);
      }
      // Earlier full backups of idevicebackup2 are not needed any more.
      for (let i = 0; i < 8; i++) if (ib2Dir(i) !== lastIb2) rmSync(ib2Dir(i), { recursive: true, force: true });
      if (options.scenarios.includes('nochange')) {
        log('(c) no-change incrementals');
        const rounds = await tools.rounds(options.runs ?? 3, async () => {
          const previous = latestSnapshotDir(home, phone.udid);
          return {
            lifeboat: () => tools.lifeboat(home, false),
            ib2: () => tools.idevicebackup2(lastIb2, false),
            phone: () => tools.nullHost(false, previous),
          };
        });
        rows.push(...rowsFrom('nochange', rounds));
        phoneFiles.set('nochange', options.smallFiles);
      }
      if (options.scenarios.includes('churn')) {
        log('(d) incrementals after 1 % of the files changed');
        const rounds = await tools.rounds(options.runs ?? 3, async () => {
          const changed = await phone.control(['mutate', phone.udid, 'kind=churn', 'percent=1', '--json']);
          log(`  mutated: ${changed.trim().replace(/\s+/g, ' ')}`);
          const previous = latestSnapshotDir(home, phone.udid);
          return {
            lifeboat: () => tools.lifeboat(home, false),
            ib2: () => tools.idevicebackup2(lastIb2, false),
            phone: () => tools.nullHost(false, previous),
          };
        });
        rows.push(...rowsFrom('churn', rounds));
      }
      await phone.stop();
    }
  } finally {
    await stopAll();
    process.off('SIGINT', onSignal);
    if (!options.keep) {
      log('removing the benchmark folder…');
      rmSync(work, { recursive: true, force: true });
    } else log(`kept ${work}`);
  }

  const { table, verdicts } = report(rows, phoneFiles);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const command = `npm run bench -- backup${args.length ? ` ${args.join(' ')}` : ''}`;
  const lines = [
    `Command: \`${command}\` — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${minutes} min.`,
    '',
    ...machine().map((l) => `- ${l}`),
    `- phone block size ${options.blockSize} bytes (a real iPhone's); medians of ${options.runs ?? '3 (small: 2)'} interleaved rounds`,
    '',
    ...table,
    '',
    'Targets (Lifeboat):',
    ...verdicts,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
  const all = SCENARIOS.every((s) => options.scenarios.includes(s));
  if (options.doc && all) {
    writeDoc(lines);
    log('docs/benchmarks.md refreshed');
  } else if (options.doc) log('docs/benchmarks.md not refreshed (it records full runs: run all four scenarios)');
}

/** Replaces the generated backup section of docs/benchmarks.md (the notes around it are kept). */
function writeDoc(lines: string[]): void {
  writeDocSection('backup', lines, 'Backing up: Lifeboat vs idevicebackup2 (`npm run bench -- backup`)');
}
