/**
 * `lifeboat backup` while a daemon runs: the job goes to the daemon over its control socket (so the
 * two never back up the same phone at once) and its progress is rendered here as if local.
 * Answers false when no daemon runs, and the command backs up by itself.
 */
import { join } from 'node:path';
import type { BackupEvent } from '../../backup/progress.js';
import { dataHome } from '../../config/paths.js';
import { DaemonClient } from '../../daemon/control-client.js';
import { CONTROL_SOCKET_NAME } from '../../daemon/control-protocol.js';
import type { RunRecord } from '../../daemon/types.js';
import { LifeboatError } from '../../util/errors.js';
import { formatBytes, printLine } from '../output.js';

export async function handOffToDaemon(options: { udid?: string; full?: boolean; json?: boolean }, onEvent: (event: BackupEvent) => void, finish: () => void): Promise<boolean> {
  const client = await DaemonClient.connect(join(dataHome(), CONTROL_SOCKET_NAME));
  if (!client) return false;
  let run: RunRecord;
  try {
    if (!options.json) process.stderr.write('A Lifeboat daemon is running: it makes this backup.\n');
    run = (await client.request<{ run: RunRecord }>('backup', { ...(options.udid ? { udid: options.udid } : {}), full: options.full ?? false }, (event) => onEvent(event as BackupEvent))).run;
  } finally {
    client.close();
    finish();
  }
  if (run.result !== 'success') {
    throw new LifeboatError(run.error ?? 'the backup failed', { code: run.errorCode ?? 'BACKUP_FAILED', hint: 'Run `lifeboat doctor`, or see `lifeboat history`.' });
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ type: 'result', udid: run.udid, snapshot: run.snapshotId, files: run.files, bytes: run.bytes, byDaemon: true, run: run.id })}\n`);
  } else {
    printLine(`Backup finished by the daemon: snapshot ${run.snapshotId ?? '?'}`);
    printLine(`  ${run.files ?? 0} files, ${formatBytes(run.bytes ?? 0)} received (run ${run.id} in \`lifeboat history\`)`);
  }
  return true;
}
