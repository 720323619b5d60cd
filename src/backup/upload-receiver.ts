/**
 * Receiving DLMessageUploadFiles: the device streams files to the host. Each file is written to a
 * NEW inode at its place in the backup folder (the old name is unlinked first and the file created
 * with O_EXCL), never into an existing one — the folder is a hard-linked copy of the previous
 * snapshot, and writing into a shared inode would change that snapshot too. A path the device must
 * not use is refused but its data is still read (and dropped), so the stream stays in step.
 */
import { closeSync, constants, mkdirSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { FileCode, readBlockHeader, readName } from '../protocol/services/mobilebackup2/file-stream.js';
import type { ReadOptions, StreamReader } from '../protocol/wire/stream-reader.js';
import { statusForErrno } from '../protocol/devicelink/messages.js';
import type { BackupRoot } from './safe-path.js';
import { UnsafePathError } from './safe-path.js';

export interface UploadOutcome {
  readonly files: number;
  readonly bytes: number;
  /** First error to report in the status response (0 when everything was written). */
  readonly errorCode: number;
  readonly errorDescription: string | undefined;
  /** Remote errors the device reported for individual files. */
  readonly remoteErrors: string[];
  /** Host paths of files written (the engine fsyncs them before the snapshot is committed). */
  readonly written: string[];
}

export interface UploadProgress {
  (deltaFiles: number, deltaBytes: number): void;
}

const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

export async function receiveUploads(
  reader: StreamReader,
  root: BackupRoot,
  onProgress: UploadProgress,
  readOptions: ReadOptions,
): Promise<UploadOutcome> {
  let files = 0;
  let bytes = 0;
  let errorCode = 0;
  let errorDescription: string | undefined;
  const remoteErrors: string[] = [];
  const written: string[] = [];
  const fail = (code: number, description: string): void => {
    if (errorCode === 0) {
      errorCode = code;
      errorDescription = description;
    }
  };

  for (;;) {
    const deviceName = await readName(reader, readOptions);
    if (deviceName === undefined) break;
    const backupPath = await readName(reader, readOptions);
    if (backupPath === undefined) break;

    let target: string | undefined;
    let fd: number | undefined;
    try {
      target = root.resolve(backupPath);
      root.assertNoSymlinkedParents(backupPath);
    } catch (error) {
      if (!(error instanceof UnsafePathError)) throw error;
      fail(-1, error.message);
      target = undefined;
    }

    let header = await readBlockHeader(reader, readOptions);
    let sawData = false;
    let fileBytes = 0;
    try {
      if (target) fd = openForNewInode(target);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      fail(statusForErrno(e.code), `cannot write ${backupPath}: ${e.code ?? e.message}`);
      fd = undefined;
    }
    try {
      while (header && header.code === FileCode.FILE_DATA) {
        const payload = await reader.readExact(header.payloadLength, { ...readOptions, what: 'file data' });
        sawData = true;
        if (fd !== undefined) {
          try {
            writeAll(fd, payload);
          } catch (error) {
            const e = error as NodeJS.ErrnoException;
            fail(statusForErrno(e.code), `cannot write ${backupPath}: ${e.code ?? e.message}`);
            closeSync(fd);
            fd = undefined;
            if (target) safeUnlink(target);
          }
        }
        fileBytes += payload.length;
        onProgress(0, payload.length);
        header = await readBlockHeader(reader, readOptions);
      }
      if (header && header.code === FileCode.ERROR_REMOTE) {
        const message = (await reader.readExact(header.payloadLength, { ...readOptions, what: 'remote error' })).toString('utf8');
        // After data, 0x0B only marks the end of the file (libimobiledevice treats it so); before
        // any data it is a real error for this file, which is then not kept.
        if (!sawData) {
          remoteErrors.push(`${backupPath}: ${message}`);
          if (fd !== undefined) {
            closeSync(fd);
            fd = undefined;
            if (target) safeUnlink(target);
          }
        }
      } else if (header && header.code !== FileCode.SUCCESS) {
        // An unknown code: skip its payload so the stream stays in step, and drop the file.
        await reader.readExact(header.payloadLength, { ...readOptions, what: 'block payload' });
        fail(-1, `unexpected block code 0x${header.code.toString(16)} for ${backupPath}`);
        if (fd !== undefined) {
          closeSync(fd);
          fd = undefined;
          if (target) safeUnlink(target);
        }
      }
    } finally {
      if (fd !== undefined) {
        closeSync(fd);
        if (target) written.push(target);
        files++;
        bytes += fileBytes;
        onProgress(1, 0);
      }
    }
    if (!header) break; // a zero length instead of a block header ends the stream
  }
  return { files, bytes, errorCode, errorDescription, remoteErrors, written };
}

function openForNewInode(target: string): number {
  safeUnlink(target);
  try {
    return openSync(target, WRITE_FLAGS, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(target), { recursive: true });
    return openSync(target, WRITE_FLAGS, 0o644);
  }
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw error;
  }
}
