/**
 * AfcClient: the host side of AFC (`com.apple.afc`), the phone's media partition (/var/mobile/Media
 * on the phone; "/" here). A backup needs it for three things (idevicebackup2 does the same): the
 * sync lock on /com.apple.itunes.lock_sync, the small iTunes/Books files copied into Info.plist, and
 * /iTunesRestore/RestoreApplications.plist before a restore.
 *
 * Requests are strictly one at a time (the protocol pairs replies by packet number; a queue keeps
 * concurrent callers in order). Every reply is awaited with a timeout; after a timeout or a framing
 * error the connection is out of step, so it is closed and later calls fail at once instead of
 * reading someone else's reply. A non-zero STATUS is an AfcError and leaves the connection usable.
 */
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DisconnectedError, ProtocolError } from '../../errors.js';
import { StreamReader } from '../../wire/stream-reader.js';
import {
  AFC_SYNC_LOCK_PATH,
  AfcFileMode,
  AfcLockOp,
  AfcOperation,
  AfcStatus,
  afcOperationName,
  type AfcFileModeName,
  type AfcLockOpName,
} from './constants.js';
import { AfcError } from './errors.js';
import { AFC_HEADER_SIZE, DEFAULT_MAX_AFC_PACKET, encodeAfcPacket, packetBody, readAfcPacket } from './frames.js';
import {
  AfcSeek,
  decodeStringList,
  decodeU64s,
  deviceInfoFromKeyValues,
  encodePath,
  encodeU64s,
  fileInfoFromKeyValues,
  safeNumber,
  type AfcDeviceInfo,
  type AfcFileInfo,
  type AfcSeekName,
} from './messages.js';

/** An open file on the phone: an opaque non-zero u64 the device chose. */
export type AfcFileHandle = bigint;

export interface AfcClientOptions {
  /** How long to wait for each reply, in ms (default 30 s, as for lockdown). */
  readonly timeoutMs?: number;
  /** Bytes per FILE_READ / FILE_WRITE in readFile/writeFile (default 1 MiB). */
  readonly chunkSize?: number;
  /** Largest reply packet accepted (default DEFAULT_MAX_AFC_PACKET). */
  readonly maxPacket?: number;
  /** For error messages and logs, e.g. the device UDID. */
  readonly label?: string;
}

export interface SyncLockOptions {
  /** FILE_LOCK attempts before giving up (idevicebackup2: 50). */
  readonly attempts?: number;
  /** Pause between attempts in ms (idevicebackup2: 200). */
  readonly intervalMs?: number;
  /** Called after each OP_WOULD_BLOCK, with the attempt number (1-based). */
  readonly onWaiting?: (attempt: number) => void;
  readonly signal?: AbortSignal;
  /** The lock file (default /com.apple.itunes.lock_sync). */
  readonly path?: string;
}

export interface ReadFileOptions {
  /** Refuse files larger than this many bytes (default 256 MiB): readFile holds the file in memory. */
  readonly maxBytes?: number;
}

export const AFC_REPLY_TIMEOUT_MS = 30_000;
export const AFC_DEFAULT_CHUNK = 1024 * 1024;
export const SYNC_LOCK_ATTEMPTS = 50;
export const SYNC_LOCK_INTERVAL_MS = 200;
const DEFAULT_READ_FILE_MAX = 256 * 1024 * 1024;

interface Reply {
  readonly operation: number;
  readonly body: Buffer;
}

export class AfcClient {
  private readonly reader: StreamReader;
  private readonly timeoutMs: number;
  private readonly chunkSize: number;
  private readonly maxPacket: number;
  private readonly label: string;
  private packetNum = 0n;
  private queue: Promise<unknown> = Promise.resolve();
  private broken: Error | undefined;

