/**
 * What the dashboard uses of a running daemon (the contract in src/daemon; see daemon-api in the
 * project brief): device status with the next planned run, Back Up Now, run history and alerts.
 * `lifeboat daemon` hands its Daemon object over; `lifeboat serve` runs without one.
 */
import type { EventEmitter } from 'node:events';
import type { BackupEvent } from '../backup/progress.js';

export interface DaemonDeviceStatus {
  readonly udid: string;
  readonly name?: string;
  readonly connection?: string;
  readonly attached: boolean;
  readonly lastSuccessAt?: string;
  readonly lastAttemptAt?: string;
  readonly lastError?: string;
  readonly nextRunAt?: string;
  readonly state: 'idle' | 'waiting' | 'running' | 'failed';
  readonly waitingFor: readonly string[];
  readonly staleAfterHours: number;
  readonly progress?: BackupEvent;
}

export interface DaemonRunRecord {
  readonly id: number;
  readonly udid: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly result: 'success' | 'failure' | 'running';
  readonly bytes?: number;
  readonly files?: number;
  readonly snapshotId?: string;
  readonly error?: string;
  readonly trigger: string;
}

export interface DaemonAlertRecord {
  readonly id: number;
  readonly at: string;
  readonly udid?: string;
  readonly kind: string;
  readonly title: string;
  readonly body: string;
  readonly channels: readonly string[];
}

export type AlertChannel = 'desktop' | 'webhook' | 'email';

export interface DaemonPort extends EventEmitter {
  devices(): DaemonDeviceStatus[];
  backupNow(udid: string): Promise<DaemonRunRecord>;
  readonly history: { list(filter?: { udid?: string; limit?: number }): DaemonRunRecord[] };
  readonly alerts: { list(limit?: number): DaemonAlertRecord[]; testSend(channel: AlertChannel): Promise<void> };
}
