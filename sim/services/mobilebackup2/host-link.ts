/**
 * The device's view of the host during a mobilebackup2 operation: each method sends one DeviceLink
 * file-operation request and waits (bounded) for the host's StatusResponse. This is what BackupAgent2
 * on a phone does; the agent (backup.ts, restore.ts) decides what to ask for.
 */
import type { Readable } from 'node:stream';
import type { PlistDict, PlistValue } from '../../../src/plist/index.js';
import { DL_EMPTY, parseStatusResponse, type StatusResponse } from '../../../src/protocol/devicelink/messages.js';
import type { DeviceLinkChannel } from '../../../src/protocol/devicelink/link.js';
import { ProtocolError } from '../../../src/protocol/errors.js';
import { PlistReal } from '../../../src/plist/index.js';
import { FileCode, readBlockHeader, readName } from '../../../src/protocol/services/mobilebackup2/file-stream.js';
import { BatchSender, FileStreamWriter, forEachChunk, STREAM_BATCH_BYTES } from '../../../src/protocol/services/mobilebackup2/file-stream-writer.js';

/** How long the device waits for the host to answer one file operation. */
const HOST_REPLY_TIMEOUT_MS = 5 * 60_000;

export class HostOperationError extends Error {
  constructor(
    readonly operation: string,
    readonly status: StatusResponse,
  ) {
    super(`${operation} failed on the host: ${status.code}${status.description ? ` (${status.description})` : ''}`);
  }
}

export interface UploadItem {
  readonly backupPath: string;
  /** The file's content; undefined uploads an empty file (unless `views` holds it). */
  readonly content: Readable | undefined;
  /** The file's content as read-only buffers, read synchronously (generated content; see bulkViews). */
  readonly views?: Iterable<Buffer>;
}

export class HostLink {
  /** The block size the device uses when streaming files (a real phone uses 32 KiB). */
  constructor(
    readonly channel: DeviceLinkChannel,
    readonly blockSize = 64 * 1024,
  ) {}

  private async status(operation: string): Promise<StatusResponse> {
    const message = await this.channel.receive({ timeoutMs: HOST_REPLY_TIMEOUT_MS });
    if (message[0] !== 'DLMessageStatusResponse') {
      throw new ProtocolError(`${operation}: expected the host's status response, got ${String(message[0])}`, { code: 'PROTOCOL_BAD_MESSAGE' });
    }
    return parseStatusResponse(message);
  }

  /** Sends one file-operation request and returns the host's status, whatever its code. */
  async exchange(message: PlistValue[], operation: string): Promise<StatusResponse> {
    await this.channel.send(message);
    return this.status(operation);
  }

  private async expectOk(operation: string): Promise<StatusResponse> {
    const status = await this.status(operation);
    if (status.code !== 0) throw new HostOperationError(operation, status);
    return status;
  }

  async freeDiskSpace(): Promise<number> {
    await this.channel.send(['DLMessageGetFreeDiskSpace', DL_EMPTY]);
    const status = await this.expectOk('GetFreeDiskSpace');
    const value = status.payload;
    return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : 0;
  }

  async createDirectory(path: string): Promise<void> {
    await this.channel.send(['DLMessageCreateDirectory', path]);
    const status = await this.status('CreateDirectory');
    // EEXIST (-7) is reported but harmless.
    if (status.code !== 0 && status.code !== -7) throw new HostOperationError('CreateDirectory', status);
  }

  async moveItems(moves: Record<string, string>, percent: number): Promise<void> {
    await this.channel.send(['DLMessageMoveItems', moves, {}, new PlistReal(percent)]);
    await this.expectOk('MoveItems');
  }

  async removeItems(paths: readonly string[], percent: number): Promise<void> {
    await this.channel.send(['DLMessageRemoveItems', [...paths], {}, new PlistReal(percent)]);
    await this.expectOk('RemoveItems');
  }

  async contentsOfDirectory(path: string): Promise<PlistDict> {
    await this.channel.send(['DLContentsOfDirectory', path]);
    const status = await this.expectOk('ContentsOfDirectory');
    return (status.payload ?? {}) as PlistDict;
  }

