/**
 * A real exFAT file system for tests of a vault on a disk without hard links: an image file formatted
 * with mkfs.exfat (exfatprogs), attached to a loop device and mounted with exfat-fuse. Needs root
 * (CI and this sandbox); `exfatDisk` throws with the reason when it cannot mount, and the caller skips
 * (or fails, under CI=true).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface ExfatDisk {
  readonly dir: string;
  close(): Promise<void>;
}

export async function exfatDisk(workDir: string, sizeBytes: number): Promise<ExfatDisk> {
  const image = join(workDir, 'exfat.img');
  const dir = join(workDir, 'exfat');
  mkdirSync(dir, { recursive: true });
  await execFileAsync('truncate', ['-s', String(sizeBytes), image]);
  await execFileAsync('mkfs.exfat', [image]);
  const { stdout } = await execFileAsync('losetup', ['--find', '--show', image]);
  const loop = stdout.trim();
  try {
    await execFileAsync('mount.exfat-fuse', [loop, dir], { timeout: 20_000 });
  } catch (error) {
    await execFileAsync('losetup', ['-d', loop]).catch(() => undefined);
    throw error;
  }
  return {
    dir,
    async close() {
      await execFileAsync('umount', [dir], { timeout: 20_000 }).catch(() => execFileAsync('umount', ['-l', dir], { timeout: 20_000 }));
      await execFileAsync('losetup', ['-d', loop]).catch(() => undefined);
      rmSync(image, { force: true });
    },
  };
}
