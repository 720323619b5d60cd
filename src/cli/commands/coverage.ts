/** `lifeboat coverage`: what this backup holds and what it does not, in plain language. */
import type { Command } from 'commander';
import { coverage } from '../../content/coverage.js';
import { printJson, printLine, type GlobalOptions } from '../output.js';
import { openSource, withSourceOptions, type SourceOptions } from './backup-source.js';

interface CoverageOptions extends GlobalOptions, SourceOptions {}

export function registerCoverageCommand(program: Command): void {
  withSourceOptions(program.command('coverage').description('explain what this backup holds and what it does not')).action(async (_options: unknown, command: Command) => {
    const options = command.optsWithGlobals<CoverageOptions>();
    const opened = await openSource(options);
    try {
      const report = await coverage(opened.source);
      if (options.json) {
        printJson(report);
        return;
      }
      const d = report.summary.device;
      printLine(`Backup of ${d.name ?? 'an iPhone'} made ${d.backupDate ?? 'at an unknown time'}, ${d.encrypted ? 'encrypted' : 'not encrypted'}.`);
      printLine('\nWhat this backup holds:');
      for (const line of report.held) printLine(`  • ${line}`);
      printLine('\nWhat it does not hold:');
      for (const gap of report.gaps) {
        printLine(`  • ${gap.what}`);
        printLine(`    Why: ${gap.why}`);
        if (gap.fix) printLine(`    What to do: ${gap.fix}`);
      }
    } finally {
      opened.close();
    }
  });
}
