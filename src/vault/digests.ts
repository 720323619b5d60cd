/**
 * Snapshot digests: a record, written when a snapshot is committed, of every file in its Finder folder
 * — relative path, size, inode and sha256 — so `verify` can later prove the snapshot is still what the
 * device sent (bit rot, truncation, deletion). Unchanged files are hard links to the previous
 * snapshot's, i.e. the same inode: their digest is carried over instead of re-hashing the bytes, so
 * recording costs a directory walk plus hashing only the new data.
 *
 * Format: gzip of lines `path\tsize\tinode\tsha256\n`, sorted by path; written to a temp name, fsynced
 * by the commit's filesystem sync, renamed into place.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants as fsConstants, existsSync, lstatSync, openSync, readdirSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { crashPoint } from './crash-point.js';
import { VaultError } from './errors.js';

export const DIGESTS_FILE = 'lifeboat-digests.tsv.gz';

export interface FileDigest {
  readonly path: string;
  readonly size: number;
  readonly inode: number;
  readonly sha256: string;
}

const READ_CHUNK = 1024 * 1024;
let scratch: Buffer | undefined;

/** sha256 of a file, read in 1 MiB chunks into one reused buffer (no per-chunk allocation). */
export function hashFile(path: string): { sha256: string; size: number } {
  scratch ??= Buffer.allocUnsafe(READ_CHUNK);
  const hash = createHash('sha256');
  // No symlinks followed (a link in place of a file is not the file) and no blocking on a FIFO: a
  // snapshot folder holds only regular files, and verify opens whatever it finds without a stat.
  const fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  let size = 0;
  try {
    for (;;) {
      const n = readSync(fd, scratch, 0, READ_CHUNK, null);
      if (n === 0) break;
      hash.update(n === READ_CHUNK ? scratch : scratch.subarray(0, n));
      size += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}

interface WalkedFile {
  readonly path: string;
  readonly size: number;
  readonly inode: number;
  /** Absent when the entry was taken from the previous record without a stat. */
  readonly mtimeMs?: number;
}

/** Directories whose mtime is still `mtimeMs` (never written since linkTree) hold the files `known` lists. */
interface Untouched {
  readonly mtimeMs: number;
  readonly known: ReadonlyMap<string, FileDigest>;
}

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** The relative paths of the regular files under `root`, unsorted: names only (the file type comes with readdir), no stat. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(`${dir}/${entry.name}`, rel);
      else if (entry.isFile()) out.push(rel);
    }
  };
  walk(root, '');
  return out;
}

/** Every regular file under `root`, as '/'-separated relative paths, sorted. */
export function walkFiles(root: string, untouched?: Untouched): WalkedFile[] {
  const out: WalkedFile[] = [];
  walkInto(root, '', out, untouched);
  return out.sort(byPath);
}

/** Adds the regular files under `dir` (whose relative path is `prefix`) to `out`, unsorted. */
function walkInto(dir: string, prefix: string, out: WalkedFile[], untouched?: Untouched): void {
  const unchanged = untouched !== undefined && lstatSync(dir).mtimeMs === untouched.mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    // Concatenation, not join(): names from readdir hold no separators, and join's normalising
    // was a large share of the commit's garbage on 100,000 files.
    const absolute = `${dir}/${entry.name}`;
    if (entry.isDirectory()) walkInto(absolute, rel, out, untouched);
    else if (entry.isFile()) {
      const known = unchanged ? untouched.known.get(rel) : undefined;
      if (known) {
        out.push(known);
        continue;
      }
      const stat = lstatSync(absolute);
      out.push({ path: rel, size: stat.size, inode: stat.ino, mtimeMs: stat.mtimeMs });
    }
  }
}

/**
 * The files of `deviceDir` when it started as hard links to the files `previous` lists and only
 * the paths in `changed` (relative, '/'-separated; '' for everything) may have been touched since:
 * every listed file not under a changed path is still that inode, so only the changed paths are
 * looked at. Undefined when it cannot tell (then walk everything).
 */
function filesAfterChanges(deviceDir: string, previous: readonly FileDigest[], changed: ReadonlySet<string>): WalkedFile[] | undefined {
  if (changed.has('')) return undefined;
  // Only plain relative paths can be looked at without leaving the folder; anything else: walk all.
  for (const path of changed) if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) return undefined;
  // Keep only the outermost changed paths: walking a folder covers everything below it.
  const roots = new Set<string>();
  const underAny = (path: string, set: ReadonlySet<string>): boolean => {
    for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1)) if (set.has(path.slice(0, at))) return true;
    return set.has(path);
  };
  for (const path of [...changed].sort((a, b) => a.length - b.length)) if (!underAny(path, roots)) roots.add(path);
  // The record is sorted by path, so what it keeps stays sorted; the few files under the changed
  // paths are sorted on their own and merged in (sorting all 100,000 again was a tenth of the commit).
  const kept: FileDigest[] = [];
  let sorted = true;
  for (const digest of previous) {
    if (underAny(digest.path, roots)) continue;
    if (kept.length > 0 && byPath(kept[kept.length - 1]!, digest) >= 0) sorted = false;
    kept.push(digest);
  }
  const walked: WalkedFile[] = [];
  for (const root of roots) {
    const absolute = `${deviceDir}/${root}`;
    let stat;
    try {
      stat = lstatSync(absolute);
    } catch {
      continue; // removed, or never created
    }
    if (stat.isDirectory()) walkInto(absolute, root, walked);
    else if (stat.isFile()) walked.push({ path: root, size: stat.size, inode: stat.ino });
  }
  if (!sorted) return [...kept, ...walked].sort(byPath);
  walked.sort(byPath);
  const out: WalkedFile[] = new Array<WalkedFile>(kept.length + walked.length);
  let k = 0;
  let w = 0;
  for (let i = 0; i < out.length; i++) out[i] = w >= walked.length || (k < kept.length && byPath(kept[k]!, walked[w]!) < 0) ? kept[k++]! : walked[w++]!;
  return out;
}