  constructor(
    private readonly stream: Duplex,
    options: AfcClientOptions = {},
  ) {
    this.label = options.label ?? 'AFC';
    this.reader = new StreamReader(stream, this.label);
    this.timeoutMs = options.timeoutMs ?? AFC_REPLY_TIMEOUT_MS;
    this.maxPacket = options.maxPacket ?? DEFAULT_MAX_AFC_PACKET;
    this.chunkSize = options.chunkSize ?? AFC_DEFAULT_CHUNK;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1 || this.chunkSize > this.maxPacket - AFC_HEADER_SIZE - 8) {
      throw new RangeError(`AFC chunk size must be 1..${this.maxPacket - AFC_HEADER_SIZE - 8} bytes (got ${this.chunkSize})`);
    }
  }

  async getFileInfo(path: string): Promise<AfcFileInfo> {
    const reply = await this.request(AfcOperation.GET_FILE_INFO, { data: encodePath(path), path });
    return fileInfoFromKeyValues(reply.body);
  }

  /** Entry names of a directory, without "." and "..". */
  async readDirectory(path: string): Promise<string[]> {
    const reply = await this.request(AfcOperation.READ_DIR, { data: encodePath(path), path });
    return decodeStringList(reply.body, 'AFC READ_DIR reply').filter((name) => name !== '.' && name !== '..');
  }

  /** Creates a directory and any missing parents; an existing directory is not an error. */
  async makeDirectory(path: string): Promise<void> {
    await this.request(AfcOperation.MAKE_DIR, { data: encodePath(path), path });
  }

  /** Removes a file or an empty directory (a non-empty one fails with DIR_NOT_EMPTY). */
  async removePath(path: string): Promise<void> {
    try {
      await this.request(AfcOperation.REMOVE_PATH, { data: encodePath(path), path });
    } catch (error) {
      // Phones answer a non-empty directory with UNKNOWN_ERROR; libimobiledevice renames it the same way.
      if (error instanceof AfcError && error.status === AfcStatus.UNKNOWN_ERROR) {
        throw new AfcError(AfcStatus.DIR_NOT_EMPTY, 'REMOVE_PATH', path, { message: `AFC REMOVE_PATH ${JSON.stringify(path)} failed: directory not empty` });
      }
      throw error;
    }
  }

  async renamePath(from: string, to: string): Promise<void> {
    await this.request(AfcOperation.RENAME_PATH, { data: Buffer.concat([encodePath(from), encodePath(to)]), path: from });
  }

  async getDeviceInfo(): Promise<AfcDeviceInfo> {
    const reply = await this.request(AfcOperation.GET_DEVINFO, {});
    return deviceInfoFromKeyValues(reply.body);
  }

  async fileOpen(path: string, mode: AfcFileModeName | number = 'RDONLY'): Promise<AfcFileHandle> {
    const code = typeof mode === 'number' ? mode : AfcFileMode[mode];
    const reply = await this.request(AfcOperation.FILE_OPEN, { data: Buffer.concat([encodeU64s([code]), encodePath(path)]), path });
    if (reply.body.length < 8) throw new ProtocolError(`${this.label}: FILE_OPEN reply carries no handle`, { code: 'PROTOCOL_BAD_MESSAGE' });
    const handle = reply.body.readBigUInt64LE(0);
    if (handle === 0n) throw new ProtocolError(`${this.label}: FILE_OPEN returned handle 0`, { code: 'PROTOCOL_BAD_MESSAGE' });
    return handle;
  }

  /** One FILE_READ of at most `length` bytes; an empty result means end of file. */
  async fileRead(handle: AfcFileHandle, length: number): Promise<Buffer> {
    const max = this.maxPacket - AFC_HEADER_SIZE;
    if (!Number.isInteger(length) || length < 1 || length > max) throw new RangeError(`AFC read length must be 1..${max} (got ${length})`);
    const reply = await this.request(AfcOperation.FILE_READ, { data: encodeU64s([handle, length]) });
    if (reply.body.length > length) {
      throw new ProtocolError(`${this.label}: asked for ${length} bytes, the device sent ${reply.body.length}`, { code: 'PROTOCOL_BAD_LENGTH' });
    }
    return reply.body;
  }

  /** Writes all of `data`, in chunks. */
  async fileWrite(handle: AfcFileHandle, data: Uint8Array): Promise<void> {
    const header = encodeU64s([handle]);
    for (let offset = 0; offset < data.length; offset += this.chunkSize) {
      await this.request(AfcOperation.FILE_WRITE, { data: header, payload: data.subarray(offset, offset + this.chunkSize) });
    }
  }

  async fileSeek(handle: AfcFileHandle, offset: number, whence: AfcSeekName = 'SET'): Promise<void> {
    if (!Number.isSafeInteger(offset)) throw new RangeError(`AFC seek offset ${offset} is not an integer`);
    const data = Buffer.alloc(24);
    data.writeBigUInt64LE(handle, 0);
    data.writeBigUInt64LE(BigInt(AfcSeek[whence]), 8);
    data.writeBigInt64LE(BigInt(offset), 16);
    await this.request(AfcOperation.FILE_SEEK, { data });
  }

  async fileTell(handle: AfcFileHandle): Promise<number> {
    const reply = await this.request(AfcOperation.FILE_TELL, { data: encodeU64s([handle]) });
    const [position] = decodeU64s(reply.body, 1, 'AFC FILE_TELL reply', 'allowed');
    return safeNumber(position!, 'AFC FILE_TELL reply');
  }

  /** Truncates or extends an open file (FILE_SET_SIZE). */
  async fileSetSize(handle: AfcFileHandle, size: number): Promise<void> {
    await this.request(AfcOperation.FILE_SET_SIZE, { data: encodeU64s([handle, size]) });
  }

  async fileClose(handle: AfcFileHandle): Promise<void> {
    await this.request(AfcOperation.FILE_CLOSE, { data: encodeU64s([handle]) });
  }

  /** flock(2) on an open file, never blocking: a held lock answers OP_WOULD_BLOCK. */
  async fileLock(handle: AfcFileHandle, op: AfcLockOpName | number): Promise<void> {
    const code = typeof op === 'number' ? op : AfcLockOp[op];
    await this.request(AfcOperation.FILE_LOCK, { data: encodeU64s([handle, code]) });
  }

  /** Reads a whole file (chunk by chunk, bounded by `maxBytes`). */
  async readFile(path: string, options: ReadFileOptions = {}): Promise<Buffer> {
    const maxBytes = options.maxBytes ?? DEFAULT_READ_FILE_MAX;
    const handle = await this.fileOpen(path, 'RDONLY');
    const chunks: Buffer[] = [];
    let total = 0;
    let failed = true;
    try {
      for (;;) {
        const chunk = await this.fileRead(handle, this.chunkSize);
        if (chunk.length === 0) break;
        total += chunk.length;
        if (total > maxBytes) {
          throw new ProtocolError(`${this.label}: ${path} is larger than the ${maxBytes}-byte limit for reading it into memory`, { code: 'AFC_FILE_TOO_LARGE' });
        }
        chunks.push(Buffer.from(chunk));
      }
      failed = false;
    } finally {
      await this.closeAfter(handle, failed);
    }
    return Buffer.concat(chunks, total);
  }

  /** Creates or replaces a file (mode "w+", as idevicebackup2 writes RestoreApplications.plist). */
  async writeFile(path: string, data: Uint8Array): Promise<void> {
    const handle = await this.fileOpen(path, 'WR');
    let failed = true;
    try {
      await this.fileWrite(handle, data);
      failed = false;
    } finally {
      await this.closeAfter(handle, failed);
    }
  }

  /**
   * Runs `fn` while holding the sync lock, as idevicebackup2 does: open /com.apple.itunes.lock_sync
   * "r+", FILE_LOCK LOCK_EX|LOCK_NB up to 50 times 200 ms apart while the phone answers OP_WOULD_BLOCK
   * (another host is syncing), then `fn`, then LOCK_UN and close — also when `fn` throws. If the lock
   * never comes free this throws AfcError OP_WOULD_BLOCK (retryable, with a hint). The notification
   * dance around it (syncWillStart, syncLockRequest, syncDidStart, syncDidFinish) is the caller's.
   */
  async withSyncLock<T>(fn: () => Promise<T> | T, options: SyncLockOptions = {}): Promise<T> {
    const path = options.path ?? AFC_SYNC_LOCK_PATH;
    const attempts = options.attempts ?? SYNC_LOCK_ATTEMPTS;
    const intervalMs = options.intervalMs ?? SYNC_LOCK_INTERVAL_MS;
    const handle = await this.fileOpen(path, 'RW');
    try {
      await this.acquireLock(handle, path, attempts, intervalMs, options);
    } catch (error) {
      await this.fileClose(handle).catch(() => undefined);
      throw error;
    }
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      await this.fileLock(handle, 'UN').catch(() => undefined);
      await this.fileClose(handle).catch(() => undefined);
      throw error;
    }
    let releaseError: unknown;
    await this.fileLock(handle, 'UN').catch((error: unknown) => (releaseError = error));
    await this.fileClose(handle).catch((error: unknown) => (releaseError ??= error));
    if (releaseError !== undefined) throw releaseError;
    return result;
  }

  /** Closes the connection; the phone releases this connection's locks and open files. */
  close(): void {
    this.stream.destroy();
  }

  private async acquireLock(handle: AfcFileHandle, path: string, attempts: number, intervalMs: number, options: SyncLockOptions): Promise<void> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.fileLock(handle, 'EX');
        return;
      } catch (error) {
        if (!(error instanceof AfcError) || error.status !== AfcStatus.OP_WOULD_BLOCK) throw error;
        options.onWaiting?.(attempt);
        if (attempt < attempts) await sleep(intervalMs, undefined, options.signal ? { signal: options.signal } : {});
      }
    }
    throw new AfcError(AfcStatus.OP_WOULD_BLOCK, 'FILE_LOCK', path, {
      message: `could not take the sync lock ${path}: still held by another host after ${attempts} attempts ${intervalMs} ms apart`,
    });
  }

  /** Closes a handle; a close error is reported only when nothing failed before it. */
  private async closeAfter(handle: AfcFileHandle, alreadyFailed: boolean): Promise<void> {
    if (alreadyFailed) await this.fileClose(handle).catch(() => undefined);
    else await this.fileClose(handle);
  }

  private request(operation: number, args: { data?: Uint8Array; payload?: Uint8Array; path?: string }): Promise<Reply> {
    const run = (): Promise<Reply> => this.exchange(operation, args);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async exchange(operation: number, args: { data?: Uint8Array; payload?: Uint8Array; path?: string }): Promise<Reply> {
    const name = afcOperationName(operation);
    if (this.broken) throw this.broken;
    if (this.stream.destroyed || !this.stream.writable) throw new DisconnectedError(`${this.label}: connection already closed`);
    const packetNum = ++this.packetNum;
    let reply;
    try {
      this.stream.write(encodeAfcPacket({ packetNum, operation, ...(args.data ? { data: args.data } : {}), ...(args.payload ? { payload: args.payload } : {}) }));
      reply = await readAfcPacket(this.reader, { timeoutMs: this.timeoutMs, maxPacket: this.maxPacket, what: `${this.label} ${name} reply` });
      if (reply.packetNum !== packetNum) {
        throw new ProtocolError(`${this.label}: ${name} reply carries packet number ${reply.packetNum}, expected ${packetNum}`, { code: 'PROTOCOL_BAD_SEQUENCE' });
      }
    } catch (error) {
      // Out of step with the device: nothing later on this connection can be trusted.
      this.broken = error instanceof Error ? error : new Error(String(error));
      this.stream.destroy();
      throw error;
    }
    const body = packetBody(reply);
    switch (reply.operation) {
      case AfcOperation.STATUS: {
        if (body.length < 8) throw new ProtocolError(`${this.label}: ${name} STATUS reply is ${body.length} bytes, need 8`, { code: 'PROTOCOL_BAD_LENGTH' });
        const status = body.readBigUInt64LE(0);
        if (status !== 0n) throw new AfcError(status > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(status), name, args.path);
        return { operation: reply.operation, body: Buffer.alloc(0) };
      }
      case AfcOperation.DATA:
      case AfcOperation.FILE_OPEN_RES:
      case AfcOperation.FILE_TELL_RES:
        return { operation: reply.operation, body };
      default:
        throw new ProtocolError(`${this.label}: ${name} answered with unexpected operation ${afcOperationName(reply.operation)}`, {
          code: 'PROTOCOL_BAD_MESSAGE',
        });
    }
  }
}
