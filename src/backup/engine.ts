/**
 * The backup engine: one backup of one device into the snapshot store.
 *
 * Sequence (as Finder and idevicebackup2 do it): trusted lockdown session → notification_proxy
 * (observe cancel requests) → mobilebackup2 started with the escrow bag → DeviceLink version exchange
 * and Hello → sync notifications → staging folder (hard links to the latest snapshot) → Info.plist →
 * Backup request → answer the device's file operations → success only when the device says so AND
 * Status.plist says "finished" → commit (durable, atomic rename). Any failure abandons the staging
 * folder; the previous snapshot is never touched. A failure is reported as what happened and what to
 * do next (failure.ts); paths the phone asked for and were refused are reported as warnings.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePlist } from '../plist/index.js';
import { LockdownDomain, LockdownService } from '../protocol/lockdown/constants.js';
import type { PairRecordStore } from '../protocol/host/pair-store.js';
import { SyncNotification } from '../protocol/services/notification-proxy/messages.js';
import type { DeviceTransport } from '../protocol/transport.js';
import { isPlistDict } from '../protocol/wire/plist-frame.js';
import type { LocalSnapshotStore, SnapshotRef } from '../vault/local-store.js';
import { DEVICE_IDLE_TIMEOUT_MS, runDeviceLinkLoop, type LoopOptions, type StoredDigest } from './device-link-loop.js';
import { explainBackupFailure } from './failure.js';
import { BackupError } from './errors.js';
import type { AfcClient } from '../protocol/services/afc/client.js';
import type { MobileBackup2Client } from '../protocol/services/mobilebackup2/client.js';
import type { NotificationProxyClient } from '../protocol/services/notification-proxy/client.js';
import { InstallationProxyClient } from '../protocol/services/installation-proxy/client.js';
import { BACKUP_RETURN_ATTRIBUTES } from '../protocol/services/installation-proxy/messages.js';
import type { LockdownClient } from '../protocol/lockdown/client.js';
import { infoPlistFor, ITUNES_FILES, readDeviceValues, type DeviceExtras, type DeviceValues } from './info-plist.js';
import { openMb2Session } from './session.js';
import { ProgressMeter, type BackupEventListener } from './progress.js';
import { BackupRoot } from './safe-path.js';

export interface BackupOptions {
  readonly transport: DeviceTransport;
  readonly pairStore: PairRecordStore;
  readonly store: LocalSnapshotStore;
  readonly full?: boolean;
  readonly signal?: AbortSignal;
  readonly onEvent?: BackupEventListener;
  /** Test hooks for the device-link loop (free-space answer, idle timeout). */
  readonly loop?: Pick<LoopOptions, 'freeSpace' | 'idleTimeoutMs'>;
}

export interface BackupResult {
  readonly snapshot: SnapshotRef;
  readonly encrypted: boolean;
  readonly full: boolean;
  readonly filesReceived: number;
  readonly bytesReceived: number;
  readonly seconds: number;
  readonly warnings: string[];
}

