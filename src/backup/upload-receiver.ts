/**
 * Receiving DLMessageUploadFiles: the device streams files to the host. Each file is written to a
 * NEW inode at its place in the backup folder (created with O_EXCL; a name that exists — a hard link
 * into the previous snapshot — is unlinked and the create retried), never into an existing one: the
 * folder is a hard-linked copy of the previous snapshot, and writing into a shared inode would change
 * that snapshot too. A path the device must not use is refused but its data is still read (and
 * dropped), so the stream stays in step.
 *
 * Performance (measured on 100,000 small files, where per-file costs dominate):
 * - a file's data is collected (as views of the received chunks, no copy) and written with one write
 *   when the file is complete — before, every 32 KiB block was a write of its own, and a block that
 *   straddled two TLS records was first joined into a fresh Buffer;
 * - the create is tried first and the unlink only done when the name exists (a full backup never needs
 *   it): an unlink of a missing name still costs the kernel a path walk, 30–40 µs here;
 * - files larger than WRITE_BATCH_BYTES are written as they arrive, a writev per WRITE_BATCH_BYTES;
 * - the stream is parsed synchronously while its bytes are buffered (readNameNow & co.), awaiting only
 *   when they have not arrived: a promise per field was most of the host's garbage on small files;
 * - each file's sha256 is computed from the bytes as they arrive and handed to `onStored` with the
 *   new file's inode, so the snapshot's digest record (src/vault/digests.ts) need not read every new
 *   file back from disk at commit — which cost as much as writing it.
 * The syscalls stay synchronous: writing on the thread pool was measured too, and cost more CPU
 * (thread hand-offs, directory-lock contention) than it saved on a two-core machine.
 */
import { createHash, hash as hashOnce, type Hash } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import { dirname } from 'node:path';
import { FileCode, NOT_BUFFERED, readBlockHeader, readBlockHeaderNow, readName, readNameNow } from '../protocol/services/mobilebackup2/file-stream.js';
import type { ReadOptions, StreamReader } from '../protocol/wire/stream-reader.js';
import { statusForErrno } from '../protocol/devicelink/messages.js';
import { EARLY_WRITEBACK_BYTES, type EarlyWriteback } from './early-writeback.js';
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
}

export interface UploadProgress {
  (deltaFiles: number, deltaBytes: number): void;
}

/** A file stored: its new inode, size and sha256 (hex), for the snapshot's digest record. */
export type StoredFileListener = (inode: number, size: number, sha256: string) => void;

export interface UploadHooks {
  readonly onStored?: StoredFileListener;
  /** Every backup path the device names, before it is checked (see LoopOptions.changedPaths). */
  readonly onPath?: (backupPath: string) => void;
  readonly writeback?: EarlyWriteback;
}

const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
/** Data of one file held before it is written: a small file is written once, whole. */
const WRITE_BATCH_BYTES = 1024 * 1024;
/** writev takes at most IOV_MAX (1024 on Linux) buffers per call. */
const MAX_IOV = 1024;

