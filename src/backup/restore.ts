/**
 * Restoring a backup to a device: any Finder-format folder — a Lifeboat snapshot, or one made by
 * Finder, iTunes or idevicebackup2. The folder is checked first (finished, readable, and for an
 * encrypted backup the password is verified locally, so a wrong password fails before the phone is
 * touched); then the phone drives the restore, downloading what it needs. Nothing in the folder is
 * modified.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlistDict, readManifest, readStatus, unlockKeybag } from '../format/index.js';
import { encodeXmlPlist, parsePlist } from '../plist/index.js';
import { DeviceError } from '../protocol/errors.js';
import type { PairRecordStore } from '../protocol/host/pair-store.js';
import { restoreOptionsToPlist } from '../protocol/services/mobilebackup2/messages.js';
import type { DeviceTransport } from '../protocol/transport.js';
import { isPlistDict } from '../protocol/wire/plist-frame.js';
import { runDeviceLinkLoop } from './device-link-loop.js';
import { BackupError } from './errors.js';
import { ProgressMeter, type BackupEventListener } from './progress.js';
import { BackupRoot } from './safe-path.js';
import { openMb2Session } from './session.js';

export interface RestoreRequest {
  readonly transport: DeviceTransport;
  readonly pairStore: PairRecordStore;
  /** The folder that contains the backup folder (`<backupDir>/<sourceName>/Info.plist`). */
  readonly backupDir: string;
  readonly sourceName: string;
  readonly password?: string;
  readonly system?: boolean;
  readonly reboot?: boolean;
  readonly copy?: boolean;
  readonly removeNotRestored?: boolean;
  readonly signal?: AbortSignal;
  readonly onEvent?: BackupEventListener;
}

export async function checkRestorable(folder: string, password: string | undefined): Promise<{ encrypted: boolean }> {
  for (const name of ['Info.plist', 'Manifest.plist', 'Status.plist', 'Manifest.db']) {
    if (!existsSync(join(folder, name))) throw new BackupError(`${folder} is not a complete backup: ${name} is missing`, { code: 'RESTORE_NOT_A_BACKUP' });
  }
  const status = readStatus(parsePlistDict(readFileSync(join(folder, 'Status.plist')), 'Status.plist'));
  if (status.snapshotState !== 'finished') {
    throw new BackupError(`the backup in ${folder} did not finish (SnapshotState "${status.snapshotState ?? 'missing'}")`, { code: 'RESTORE_NOT_FINISHED' });
  }
  const manifest = readManifest(parsePlistDict(readFileSync(join(folder, 'Manifest.plist')), 'Manifest.plist'));
  const encrypted = manifest.isEncrypted === true;
  if (encrypted) {
    if (password === undefined) {
      throw new BackupError('this backup is encrypted: its password is needed to restore it', {
        code: 'BACKUP_PASSWORD_REQUIRED',
        hint: 'Give it with --password-file FILE or LIFEBOAT_PASSWORD, or type it when asked.',
      });
    }
    if (!manifest.backupKeyBag) throw new BackupError('the encrypted backup has no keybag', { code: 'RESTORE_NOT_A_BACKUP' });
    try {
      await unlockKeybag(manifest.backupKeyBag, password);
    } catch {
      throw new BackupError('the backup password is wrong; nothing was changed', { code: 'BACKUP_WRONG_PASSWORD' });
    }
  }
  return { encrypted };
}

export async function restoreDevice(request: RestoreRequest): Promise<{ seconds: number; bytesSent: number }> {
  const started = Date.now();
  const folder = join(request.backupDir, request.sourceName);
  await checkRestorable(folder, request.password);
  const emit = request.onEvent ?? (() => undefined);
  emit({ type: 'phase', phase: 'connecting', message: `connecting to ${request.transport.udid}` });
  const info = parsePlist(readFileSync(join(folder, 'Info.plist')));
  const applications = isPlistDict(info) && isPlistDict(info['Applications']) ? info['Applications'] : {};
  const session = await openMb2Session(request.transport, request.pairStore, { withAfc: true });
  try {
    const { mb2, afc } = session;
    return await (afc as NonNullable<typeof afc>).withSyncLock(async () => {
      // Apps are reinstalled by the phone after the restore from this list, as Finder arranges it.
      await afc?.makeDirectory('/iTunesRestore').catch(() => undefined);
      await afc?.writeFile('/iTunesRestore/RestoreApplications.plist', encodeXmlPlist(applications));
      emit({ type: 'phase', phase: 'transferring', message: 'restoring' });
      const options = restoreOptionsToPlist({
        restoreSystemFiles: request.system ?? false,
        restoreShouldReboot: request.reboot ?? true,
        restoreDontCopyBackup: !(request.copy ?? false),
        restorePreserveSettings: true,
        removeItemsNotRestored: request.removeNotRestored ?? false,
        ...(request.password !== undefined ? { password: request.password } : {}),
      });
      await mb2.sendRequest('Restore', request.transport.udid, request.sourceName, options);
      const meter = new ProgressMeter(emit);
      try {
        const loop = await runDeviceLinkLoop(mb2.channel, new BackupRoot(request.backupDir, [request.sourceName]), {
          ...(request.signal ? { signal: request.signal } : {}),
          onProgress: (p) => meter.update(p.files, p.bytes, p.devicePercent),
        });
        return { seconds: (Date.now() - started) / 1000, bytesSent: loop.bytesSent };
      } catch (error) {
        if (error instanceof DeviceError && /password/i.test(error.message)) {
          throw new BackupError('the iPhone did not accept the backup password', { code: 'BACKUP_WRONG_PASSWORD', cause: error });
        }
        throw error;
      }
    });
  } finally {
    await session.close();
  }
}
