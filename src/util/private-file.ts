/**
 * Writing a file that may hold secrets (pair records with private keys, repository passwords, the
 * config, the virtual iPhone's keys) so that a crash or a full disk never leaves half of it behind and
 * nobody else can read it: a temporary file created 0600 beside the target, written, fsynced, renamed
 * over the target, then the folder fsynced so the rename itself survives a power cut.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fstatSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Folders this creates on the way to the file are private too. */
const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/** Replaces `path` with `data` all at once: readers see the old file or the new one, never a mix. */
export function writePrivateFileAtomically(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  // A name no other writer (another process, or this one after a crash left a file behind) can hold;
  // 'wx' refuses to reuse an existing file, whose mode might be looser than ours.
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', PRIVATE_FILE_MODE);
  try {
    try {
      if ((fstatSync(fd).mode & 0o777) !== PRIVATE_FILE_MODE) setPrivateMode(fd);
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  fsyncDirectory(dirname(path));
}

/**
 * Exactly 0600 whatever the umask, which can only take bits away (0277 would leave the file unwritable).
 * A file system without Unix modes (exFAT, FAT32: modes come from mount options) refuses any chmod;
 * there the file is as private as that file system can make it, which is all an owner can ask of it.
 */
function setPrivateMode(fd: number): void {
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
  }
}

/** Makes a rename (or creation, removal) inside `dir` durable: its entry list is flushed to disk. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
