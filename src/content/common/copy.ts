/**
 * Copying one file out of the backup into the output folder: streamed (decrypted on the fly), created
 * with O_EXCL under a name that is already safe, and given the time a person expects to see (the photo's
 * capture time, the attachment's date) as its modification time.
 */
import { createWriteStream } from 'node:fs';
import { rm, utimes } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { BackupEntry } from '../../format/index.js';
import type { ContentSource } from '../source.js';

export async function copyEntry(source: ContentSource, entry: BackupEntry, path: string, mtime?: Date): Promise<number> {
  try {
    await pipeline(await source.open(entry), createWriteStream(path, { flags: 'wx' }));
  } catch (error) {
    // A half-written file would look like a good one; remove it (unless it was not ours: EEXIST).
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await rm(path, { force: true });
    throw error;
  }
  const time = mtime ?? new Date(entry.mbFile.lastModified * 1000);
  if (!Number.isNaN(time.getTime())) await utimes(path, time, time);
  return entry.mbFile.size;
}
