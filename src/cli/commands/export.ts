/** `lifeboat export`: messages, photos, contacts, … of a backup to open formats, with progress. */
import type { Command } from 'commander';
import { DATA_TYPES, exportContent, FORMATS, parseDataTypes } from '../../content/export.js';
import { createExportRenderer } from '../export-progress.js';
import { printJson, printLine, type GlobalOptions } from '../output.js';
import { openSource, withSourceOptions, type SourceOptions } from './backup-source.js';
import { UsageError } from './parse.js';

interface ExportOptions extends GlobalOptions, SourceOptions {
  readonly what?: string;
  readonly format?: string;
  readonly out?: string;
}

const FORMAT_HELP = DATA_TYPES.filter((t) => FORMATS[t].length > 1).map((t) => `${t}: ${FORMATS[t].join('/')}`).join('; ');

export function registerExportCommand(program: Command): void {
  withSourceOptions(program.command('export').description('export the content of a backup to open formats (HTML, CSV, JSON, vCard, ICS, Markdown, original photos)'))
    .option('--what <types>', `comma-separated: ${DATA_TYPES.join(',')} or all`, 'all')
    .option('--format <formats>', `comma-separated formats (default: all of each type) — ${FORMAT_HELP}`)
    .requiredOption('--out <dir>', 'a new or empty folder; each type goes into its own subfolder')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ExportOptions>();
      let what;
      try {
        what = parseDataTypes(options.what ?? 'all');
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
      const formats = options.format?.split(',').map((f) => f.trim().toLowerCase()).filter(Boolean);
      const opened = await openSource(options);
      const renderer = createExportRenderer({ json: options.json ?? false });
      try {
        const results = await exportContent(opened.source, { what, ...(formats ? { formats } : {}), out: options.out as string, onEvent: renderer.onEvent });
        renderer.finish();
        if (options.json) printJson({ out: options.out, results });
        else {
          for (const r of results) {
            if (!r.exported) printLine(`${r.type.padEnd(10)} not exported: ${r.reason}`);
            else printLine(`${r.type.padEnd(10)} ${Object.entries(r.counts ?? {}).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${String(v)} ${k}`).join(', ') || 'done'} → ${r.folder}`);
          }
        }
      } finally {
        renderer.finish();
        opened.close();
      }
    });
}
