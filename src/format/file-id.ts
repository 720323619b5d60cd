/**
 * File identifiers of a Manifest.db-era backup.
 *
 * Nouns: a *domain* names a root on the device (HomeDomain, AppDomain-<bundle id>, …); the
 * *relativePath* is the file's path below that root ("" for the domain's root directory). The *fileID*
 * is the lowercase hex SHA-1 of the UTF-8 bytes of `domain + "-" + relativePath`, and the blob of a
 * regular file lives at `<fileID[0:2]>/<fileID>` — its *shard path* — inside the backup folder.
 *
 * The fileID column of Manifest.db is attacker-controlled input once a backup has left the device, so
 * nothing may join it into a path before isFileId() has accepted it; shardPath() enforces that.
 */
import crypto, { createHash } from 'node:crypto';
import { FORMAT_CODES, FormatError } from './errors.js';

const FILE_ID = /^[0-9a-f]{40}$/;

/** The fileID of `relativePath` in `domain`. The strings are hashed exactly as given (no normalisation). */
export function fileIdOf(domain: string, relativePath: string): string {
  const text = `${domain}-${relativePath}`;
  // Performance: the one-shot crypto.hash (Node ≥ 20.12) is about twice as fast as a Hash object, and
  // a backup computes a fileID for every file (twice on the phone's side). Same SHA-1 of the UTF-8.
  return oneShotHash ? oneShotHash('sha1', text, 'hex') : createHash('sha1').update(text, 'utf8').digest('hex');
}

const oneShotHash = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** True only for exactly 40 lowercase hex characters — the sole shape a safe path component can have. */
export function isFileId(value: unknown): value is string {
  return typeof value === 'string' && FILE_ID.test(value);
}

/** Returns `value` when it is a fileID, otherwise throws FORMAT_BAD_FILE_ID (the message quotes it safely). */
export function assertFileId(value: unknown, where = 'fileID'): string {
  if (isFileId(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value) : typeof value;
  throw new FormatError(FORMAT_CODES.BAD_FILE_ID, `${where} ${shown} is not 40 lowercase hex characters`, {
    hint: 'The backup was altered or is corrupt; a fileID is never used to build a path unless it is a SHA-1 hex string.',
  });
}

/** `ab/abcdef…`: the blob's location relative to the backup folder, always with `/` separators. */
export function shardPath(fileId: string): string {
  const id = assertFileId(fileId);
  return `${id.slice(0, 2)}/${id}`;
}
