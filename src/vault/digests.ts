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
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
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
  const fd = openSync(path, 'r');
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

/** Every regular file under `root`, as '/'-separated relative paths, sorted. */
export function walkFiles(
  root: string,
  /** Files of directories whose mtime is still `untouched.mtimeMs` are taken from `untouched.known` without a stat. */
  untouched?: { readonly mtimeMs: number; readonly known: ReadonlyMap<string, FileDigest> },
): Array<{ path: string; size: number; inode: number; mtimeMs: number }> {
  const out: Array<{ path: string; size: number; inode: number; mtimeMs: number }> = [];
  const walk = (dir: string, prefix: string): void => {
    const unchanged = untouched !== undefined && lstatSync(dir).mtimeMs === untouched.mtimeMs;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(dir, entry.name), rel);
      else if (entry.isFile()) {
        const known = unchanged ? untouched.known.get(rel) : undefined;
        if (known) {
          out.push({ path: rel, size: known.size, inode: known.inode, mtimeMs: Number.NaN });
          continue;
        }
        const stat = lstatSync(join(dir, entry.name));
        out.push({ path: rel, size: stat.size, inode: stat.ino, mtimeMs: stat.mtimeMs });
      }
    }
  };
  walk(root, '');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
  const out: FileDigest[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [path, size, inode, sha256] = line.split('\t');
    if (path === undefined || size === undefined || inode === undefined || sha256 === undefined || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new VaultError(`the digest record ${file} has a malformed line`, { code: 'VAULT_DIGESTS_DAMAGED' });
    }
    out.push({ path, size: Number(size), inode: Number(inode), sha256 });
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
): { files: number; bytes: number; newBytes: number } {
  const byInode = new Map<number, KnownDigest>();
  for (const digest of previous ?? []) byInode.set(digest.inode, digest);
  const lines: string[] = [];
  let bytes = 0;
  let newBytes = 0;
  const files = walkFiles(
    deviceDir,
    untouchedDirMtimeMs !== undefined && previous ? { mtimeMs: untouchedDirMtimeMs, known: new Map(previous.map((d) => [d.path, d])) } : undefined,
  );
  for (const file of files) {
    const written = fresh?.get(file.inode);
    const copy = copied?.get(file.inode);
    const carried = copied ? (copy && copy.mtimeMs === file.mtimeMs ? copy.digest : undefined) : byInode.get(file.inode);
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
  const record = gzipSync(Buffer.from(lines.join(''), 'utf8'), { level: 1 });
  if (process.env['LIFEBOAT_TEST_CRASH_AT'] === 'commit:digests-half-written') {
    writeFileSync(temp, record.subarray(0, record.length >> 1));
    crashPoint('commit:digests-half-written');
  }
  writeFileSync(temp, record);
  renameSync(temp, target);
  return { files: files.length, bytes, newBytes };
}
