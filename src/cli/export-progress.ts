/**
 * Renders ExportEvents the way progress-bar.ts renders backup events: a line redrawn in place on a
 * terminal, a plain line every few seconds otherwise, JSON lines with --json — on stderr, so stdout
 * stays for the result.
 */
import type { ExportEvent } from '../content/common/progress.js';
import { formatBytes } from './output.js';

export function createExportRenderer(options: { json: boolean; stream?: NodeJS.WriteStream }): { onEvent: (event: ExportEvent) => void; finish: () => void } {
  const out = options.stream ?? process.stderr;
  const tty = out.isTTY === true;
  let drawn = false;
  let lastPlain = 0;
  return {
    onEvent(event) {
      if (options.json) {
        out.write(`${JSON.stringify(event)}\n`);
        return;
      }
      if (event.type === 'step') {
        if (drawn) out.write('\n');
        drawn = false;
        out.write(`${event.message}…\n`);
        return;
      }
      const line = `  ${event.items.toLocaleString('en-US')}${event.total !== undefined ? ` of ${event.total.toLocaleString('en-US')}` : ''} ${event.step}` + (event.bytes > 0 ? `  ${formatBytes(event.bytes)}` : '');
      if (tty) {
        out.write(`\r${line}\x1b[K`);
        drawn = true;
      } else if (Date.now() - lastPlain > 5000) {
        lastPlain = Date.now();
        out.write(`${line}\n`);
      }
    },
    finish() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
