/**
 * Talking to a running daemon over its control socket (control-protocol.ts). `connectToDaemon`
 * answers undefined when no daemon runs (no socket, or nobody listening), so commands fall back to
 * working alone.
 */
import net from 'node:net';
import { LifeboatError } from '../util/errors.js';
import { MAX_LINE_BYTES, type ControlMethod, type ControlResponse } from './control-protocol.js';
import { DaemonError } from './errors.js';

export class DaemonClient {
  private nextId = 1;
  private buffered = '';
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; onEvent?: (event: unknown) => void }>();

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => this.failAll(new DaemonError('the daemon closed the control connection', { code: 'DAEMON_GONE', retryable: true, hint: 'Check that `lifeboat daemon` is still running.' })));
    socket.on('error', () => undefined);
  }

  static connect(path: string): Promise<DaemonClient | undefined> {
    return new Promise((resolve) => {
      const socket = net.createConnection({ path });
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(new DaemonClient(socket));
      });
      socket.once('error', () => resolve(undefined));
    });
  }

  request<T>(method: ControlMethod, params: Record<string, unknown> = {}, onEvent?: (event: unknown) => void): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, ...(onEvent ? { onEvent } : {}) });
      this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    if (this.buffered.length > 64 * MAX_LINE_BYTES) {
      this.failAll(new DaemonError('the daemon sent an oversized reply', { code: 'DAEMON_BAD_REPLY' }));
      this.socket.destroy();
      return;
    }
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      let message: ControlResponse;
      try {
        message = JSON.parse(line) as ControlResponse;
      } catch {
        continue;
      }
      const waiter = this.pending.get(message.id);
      if (!waiter) continue;
      if ('event' in message) waiter.onEvent?.(message.event);
      else if ('error' in message) {
        this.pending.delete(message.id);
        waiter.reject(new LifeboatError(message.error.message, { code: message.error.code, ...(message.error.hint ? { hint: message.error.hint } : {}) }));
      } else {
        this.pending.delete(message.id);
        waiter.resolve(message.result);
      }
    }
  }

  private failAll(error: unknown): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
