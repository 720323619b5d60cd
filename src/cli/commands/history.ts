/** `lifeboat history`: the daemon's and manual runs from the SQLite history (start, end, result, bytes, error). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { dataHome } from '../../config/paths.js';
import { HistoryDb } from '../../daemon/history.js';
import type { RunRecord } from '../../daemon/types.js';
import { formatBytes, formatTable, printJson, printLine, type GlobalOptions } from '../output.js';
import { parseWholeNumber } from './parse.js';

export function registerHistoryCommand(program: Command): void {
  program
    .command('history')
    .description('backup runs, newest first: start, end, result, size, error')
    .option('-u, --udid <udid>', 'only this device')
    .option('-n, --limit <n>', 'at most this many runs', '50')
    .action((_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions & { udid?: string; limit: string }>();
      const limit = parseWholeNumber(options.limit, '--limit', 1, 100_000);
      const path = join(dataHome(), 'history.db');
      let runs: RunRecord[] = [];
      if (existsSync(path)) {
        const db = HistoryDb.open(path, { readonly: true });
        try {
          runs = db.listRuns({ ...(options.udid ? { udid: options.udid } : {}), limit });
        } finally {
          db.close();
        }
      }
      if (options.json) return printJson({ runs });
      if (runs.length === 0) return printLine('No backup runs recorded yet.');
      printLine(
        formatTable(
          ['ID', 'DEVICE', 'STARTED', 'SECONDS', 'RESULT', 'TRIGGER', 'SIZE', 'SNAPSHOT / ERROR'],
          runs.map((r) => [
            String(r.id),
            r.udid,
            new Date(r.startedAt).toLocaleString(),
            r.endedAt ? ((new Date(r.endedAt).getTime() - new Date(r.startedAt).getTime()) / 1000).toFixed(0) : '-',
            r.result,
            r.trigger,
            r.bytes !== undefined ? formatBytes(r.bytes) : '-',
            r.result === 'failure' ? (r.error ?? '?') : (r.snapshotId ?? ''),
          ]),
        ),
      );
    });
}
