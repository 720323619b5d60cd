/** Scratch folders for remote restores: what a dead process left is removed, nothing else is. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openRestoreScratch } from './scratch.js';

describe('openRestoreScratch', () => {
  it('removes folders of dead processes and keeps its own, the living ones and what it did not make', () => {
    const vault = mkdtempSync(join(tmpdir(), 'lifeboat-scratch-'));
    try {
      const parent = join(vault, 'remote-restores');
      // A pid that certainly existed and has exited (reuse within this test is vanishingly unlikely).
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      const folders = {
        dead: join(parent, `${dead}-abc123`),
        own: join(parent, `${process.pid}-def456`),
        parent: join(parent, `${process.ppid}-0a0b0c`),
        foreign: join(parent, 'notes'),
      };
      for (const dir of Object.values(folders)) mkdirSync(dir, { recursive: true });

      const scratch = openRestoreScratch(vault);
      assert.equal(existsSync(folders.dead), false, 'a dead process’s folder is removed');
      assert.ok(existsSync(folders.own), 'this process’s other restores keep theirs');
      assert.ok(existsSync(folders.parent), 'a living process keeps its folder');
      assert.ok(existsSync(folders.foreign), 'a folder not named <pid>-… is never touched');
      assert.match(scratch.dir, new RegExp(`/remote-restores/${process.pid}-[0-9a-f]{12}$`));

      mkdirSync(scratch.dir, { recursive: true });
      scratch.dispose();
      assert.equal(existsSync(scratch.dir), false, 'dispose removes the folder');
    } finally {
      rmSync(vault, { recursive: true, force: true });
    }
  });
});
