/**
 * A small disk for disk-full tests. As root (CI, this sandbox) it is a real tmpfs of the given size,
 * so writes fail with ENOSPC from the kernel and statfs tells the truth. Without root (a laptop) —
 * or with LIFEBOAT_TEST_NO_MOUNT=1 — it is simulated without any loop device or mount: node:fs's
 * synchronous open/write/close are wrapped (syncBuiltinESMExports makes the ESM imports see it) so a
 * write to a file under the folder fails with ENOSPC once the folder's contents would exceed the size,
 * and `free()` is the answer a host on such a disk would give.
 */
import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync, type PathLike } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type * as nodeFs from 'node:fs';

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);
type NodeFs = typeof nodeFs;

export interface SmallDisk {
  readonly dir: string;
  /** "tmpfs" = a real file system of that size; "simulated" = node:fs wrapped (see above). */
  readonly kind: 'tmpfs' | 'simulated';
  /** Why the tmpfs could not be used (simulated only). */
  readonly why: string | undefined;
  /** Free bytes, as statfs reports them on a disk like this. */
  free(): number;
  /** Fills the disk until about `leave` bytes are free. */
  fill(leave: number): void;
  unfill(): void;
  close(): Promise<void>;
}

export async function smallDisk(dir: string, size: number): Promise<SmallDisk> {
  mkdirSync(dir, { recursive: true });
  const ballast = join(dir, 'ballast');
  let why: string | undefined = process.env['LIFEBOAT_TEST_NO_MOUNT'] === '1' ? 'LIFEBOAT_TEST_NO_MOUNT=1' : undefined;
  if (!why) {
    try {
      await execFileAsync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { timeout: 10_000 });
      const free = (): number => {
        const stats = statfsSync(dir);
        return stats.bavail * stats.bsize;
      };
      return {
        dir,
        kind: 'tmpfs',
        why: undefined,
        free,
        fill: (leave) => writeFileSync(ballast, Buffer.alloc(Math.max(0, free() - leave))),
        unfill: () => rmSync(ballast, { force: true }),
        async close() {
          await execFileAsync('umount', [dir], { timeout: 10_000 }).catch(() => execFileAsync('umount', ['-l', dir], { timeout: 10_000 }));
        },
      };
    } catch (error) {
      why = `mount -t tmpfs failed (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
    }
  }
  return simulatedDisk(dir, size, why);
}

/** Bytes of the files under `dir`, each inode once (snapshots share files through hard links). */
function usage(dir: string): number {
  let total = 0;
  const seen = new Set<number>();
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const child = join(path, name);
      const stat = lstatSync(child);
      if (stat.isDirectory()) walk(child);
      else if (stat.isFile() && !seen.has(stat.ino)) {
        seen.add(stat.ino);
        total += stat.size;
      }
    }
  };
  walk(dir);
  return total;
}

export function simulatedDisk(dir: string, size: number, why: string): SmallDisk {
  const fs = require('node:fs') as NodeFs;
  const original = { openSync: fs.openSync, closeSync: fs.closeSync, writeSync: fs.writeSync };
  const tracked = new Set<number>();
  let ballast = 0;
  const free = (): number => Math.max(0, size - ballast - usage(dir));
  fs.openSync = ((path: PathLike, ...rest: unknown[]) => {
    const fd = (original.openSync as (...args: unknown[]) => number)(path, ...rest);
    if (String(path).startsWith(dir)) tracked.add(fd);
    return fd;
  }) as typeof fs.openSync;
  fs.closeSync = ((fd: number) => {
    tracked.delete(fd);
    original.closeSync(fd);
  }) as typeof fs.closeSync;
  fs.writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (tracked.has(fd)) {
      const length =
        typeof data === 'string' ? Buffer.byteLength(data) : typeof rest[1] === 'number' ? rest[1] : (data as ArrayBufferView).byteLength - (typeof rest[0] === 'number' ? rest[0] : 0);
      if (length > free()) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }
    return (original.writeSync as (...args: unknown[]) => number)(fd, data, ...rest);
  }) as typeof fs.writeSync;
  syncBuiltinESMExports();
  return {
    dir,
    kind: 'simulated',
    why,
    free,
    fill: (leave) => {
      ballast = 0;
      ballast = Math.max(0, free() - leave);
    },
    unfill: () => {
      ballast = 0;
    },
    close() {
      Object.assign(fs, original);
      syncBuiltinESMExports();
      return Promise.resolve();
    },
  };
}