export async function receiveUploads(
  reader: StreamReader,
  root: BackupRoot,
  onProgress: UploadProgress,
  readOptions: ReadOptions,
  hooks: UploadHooks = {},
): Promise<UploadOutcome> {
  const { onStored, onPath, writeback } = hooks;
  let files = 0;
  let bytes = 0;
  let errorCode = 0;
  let errorDescription: string | undefined;
  const remoteErrors: string[] = [];
  const dataOptions = { ...readOptions, what: 'file data' };
  const fail = (code: number, description: string): void => {
    if (errorCode === 0) {
      errorCode = code;
      errorDescription = description;
    }
  };

  for (;;) {
    let deviceName = readNameNow(reader);
    if (deviceName === NOT_BUFFERED) deviceName = await readName(reader, readOptions);
    if (deviceName === undefined) break;
    let backupPath = readNameNow(reader);
    if (backupPath === NOT_BUFFERED) backupPath = await readName(reader, readOptions);
    if (backupPath === undefined) break;
    onPath?.(backupPath);

    let target: string | undefined;
    try {
      target = root.resolveForWrite(backupPath);
    } catch (error) {
      if (!(error instanceof UnsafePathError)) throw error;
      fail(-1, error.message);
      target = undefined;
    }
    const file = target ? new IncomingFile(target, backupPath, fail, onStored !== undefined) : undefined;

    let header = readBlockHeaderNow(reader);
    if (header === NOT_BUFFERED) header = await readBlockHeader(reader, readOptions);
    let sawData = false;
    let fileBytes = 0;
    while (header && header.code === FileCode.FILE_DATA) {
      const length = header.payloadLength;
      const chunks = reader.available >= length ? reader.takeChunksNow(length) : await reader.readChunks(length, dataOptions);
      sawData = true;
      file?.data(chunks, length);
      fileBytes += length;
      onProgress(0, length);
      header = readBlockHeaderNow(reader);
      if (header === NOT_BUFFERED) header = await readBlockHeader(reader, readOptions);
    }
    let keep = true;
    if (header && header.code === FileCode.ERROR_REMOTE) {
      const message = (await reader.readExact(header.payloadLength, { ...readOptions, what: 'remote error' })).toString('utf8');
      // After data, 0x0B only marks the end of the file (libimobiledevice treats it so); before
      // any data it is a real error for this file, which is then not kept.
      if (!sawData) {
        remoteErrors.push(`${backupPath}: ${message}`);
        keep = false;
      }
    } else if (header && header.code !== FileCode.SUCCESS) {
      // An unknown code: skip its payload so the stream stays in step, and drop the file.
      await reader.skip(header.payloadLength, { ...readOptions, what: 'block payload' });
      fail(-1, `unexpected block code 0x${header.code.toString(16)} for ${backupPath}`);
      keep = false;
    }
    if (file && target) {
      if (!keep) file.discard();
      else if (file.finish(onStored, writeback)) {
        files++;
        bytes += fileBytes;
        onProgress(1, 0);
      }
      if (writeback?.full) await writeback.room();
    }
    if (!header) break; // a zero length instead of a block header ends the stream
  }
  return { files, bytes, errorCode, errorDescription, remoteErrors };
}

/**
 * One file being received: its data waits (as chunk views) until the file ends or WRITE_BATCH_BYTES
 * have arrived; the file is created at the first write. After an error the rest of its data is dropped.
 */
class IncomingFile {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private fd: number | undefined;
  private failed = false;
  private size = 0;
  /** Incremental sha256, only for files written in several batches. */
  private hash: Hash | undefined;
  private sha256: string | undefined;

  constructor(
    private readonly target: string,
    private readonly backupPath: string,
    private readonly fail: (code: number, description: string) => void,
    private readonly withDigest: boolean,
  ) {}

  data(chunks: Buffer[], length: number): void {
    if (this.failed) return;
    for (const chunk of chunks) this.pending.push(chunk);
    this.pendingBytes += length;
    this.size += length;
    if (this.pendingBytes >= WRITE_BATCH_BYTES) this.flush(false);
  }

  /** Writes what is left and closes the file; false when it could not be stored. */
  finish(onStored?: StoredFileListener, writeback?: EarlyWriteback): boolean {
    if (!this.failed) this.flush(true);
    if (this.fd === undefined) return false;
    const fd = this.fd;
    this.fd = undefined;
    let inode: number | undefined;
    try {
      // The inode identifies the file wherever the phone moves it later (Snapshot/… → its shard).
      if (onStored && !this.failed) inode = fstatSync(fd).ino;
    } catch {
      inode = undefined; // no digest now: the commit hashes the file instead
    }
    if (writeback && !this.failed && this.size >= EARLY_WRITEBACK_BYTES) {
      // Flushed and closed in the background; a failure there fails the backup (see EarlyWriteback).
      writeback.hand(fd, this.backupPath);
      if (onStored && this.sha256 !== undefined && inode !== undefined) onStored(inode, this.size, this.sha256);
      return true;
    }
    try {
      closeSync(fd);
    } catch (error) {
      this.ioFailed(error);
      this.removeQuietly();
      return false;
    }
    if (this.failed) {
      this.removeQuietly();
      return false;
    }
    if (onStored && this.sha256 !== undefined && inode !== undefined) onStored(inode, this.size, this.sha256);
    return true;
  }

