/**
 * File-system steps the store's durability rests on: building a staging folder of hard links, and
 * making writes durable (a file-system sync, a directory fsync after a rename).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Recreates `from`'s tree at `to` with hard links for files (cp -al). */
export function linkTree(from: string, to: string): number {
  let count = 0;
  const walk = (source: string, target: string): void => {
    for (const entry of readdirSync(source, { withFileTypes: true })) {
      const s = join(source, entry.name);
      const t = join(target, entry.name);
      if (entry.isDirectory()) {
        mkdirSync(t);
        walk(s, t);
      } else if (entry.isFile()) {
        linkSync(s, t);
        count++;
      }
      // Anything else (symlinks, sockets) has no place in a backup folder and is not carried over.
    }
  };
  walk(from, to);
  return count;
}

/**
 * Makes everything written under `dir` durable with one call instead of an fsync per file: `sync -f`
 * (coreutils) asks the kernel to flush the whole file system. Where it is unavailable we fall back to
 * a full `sync`.
 */
export function syncFileSystem(dir: string): void {
  const result = spawnSync('sync', ['-f', dir], { stdio: 'ignore' });
  if (result.status !== 0) spawnSync('sync', [], { stdio: 'ignore' });
}

export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