  /**
   * Streams files to the host (DLMessageUploadFiles). `onBytes` reports progress; `beforeBlock` lets
   * fault injection cut the stream at a chosen point.
   */
  async uploadFiles(items: AsyncIterable<UploadItem> | Iterable<UploadItem>, percent: number, totalBytes: number, hooks: UploadHooks = {}): Promise<StatusResponse> {
    await this.channel.send(['DLMessageUploadFiles', {}, new PlistReal(percent), totalBytes]);
    // Performance: the stream is framed into ~1 MiB batches (FileStreamWriter), sent one at a time with
    // their buffers reused (BatchSender), and each file is read with forEachChunk — instead of one
    // socket write per name/header/block and an async iterator per file, which capped the phone at
    // ~2,000 small files/s. With a beforeBlock hook (fault injection) the batch is flushed before every
    // block, so a cut still lands exactly there.
    const out = new FileStreamWriter(this.blockSize);
    const sender = new BatchSender(this.channel.stream, this.channel.label);
    const flush = async (): Promise<void> => {
      if (out.size > 0) await sender.send(out.take(), (batch) => out.recycle(batch));
    };
    for await (const item of items) {
      out.name(item.backupPath);
      out.name(item.backupPath);
      const send = async (chunk: Buffer): Promise<void> => {
        for (let offset = 0; offset < chunk.length; offset += this.blockSize) {
          const block = chunk.subarray(offset, Math.min(chunk.length, offset + this.blockSize));
          if (hooks.beforeBlock) {
            await flush();
            await hooks.beforeBlock(block.length);
          }
          out.data(block);
          hooks.onBytes?.(block.length);
          if (out.size >= STREAM_BATCH_BYTES || hooks.beforeBlock) await flush();
        }
      };
      if (item.views && !hooks.beforeBlock) {
        // No stream and no promise per view: views are framed into full blocks as they come (a block
        // may span two views), and a batch is handed over only between blocks.
        for (const view of item.views) {
          for (let offset = 0; offset < view.length; ) {
            const n = Math.min(view.length - offset, out.blockRoom);
            out.append(offset === 0 && n === view.length ? view : view.subarray(offset, offset + n));
            offset += n;
            if (out.size >= STREAM_BATCH_BYTES && !out.blockOpen) await flush();
          }
          hooks.onBytes?.(view.length);
        }
      } else if (item.views) {
        // Fault injection cuts the stream before a chosen block: blocks per view keep that simple
        // (the header's view is then a short block of its own; hosts take any block length).
        for (const view of item.views) await send(view);
      } else if (item.content) {
        try {
          await forEachChunk(item.content, send);
        } catch (error) {
          // A cut link leaves the file's stream half read: close it here, or its descriptor stays open
          // for as long as the phone runs (the 200-day soak saw one leak per cut upload).
          item.content.destroy();
          throw error;
        }
      }
      out.endOfFile();
      hooks.onFile?.();
      if (out.size >= STREAM_BATCH_BYTES) await flush();
    }
    out.endOfStream();
    await flush();
    await sender.finish();
    return this.status('UploadFiles');
  }

  /**
   * Asks the host for files (DLMessageDownloadFiles). Each file's bytes are handed to `sink` as they
   * arrive; a file the host does not have is reported through `missing`.
   */
  async downloadFiles(paths: readonly string[], sink: DownloadSink, percent = 0): Promise<StatusResponse> {
    await this.channel.send(['DLMessageDownloadFiles', [...paths], {}, new PlistReal(percent)]);
    const reader = this.channel.reader;
    const options = { timeoutMs: HOST_REPLY_TIMEOUT_MS };
    for (;;) {
      const name = await readName(reader, options);
      if (name === undefined) break;
      await sink.begin(name);
      let failed: string | undefined;
      for (;;) {
        const header = await readBlockHeader(reader, options);
        if (!header) throw new ProtocolError('DownloadFiles: the host ended the stream inside a file', { code: 'PROTOCOL_TRUNCATED' });
        if (header.code === FileCode.SUCCESS) break;
        const payload = await reader.readExact(header.payloadLength, { ...options, what: 'file data' });
        if (header.code === FileCode.FILE_DATA) await sink.data(name, payload);
        else {
          failed = payload.toString('utf8');
          break;
        }
      }
      await sink.end(name, failed);
    }
    return this.status('DownloadFiles');
  }
}

export interface UploadHooks {
  readonly onBytes?: (bytes: number) => void;
  readonly onFile?: () => void;
  readonly beforeBlock?: (bytes: number) => Promise<void> | void;
}

export interface DownloadSink {
  begin(path: string): Promise<void> | void;
  data(path: string, chunk: Buffer): Promise<void> | void;
  /** `error` is the host's message when it could not send the file. */
  end(path: string, error: string | undefined): Promise<void> | void;
}

/** A sink that keeps small files in memory (plists, Manifest.db). */
export class MemorySink implements DownloadSink {
  readonly files = new Map<string, Buffer>();
  readonly errors = new Map<string, string>();
  private chunks: Buffer[] = [];

  begin(): void {
    this.chunks = [];
  }

  data(_path: string, chunk: Buffer): void {
    this.chunks.push(Buffer.from(chunk));
  }

  end(path: string, error: string | undefined): void {
    if (error !== undefined) this.errors.set(path, error);
    else this.files.set(path, Buffer.concat(this.chunks));
    this.chunks = [];
  }
}

export function realValue(value: PlistValue | undefined): number | undefined {
  if (value instanceof PlistReal) return value.value;
  return typeof value === 'number' ? value : undefined;
}
