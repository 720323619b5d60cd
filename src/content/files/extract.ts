/**
 * `lifeboat extract`: one file or a whole subtree of a domain written out with its original names and
 * times (files and directories get MBFile's LastModified).
 *
 * Safety (the backup is untrusted): every relative path goes through safeSegments — absolute paths,
 * "..", "." and empty segments, NUL and backslashes are *refused* and reported, never rewritten;
 * directories are created one by one refusing existing symlinks; files are created with O_EXCL.
 * Symlinks in the backup point at absolute device paths, so none is recreated — they are listed.
 * Permission bits are not copied (a backup could ask for setuid files).
 */
import { mkdir, utimes } from 'node:fs/promises';
import type { Backup, BackupEntry } from '../../format/index.js';
import { copyEntry } from '../common/copy.js';
import type { ExportMeter } from '../common/progress.js';
import { inside, mkdirInside, safeSegments } from '../common/safe-path.js';
import { ContentError } from '../errors.js';
import { ContentSource } from '../source.js';

export interface ExtractOptions {
  readonly domain: string;
  /** A file or directory inside the domain; the whole domain when absent. */
  readonly path?: string;
  readonly out: string;
}

export interface ExtractResult {
  readonly files: number;
  readonly directories: number;
  readonly bytes: number;
  readonly skippedSymlinks: readonly string[];
  readonly refused: readonly string[];
}

/** Entries of the subtree rooted at `path` (the entry itself, and what is below it). */
function* subtree(backup: Backup, domain: string, path: string): Generator<BackupEntry> {
  for (const entry of backup.files({ domain, ...(path ? { pathPrefix: path } : {}) })) {
    if (path === '' || entry.relativePath === path || entry.relativePath.startsWith(`${path}/`)) yield entry;
  }
}

export async function extractFiles(backup: Backup, options: ExtractOptions, meter?: ExportMeter): Promise<ExtractResult> {
  const path = (options.path ?? '').replace(/^\/+|\/+$/g, '');
  // Names are written relative to the parent of `path`, so "Library/SMS" lands as out/SMS/….
  const base = path === '' ? [] : safeSegments(path).slice(0, -1);
  const source = new ContentSource(backup);
  const result = { files: 0, directories: 0, bytes: 0, skippedSymlinks: [] as string[], refused: [] as string[] };
  const directories: { path: string; time: Date }[] = [];
  let matched = 0;
  // An existing folder is fine: files are created with O_EXCL, so nothing in it is overwritten.
  await mkdir(options.out, { recursive: true });
  try {
    for (const entry of subtree(backup, options.domain, path)) {
      matched++;
      let segments: string[];
      try {
        segments = safeSegments(entry.relativePath).slice(base.length);
      } catch (error) {
        if (!(error instanceof ContentError)) throw error;
        result.refused.push(entry.relativePath);
        continue;
      }
      if (entry.kind === 'symlink') {
        result.skippedSymlinks.push(entry.relativePath);
        continue;
      }
      const time = new Date(entry.mbFile.lastModified * 1000);
      if (entry.kind === 'directory') {
        const dir = await mkdirInside(options.out, segments);
        directories.push({ path: dir, time });
        result.directories++;
        continue;
      }
      if (entry.kind !== 'file' || segments.length === 0) continue;
      const dir = await mkdirInside(options.out, segments.slice(0, -1));
      const bytes = await copyEntry(source, entry, inside(dir, segments.slice(-1)), time);
      result.files++;
      result.bytes += bytes;
      meter?.add(1, bytes);
    }
    if (matched === 0) {
      throw new ContentError('CONTENT_UNAVAILABLE', `the backup has nothing at ${options.domain}${path ? `/${path}` : ''}`, { hint: 'List what it holds with `lifeboat ls --domain …`.' });
    }
    // Deepest first: setting a parent's time before writing into it would be undone by the write.
    for (const d of directories.sort((a, b) => b.path.length - a.path.length)) if (!Number.isNaN(d.time.getTime())) await utimes(d.path, d.time, d.time);
  } finally {
    source.close();
  }
  return result;
}
