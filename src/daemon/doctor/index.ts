/** `lifeboat doctor`'s engine: diagnose() for the host and devices, explainFailure() for a failed backup. */
export { diagnose, DEFAULT_PROBE_TIMEOUT_MS } from './diagnose.js';
export { explainFailure } from './explain-failure.js';
export { IOS_TABLE_CURRENT_TO, NEWEST_RELEASES, newestIosFor } from './ios-releases.js';
export { defaultPasswordFile, findBackupPassword, type BackupPassword } from './password-source.js';
export { severityRank, sortFindings, worstSeverity, type DiagnoseOptions, type Finding, type Severity } from './types.js';
