/**
 * LockdownClient: the host side of lockdownd (device TCP port 62078).
 *
 * Nouns: a *request* is a dict with `Request` and `Label`; the device's reply echoes `Request` and
 * carries `Error` on failure. A *session* (StartSession with the pair record's HostID) unlocks the
 * private values and StartService; with EnableSessionSSL the rest of the conversation runs inside TLS
 * on the same socket, the host being the TLS client. A *service* is another device port that
 * StartService opens for us, reached with a new transport connection (TLS again if EnableServiceSSL).
 */
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { PlistDict, PlistValue } from '../../plist/index.js';
import { DisconnectedError, ProtocolError, TimeoutError } from '../errors.js';
import { optionalBool, optionalData, optionalString, requireString, requireUint } from '../wire/fields.js';
import { readPlistDict, writePlistFrame } from '../wire/plist-frame.js';
import { StreamReader } from '../wire/stream-reader.js';
import type { DeviceTransport } from '../transport.js';
import { LOCKDOWN_PORT, LOCKDOWN_TYPE, PAIRING_PROTOCOL_VERSION } from './constants.js';
import { deviceErrorFor } from './device-errors.js';
import { hostTlsOptions, publicPairRecord, type PairRecord } from './pairing/index.js';

/** libimobiledevice waits 30 s for a lockdown reply; a device preparing an answer can be slow. */
export const LOCKDOWN_REPLY_TIMEOUT_MS = 30_000;
export const TLS_HANDSHAKE_TIMEOUT_MS = 15_000;

export interface ServiceEndpoint {
  readonly service: string;
  readonly port: number;
  readonly ssl: boolean;
}

export class LockdownClient {
  private reader: StreamReader;
  private stream: Duplex;
  private sessionId: string | undefined;
  private record: PairRecord | undefined;

  private constructor(
    readonly transport: DeviceTransport,
    stream: Duplex,
    readonly label: string,
  ) {
    this.stream = stream;
    this.reader = new StreamReader(stream, `lockdown ${transport.udid}`);
  }

