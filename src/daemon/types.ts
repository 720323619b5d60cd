/**
 * The daemon's public shapes (agreed with the dashboard and doctor; see daemon-api in the brief):
 * what a device looks like to the scheduler (DeviceStatus), one backup attempt (RunRecord) and one
 * alert that was raised (AlertRecord). Fields may be added; none may be renamed.
 */
import type { BackupEvent } from '../backup/progress.js';

export type BackupProgressEvent = BackupEvent;

export type DeviceState = 'idle' | 'waiting' | 'running' | 'failed';

export interface DeviceStatus {
  readonly udid: string;
  readonly name?: string;
  readonly connection?: 'usb' | 'network' | 'wifi';
  readonly attached: boolean;
  /** ISO times from the daemon's clock. */
  readonly lastSuccessAt?: string;
  readonly lastAttemptAt?: string;
  readonly lastError?: string;
  /** When the next automatic backup is planned; absent when none is (automatic off, or not attached). */
  readonly nextRunAt?: string;
  readonly state: DeviceState;
  /** Human reasons the backup waits: 'not charging', 'outside the quiet window', … */
  readonly waitingFor: string[];
  readonly staleAfterHours: number;
  readonly progress?: BackupProgressEvent;
  /** Snapshot id of the last successful backup. */
  readonly lastSnapshotId?: string;
  /** Consecutive failures since the last success (drives the backoff). */
  readonly failures?: number;
}

export type RunResult = 'success' | 'failure' | 'running';
export type RunTrigger = 'schedule' | 'manual';

export interface RunRecord {
  readonly id: number;
  readonly udid: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly result: RunResult;
  readonly bytes?: number;
  readonly files?: number;
  readonly snapshotId?: string;
  readonly error?: string;
  /** The LifeboatError code of a failure, for scripts. */
  readonly errorCode?: string;
  /** The diagnosed cause of a failure (a doctor finding id such as 'device-disconnected'). */
  readonly cause?: string;
  readonly trigger: RunTrigger;
}

export type AlertKind = 'stale' | 'failure' | 'disk-space' | 'unencrypted' | 'recovered';

export interface AlertRecord {
  readonly id: number;
  readonly at: string;
  readonly udid?: string;
  readonly kind: AlertKind;
  readonly title: string;
  readonly body: string;
  /** Channels it was delivered to ('desktop', 'webhook:<name>', 'email'); failures are noted as 'webhook:x (failed: …)'. */
  readonly channels: string[];
}

export type AlertChannelName = 'desktop' | 'webhook' | 'email';

/** The daemon's events, for the dashboard and the control socket. */
export interface DaemonEvents {
  status: [DeviceStatus];
  progress: [{ udid: string; event: BackupProgressEvent }];
  run: [RunRecord];
  alert: [AlertRecord];
}
