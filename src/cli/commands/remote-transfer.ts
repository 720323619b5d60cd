/**
 * The `lifeboat remote` commands that talk to a repository: `sync` (with a progress bar from restic's
 * JSON status, or JSON lines with --json), `snapshots`, `restore` and `check`.
 */
import type { Command } from 'commander';
import { configPath, configuredVaultRoot, loadConfig } from '../../config/config.js';
import type { LifeboatConfig } from '../../config/schema.js';
import { checkRemote, listRemoteSnapshots, onlyRemoteName, openRestoreScratch, resolveRemote, restoreRemote, syncRemote, type RemoteSyncEvent, type RestoreRemoteResult, type SyncResult } from '../../vault/remote/index.js';
import { LifeboatError } from '../../util/errors.js';
import { formatBytes, formatTable, printJson, printLine, type GlobalOptions } from '../output.js';
import { createProgressRenderer } from '../progress-bar.js';
import type { EventRenderer } from '../status-line.js';
import { UsageError } from './parse.js';

interface TransferOptions extends GlobalOptions {
  readonly udid?: string;
}

/** The config and where it lives (remote password files default to a folder beside it). */
function configWithPath(): { file: string; config: LifeboatConfig } {
  const file = configPath();
  return { file, config: loadConfig(file) };
}

/** An AbortSignal that fires on Ctrl-C while `run` is in progress (restic then stops and unlocks). */
async function interruptible<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = (): void => abort.abort(new Error('interrupted (Ctrl-C)'));
  process.once('SIGINT', onSignal);
  try {
    return await run(abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
  }
}

