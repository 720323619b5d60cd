/** `lifeboat extract`: writes a file or subtree of one domain of a backup, with original names and times. */
import type { Command } from 'commander';
import { ExportMeter } from '../../content/common/progress.js';
import { ContentError } from '../../content/errors.js';
import { extractFiles } from '../../content/files/extract.js';
import { createExportRenderer } from '../export-progress.js';
import { formatBytes, printJson, printLine, type GlobalOptions } from '../output.js';
import { openSource, withSourceOptions, type SourceOptions } from './backup-source.js';
import { UsageError } from './parse.js';

interface ExtractOptions extends GlobalOptions, SourceOptions {
  readonly domain?: string;
  readonly path?: string;
  readonly out?: string;
}

export function registerExtractCommand(program: Command): void {
  withSourceOptions(program.command('extract').description('write a file or folder of a backup to disk, with its original names and times'))
    .requiredOption('--domain <domain>', 'the domain (see `lifeboat ls`)')
    .option('--path <path>', 'a file or folder inside the domain (default: the whole domain)')
    .requiredOption('--out <dir>', 'where to write (files are never overwritten)')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ExtractOptions>();
      if (!options.domain || !options.out) throw new UsageError('extract needs --domain and --out');
      const opened = await openSource(options);
      const renderer = createExportRenderer({ json: options.json ?? false });
      try {
        renderer.onEvent({ type: 'step', step: 'files', message: `Extracting ${options.domain}${options.path ? `/${options.path}` : ''}` });
        const result = await extractFiles(opened.backup, { domain: options.domain, ...(options.path ? { path: options.path } : {}), out: options.out }, new ExportMeter(renderer.onEvent, 'files', undefined));
        renderer.finish();
        if (options.json) printJson({ out: options.out, ...result });
        else {
          printLine(`Extracted ${result.files} files (${formatBytes(result.bytes)}) and ${result.directories} folders to ${options.out}`);
          if (result.skippedSymlinks.length > 0) printLine(`  ${result.skippedSymlinks.length} symlinks not recreated (they point at paths on the iPhone)`);
          for (const p of result.refused.slice(0, 20)) printLine(`  refused unsafe path ${JSON.stringify(p)}`);
        }
        // runCli owns the exit code: an error after the report makes the command fail visibly.
        if (result.refused.length > 0) throw new ContentError('CONTENT_UNSAFE_PATH', `${result.refused.length} entries with unsafe paths were refused; everything else was extracted`);
      } finally {
        renderer.finish();
        opened.close();
      }
    });
}
