/**
 * The file operations a device asks of the host during a mobilebackup2 operation (other than
 * uploads, see upload-receiver.ts), each confined to the backup folder by BackupRoot. Every
 * operation creates new inodes or renames/unlinks; none edits a file in place (hard-linked snapshots).
 */
import { closeSync, constants, copyFileSync, cpSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PlistDict } from '../plist/index.js';
import { DlStatus, statusForErrno } from '../protocol/devicelink/messages.js';
import type { DeviceLinkChannel } from '../protocol/devicelink/link.js';
import { DOWNLOAD_BLOCK, encodeBlock, encodeName, END_OF_FILE, END_OF_STREAM, FileCode } from '../protocol/services/mobilebackup2/file-stream.js';
import { UnsafePathError, type BackupRoot } from './safe-path.js';

export interface OpResult {
  readonly code: number;
  readonly description: string | undefined;
}

const OK: OpResult = { code: 0, description: undefined };

function errnoResult(error: unknown, what: string): OpResult {
  if (error instanceof UnsafePathError) return { code: DlStatus.UNKNOWN, description: error.message };
  const e = error as NodeJS.ErrnoException;
  return { code: statusForErrno(e.code), description: `${what}: ${e.code ?? e.message}` };
}

/** DLMessageDownloadFiles: streams the requested files to the device; per-file errors go in a multi-status dict. */
export async function sendFiles(channel: DeviceLinkChannel, root: BackupRoot, paths: readonly string[]): Promise<{ errors: PlistDict; bytes: number }> {
  const errors: PlistDict = {};
  let bytes = 0;
  for (const devicePath of paths) {
    await channel.write(encodeName(devicePath));
    let fd: number | undefined;
    try {
      const absolute = root.resolve(devicePath);
      root.assertNoSymlinkedParents(devicePath);
      fd = openSync(absolute, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
      if (!fstatSync(fd).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
      const buffer = Buffer.allocUnsafe(DOWNLOAD_BLOCK);
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, null);
        if (n === 0) break;
        await channel.write(encodeBlock(FileCode.FILE_DATA, buffer.subarray(0, n)));
        bytes += n;
      }
      await channel.write(END_OF_FILE);
    } catch (error) {
      const result = errnoResult(error, devicePath);
      const text = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : result.description ?? 'error';
      await channel.write(encodeBlock(FileCode.ERROR_LOCAL, Buffer.from(text, 'utf8')));
      errors[devicePath] = { DLFileErrorCode: BigInt(result.code), DLFileErrorString: text };
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  await channel.write(END_OF_STREAM);
  return { errors, bytes };
}

export function freeDiskSpace(root: BackupRoot): { code: number; free: number } {
  try {
    const stats = statfsSync(root.root);
    return { code: 0, free: stats.bavail * stats.bsize };
  } catch {
    return { code: DlStatus.UNKNOWN, free: 0 };
  }
}

export function contentsOfDirectory(root: BackupRoot, devicePath: string): { result: OpResult; listing: PlistDict } {
  const listing: PlistDict = {};
  try {
    const absolute = root.resolve(devicePath);
    // The folder itself must not be a symlink either: listing its target would show the phone what
    // lies outside the backup folder.
    root.assertNoSymlinks(devicePath);
    for (const name of readdirSync(absolute)) {
      const stat = lstatSync(join(absolute, name));
      listing[name] = {
        DLFileType: stat.isDirectory() ? 'DLFileTypeDirectory' : stat.isFile() ? 'DLFileTypeRegular' : 'DLFileTypeUnknown',
        DLFileSize: stat.size,
        DLFileModificationDate: stat.mtime,
      };
    }
    return { result: OK, listing };
  } catch (error) {
    return { result: errnoResult(error, devicePath), listing };
  }
}

export function createDirectory(root: BackupRoot, devicePath: string): OpResult {
  try {
    const absolute = root.resolve(devicePath);
    root.assertNoSymlinkedParents(devicePath);
    mkdirSync(absolute, { recursive: true, mode: 0o755 });
    return OK;
  } catch (error) {
    return errnoResult(error, devicePath);
  }
}

/** Move: the destination is replaced (removed first), then the source renamed onto it. */
export function moveItems(root: BackupRoot, moves: ReadonlyArray<readonly [string, string]>): OpResult {
  let first: OpResult = OK;
  for (const [from, to] of moves) {
    try {
      const source = root.resolve(from);
      const target = root.resolve(to);
      root.assertNoSymlinkedParents(from);
      root.assertNoSymlinkedParents(to);
      rmSync(target, { recursive: true, force: true });
      mkdirSync(dirname(target), { recursive: true });
      renameSync(source, target);
    } catch (error) {
      if (first.code === 0) first = errnoResult(error, `${from} → ${to}`);
    }
  }
  root.forget();
  return first;
}

/** Remove (recursively); a path that is already gone is not an error. */
export function removeItems(root: BackupRoot, paths: readonly string[]): OpResult {
  let first: OpResult = OK;
  for (const devicePath of paths) {
    try {
      const absolute = root.resolve(devicePath);
      root.assertNoSymlinkedParents(devicePath);
      rmSync(absolute, { recursive: true, force: true });
    } catch (error) {
      if (first.code === 0) first = errnoResult(error, devicePath);
    }
  }
  root.forget();
  return first;
}

/**
 * Copy into new inodes (never a hard link: the copy may later be changed independently). Symlinks
 * found inside a copied folder are left out — a backup folder has none, and a copied one could stand
 * where a directory was already checked (hence forget()) and lead a later write outside the folder.
 */
export function copyItem(root: BackupRoot, from: string, to: string): OpResult {
  try {
    const source = root.resolve(from);
    const target = root.resolve(to);
    root.assertNoSymlinkedParents(from);
    root.assertNoSymlinkedParents(to);
    const stat = lstatSync(source);
    if (!stat.isDirectory() && !stat.isFile()) return { code: DlStatus.UNKNOWN, description: `${from}: not a file or directory` };
    rmSync(target, { recursive: true, force: true });
    mkdirSync(dirname(target), { recursive: true });
    if (stat.isDirectory()) cpSync(source, target, { recursive: true, errorOnExist: true, filter: (path) => !lstatSync(path).isSymbolicLink() });
    else copyFileSync(source, target, constants.COPYFILE_EXCL);
    return OK;
  } catch (error) {
    return errnoResult(error, `${from} → ${to}`);
  } finally {
    root.forget();
  }
}
