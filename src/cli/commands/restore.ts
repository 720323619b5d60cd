/**
 * `lifeboat restore`: puts a backup back on an iPhone — a Lifeboat snapshot (--snapshot) or any
 * Finder-format folder (--from: the device folder itself, or the folder that contains it).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { restoreDevice } from '../../backup/restore.js';
import { configuredVaultRoot } from '../../config/config.js';
import { LocalSnapshotStore } from '../../vault/local-store.js';
import { chooseTransport, deviceContext } from '../context.js';
import { printLine, type GlobalOptions } from '../output.js';
import { readPassword } from '../password.js';
import { createProgressRenderer } from '../progress-bar.js';
import { UsageError } from './parse.js';
import { fetchRemoteSnapshot } from './remote-transfer.js';
import { readManifestEncrypted } from './restore-helpers.js';

interface RestoreOptions extends GlobalOptions {
  readonly udid?: string;
  readonly snapshot?: string;
  readonly from?: string;
  readonly source?: string;
  readonly system?: boolean;
  readonly reboot: boolean;
  readonly copy?: boolean;
  readonly remove?: boolean;
  readonly passwordFile?: string;
  readonly remote?: string;
}

/** Accepts `<dir>/<UDID>/Info.plist` or `<dir>/Info.plist`; returns the parent and the folder name. */
export function locateBackup(from: string, source: string | undefined): { backupDir: string; sourceName: string } {
  if (existsSync(join(from, 'Info.plist'))) return { backupDir: dirname(from), sourceName: basename(from) };
  if (source && existsSync(join(from, source, 'Info.plist'))) return { backupDir: from, sourceName: source };
  throw new UsageError(`${from} is not a backup folder (no Info.plist${source ? ` in it or in ${source}/` : ''}); give --source UDID for a folder holding several`);
}

export function registerRestoreCommand(program: Command): void {
  program
    .command('restore')
    .description('restore a snapshot or any Finder-format backup folder to an iPhone (replaces its data)')
    .option('-u, --udid <udid>', 'the iPhone to restore to (default: the only one connected)')
    .option('--snapshot <id>', 'a Lifeboat snapshot of the source device')
    .option('--from <dir>', 'a backup folder made by Finder, iTunes, idevicebackup2 or Lifeboat')
    .option('--source <udid>', 'the device whose backup to restore (default: the target iPhone)')
    .option('--system', 'restore system files too')
    .option('--no-reboot', 'do not reboot the iPhone afterwards')
    .option('--copy', 'ask the iPhone to copy the backup before restoring')
    .option('--remove', 'remove items on the iPhone that the backup does not hold')
    .option('--password-file <file>', 'password of an encrypted backup (or LIFEBOAT_PASSWORD, or a prompt)')
    .option('--remote <name>', 'take --snapshot from this remote (fetched and checked first, see `lifeboat remote`)')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<RestoreOptions>();
      if ((options.snapshot === undefined) === (options.from === undefined)) throw new UsageError('give exactly one of --snapshot ID or --from DIR');
      if (options.remote !== undefined && options.snapshot === undefined) throw new UsageError('--remote takes --snapshot ID (a snapshot the remote holds)');
      const context = deviceContext();
      const transport = await chooseTransport(context, options.udid);
      const sourceUdid = options.source ?? transport.udid;
      const remoteCopy = options.remote ? await fetchRemoteSnapshot(options.remote, options.snapshot as string, options.source, !options.json) : undefined;
      const location = remoteCopy
        ? { backupDir: remoteCopy.backupDir, sourceName: remoteCopy.sourceName }
        : options.snapshot
        ? (() => {
            // A snapshot held only in the history repository (a disk without hard links) is restored from it first.
            const store = new LocalSnapshotStore(configuredVaultRoot());
            const snapshot = store.materialise(store.get(sourceUdid, options.snapshot as string));
            return { backupDir: snapshot.backupDir, sourceName: sourceUdid };
          })()
        : locateBackup(options.from as string, options.source);
      const folder = join(location.backupDir, location.sourceName);
      const password = readManifestEncrypted(folder)
        ? await readPassword({ ...(options.passwordFile ? { file: options.passwordFile } : {}), env: 'LIFEBOAT_PASSWORD', prompt: 'Backup password: ' })
        : undefined;
      const renderer = createProgressRenderer({ json: options.json ?? false });
      try {
        const result = await restoreDevice({
          transport,
          pairStore: context.store,
          ...location,
          ...(password !== undefined ? { password } : {}),
          system: options.system ?? false,
          reboot: options.reboot,
          copy: options.copy ?? false,
          removeNotRestored: options.remove ?? false,
          onEvent: renderer.onEvent,
        });
        renderer.finish();
        if (options.json) process.stdout.write(`${JSON.stringify({ type: 'result', udid: transport.udid, from: folder, seconds: result.seconds, bytes: result.bytesSent })}\n`);
        else printLine(`Restore finished in ${result.seconds.toFixed(1)} s.${options.reboot ? ' The iPhone restarts now.' : ''}`);
      } finally {
        renderer.finish();
        remoteCopy?.dispose();
      }
    });
}