  static async connect(transport: DeviceTransport, label = 'lifeboat'): Promise<LockdownClient> {
    const stream = await transport.connect(LOCKDOWN_PORT);
    const client = new LockdownClient(transport, stream, label);
    try {
      const type = await client.queryType();
      if (type !== LOCKDOWN_TYPE) {
        throw new ProtocolError(`lockdown QueryType answered "${type}" (the device may be in recovery or restore mode)`, {
          code: 'LOCKDOWN_WRONG_MODE',
        });
      }
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  get inSession(): boolean {
    return this.sessionId !== undefined;
  }

  async queryType(): Promise<string> {
    const reply = await this.request('QueryType');
    return requireString(reply, 'Type', 'lockdown QueryType reply');
  }

  async getValue(domain?: string, key?: string): Promise<PlistValue | undefined> {
    const reply = await this.request('GetValue', { ...(domain ? { Domain: domain } : {}), ...(key ? { Key: key } : {}) });
    return reply['Value'];
  }

  async setValue(domain: string | undefined, key: string, value: PlistValue): Promise<void> {
    await this.request('SetValue', { ...(domain ? { Domain: domain } : {}), Key: key, Value: value });
  }

  async removeValue(domain: string | undefined, key: string): Promise<void> {
    await this.request('RemoveValue', { ...(domain ? { Domain: domain } : {}), Key: key });
  }

  /** Sends Pair; returns the escrow bag the device hands out on success. */
  async pair(record: PairRecord, hostName?: string): Promise<Uint8Array | undefined> {
    const reply = await this.request('Pair', {
      PairRecord: publicPairRecord(record),
      ProtocolVersion: PAIRING_PROTOCOL_VERSION,
      PairingOptions: { ExtendedPairingErrors: true },
      ...(hostName ? { HostName: hostName } : {}),
    });
    return optionalData(reply, 'EscrowBag', 'lockdown Pair reply');
  }

  async validatePair(record: PairRecord): Promise<void> {
    await this.request('ValidatePair', { PairRecord: publicPairRecord(record), ProtocolVersion: PAIRING_PROTOCOL_VERSION });
  }

  /** Unpair: devices sometimes echo "ValidatePair" instead of "Unpair", so the echo is not checked. */
  async unpair(record: PairRecord): Promise<void> {
    await this.request('Unpair', { PairRecord: { HostID: record.hostId }, ProtocolVersion: PAIRING_PROTOCOL_VERSION }, { checkEcho: false });
  }

  async startSession(record: PairRecord): Promise<void> {
    if (this.sessionId) throw new ProtocolError('lockdown: a session is already open', { code: 'LOCKDOWN_SESSION_ACTIVE' });
    const reply = await this.request('StartSession', { HostID: record.hostId, SystemBUID: record.systemBuid });
    const what = 'lockdown StartSession reply';
    this.sessionId = requireString(reply, 'SessionID', what);
    this.record = record;
    if (optionalBool(reply, 'EnableSessionSSL', what)) await this.upgradeToTls(record);
  }

  /** Ends the session; the connection is closed with it (TLS cannot be unwound in place). */
  async stopSession(): Promise<void> {
    if (!this.sessionId) return;
    const sessionId = this.sessionId;
    this.sessionId = undefined;
    await this.request('StopSession', { SessionID: sessionId });
  }

  async startService(service: string, options: { escrowBag?: Uint8Array } = {}): Promise<ServiceEndpoint> {
    const reply = await this.request('StartService', { Service: service, ...(options.escrowBag ? { EscrowBag: options.escrowBag } : {}) });
    const what = 'lockdown StartService reply';
    return { service, port: requireUint(reply, 'Port', what, 65535), ssl: optionalBool(reply, 'EnableServiceSSL', what) ?? false };
  }

  /** Starts a service and connects to it, with TLS when the device asks for it. */
  async openService(service: string, options: { escrowBag?: Uint8Array } = {}): Promise<Duplex> {
    const endpoint = await this.startService(service, options);
    const stream = await this.transport.connect(endpoint.port);
    if (!endpoint.ssl) return stream;
    if (!this.record) throw new ProtocolError(`${service} needs TLS but no pair record is in use`, { code: 'LOCKDOWN_NO_SESSION' });
    return startTls(stream, this.record, `${service} on ${this.transport.udid}`);
  }

  close(): void {
    this.stream.destroy();
  }

  /** Sends one request and returns the reply dict, turning `Error` into a typed DeviceError. */
  async request(name: string, fields: PlistDict = {}, options: { checkEcho?: boolean; timeoutMs?: number } = {}): Promise<PlistDict> {
    const message: PlistDict = { Label: this.label, Request: name, ...fields };
    if (this.stream.destroyed) throw new DisconnectedError(`lockdown ${this.transport.udid}: connection already closed`);
    writePlistFrame(this.stream, message, 'xml');
    const reply = await readPlistDict(this.reader, {
      timeoutMs: options.timeoutMs ?? LOCKDOWN_REPLY_TIMEOUT_MS,
      what: `lockdown ${name} reply`,
    });
    const error = optionalString(reply, 'Error', `lockdown ${name} reply`);
    if (error !== undefined) throw deviceErrorFor(error, name);
    if (options.checkEcho !== false) {
      const echo = optionalString(reply, 'Request', `lockdown ${name} reply`);
      if (echo !== name) {
        throw new ProtocolError(`lockdown: sent ${name} but the reply is for ${echo ?? 'nothing'}`, { code: 'PROTOCOL_BAD_MESSAGE' });
      }
    }
    if (reply['Result'] === 'Failure') throw new ProtocolError(`lockdown ${name} failed without an error string`, { code: 'LOCKDOWN_FAILURE' });
    return reply;
  }

  private async upgradeToTls(record: PairRecord): Promise<void> {
    const raw = this.reader.detach();
    this.stream = await startTls(raw, record, `lockdown session on ${this.transport.udid}`);
    this.reader = new StreamReader(this.stream, `lockdown ${this.transport.udid} (TLS)`);
  }
}

/** Runs the TLS client handshake on a connected stream, bounded in time. */
export function startTls(stream: Duplex, record: PairRecord, what: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ socket: stream, ...hostTlsOptions(record) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TimeoutError(`${what}: TLS handshake did not finish within ${TLS_HANDSHAKE_TIMEOUT_MS} ms`));
    }, TLS_HANDSHAKE_TIMEOUT_MS);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new DisconnectedError(`${what}: TLS handshake failed (${error.message})`, {
          code: 'LOCKDOWN_TLS_FAILED',
          hint: 'The iPhone may have forgotten this computer: pair again with `lifeboat pair`.',
          cause: error,
        }),
      );
    });
  });
}
