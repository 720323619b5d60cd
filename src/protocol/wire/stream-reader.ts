/**
 * StreamReader: exact-length reads from a byte stream, with every wait bounded.
 *
 * Device protocols are length-prefixed, so the one primitive everything needs is "give me exactly N
 * bytes, or tell me clearly why not" (peer closed → DisconnectedError, too slow → TimeoutError,
 * aborted → the abort reason). A reader can be detached so the same stream can change protocol in
 * place (usbmux Connect turns the socket into a raw tunnel; lockdown StartSession turns it into TLS):
 * bytes it buffered but did not hand out go back to the stream with `unshift`.
 *
 * Bulk data (backup file contents) is read with readChunks/skip, which hand out views of the received
 * chunks rather than a joined copy, and the source is paused while too much waits unread (HIGH_WATER),
 * so memory stays bounded however fast the sender is.
 *
 * Performance: parsers of dense streams (100,000 small files in a backup) first try the synchronous
 * `…Now` methods (peekUInt32BE, takeNow, takeStringNow, takeChunksNow, skipNow), which consume what is
 * already buffered without a promise, and only await when the bytes have not arrived yet. Consumed
 * bytes are tracked as an offset into the first chunk (`head`) instead of re-slicing it, so a 4-byte
 * length costs no allocation at all. Before, every header was an awaited read plus a Buffer view:
 * ~25 KB of garbage per file, a third of the host's CPU on small files spent in the collector.
 */
import type { Duplex } from 'node:stream';
import { DisconnectedError, ProtocolError, TimeoutError } from '../errors.js';

interface PendingRead {
  readonly size: number;
  /** Hands the bytes over once `size` are buffered (take, takeChunks or a skip). */
  readonly complete: () => void;
  readonly reject: (error: Error) => void;
  readonly cleanup: () => void;
}

export interface ReadOptions {
  /** Milliseconds to wait for the whole read; undefined waits for ever (use only with a signal). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** What is being read, for error messages ("usbmux header", "lockdown frame"). */
  readonly what?: string;
}

export class StreamReader {
  /**
   * Unread bytes above which the source is paused (and below which, LOW_WATER, it resumes). A few
   * megabytes keep a fast phone streaming while a write is in progress, yet bound memory whatever the
   * backup's size; TCP/TLS flow control then slows the sender.
   */
  static readonly HIGH_WATER = 8 * 1024 * 1024;
  static readonly LOW_WATER = 2 * 1024 * 1024;

