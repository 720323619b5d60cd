/**
 * Renders BackupEvents: a one-line bar on the status line (status-line.ts: redrawn in place on a
 * terminal, plain lines when stderr is not a terminal), JSON lines on stdout with --json.
 */
import type { BackupEvent } from '../backup/progress.js';
import { formatBytes } from './output.js';
import { createStatusLine, type EventRenderer } from './status-line.js';

const BAR_WIDTH = 30;

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function createProgressRenderer(options: { json: boolean; stream?: NodeJS.WriteStream }): EventRenderer<BackupEvent> {
  const status = createStatusLine(options.stream ?? process.stderr);
  return {
    onEvent(event) {
      if (options.json) return void process.stdout.write(`${JSON.stringify(event)}\n`);
      if (event.type === 'phase') return status.heading(event.message);
      const percent = event.percent ?? 0;
      const filled = Math.round((percent / 100) * BAR_WIDTH);
      const line =
        `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${percent.toFixed(0).padStart(3)}%  ` +
        `${event.files} files  ${formatBytes(event.bytes)}  ${formatBytes(event.bytesPerSecond)}/s` +
        (event.etaSeconds !== undefined ? `  ETA ${formatDuration(event.etaSeconds)}` : '');
      status.update(line, percent >= 100);
    },
    finish: status.finish,
  };
}
