/** `lifeboat backup`: one backup of a connected iPhone into the local vault, with progress. */
import type { Command } from 'commander';
import { backupDevice } from '../../backup/engine.js';
import { vaultRoot } from '../../config/paths.js';
import { LocalSnapshotStore } from '../../vault/local-store.js';
import { chooseTransport, deviceContext } from '../context.js';
import { formatBytes, printLine, type GlobalOptions } from '../output.js';
import { createProgressRenderer } from '../progress-bar.js';
import { handOffToDaemon } from './backup-handoff.js';

interface BackupCommandOptions extends GlobalOptions {
  readonly udid?: string;
  readonly full?: boolean;
}

export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .description('back up an iPhone now (incremental unless --full) into the local vault')
    .option('-u, --udid <udid>', 'the iPhone (default: the only one connected)')
    .option('--full', 'send everything again instead of only what changed')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<BackupCommandOptions>();
      // A running daemon makes the backup (never two at once); its progress is shown here.
      const handedOff = createProgressRenderer({ json: options.json ?? false });
      if (await handOffToDaemon(options, handedOff.onEvent, handedOff.finish)) return;
      const context = deviceContext();
      const transport = await chooseTransport(context, options.udid);
      const renderer = createProgressRenderer({ json: options.json ?? false });
      const abort = new AbortController();
      const onSignal = (): void => abort.abort(new Error('backup interrupted (Ctrl-C); the previous backup is untouched'));
      process.once('SIGINT', onSignal);
      try {
        const result = await backupDevice({
          transport,
          pairStore: context.store,
          store: new LocalSnapshotStore(vaultRoot()),
          full: options.full ?? false,
          signal: abort.signal,
          onEvent: renderer.onEvent,
        });
        renderer.finish();
        const summary = {
          type: 'result',
          udid: transport.udid,
          snapshot: result.snapshot.id,
          folder: result.snapshot.deviceDir,
          encrypted: result.encrypted,
          full: result.full,
          files: result.filesReceived,
          bytes: result.bytesReceived,
          seconds: result.seconds,
          warnings: result.warnings,
        };
        // JSON lines: progress events, then this result, one object per line.
        if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else {
          printLine(`Backup finished: snapshot ${result.snapshot.id} (${result.full ? 'full' : 'incremental'}${result.encrypted ? ', encrypted' : ''})`);
          printLine(`  ${result.filesReceived} files, ${formatBytes(result.bytesReceived)} received in ${result.seconds.toFixed(1)} s`);
          printLine(`  ${result.snapshot.deviceDir}`);
          for (const warning of result.warnings) printLine(`  warning: ${warning}`);
        }
      } finally {
        renderer.finish();
        process.off('SIGINT', onSignal);
      }
    });
}
