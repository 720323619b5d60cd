/**
 * `lifeboat ls`: the domains of a backup with their entry counts, or with --domain the entries of one
 * domain with their metadata (kind, size, mode, times, protection class, fileID). --json streams one
 * JSON document (entries written as they are read, so a 100,000-row domain is not held in memory).
 */
import type { Command } from 'commander';
import type { BackupEntry } from '../../format/index.js';
import { formatBytes, formatTable, printJson, printLine, type GlobalOptions } from '../output.js';
import { openSource, withSourceOptions, type SourceOptions } from './backup-source.js';

interface LsOptions extends GlobalOptions, SourceOptions {
  readonly domain?: string;
}

function entryJson(e: BackupEntry): Record<string, unknown> {
  const m = e.mbFile;
  return {
    path: e.relativePath,
    kind: e.kind,
    size: m.size,
    mode: `0${(m.mode & 0o7777).toString(8)}`,
    modified: new Date(m.lastModified * 1000).toISOString(),
    created: new Date(m.birth * 1000).toISOString(),
    protectionClass: m.protectionClass,
    fileId: e.fileId,
    ...(m.target !== undefined ? { target: m.target } : {}),
  };
}

const KIND_CHAR: Record<string, string> = { file: '-', directory: 'd', symlink: 'l', other: '?' };

export function registerLsCommand(program: Command): void {
  withSourceOptions(program.command('ls').description('list the domains of a backup, or the files of one domain with their metadata'))
    .option('--domain <domain>', 'list the files of this domain (e.g. HomeDomain, CameraRollDomain, AppDomain-com.example.app)')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<LsOptions>();
      const opened = await openSource(options);
      try {
        const { backup } = opened;
        if (options.domain === undefined) {
          const domains = backup.domains().sort((a, b) => a.domain.localeCompare(b.domain));
          if (options.json) printJson({ backup: opened.dir, encrypted: backup.encrypted, domains });
          else {
            printLine(formatTable(['DOMAIN', 'FILES', 'DIRS', 'LINKS'], domains.map((d) => [d.domain, String(d.files), String(d.directories), String(d.symlinks)])));
            printLine(`\n${domains.length} domains, ${domains.reduce((s, d) => s + d.files, 0)} files${backup.encrypted ? ' (encrypted backup)' : ''}`);
          }
          return;
        }
        const query = { domain: options.domain };
        if (options.json) {
          process.stdout.write(`{"backup":${JSON.stringify(opened.dir)},"domain":${JSON.stringify(options.domain)},"files":[`);
          let first = true;
          for (const e of backup.files(query)) {
            process.stdout.write(`${first ? '' : ','}\n${JSON.stringify(entryJson(e))}`);
            first = false;
          }
          process.stdout.write('\n]}\n');
          return;
        }
        const rows: string[][] = [];
        let bytes = 0;
        for (const e of backup.files(query)) {
          const m = e.mbFile;
          bytes += m.size;
          rows.push([`${KIND_CHAR[e.kind] ?? '?'}${(m.mode & 0o777).toString(8).padStart(3, '0')}`, e.kind === 'file' ? String(m.size) : '', new Date(m.lastModified * 1000).toISOString().slice(0, 19).replace('T', ' '), e.relativePath + (m.target ? ` -> ${m.target}` : '')]);
        }
        rows.sort((a, b) => ((a[3] ?? '') < (b[3] ?? '') ? -1 : 1));
        printLine(formatTable(['MODE', 'SIZE', 'MODIFIED (UTC)', 'PATH'], rows));
        printLine(`\n${rows.length} entries, ${formatBytes(bytes)} in ${options.domain}`);
      } finally {
        opened.close();
      }
    });
}
