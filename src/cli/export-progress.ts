/**
 * Renders ExportEvents on the status line progress-bar.ts uses for backups: redrawn in place on a
 * terminal, a plain line every few seconds otherwise, JSON lines with --json — all on stderr, so stdout
 * stays for the result.
 */
import type { ExportEvent } from '../content/common/progress.js';
import { formatBytes } from './output.js';
import { createStatusLine, type EventRenderer } from './status-line.js';

export function createExportRenderer(options: { json: boolean; stream?: NodeJS.WriteStream }): EventRenderer<ExportEvent> {
  const out = options.stream ?? process.stderr;
  const status = createStatusLine(out);
  return {
    onEvent(event) {
      if (options.json) return void out.write(`${JSON.stringify(event)}\n`);
      if (event.type === 'step') return status.heading(event.message);
      status.update(`  ${event.items.toLocaleString('en-US')}${event.total !== undefined ? ` of ${event.total.toLocaleString('en-US')}` : ''} ${event.step}` + (event.bytes > 0 ? `  ${formatBytes(event.bytes)}` : ''));
    },
    finish: status.finish,
  };
}