export function readDigests(snapshotDir: string): FileDigest[] | undefined {
  const file = join(snapshotDir, DIGESTS_FILE);
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = gunzipSync(readFileSync(file)).toString('utf8');
  } catch (error) {
    throw new VaultError(`the digest record ${file} is damaged`, { code: 'VAULT_DIGESTS_DAMAGED', cause: error });
  }
  return parseDigests(text, file);
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The lines of a digest record, each checked: four tab-separated fields, whole numbers, a sha256. */
function parseDigests(text: string, file: string): FileDigest[] {
  const out: FileDigest[] = [];
  const malformed = (): VaultError => new VaultError(`the digest record ${file} has a malformed line`, { code: 'VAULT_DIGESTS_DAMAGED' });
  // indexOf and slice rather than split: 100,000 lines are read on every incremental backup.
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end > start) {
      const a = text.indexOf('\t', start);
      const b = a < 0 ? -1 : text.indexOf('\t', a + 1);
      const c = b < 0 ? -1 : text.indexOf('\t', b + 1);
      if (a <= start || b < 0 || c < 0 || c > end || end - c - 1 !== 64) throw malformed();
      const size = Number(text.slice(a + 1, b));
      const inode = Number(text.slice(b + 1, c));
      const sha256 = text.slice(c + 1, end);
      if (!Number.isSafeInteger(size) || size < 0 || !Number.isSafeInteger(inode) || b === a + 1 || c === b + 1 || !SHA256_HEX.test(sha256)) throw malformed();
      out.push({ path: text.slice(start, a), size, inode, sha256 });
    }
    start = end + 1;
  }
  return out;
}

/** A digest computed while the file was written (inode → size, sha256): see recordDigests. */
export interface KnownDigest {
  readonly size: number;
  readonly sha256: string;
}

/**
 * Records the digests of `deviceDir` into `snapshotDir`, reusing `previous` for files whose inode and
 * size are unchanged (hard links). `fresh` holds digests of new files computed as they were written
 * (by inode; the writer must drop entries whose inode it cannot vouch for): those are not read back.
 * Returns counts for the snapshot's metadata; newBytes counts every byte not carried over.
 */
export function recordDigests(
  deviceDir: string,
  snapshotDir: string,
  previous: readonly FileDigest[] | undefined,
  fresh?: ReadonlyMap<number, KnownDigest>,
  /** Copies (no hard links): digests by the copy's inode, valid while its modification time is unchanged. */
  copied?: ReadonlyMap<number, { digest: FileDigest; mtimeMs: number }>,
  /** The mtime linkTree gave the staging folder's directories (see durable-fs.ts UNTOUCHED_DIR_MTIME). */
  untouchedDirMtimeMs?: number,
  /** Paths the phone wrote, moved or removed since the base (see filesAfterChanges). */
  changed?: ReadonlySet<string>,
): { files: number; bytes: number; newBytes: number } {
  // By inode, for files found on disk rather than carried over: built only when one is.
  let byInode: Map<number, KnownDigest> | undefined;
  const previousByInode = (): Map<number, KnownDigest> => {
    byInode ??= new Map((previous ?? []).map((digest) => [digest.inode, digest]));
    return byInode;
  };
  const lines: string[] = [];
  let bytes = 0;
  let newBytes = 0;
  // With the list of what changed, an incremental looks only at that; otherwise directories linkTree
  // left untouched are taken from the previous record without a stat; a first backup walks everything.
  const files =
    (previous && changed ? filesAfterChanges(deviceDir, previous, changed) : undefined) ??
    walkFiles(deviceDir, untouchedDirMtimeMs !== undefined && previous ? { mtimeMs: untouchedDirMtimeMs, known: new Map(previous.map((d) => [d.path, d])) } : undefined);
  for (const file of files) {
    const written = fresh?.get(file.inode);
    const copy = copied?.get(file.inode);
    // An entry taken from the previous record is its own digest (same path, same inode: a link).
    const carried = copied ? (copy && copy.mtimeMs === file.mtimeMs ? copy.digest : undefined) : 'sha256' in file ? (file as FileDigest) : previousByInode().get(file.inode);
    let sha256: string;
    if (written && written.size === file.size) {
      sha256 = written.sha256;
      newBytes += file.size;
    } else if (carried && carried.size === file.size) sha256 = carried.sha256;
    else {
      sha256 = hashFile(join(deviceDir, file.path)).sha256;
      newBytes += file.size;
    }
    bytes += file.size;
    lines.push(`${file.path}\t${file.size}\t${file.inode}\t${sha256}\n`);
  }
  const target = join(snapshotDir, DIGESTS_FILE);
  const temp = `${target}.tmp`;
  // Huffman-only: sha256 hex gains nothing from string matching, so this is as small as level 1
  // (measured: 1.91 vs 1.93 MB for 30,000 files) in two thirds of the time. Still plain gzip.
  const record = gzipSync(Buffer.from(lines.join(''), 'utf8'), { level: 1, strategy: zlibConstants.Z_HUFFMAN_ONLY });
  if (process.env['LIFEBOAT_TEST_CRASH_AT'] === 'commit:digests-half-written') {
    writeFileSync(temp, record.subarray(0, record.length >> 1));
    crashPoint('commit:digests-half-written');
  }
  writeFileSync(temp, record);
  renameSync(temp, target);
  return { files: files.length, bytes, newBytes };
}