export async function backupDevice(options: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const { transport } = options;
  const udid = transport.udid;
  const emit = options.onEvent ?? (() => undefined);
  emit({ type: 'phase', phase: 'connecting', message: `connecting to ${udid}` });

  let values: DeviceValues | undefined;
  let extras: DeviceExtras | undefined;
  let willEncrypt = false;
  const session = await openMb2Session(transport, options.pairStore, {
    withAfc: true,
    beforeMb2: async (lockdown, afc) => {
      values = await readDeviceValues(lockdown);
      willEncrypt = (await lockdown.getValue(LockdownDomain.BACKUP, 'WillEncrypt').catch(() => undefined)) === true;
      if (afc) extras = await gatherExtras(lockdown, afc);
    },
  });
  try {
    const { mb2, notifications, afc } = session;
    const deviceValues = values as DeviceValues | undefined;
    if (!deviceValues || !extras || !afc) throw new BackupError('could not read the device values before the backup', { code: 'BACKUP_PREPARE_FAILED', retryable: true });
    const gathered = extras;
    emit({ type: 'phase', phase: 'preparing', message: 'preparing the backup folder' });
    notifications.post(SyncNotification.WILL_START);
    notifications.post(SyncNotification.LOCK_REQUEST);
    // The sync lock tells the phone (and other hosts) a sync is running, as Finder does.
    return await afc.withSyncLock(async () => {
      notifications.post(SyncNotification.DID_START);
      return transfer(mb2, notifications, deviceValues, gathered, willEncrypt);
    });
  } finally {
    await session.close();
  }

  async function transfer(
    mb2: MobileBackup2Client,
    notifications: NotificationProxyClient,
    values: DeviceValues,
    extras: DeviceExtras,
    willEncrypt: boolean,
  ): Promise<BackupResult> {
    const staging = options.store.openStaging(udid, { full: options.full ?? false });
    let root: BackupRoot | undefined;
    try {
      const infoPath = join(staging.deviceDir, 'Info.plist');
      // A new inode: the linked Info.plist belongs to the previous snapshot as well.
      try {
        unlinkSync(infoPath);
      } catch {
        // not there yet (first backup)
      }
      writeFileSync(infoPath, infoPlistFor(udid, values, extras, new Date()), { flag: 'wx' });

      emit({ type: 'phase', phase: 'transferring', message: willEncrypt ? 'receiving an encrypted backup' : 'receiving the backup' });
      const meter = new ProgressMeter(emit);
      await mb2.sendRequest('Backup', udid, udid, options.full ? { ForceFullBackup: true } : undefined);
      root = new BackupRoot(staging.backupDir, [udid]);
      const storedDigests = new Map<number, StoredDigest>();
      const changedPaths = new Set<string>();
      const loop = await runDeviceLinkLoop(mb2.channel, root, {
        storedDigests,
        changedPaths,
        earlyWriteback: true,
        ...(options.signal ? { signal: options.signal } : {}),
        ...options.loop,
        onProgress: (p) => meter.update(p.files, p.bytes, p.devicePercent),
      });
      meter.update(loop.filesReceived, loop.bytesReceived, 100, true);
      const status = readStatus(staging.deviceDir);
      if (status.snapshotState !== 'finished') {
        throw new BackupError(`the iPhone reported success but the backup is not finished (SnapshotState "${status.snapshotState ?? 'missing'}")`, {
          code: 'BACKUP_INCOMPLETE',
          retryable: true,
          hint: 'Run the backup again; the previous backup is untouched.',
        });
      }
      emit({ type: 'phase', phase: 'committing', message: 'saving the snapshot' });
      const snapshot = staging.commit({
        encrypted: willEncrypt,
        full: status.isFullBackup ?? options.full ?? false,
        productVersion: typeof values.all['ProductVersion'] === 'string' ? values.all['ProductVersion'] : undefined,
        deviceName: typeof values.all['DeviceName'] === 'string' ? values.all['DeviceName'] : undefined,
        filesReceived: loop.filesReceived,
        bytesReceived: loop.bytesReceived,
      }, { knownDigests: storedDigests, changedPaths: relativeToDevice(changedPaths, udid) });
      notifications.post(SyncNotification.DID_FINISH);
      return {
        snapshot,
        encrypted: willEncrypt,
        full: status.isFullBackup ?? false,
        filesReceived: loop.filesReceived,
        bytesReceived: loop.bytesReceived,
        seconds: (Date.now() - started) / 1000,
        warnings: [...loop.remoteErrors, ...refusalWarnings(root)],
      };
    } catch (error) {
      staging.abandon();
      throw explainBackupFailure(error, {
        vaultDir: options.store.root,
        idleTimeoutMs: options.loop?.idleTimeoutMs ?? DEVICE_IDLE_TIMEOUT_MS,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    }
  }
}

/** Apps (for Info.plist's Applications) and the media files Finder copies, best effort. */
async function gatherExtras(lockdown: LockdownClient, afc: AfcClient): Promise<DeviceExtras> {
  const applications: DeviceExtras['applications'] = {};
  const installedApplications: string[] = [];
  const proxy = new InstallationProxyClient(await lockdown.openService(LockdownService.INSTALLATION_PROXY));
  try {
    for (const app of await proxy.browse({ applicationType: 'User', returnAttributes: BACKUP_RETURN_ATTRIBUTES })) {
      installedApplications.push(app.bundleId);
      if (app.iTunesMetadata && app.applicationSinf) applications[app.bundleId] = { itunesMetadata: app.iTunesMetadata, applicationSinf: app.applicationSinf };
    }
  } finally {
    await proxy.close();
  }
  const itunesFiles: Record<string, Uint8Array> = {};
  for (const name of ITUNES_FILES) {
    const data = await afc.readFile(`/iTunes_Control/iTunes/${name}`, { maxBytes: 16 * 1024 * 1024 }).catch(() => undefined);
    if (data) itunesFiles[name] = data;
  }
  return { applications, installedApplications, itunesFiles };
}

/**
 * The device paths the phone changed, relative to its Finder folder (what the vault's commit wants),
 * plus Info.plist, which the engine writes itself. A path naming the folder itself becomes '' (all).
 */
function relativeToDevice(devicePaths: ReadonlySet<string>, udid: string): Set<string> {
  const out = new Set<string>(['Info.plist']);
  for (const raw of devicePaths) {
    const path = raw.endsWith('/') ? raw.slice(0, -1) : raw;
    // A path with an empty, '.' or '..' segment was refused and changed nothing; it must not send
    // the commit's walk outside the folder either.
    if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) continue;
    if (path === udid) out.add('');
    else if (path.startsWith(`${udid}/`)) out.add(path.slice(udid.length + 1));
    // Anything else was refused (outside the device's folder) and changed nothing.
  }
  return out;
}

/** What the phone asked for and was refused (a phone that does this is broken or hostile). */
function refusalWarnings(root: BackupRoot | undefined): string[] {
  if (!root || root.refusalCount === 0) return [];
  const more = root.refusalCount - root.refusals.length;
  return [
    `the iPhone asked for ${root.refusalCount} file operation(s) outside its backup folder; all were refused`,
    ...root.refusals,
    ...(more > 0 ? [`… and ${more} more refused`] : []),
  ];
}

function readStatus(deviceDir: string): { snapshotState: string | undefined; isFullBackup: boolean | undefined } {
  try {
    const value = parsePlist(readFileSync(join(deviceDir, 'Status.plist')));
    if (!isPlistDict(value)) return { snapshotState: undefined, isFullBackup: undefined };
    const state = value['SnapshotState'];
    const full = value['IsFullBackup'];
    return { snapshotState: typeof state === 'string' ? state : undefined, isFullBackup: typeof full === 'boolean' ? full : undefined };
  } catch {
    return { snapshotState: undefined, isFullBackup: undefined };
  }
}
