/**
 * Names and paths from the backup, made safe to create under an output root.
 *
 * Nouns: the *output root* is the folder an export or extract writes into; a *safe name* is one path
 * segment that cannot climb out of its parent, hide (leading dot), collide with a device or reserved
 * Windows name, or carry control characters. The backup is untrusted (any tool or person could have
 * written it), so every name taken from it goes through safeName() or safeSegments() before it is
 * joined to a path, and writers create files with O_EXCL so an existing file or symlink is never
 * followed or overwritten.
 */
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ContentError } from '../errors.js';

/** UTF-8 bytes of one name we create (ext4, APFS and NTFS all allow 255; keep room for suffixes). */
const MAX_NAME_BYTES = 200;
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/**
 * One path segment derived from untrusted text: separators, control characters and characters Windows
 * forbids become "_", leading dots and trailing dots/spaces are dropped, the result is cut to
 * MAX_NAME_BYTES (keeping a short extension) and never empty, "." or "..".
 */
export function safeName(text: string, fallback = 'unnamed'): string {
  // eslint-disable-next-line no-control-regex
  let name = text.normalize('NFC').replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_').replace(/[\u202a-\u202e\u2066-\u2069]/g, '');
  name = name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (name === '' || RESERVED.test(name)) name = name === '' ? fallback : `_${name}`;
  return truncateName(name);
}

function truncateName(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 12 ? name.slice(dot) : '';
  let stem = name.slice(0, name.length - ext.length);
  while (Buffer.byteLength(stem + ext, 'utf8') > MAX_NAME_BYTES) stem = [...stem].slice(0, -1).join('');
  return stem + ext;
}

/**
 * The segments of a device relative path, refusing (not repairing) anything that could climb or jump:
 * absolute paths, "." and ".." segments, empty segments, NUL and backslashes. Extract uses this: a
 * file whose name was rewritten would be a different file, so hostile names are reported, not renamed.
 */
export function safeSegments(relativePath: string): string[] {
  if (relativePath === '') return [];
  const refuse = (why: string): ContentError => new ContentError('CONTENT_UNSAFE_PATH', `refused ${JSON.stringify(relativePath.slice(0, 200))}: ${why}`);
  if (relativePath.startsWith('/') || isAbsolute(relativePath)) throw refuse('it is an absolute path');
  if (relativePath.includes('\0')) throw refuse('it contains a NUL byte');
  if (relativePath.includes('\\')) throw refuse('it contains a backslash');
  const segments = relativePath.split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') throw refuse(`it contains a ${JSON.stringify(s)} segment`);
    if (Buffer.byteLength(s, 'utf8') > 255) throw refuse('a name is longer than 255 bytes');
  }
  return segments;
}

/** `root` joined with `segments`, checked to stay inside `root` (defence in depth after safeSegments). */
export function inside(root: string, segments: readonly string[]): string {
  const path = join(root, ...segments);
  const rel = relative(root, path);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new ContentError('CONTENT_UNSAFE_PATH', `refused ${JSON.stringify(segments.join('/'))}: it leaves the output folder`);
  return path;
}

/**
 * Creates the directories `segments` under `root` one by one, refusing any component that exists as
 * a symlink or non-directory — so a link planted in the output folder cannot redirect writes.
 */
export async function mkdirInside(root: string, segments: readonly string[]): Promise<string> {
  let at = root;
  for (const s of segments) {
    at = inside(at, [s]);
    const st = await lstat(at).catch(() => undefined);
    if (st === undefined) await mkdir(at).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
    else if (!st.isDirectory()) throw new ContentError('CONTENT_UNSAFE_PATH', `refused to write under ${at}: it exists and is not a plain directory`);
  }
  return at;
}

/** Makes `dir` (and parents) unless it exists; refuses a non-empty folder so nothing is overwritten. */
export async function prepareOutputRoot(dir: string): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (st === undefined) {
    await mkdir(dir, { recursive: true });
    return;
  }
  if (!st.isDirectory()) throw new ContentError('CONTENT_OUTPUT_EXISTS', `${dir} exists and is not a folder`);
  if ((await readdir(dir)).length > 0) throw new ContentError('CONTENT_OUTPUT_EXISTS', `${dir} is not empty`, { hint: 'Give a new or empty folder: exports never overwrite files.' });
}

/** A name unique within one folder: "a.jpg", then "a (2).jpg", "a (3).jpg", … */
export class UniqueNames {
  private readonly used = new Set<string>();

  take(name: string): string {
    let candidate = name;
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let n = 2; this.used.has(candidate.toLowerCase()); n++) candidate = `${stem} (${n})${ext}`;
    this.used.add(candidate.toLowerCase());
    return candidate;
  }
}
