/**
 * Turning a path the device sends into a path on this computer — the one place where the device's
 * words touch our file system, so it is strict. A device path is relative to the backup folder, uses
 * '/' separators and starts with one of the allowed top-level folders (the device's UDID). Refused:
 * empty or overlong paths, absolute paths, '.', '..', empty segments, NUL and other control
 * characters, backslashes, segments over 255 bytes. Symlinks are never followed: a directory on the
 * way that is a symlink (someone planted one) makes the path invalid.
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

export class BackupRoot {
  /** Directories already proven to be real directories (not symlinks) inside the root. */
  private readonly verified = new Set<string>();

  constructor(
    readonly root: string,
    private readonly allowedTops: readonly string[],
  ) {}

  /** Validates a device path and returns its absolute location; throws UnsafePathError. */
  resolve(devicePath: string): string {
    const segments = this.segments(devicePath);
    return join(this.root, ...segments);
  }

  segments(devicePath: string): string[] {
    if (typeof devicePath !== 'string' || devicePath.length === 0) throw new UnsafePathError(String(devicePath), 'empty path');
    if (Buffer.byteLength(devicePath) > MAX_DEVICE_PATH) throw new UnsafePathError(devicePath, `longer than ${MAX_DEVICE_PATH} bytes`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(devicePath)) throw new UnsafePathError(devicePath, 'contains control characters');
    if (devicePath.includes('\\')) throw new UnsafePathError(devicePath, 'contains a backslash');
    if (devicePath.startsWith('/')) throw new UnsafePathError(devicePath, 'is absolute');
    const trimmed = devicePath.endsWith('/') ? devicePath.slice(0, -1) : devicePath;
    const segments = trimmed.split('/');
    for (const segment of segments) {
      if (segment === '' || segment === '.' || segment === '..') throw new UnsafePathError(devicePath, `has a "${segment}" segment`);
      if (Buffer.byteLength(segment) > MAX_SEGMENT) throw new UnsafePathError(devicePath, `has a name longer than ${MAX_SEGMENT} bytes`);
    }
    if (!this.allowedTops.includes(segments[0] as string)) {
      throw new UnsafePathError(devicePath, `is outside the device's folder (${this.allowedTops.join(', ')})`);
    }
    return segments;
  }

  /**
   * Checks that every existing directory on the way to `absolute` is a real directory, so an
   * operation on it cannot be redirected outside the root through a symlink.
   */
  assertNoSymlinkedParents(devicePath: string): void {
    const segments = this.segments(devicePath);
    let current = this.root;
    for (const segment of segments.slice(0, -1)) {
      current = join(current, segment);
      if (this.verified.has(current)) continue;
      let stat;
      try {
        stat = lstatSync(current);
      } catch {
        return; // does not exist yet: nothing can redirect through it
      }
      if (stat.isSymbolicLink()) throw new UnsafePathError(devicePath, 'goes through a symbolic link');
      if (!stat.isDirectory()) throw new UnsafePathError(devicePath, 'goes through a file');
      this.verified.add(current);
    }
  }

  /** Forget verified directories (after removals, a path may be re-created as something else). */
  forget(): void {
    this.verified.clear();
  }
}