function syncRenderer(json: boolean): EventRenderer<RemoteSyncEvent> {
  if (json) return { onEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`), finish: () => undefined };
  const bar = createProgressRenderer({ json: false });
  return {
    onEvent(event) {
      switch (event.type) {
        case 'phase':
          return bar.onEvent({ type: 'phase', phase: 'preparing', message: event.message });
        case 'snapshot':
          return bar.onEvent({ type: 'phase', phase: 'transferring', message: `Sending snapshot ${event.snapshot} of ${event.udid} (${event.index}/${event.count})` });
        case 'progress':
          return bar.onEvent({ type: 'progress', files: event.files, bytes: event.bytes, percent: event.percent, bytesPerSecond: event.bytesPerSecond, etaSeconds: event.etaSeconds });
        case 'uploaded':
          bar.finish();
          return void process.stderr.write(`  sent: ${event.filesNew} new and ${event.filesChanged} changed files, ${formatBytes(event.bytesAdded)} added to the repository in ${event.seconds.toFixed(1)} s\n`);
        case 'forgotten':
          return void process.stderr.write(`  retention: forgot ${event.snapshots.length} copies of ${event.udid}\n`);
        default:
          return undefined;
      }
    },
    finish: () => bar.finish(),
  };
}

function printSyncResult(result: SyncResult): void {
  printLine(
    `Remote "${result.remote}": ${result.uploaded.length} snapshot(s) sent, ${result.alreadyRemote} already there` +
      (result.notNeeded.length > 0 ? `, ${result.notNeeded.length} not sent (outside the remote's retention)` : '') +
      (result.forgotten.length > 0 ? `, ${result.forgotten.reduce((n, f) => n + f.snapshots.length, 0)} old copies forgotten and pruned` : '') +
      ` (${result.seconds.toFixed(1)} s)`,
  );
}

/** A remote snapshot restored into `out`, phases on stderr when asked, stopped cleanly by Ctrl-C. */
function restoreInterruptibly(what: { name: string; snapshot: string; out: string; udid: string | undefined; showPhases: boolean }): Promise<RestoreRemoteResult> {
  const { file, config } = configWithPath();
  return interruptible((signal) =>
    restoreRemote({
      config,
      configFile: file,
      name: what.name,
      snapshot: what.snapshot,
      out: what.out,
      ...(what.udid ? { udid: what.udid } : {}),
      ...(what.showPhases ? { onPhase: (message: string) => process.stderr.write(`${message}…\n`) } : {}),
      signal,
    }),
  );
}

/**
 * For `lifeboat restore --remote NAME --snapshot ID`: the snapshot restored (and checked) into a
 * temporary folder in the vault's file system — `<vault>/remote-restores/<pid>-…`, removed by dispose;
 * folders of processes that died are removed by the next call.
 */
export async function fetchRemoteSnapshot(name: string, snapshot: string, source: string | undefined, showPhases: boolean): Promise<{ backupDir: string; sourceName: string; dispose: () => void }> {
  const { dir: out, dispose } = openRestoreScratch(configuredVaultRoot());
  try {
    const result = await restoreInterruptibly({ name, snapshot, out, udid: source, showPhases });
    if (!result.udid) throw new UsageError(`remote snapshot ${snapshot} was not made by Lifeboat (no device tag); restore it with \`lifeboat remote restore\` and use --from`);
    return { backupDir: out, sourceName: result.udid, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

export function registerRemoteTransferCommands(remote: Command): void {
  remote
    .command('sync [name]')
    .description('send every local snapshot the remote lacks (all remotes when no name), then apply retention there')
    .option('-u, --udid <udid>', 'only this device')
    .action(async (name: string | undefined, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<TransferOptions>();
      const { file, config } = configWithPath();
      const names = name ? [name] : Object.keys(config.remotes).sort();
      if (names.length === 0) throw new UsageError('no remote is configured; add one with `lifeboat remote add NAME URL`');
      const vaultRoot = configuredVaultRoot();
      const renderer = syncRenderer(options.json ?? false);
      const results: SyncResult[] = [];
      try {
        for (const remoteName of names) {
          const result = await interruptible((signal) =>
            syncRemote({ config, configFile: file, name: remoteName, vaultRoot, ...(options.udid ? { udid: options.udid } : {}), onProgress: renderer.onEvent, signal }),
          );
          results.push(result);
          renderer.finish();
          if (options.json) process.stdout.write(`${JSON.stringify({ type: 'result', ...result })}\n`);
          else printSyncResult(result);
        }
      } finally {
        renderer.finish();
      }
    });

  remote
    .command('snapshots [name]')
    .description('the snapshots a remote holds (default: the only remote)')
    .option('-u, --udid <udid>', 'only this device')
    .action(async (name: string | undefined, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<TransferOptions>();
      const { file, config } = configWithPath();
      const r = resolveRemote(config, file, name ?? onlyRemoteName(config));
      const list = await listRemoteSnapshots(r, options.udid ? { udid: options.udid } : {});
      const rows = list.map((s) => ({ snapshot: s.snapshot ?? null, udid: s.udid ?? null, time: s.time.toISOString(), id: s.id, shortId: s.shortId }));
      if (options.json) return printJson({ remote: r.name, snapshots: rows });
      if (rows.length === 0) return printLine(`Remote "${r.name}" holds no snapshots yet. Run \`lifeboat remote sync ${r.name}\`.`);
      printLine(formatTable(['SNAPSHOT', 'DEVICE', 'TIME', 'RESTIC ID'], rows.map((s) => [s.snapshot ?? '?', (s.udid ?? '?').slice(0, 13), new Date(s.time).toLocaleString(), s.shortId])));
    });

  remote
    .command('restore <name> <snapshot>')
    .description('get a snapshot back from a remote into a new folder (checked file by file); then `lifeboat restore --from DIR` puts it on an iPhone')
    .requiredOption('--out <dir>', 'a new or empty folder')
    .option('-u, --udid <udid>', 'the device, when the snapshot id is ambiguous')
    .action(async (name: string, snapshot: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<TransferOptions & { out: string }>();
      const result = await restoreInterruptibly({ name, snapshot, out: options.out, udid: options.udid, showPhases: !options.json });
      if (options.json) return printJson(result);
      printLine(`Restored ${result.snapshot ?? result.remoteId} from remote "${result.remote}" to ${result.out}`);
      printLine(`  ${result.filesChecked} files (${formatBytes(result.bytesChecked)}) match the digests recorded at backup time`);
      for (const note of result.notes) printLine(`  note: ${note}`);
      if (result.udid) printLine(`  To put it on an iPhone: lifeboat restore --from ${result.out} --source ${result.udid}`);
    });

  remote
    .command('check [name]')
    .description('check a remote repository\'s integrity (--read-data also downloads and checks every byte); exit code 1 on damage')
    .option('--read-data', 'download and check all data (slow, costs transfer)')
    .action(async (name: string | undefined, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { readData?: boolean }>();
      const { file, config } = configWithPath();
      const result = await interruptible((signal) => checkRemote({ config, configFile: file, name: name ?? onlyRemoteName(config), readData: options.readData ?? false, signal }));
      if (options.json) printJson(result);
      else {
        printLine(`Remote "${result.remote}": ${result.ok ? 'no errors found' : `${result.problems.length} PROBLEM(S)`}${result.readData ? ' (all data read)' : ''} in ${result.seconds.toFixed(1)} s`);
        for (const line of result.problems) printLine(`  ${line}`);
      }
      if (!result.ok) {
        throw new LifeboatError(`remote "${result.remote}" is damaged`, {
          code: 'REMOTE_CHECK_FAILED',
          hint: 'Copies that use the damaged data cannot be restored. Keep the local vault, add a new remote (a fresh repository) and sync to it; then remove this one.',
        });
      }
    });
}
