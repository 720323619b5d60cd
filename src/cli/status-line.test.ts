import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createExportRenderer } from './export-progress.js';
import { createProgressRenderer } from './progress-bar.js';
import { createStatusLine } from './status-line.js';

/** A stream that keeps what is written, as a terminal (isTTY) or as a log file. */
function capture(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: tty });
  return { stream, text: () => text };
}

describe('status line', () => {
  it('on a terminal: redraws one line in place, and a heading or finish ends it', () => {
    const out = capture(true);
    const status = createStatusLine(out.stream);
    status.heading('Reading');
    status.update('1 of 3');
    status.update('2 of 3');
    status.heading('Writing');
    status.update('done');
    status.finish();
    status.finish();
    assert.equal(out.text(), 'Reading…\n\r1 of 3\x1b[K\r2 of 3\x1b[K\nWriting…\n\rdone\x1b[K\n');
  });

  it('elsewhere: plain lines, at most one every few seconds, the final one always', () => {
    const out = capture(false);
    const status = createStatusLine(out.stream);
    status.update('first');
    status.update('too soon');
    status.update('last', true);
    status.finish();
    assert.equal(out.text(), 'first\nlast\n');
  });

  it('the backup bar and the export counter are drawn on it', () => {
    const bar = capture(true);
    const backup = createProgressRenderer({ json: false, stream: bar.stream });
    backup.onEvent({ type: 'phase', phase: 'transferring', message: 'Receiving files' });
    backup.onEvent({ type: 'progress', files: 12, bytes: 1_500_000, percent: 50, bytesPerSecond: 250_000, etaSeconds: 75 });
    backup.finish();
    assert.equal(bar.text(), `Receiving files…\n\r[${'#'.repeat(15)}${'-'.repeat(15)}]  50%  12 files  1.5 MB  250 KB/s  ETA 1m15s\x1b[K\n`);

    const counter = capture(false);
    const exporter = createExportRenderer({ json: false, stream: counter.stream });
    exporter.onEvent({ type: 'step', step: 'photos', message: 'Exporting photos' });
    exporter.onEvent({ type: 'progress', step: 'photos', items: 1200, total: 3400, bytes: 2_000_000 });
    exporter.finish();
    assert.equal(counter.text(), 'Exporting photos…\n  1,200 of 3,400 photos  2.0 MB\n');
  });
});
