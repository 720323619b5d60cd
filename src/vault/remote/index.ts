/**
 * Remote copies of the vault through restic: the public surface for the CLI and the daemon.
 * The daemon calls `syncRemote` after each backup for every remote in the device policy's syncRemotes.
 */
export { checkRemote, type CheckRemoteOptions, type CheckRemoteResult } from './check.js';
export { RemoteError } from './errors.js';
export type { RemoteSyncEvent, RemoteSyncListener } from './progress.js';
export { listRemoteSnapshots, openOrInitRepository, type RemoteSnapshot } from './repository.js';
export { openRestoreScratch, type RestoreScratch } from './scratch.js';
export { restoreRemote, type RestoreRemoteOptions, type RestoreRemoteResult } from './restore.js';
export { defaultPasswordFile, normaliseRepositoryUrl, onlyRemoteName, readEnvFile, removePasswordFile, resolveRemote, REMOTE_NAME, writePasswordFile, type ResolvedRemote } from './settings.js';
export { syncRemote, vaultDevices, type SyncRemoteOptions, type SyncResult, type UploadedSnapshot } from './sync.js';