  /** The file is not kept: the name ends up absent (as after an unlink), whatever was there before. */
  discard(): void {
    this.pending = [];
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // removed below anyway
      }
      this.fd = undefined;
    }
    try {
      unlinkIfPresent(this.target);
    } catch (error) {
      this.ioFailed(error);
    }
  }

  private flush(last: boolean): void {
    const chunks = this.pending;
    const length = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    // A file written at once (nearly all of them) is hashed in one call — createHash() per file cost
    // more than hashing a small file's bytes; a larger one is hashed batch by batch.
    const whole = last && this.hash === undefined ? (chunks.length === 1 ? (chunks[0] as Buffer) : length <= WRITE_BATCH_BYTES ? joined(chunks, length) : undefined) : undefined;
    if (this.withDigest) {
      if (whole) this.sha256 = hashOnce('sha256', whole, 'hex');
      else {
        this.hash ??= createHash('sha256');
        for (const chunk of chunks) this.hash.update(chunk);
        if (last) this.sha256 = this.hash.digest('hex');
      }
    }
    try {
      this.fd ??= createNew(this.target);
      if (length === 0) return;
      const fd = this.fd;
      if (whole) writeAll(fd, whole);
      else writevAll(fd, chunks);
    } catch (error) {
      this.ioFailed(error);
      this.failed = true;
      if (this.fd !== undefined) {
        try {
          closeSync(this.fd);
        } catch {
          // the file is removed below
        }
        this.fd = undefined;
        this.removeQuietly();
      }
    }
  }

  private ioFailed(error: unknown): void {
    const e = error as NodeJS.ErrnoException;
    this.fail(statusForErrno(e.code), `cannot write ${this.backupPath}: ${e.code ?? e.message}`);
  }

  private removeQuietly(): void {
    try {
      unlinkIfPresent(this.target);
    } catch {
      // the error that led here is the one reported
    }
  }
}

/**
 * Creates `target` as a new file. O_EXCL never opens an existing file, so a name that exists (a hard
 * link into the previous snapshot, or anything else) is unlinked and the create retried; a missing
 * parent folder is created.
 */
function createNew(target: string): number {
  try {
    return openSync(target, WRITE_FLAGS, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      unlinkIfPresent(target);
      return openSync(target, WRITE_FLAGS, 0o644);
    }
    if (code !== 'ENOENT') throw error;
    mkdirSync(dirname(target), { recursive: true });
    return openSync(target, WRITE_FLAGS, 0o644);
  }
}

/** Reused for joining small files: writes are synchronous, so it is free again once one returns. */
let scratch: Buffer | undefined;

/** A small file's chunks as one buffer, so it takes one write. */
function joined(chunks: Buffer[], length: number): Buffer {
  scratch ??= Buffer.allocUnsafe(WRITE_BATCH_BYTES);
  const out = length <= scratch.length ? scratch.subarray(0, length) : Buffer.allocUnsafe(length);
  let at = 0;
  for (const chunk of chunks) at += chunk.copy(out, at);
  return out;
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

function writevAll(fd: number, chunks: Buffer[]): void {
  for (let index = 0; index < chunks.length; index += MAX_IOV) {
    let batch = chunks.slice(index, index + MAX_IOV);
    let expected = 0;
    for (const chunk of batch) expected += chunk.length;
    let done = writevSync(fd, batch);
    // A short write (rare: signals, quotas): write what is left of this batch.
    while (done < expected) {
      batch = remainder(batch, done);
      expected -= done;
      done = writevSync(fd, batch);
      if (done === 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    }
  }
}

/** The buffers of `chunks` after their first `skip` bytes. */
function remainder(chunks: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  let left = skip;
  for (const chunk of chunks) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    out.push(left > 0 ? chunk.subarray(left) : chunk);
    left = 0;
  }
  return out;
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
