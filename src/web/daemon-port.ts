/**
 * What the dashboard uses of a running daemon (src/daemon): device status with the next planned run,
 * Back Up Now, run history and alerts, and its events. `lifeboat daemon` hands its Daemon over;
 * `lifeboat serve` runs without one.
 */
import type { Daemon } from '../daemon/index.js';

export type DaemonPort = Pick<Daemon, 'devices' | 'backupNow' | 'running' | 'history' | 'alerts' | 'on' | 'off'>;
export type { AlertChannelName as AlertChannel, AlertRecord as DaemonAlertRecord, DeviceStatus as DaemonDeviceStatus, RunRecord as DaemonRunRecord } from '../daemon/index.js';
