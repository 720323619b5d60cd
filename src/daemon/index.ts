/** The daemon's public surface (for src/cli and src/web). */
export { Daemon, type DaemonOptions } from './daemon.js';
export { ManualClock, systemClock, type Clock } from './clock.js';
export { DaemonClient } from './control-client.js';
export { CONTROL_SOCKET_NAME } from './control-protocol.js';
export { HistoryDb } from './history.js';
export { fallbackExplainFailure, type ExplainFailure, type FailureExplanation } from './explain.js';
export type { SyncRemote, RetentionStep } from './after-backup.js';
export type { AlertChannel } from './alerts/channels.js';
export type { AlertChannelName, AlertKind, AlertRecord, BackupProgressEvent, DeviceStatus, RunRecord, RunTrigger } from './types.js';
export { offlineStatus } from './offline-status.js';
