/**
 * StreamReader: exact-length reads from a byte stream, with every wait bounded.
 *
 * Device protocols are length-prefixed, so the one primitive everything needs is "give me exactly N
 * bytes, or tell me clearly why not" (peer closed → DisconnectedError, too slow → TimeoutError,
 * aborted → the abort reason). A reader can be detached so the same stream can change protocol in
 * place (usbmux Connect turns the socket into a raw tunnel; lockdown StartSession turns it into TLS):
 * bytes it buffered but did not hand out go back to the stream with `unshift`.
 */
import type { Duplex } from 'node:stream';
import { DisconnectedError, ProtocolError, TimeoutError } from '../errors.js';

interface PendingRead {
  readonly size: number;
  readonly resolve: (data: Buffer) => void;
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
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pending: PendingRead | undefined;
  private endError: Error | undefined;
  private detached = false;
  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.settle();
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
    if (this.detached) return Promise.reject(new ProtocolError(`${this.label}: reader already detached`));
    if (this.pending) return Promise.reject(new ProtocolError(`${this.label}: concurrent reads are not allowed`));
    if (size <= this.buffered) return Promise.resolve(this.take(size));
    if (this.endError) return Promise.reject(this.endError);
    const what = options.what ?? `${size} bytes`;
    return new Promise<Buffer>((resolve, reject) => {
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
      this.pending = { size, resolve, reject, cleanup };
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
    if (this.buffered > 0) this.stream.unshift(Buffer.concat(this.chunks));
    this.chunks = [];
    this.buffered = 0;
    return this.stream;
  }

  private take(size: number): Buffer {
    if (size === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    if (first && first.length >= size) {
      const out = first.subarray(0, size);
      if (first.length === size) this.chunks.shift();
      else this.chunks[0] = first.subarray(size);
      this.buffered -= size;
      return out;
    }
    const all = Buffer.concat(this.chunks, this.buffered);
    const out = all.subarray(0, size);
    const rest = all.subarray(size);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  private settle(): void {
    const pending = this.pending;
    if (pending && pending.size <= this.buffered) {
      this.pending = undefined;
      pending.cleanup();
      pending.resolve(this.take(pending.size));
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
