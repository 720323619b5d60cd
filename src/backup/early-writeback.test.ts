import assert from 'node:assert/strict';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EarlyWriteback } from './early-writeback.js';

describe('EarlyWriteback', () => {
  it('flushes and closes handed-over files in the background, with back-pressure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeboat-writeback-'));
    try {
      const writeback = new EarlyWriteback();
      const fds: number[] = [];
      for (let i = 0; i < 6; i++) {
        const fd = openSync(join(dir, `f${i}`), 'wx');
        writeSync(fd, Buffer.alloc(4096, i));
        fds.push(fd);
        writeback.hand(fd, `f${i}`);
        if (writeback.full) await writeback.room();
        assert.equal(writeback.full, false);
      }
      assert.equal(await writeback.drain(), undefined);
      for (const fd of fds) assert.throws(() => fstatSync(fd), { code: 'EBADF' }, 'the descriptor was closed');
      assert.deepEqual(readFileSync(join(dir, 'f5')), Buffer.alloc(4096, 5));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a failed flush from drain()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeboat-writeback-'));
    try {
      const fd = openSync(join(dir, 'gone'), 'wx');
      closeSync(fd); // fdatasync of a closed descriptor fails with EBADF
      const writeback = new EarlyWriteback();
      writeback.hand(fd, 'UDID/ab/gone');
      assert.deepEqual(await writeback.drain(), { code: 'EBADF', path: 'UDID/ab/gone' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
