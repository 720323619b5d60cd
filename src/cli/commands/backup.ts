/** `lifeboat backup`: one backup of a connected iPhone into the local vault, with progress. */
import type { Command } from 'commander';
import { backupDevice } from '../../backup/engine.js';
import { configPath, configuredVaultRoot, loadConfig } from '../../config/config.js';
import { listDeviceSummaries } from '../../protocol/host/inventory.js';
import { applyConfiguredRetention } from '../../vault/after-backup.js';
import { checkBackupSpace } from '../../vault/space.js';
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
      // Read the config first: a broken config should stop us before the phone is busy.
      const config = loadConfig(configPath());
      const store = new LocalSnapshotStore(configuredVaultRoot());
      // A running daemon makes the backup (never two at once); its progress is shown here.
      const handedOff = createProgressRenderer({ json: options.json ?? false });
      if (await handOffToDaemon(options, handedOff.onEvent, handedOff.finish)) return;
      const context = deviceContext();
      const transport = await chooseTransport(context, options.udid);
      // Refuse before the phone starts sending when the vault's disk cannot take the backup.
      const storage = (await listDeviceSummaries(context.mux, context.store).catch(() => [])).find((d) => d.udid === transport.udid)?.storage;
      checkBackupSpace(store, transport.udid, {
        full: options.full ?? false,
        copiesLatest: store.historyInRestic(),
        ...(storage ? { deviceUsedBytes: storage.totalBytes - storage.freeBytes } : {}),
      });
      const renderer = createProgressRenderer({ json: options.json ?? false });
      const abort = new AbortController();
      const onSignal = (): void => abort.abort(new Error('backup interrupted (Ctrl-C); the previous backup is untouched'));
      process.once('SIGINT', onSignal);
      try {
        const result = await backupDevice({
          transport,
          pairStore: context.store,
          store,
          full: options.full ?? false,
          signal: abort.signal,
          onEvent: renderer.onEvent,
        });
        renderer.finish();
        const retention = applyConfiguredRetention(store, config, transport.udid, result.snapshot.id);
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
          notices: store.notices,
          retention: { policy: retention.policy, kept: retention.kept.length, forgotten: retention.forgotten, ...(retention.skipped ? { skipped: retention.skipped } : {}) },
        };
        // JSON lines: progress events, then this result, one object per line.
        if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else {
          printLine(`Backup finished: snapshot ${result.snapshot.id} (${result.full ? 'full' : 'incremental'}${result.encrypted ? ', encrypted' : ''})`);
          printLine(`  ${result.filesReceived} files, ${formatBytes(result.bytesReceived)} received in ${result.seconds.toFixed(1)} s`);
          printLine(`  ${result.snapshot.deviceDir}`);
          for (const warning of result.warnings) printLine(`  warning: ${warning}`);
          for (const notice of store.notices) printLine(`  note: ${notice}`);
          if (retention.forgotten.length > 0) printLine(`  retention: kept ${retention.kept.length} snapshots, forgot ${retention.forgotten.length} (${retention.forgotten.join(', ')})`);
          else if (retention.skipped && !retention.skipped.startsWith('no retention policy')) printLine(`  retention: ${retention.skipped}`);
        }
      } finally {
        renderer.finish();
        process.off('SIGINT', onSignal);
      }
    });
}
