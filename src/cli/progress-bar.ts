/**
 * Renders BackupEvents: a one-line bar redrawn in place on a terminal, plain lines when stdout is not
 * a terminal (logs), JSON lines with --json. Hand-written because it is one line of text; a
 * dependency would not make it simpler.
 */
import type { BackupEvent } from '../backup/progress.js';
import { formatBytes } from './output.js';

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function createProgressRenderer(options: { json: boolean; stream?: NodeJS.WriteStream }): { onEvent: (event: BackupEvent) => void; finish: () => void } {
  const out = options.stream ?? process.stderr;
  const tty = out.isTTY === true;
  let drawn = false;
  let lastPlain = 0;
  return {
    onEvent(event) {
      if (options.json) {
        process.stdout.write(`${JSON.stringify(event)}\n`);
        return;
      }
      if (event.type === 'phase') {
        if (drawn) out.write('\n');
        drawn = false;
        out.write(`${event.message}…\n`);
        return;
      }
      const percent = event.percent ?? 0;
      const width = 30;
      const filled = Math.round((percent / 100) * width);
      const line =
        `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent.toFixed(0).padStart(3)}%  ` +
        `${event.files} files  ${formatBytes(event.bytes)}  ${formatBytes(event.bytesPerSecond)}/s` +
        (event.etaSeconds !== undefined ? `  ETA ${formatDuration(event.etaSeconds)}` : '');
      if (tty) {
        out.write(`\r${line}\x1b[K`);
        drawn = true;
      } else if (Date.now() - lastPlain > 5000 || percent >= 100) {
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
