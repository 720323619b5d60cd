/**
 * Turning a path the device sends into a path on this computer — the one place where the device's
 * words touch our file system, so it is strict. A device path is relative to the backup folder, uses
 * '/' separators and starts with one of the allowed top-level folders (the device's UDID). Refused:
 * empty or overlong paths, absolute paths, '.', '..', empty segments, NUL and other control
 * characters, backslashes, segments over 255 bytes. Symlinks are never followed: a directory on the
 * way that is a symlink (someone planted one) makes the path invalid. Every refusal is remembered
 * (`refusals`) so the backup can report that the phone misbehaved.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { LifeboatError } from '../util/errors.js';

export class UnsafePathError extends LifeboatError {
  constructor(readonly devicePath: string, reason: string) {
    super(`the iPhone sent an unsafe path ${JSON.stringify(devicePath.slice(0, 200))}: ${reason}`, { code: 'BACKUP_UNSAFE_PATH' });
  }
}

export const MAX_DEVICE_PATH = 4096;
const MAX_SEGMENT = 255;
/** Refusals kept for the report; a hostile phone can send millions. */
const MAX_REFUSALS_KEPT = 20;

export class BackupRoot {
  /** Directories already proven to be real directories (not symlinks) inside the root. */
  private readonly verified = new Set<string>();
  /** `root` with one trailing separator: validated segments are appended to it as they are. */
  private readonly prefix: string;
  /** The first refused paths (messages of the UnsafePathErrors), for warnings. */
  readonly refusals: string[] = [];
  refusalCount = 0;

  constructor(
    readonly root: string,
    private readonly allowedTops: readonly string[],
  ) {
    this.prefix = join(root, '/');
  }

  /**
   * Validates a device path and returns its absolute location; throws UnsafePathError. Validated
   * segments hold no separators, '.', '..' or empty names, so plain concatenation is what join() would
   * give — without join's normalisation, which was the host's largest allocation on small files.
   */
  resolve(devicePath: string): string {
    return this.prefix + this.segments(devicePath).join('/');
  }

  /** resolve() and assertNoSymlinkedParents() with one validation (the upload hot path). */
  resolveForWrite(devicePath: string): string {
    const segments = this.segments(devicePath);
    const absolute = this.prefix + segments.join('/');
    // Parents are verified from the top down, so a verified parent means verified ancestors too.
    const parent = absolute.slice(0, absolute.lastIndexOf('/'));
    if (segments.length > 1 && !this.verified.has(parent)) this.checkParents(devicePath, segments);
    return absolute;
  }

  segments(devicePath: string): string[] {
    if (typeof devicePath !== 'string' || devicePath.length === 0) throw this.refuse(String(devicePath), 'empty path');
    if (Buffer.byteLength(devicePath) > MAX_DEVICE_PATH) throw this.refuse(devicePath, `longer than ${MAX_DEVICE_PATH} bytes`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(devicePath)) throw this.refuse(devicePath, 'contains control characters');
    if (devicePath.includes('\\')) throw this.refuse(devicePath, 'contains a backslash');
    if (devicePath.startsWith('/')) throw this.refuse(devicePath, 'is absolute');
    const trimmed = devicePath.endsWith('/') ? devicePath.slice(0, -1) : devicePath;
    const segments = trimmed.split('/');
    for (const segment of segments) {
      if (segment === '' || segment === '.' || segment === '..') throw this.refuse(devicePath, `has a "${segment}" segment`);
      // A UTF-16 unit is at most 3 UTF-8 bytes: only long names need counting.
      if (segment.length > MAX_SEGMENT / 3 && Buffer.byteLength(segment) > MAX_SEGMENT) throw this.refuse(devicePath, `has a name longer than ${MAX_SEGMENT} bytes`);
    }
    if (!this.allowedTops.includes(segments[0] as string)) {
      throw this.refuse(devicePath, `is outside the device's folder (${this.allowedTops.join(', ')})`);
    }
    return segments;
  }

  /**
   * Checks that every existing directory on the way to `absolute` is a real directory, so an
   * operation on it cannot be redirected outside the root through a symlink.
   */
  assertNoSymlinkedParents(devicePath: string): void {
    this.checkParents(devicePath, this.segments(devicePath));
  }

  private checkParents(devicePath: string, segments: readonly string[]): void {
    let current = this.prefix.slice(0, -1);
    for (let i = 0; i < segments.length - 1; i++) {
      current = `${current}/${segments[i] as string}`;
      if (this.verified.has(current)) continue;
      let stat;
      try {
        stat = lstatSync(current);
      } catch {
        return; // does not exist yet: nothing can redirect through it
      }
      if (stat.isSymbolicLink()) throw this.refuse(devicePath, 'goes through a symbolic link');
      if (!stat.isDirectory()) throw this.refuse(devicePath, 'goes through a file');
      this.verified.add(current);
    }
  }

  /** Like assertNoSymlinkedParents, and the path itself must not be a symlink either (for listings). */
  assertNoSymlinks(devicePath: string): void {
    this.assertNoSymlinkedParents(devicePath);
    let stat;
    try {
      stat = lstatSync(this.resolve(devicePath));
    } catch {
      return;
    }
    if (stat.isSymbolicLink()) throw this.refuse(devicePath, 'is a symbolic link');
  }

  private refuse(devicePath: string, reason: string): UnsafePathError {
    const error = new UnsafePathError(devicePath, reason);
    this.refusalCount++;
    if (this.refusals.length < MAX_REFUSALS_KEPT) this.refusals.push(error.message);
    return error;
  }

  /** Forget verified directories (after removals, a path may be re-created as something else). */
  forget(): void {
    this.verified.clear();
  }
}
