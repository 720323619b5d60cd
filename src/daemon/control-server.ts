/**
 * The daemon's control socket (see control-protocol.ts): `lifeboat backup` hands its job to the
 * running daemon here and renders the progress it streams, and `lifeboat status` asks for the live
 * device table. Only the owner can connect (mode 0600). Each line is bounded and parsed defensively.
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import { describeError, LifeboatError } from '../util/errors.js';
import { MAX_LINE_BYTES, type ControlRequest, type ControlResponse } from './control-protocol.js';
import type { Daemon } from './daemon.js';
import { DaemonError } from './errors.js';

function errorBody(error: unknown): { code: string; message: string; hint?: string } {
  if (error instanceof LifeboatError) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return { code: 'INTERNAL', message: describeError(error) };
}

/** True when something answers on `path` (a daemon already running). */
export function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class ControlServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly daemon: Daemon,
    readonly path: string,
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  async listen(): Promise<void> {
    if (existsSync(this.path)) {
      if (await socketAnswers(this.path)) {
        throw new DaemonError(`another Lifeboat daemon is already running (its socket ${this.path} answers)`, { code: 'DAEMON_RUNNING', hint: 'Stop it first, or use `lifeboat status` to talk to it.' });
      }
      rmSync(this.path, { force: true }); // left by a daemon that was killed
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    chmodSync(this.path, 0o600);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_LINE_BYTES) {
        socket.end(`${JSON.stringify({ id: 0, error: { code: 'CONTROL_BAD_REQUEST', message: 'request line too long' } })}\n`);
        return;
      }
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim()) void this.handle(socket, line);
      }
    });
  }

  private send(socket: net.Socket, response: ControlResponse): void {
    if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
  }

  private async handle(socket: net.Socket, line: string): Promise<void> {
    let request: ControlRequest;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (typeof parsed !== 'object' || parsed === null || typeof (parsed as ControlRequest).id !== 'number' || typeof (parsed as ControlRequest).method !== 'string') throw new Error('not a request');
      request = parsed as ControlRequest;
    } catch {
      this.send(socket, { id: 0, error: { code: 'CONTROL_BAD_REQUEST', message: 'a request is one JSON object per line with id and method' } });
      return;
    }
    const params = request.params ?? {};
    const text = (key: string): string | undefined => (typeof params[key] === 'string' ? (params[key] as string) : undefined);
    const count = (key: string): number | undefined => (typeof params[key] === 'number' && Number.isInteger(params[key]) ? (params[key] as number) : undefined);
    try {
      switch (request.method) {
        case 'status':
          return this.send(socket, { id: request.id, result: { devices: this.daemon.devices(), at: this.daemon.clock.now().toISOString() } });
        case 'history': {
          const udid = text('udid');
          const limit = count('limit');
          return this.send(socket, { id: request.id, result: { runs: this.daemon.history.list({ ...(udid ? { udid } : {}), ...(limit ? { limit } : {}) }) } });
        }
        case 'alerts':
          return this.send(socket, { id: request.id, result: { alerts: this.daemon.alerts.list(count('limit') ?? 50) } });
        case 'backup': {
          const udid = text('udid') ?? this.onlyAttached();
          const onProgress = (p: { udid: string; event: unknown }): void => {
            if (p.udid === udid) this.send(socket, { id: request.id, event: p.event });
          };
          this.daemon.on('progress', onProgress);
          try {
            const run = await this.daemon.backupNow(udid, { full: params['full'] === true });
            return this.send(socket, { id: request.id, result: { run } });
          } finally {
            this.daemon.off('progress', onProgress);
          }
        }
        default:
          throw new DaemonError(`unknown control method "${String(request.method).slice(0, 40)}"`, { code: 'CONTROL_BAD_REQUEST' });
      }
    } catch (error) {
      this.send(socket, { id: request.id, error: errorBody(error) });
    }
  }

  private onlyAttached(): string {
    const attached = this.daemon.devices().filter((d) => d.attached);
    if (attached.length === 1) return (attached[0] as { udid: string }).udid;
    throw new DaemonError(attached.length === 0 ? 'no iPhone is connected' : `${attached.length} iPhones are connected`, {
      code: attached.length === 0 ? 'DEVICE_NOT_FOUND' : 'USAGE',
      hint: attached.length === 0 ? 'Connect the iPhone with a cable and unlock it.' : `Choose one with --udid: ${attached.map((d) => d.udid).join(', ')}.`,
    });
  }
}
