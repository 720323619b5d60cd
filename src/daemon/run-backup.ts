/**
 * One backup run of one device, as the daemon does it: the engine into the local vault (which holds
 * the device lock, so a `lifeboat backup` elsewhere cannot collide), then the after-backup steps.
 */
import { backupDevice, type BackupOptions, type BackupResult } from '../backup/engine.js';
import type { BackupEventListener } from '../backup/progress.js';
import type { DevicePolicy, LifeboatConfig } from '../config/schema.js';
import type { PairRecordStore } from '../protocol/host/pair-store.js';
import type { DeviceTransport } from '../protocol/transport.js';
import type { LocalSnapshotStore } from '../vault/local-store.js';
import { afterBackup, type AfterBackupResult, type RetentionStep, type SyncRemote } from './after-backup.js';

export interface RunBackupOptions {
  /** How to reach the device (usbmuxd or Wi-Fi). */
  readonly transport: DeviceTransport;
  readonly pairs: PairRecordStore;
  readonly store: LocalSnapshotStore;
  readonly full: boolean;
  readonly policy: DevicePolicy;
  readonly config: LifeboatConfig;
  readonly retention: RetentionStep;
  readonly syncRemote: SyncRemote | undefined;
  readonly signal: AbortSignal;
  readonly onEvent: BackupEventListener;
  readonly engine?: Pick<BackupOptions, 'loop'>;
}

export interface RunBackupResult {
  readonly backup: BackupResult;
  readonly after: AfterBackupResult;
}

export async function runBackup(options: RunBackupOptions): Promise<RunBackupResult> {
  const backup = await backupDevice({
    transport: options.transport,
    pairStore: options.pairs,
    store: options.store,
    full: options.full,
    signal: options.signal,
    onEvent: options.onEvent,
    ...(options.engine?.loop ? { loop: options.engine.loop } : {}),
  });
  const after = await afterBackup({
    store: options.store,
    snapshot: backup.snapshot,
    policy: options.policy,
    config: options.config,
    retention: options.retention,
    syncRemote: options.syncRemote,
    signal: options.signal,
  });
  return { backup, after };
}