  private chunks: Buffer[] = [];
  /** Bytes of chunks[0] already consumed. */
  private head = 0;
  private buffered = 0;
  private pending: PendingRead | undefined;
  private endError: Error | undefined;
  private detached = false;
  private paused = false;
  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.settle();
    this.maybePause();
  };
  private readonly onEnd = (): void => this.fail(new DisconnectedError(`${this.label}: device disconnected (connection closed)`));
  private readonly onError = (error: NodeJS.ErrnoException): void =>
    this.fail(new DisconnectedError(`${this.label}: device disconnected (${error.code ?? error.message})`, { cause: error }));

  constructor(
    private readonly stream: Duplex,
    private readonly label: string,
  ) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
    // A stream handed over by an earlier reader's detach() is paused; this reader consumes it now.
    stream.resume();
  }

  /** Bytes received but not yet read. */
  get available(): number {
    return this.buffered;
  }

  readExact(size: number, options: ReadOptions = {}): Promise<Buffer> {
    const refused = this.refusal();
    if (refused) return refused;
    if (size <= this.buffered) return Promise.resolve(this.take(size));
    return this.wait(size, options, (resolve: (value: Buffer) => void) => () => resolve(this.take(size)));
  }

  /**
   * Like readExact, but hands the bytes over as views of the received chunks instead of one joined
   * copy — for bulk file data that is written straight to disk (writev), where the copy is pure cost.
   */
  readChunks(size: number, options: ReadOptions = {}): Promise<Buffer[]> {
    const refused = this.refusal();
    if (refused) return refused;
    if (size <= this.buffered) return Promise.resolve(this.takeChunks(size));
    return this.wait(size, options, (resolve: (value: Buffer[]) => void) => () => resolve(this.takeChunks(size)));
  }

  /** Reads and drops `size` bytes (data that must be consumed to stay in step but is not kept). */
  skip(size: number, options: ReadOptions = {}): Promise<void> {
    const refused = this.refusal();
    if (refused) return refused;
    if (size <= this.buffered) {
      this.advance(size);
      return Promise.resolve();
    }
    return this.wait(size, options, (resolve: (value: void) => void) => () => {
      this.advance(size);
      resolve();
    });
  }

  /**
   * The big-endian u32 `offset` bytes into the unread data, without consuming it; undefined while
   * fewer than offset + 4 bytes are buffered.
   */
  peekUInt32BE(offset = 0): number | undefined {
    if (this.buffered < offset + 4) return undefined;
    const first = this.chunks[0] as Buffer;
    const at = this.head + offset;
    if (at + 4 <= first.length) return first.readUInt32BE(at);
    return ((this.peekByte(offset) << 24) | (this.peekByte(offset + 1) << 16) | (this.peekByte(offset + 2) << 8) | this.peekByte(offset + 3)) >>> 0;
  }

  /** The unread byte at `offset` (the caller checked `available`). */
  peekByte(offset: number): number {
    let at = this.head + offset;
    for (const chunk of this.chunks) {
      if (at < chunk.length) return chunk[at] as number;
      at -= chunk.length;
    }
    throw new RangeError(`${this.label}: peek past the buffered data`);
  }

  /** Takes `size` buffered bytes now (joined only when they span chunks); see `available`. */
  takeNow(size: number): Buffer {
    this.assertNow(size);
    return this.take(size);
  }

  /** Takes `size` buffered bytes now as UTF-8 text. */
  takeStringNow(size: number): string {
    this.assertNow(size);
    const first = this.chunks[0];
    if (first && first.length - this.head >= size) {
      const text = first.toString('utf8', this.head, this.head + size);
      this.advance(size);
      return text;
    }
    return this.take(size).toString('utf8');
  }

  /** Takes `size` buffered bytes now as views of the received chunks. */
  takeChunksNow(size: number): Buffer[] {
    this.assertNow(size);
    return this.takeChunks(size);
  }

  /** Drops `size` buffered bytes now. */
  skipNow(size: number): void {
    this.assertNow(size);
    this.advance(size);
  }

  private assertNow(size: number): void {
    if (this.detached || this.pending) throw new ProtocolError(`${this.label}: ${this.detached ? 'reader already detached' : 'concurrent reads are not allowed'}`);
    if (size > this.buffered) throw new RangeError(`${this.label}: ${size} bytes wanted, ${this.buffered} buffered`);
  }

  /** Why a read cannot start now (detached, or another read still waiting), as a rejected promise. */
  private refusal(): Promise<never> | undefined {
    if (this.detached) return Promise.reject(new ProtocolError(`${this.label}: reader already detached`));
    if (this.pending) return Promise.reject(new ProtocolError(`${this.label}: concurrent reads are not allowed`));
    return undefined;
  }

  private wait<T>(size: number, options: ReadOptions, completion: (resolve: (value: T) => void) => () => void): Promise<T> {
    if (this.endError) return Promise.reject(this.endError);
    const what = options.what ?? `${size} bytes`;
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        this.pending = undefined;
        cleanup();
        reject(options.signal?.reason instanceof Error ? options.signal.reason : new TimeoutError(`${this.label}: aborted while reading ${what}`));
      };
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      if (options.signal?.aborted) {
        onAbort();
        return;
      }
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.pending = undefined;
          cleanup();
          reject(new TimeoutError(`${this.label}: no ${what} within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = { size, complete: completion(resolve), reject, cleanup };
      // A read larger than what is buffered must be able to complete: make sure bytes keep coming.
      this.maybeResume();
    });
  }

  /**
   * Stops reading and returns the stream with any unread bytes pushed back, so a new protocol layer
   * (raw tunnel, TLS) can take it over without losing data.
   */
  detach(): Duplex {
    if (this.detached) return this.stream;
    this.detached = true;
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.pause();
    this.paused = false;
    if (this.buffered > 0) {
      const first = this.chunks[0] as Buffer;
      this.chunks[0] = first.subarray(this.head);
      this.stream.unshift(Buffer.concat(this.chunks));
    }
    this.chunks = [];
    this.head = 0;
    this.buffered = 0;
    return this.stream;
  }

  /**
   * Takes `size` bytes from the front of the buffered chunks. Only the chunks the read spans are
   * joined (a copy of exactly `size` bytes); the rest stay as they are. Joining *all* buffered chunks,
   * as an earlier version did, copied megabytes for a 4-byte header that straddled two TLS records.
   */
  private take(size: number): Buffer {
    if (size === 0) return Buffer.alloc(0);
    const first = this.chunks[0] as Buffer;
    if (first.length - this.head >= size) {
      const out = this.head === 0 && first.length === size ? first : first.subarray(this.head, this.head + size);
      this.advance(size);
      return out;
    }
    const out = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const chunk = this.chunks[0] as Buffer;
      const n = Math.min(chunk.length - this.head, size - filled);
      chunk.copy(out, filled, this.head, this.head + n);
      filled += n;
      this.consume(n);
    }
    this.afterTake(size);
    return out;
  }

  /** Takes `size` bytes as views of the buffered chunks, without copying (for bulk payloads). */
  private takeChunks(size: number): Buffer[] {
    const out: Buffer[] = [];
    let left = size;
    while (left > 0) {
      const chunk = this.chunks[0] as Buffer;
      const n = Math.min(chunk.length - this.head, left);
      out.push(this.head === 0 && n === chunk.length ? chunk : chunk.subarray(this.head, this.head + n));
      this.consume(n);
      left -= n;
    }
    this.afterTake(size);
    return out;
  }

  /** Drops `size` bytes from the front (no views, no copies). */
  private advance(size: number): void {
    let left = size;
    while (left > 0) {
      const n = Math.min((this.chunks[0] as Buffer).length - this.head, left);
      this.consume(n);
      left -= n;
    }
    this.afterTake(size);
  }

  /** Moves `head` on by `n` bytes of chunks[0] (n ≤ what is left of it), dropping it when used up. */
  private consume(n: number): void {
    this.head += n;
    if (this.head === (this.chunks[0] as Buffer).length) {
      this.chunks.shift();
      this.head = 0;
    }
  }

  private afterTake(size: number): void {
    this.buffered -= size;
    this.maybeResume();
  }

  /**
   * Back-pressure: the source is paused while more than HIGH_WATER bytes wait unread, so a slow
   * consumer (a disk slower than the phone) bounds memory instead of buffering a whole backup.
   */
  private maybePause(): void {
    if (this.paused || this.detached || this.buffered < StreamReader.HIGH_WATER) return;
    // Never pause while a read waits for more than is buffered: it could then never complete.
    if (this.pending && this.pending.size > this.buffered) return;
    this.paused = true;
    this.stream.pause();
  }

  private maybeResume(): void {
    if (!this.paused || this.detached) return;
    if (this.buffered > StreamReader.LOW_WATER && !(this.pending && this.pending.size > this.buffered)) return;
    this.paused = false;
    this.stream.resume();
  }

  private settle(): void {
    const pending = this.pending;
    if (pending && pending.size <= this.buffered) {
      this.pending = undefined;
      pending.cleanup();
      pending.complete();
    }
  }

  private fail(error: Error): void {
    if (this.endError) return;
    this.endError = error;
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      pending.cleanup();
      pending.reject(error);
    }
  }
}
