/**
 * The virtual iPhone's lockdownd: answers one connection's requests the way a phone does.
 *
 * Behaviour that matters to clients (and is therefore tested against real libimobiledevice tools):
 * - before a session only a few public values are readable; everything else needs StartSession;
 * - Pair follows the phone: PasswordProtected while locked, PairingDialogResponsePending until the
 *   user taps Trust, UserDeniedPairing after "Don't Trust", refused over the network;
 * - StartSession with an unknown HostID → InvalidHostID (the phone forgot the computer);
 * - with a session, TLS wraps the same socket; StopSession ends TLS and the connection;
 * - a malformed frame, a plist that is not a dict, or an unknown request closes this connection only.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { PlistDict, PlistValue } from '../../src/plist/index.js';
import { LOCKDOWN_TYPE, LockdownDomain } from '../../src/protocol/lockdown/constants.js';
import { verifyPairRecordForDevice } from '../../src/protocol/lockdown/pairing/index.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { optionalData, optionalString } from '../../src/protocol/wire/fields.js';
import { isPlistDict, readPlistDict, writePlistFrame } from '../../src/protocol/wire/plist-frame.js';
import { StreamReader } from '../../src/protocol/wire/stream-reader.js';
import { describeError } from '../../src/util/errors.js';
import type { PairedHost } from '../device/paired-hosts.js';
import type { ConnectionKind, VirtualIPhone } from '../device/virtual-iphone.js';
import { lockdownValue, publicKeys } from '../model/lockdown-values.js';
import { acceptTls } from './tls.js';

/** A lockdown client that says nothing for this long is dropped (real lockdownd times out too). */
const IDLE_TIMEOUT_MS = 120_000;
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface LockdownServerOptions {
  /** Pair at once, as if the user had unlocked the phone and tapped Trust. */
  readonly autoTrust: boolean;
}

class LockdownRefusal extends Error {
  constructor(readonly deviceError: string) {
    super(deviceError);
  }
}

export function serveLockdown(device: VirtualIPhone, stream: Duplex, via: ConnectionKind, options: LockdownServerOptions): void {
  const connection = new LockdownConnection(device, stream, via, options);
  void connection.run().catch((error: unknown) => {
    device.logger.log('warn', 'lockdown connection closed', { udid: device.udid, reason: describeError(error) });
    stream.destroy();
  });
}

class LockdownConnection {
  private reader: StreamReader;
  private stream: Duplex;
  private session: { id: string; host: PairedHost } | undefined;
  private done = false;

  constructor(
    private readonly device: VirtualIPhone,
    stream: Duplex,
    private readonly via: ConnectionKind,
    private readonly options: LockdownServerOptions,
  ) {
    this.stream = stream;
    this.reader = new StreamReader(stream, `lockdown server ${device.udid}`);
  }

  async run(): Promise<void> {
    while (!this.done) {
      let request: PlistDict;
      try {
        request = await readPlistDict(this.reader, { timeoutMs: IDLE_TIMEOUT_MS, maxBytes: MAX_REQUEST_BYTES, what: 'lockdown request' });
      } catch (error) {
        if (this.reader.available === 0 && error instanceof Error && 'code' in error && error.code === 'DEVICE_DISCONNECTED') return;
        throw error;
      }
      const name = optionalString(request, 'Request', 'lockdown request');
      if (name === undefined) throw new ProtocolError('lockdown request without a Request field', { code: 'PROTOCOL_BAD_MESSAGE' });
      let reply: PlistDict;
      try {
        reply = { Request: name, ...(await this.handle(name, request)) };
      } catch (error) {
        if (!(error instanceof LockdownRefusal)) throw error;
        reply = { Request: name, Error: error.deviceError };
      }
      this.send(reply);
      await this.afterReply(name, reply);
    }
  }

  private send(reply: PlistDict): void {
    writePlistFrame(this.stream, reply, 'xml');
  }

  private async handle(name: string, request: PlistDict): Promise<PlistDict> {
    switch (name) {
      case 'QueryType':
        return { Type: LOCKDOWN_TYPE };
      case 'GetValue':
        return this.getValue(request);
      case 'SetValue':
        return this.setValue(request);
      case 'RemoveValue':
        this.requireSession();
        throw new LockdownRefusal('RemoveProhibited');
      case 'Pair':
        return this.pair(request);
      case 'ValidatePair':
        return this.validatePair(request);
      case 'Unpair':
        return this.unpair(request);
      case 'StartSession':
        return this.startSession(request);
      case 'StopSession':
        return this.stopSession(request);
      case 'StartService':
        return this.startService(request);
      case 'Goodbye':
        return {};
      default:
        throw new ProtocolError(`lockdown: unknown request "${name.slice(0, 64)}"`, { code: 'PROTOCOL_UNKNOWN_REQUEST' });
    }
  }

  /** Switches protocol after the reply that announced it has been written. */
  private async afterReply(name: string, reply: PlistDict): Promise<void> {
    if (reply['Error'] !== undefined) return;
    if (name === 'StartSession' && this.session) {
      const raw = this.reader.detach();
      const secure = await acceptTls(raw, this.session.host, this.device.keys.privateKeyPem);
      this.stream = secure;
      this.reader = new StreamReader(secure, `lockdown server ${this.device.udid} (TLS)`);
    } else if (name === 'StopSession' || name === 'Goodbye') {
      // libimobiledevice shuts TLS down after StopSession and then closes; TLS cannot be unwound in
      // place here, so the connection ends with the session (clients open a new one when they need it).
      this.done = true;
      this.stream.end();
    }
  }

  private getValue(request: PlistDict): PlistDict {
    const domain = optionalString(request, 'Domain', 'lockdown GetValue');
    const key = optionalString(request, 'Key', 'lockdown GetValue');
    const extras = { devicePublicKeyPem: this.device.keys.publicKeyPem };
    if (!this.session) {
      if (domain !== undefined) throw new LockdownRefusal('GetProhibited');
      if (key === undefined) {
        const all = lockdownValue(this.device.identity, this.device.state, undefined, undefined, extras);
        const visible: PlistDict = {};
        if (isPlistDict(all)) for (const k of Object.keys(all)) if (publicKeys.has(k) && all[k] !== undefined) visible[k] = all[k] as PlistValue;
        return { Value: visible };
      }
      if (!publicKeys.has(key)) throw new LockdownRefusal('GetProhibited');
    }
    const value = lockdownValue(this.device.identity, this.device.state, domain, key, extras);
    if (value === undefined) throw new LockdownRefusal('MissingValue');
    return { ...(domain ? { Domain: domain } : {}), ...(key ? { Key: key } : {}), Value: value };
  }

  private setValue(request: PlistDict): PlistDict {
    this.requireSession();
    const domain = optionalString(request, 'Domain', 'lockdown SetValue');
    const key = optionalString(request, 'Key', 'lockdown SetValue');
    const value = request['Value'];
    if (key === undefined) throw new LockdownRefusal('MissingKey');
    if (value === undefined) throw new LockdownRefusal('MissingValue');
    if (domain === LockdownDomain.WIRELESS_LOCKDOWN && key === 'EnableWifiConnections') {
      if (typeof value !== 'boolean') throw new LockdownRefusal('InvalidValue');
      this.device.setState({ ...this.device.state, wifiSync: value });
      return { ...(domain ? { Domain: domain } : {}), Key: key };
    }
    throw new LockdownRefusal('SetProhibited');
  }

  private async pair(request: PlistDict): Promise<PlistDict> {
    if (this.via === 'Network') throw new LockdownRefusal('PairingProhibitedOverThisConnection');
    const recordValue = request['PairRecord'];
    if (recordValue === undefined) throw new LockdownRefusal('MissingPairRecord');
    const state = this.device.state;
    if (!this.options.autoTrust) {
      if (state.passcode && state.locked) throw new LockdownRefusal('PasswordProtected');
      if (state.trust === 'pending') throw new LockdownRefusal('PairingDialogResponsePending');
      if (state.trust === 'deny') throw new LockdownRefusal('UserDeniedPairing');
    }
    let record;
    try {
      record = verifyPairRecordForDevice(recordValue, this.device.keys.privateKeyPem);
    } catch (error) {
      this.device.logger.log('warn', 'Pair: rejected pair record', { udid: this.device.udid, reason: describeError(error) });
      throw new LockdownRefusal('InvalidPairRecord');
    }
    const escrowBag = randomBytes(64);
    this.device.addPairedHost({
      hostId: record.hostId,
      systemBuid: record.systemBuid,
      rootCertificatePem: Buffer.from(record.rootCertificatePem),
      hostCertificatePem: Buffer.from(record.hostCertificatePem),
      deviceCertificatePem: Buffer.from(record.deviceCertificatePem),
      escrowBag,
      pairedAt: new Date().toISOString(),
    });
    this.device.logger.log('info', 'paired with host', { udid: this.device.udid, hostId: record.hostId });
    return { EscrowBag: escrowBag };
  }

  private validatePair(request: PlistDict): PlistDict {
    const hostId = this.hostIdOf(request);
    if (!hostId || !this.device.pairedHost(hostId)) throw new LockdownRefusal('InvalidHostID');
    return {};
  }

  private unpair(request: PlistDict): PlistDict {
    const hostId = this.hostIdOf(request);
    if (!hostId) throw new LockdownRefusal('MissingHostID');
    if (!this.device.removePairedHost(hostId)) throw new LockdownRefusal('InvalidHostID');
    // The phone forgot this computer: the next Pair shows the Trust dialog again.
    if (this.device.state.trust === 'accept') this.device.setState({ ...this.device.state, trust: 'pending' });
    this.device.logger.log('info', 'unpaired host', { udid: this.device.udid, hostId });
    return {};
  }

  private hostIdOf(request: PlistDict): string | undefined {
    const record = request['PairRecord'];
    if (!isPlistDict(record)) return undefined;
    return optionalString(record, 'HostID', 'lockdown PairRecord');
  }

  private startSession(request: PlistDict): PlistDict {
    if (this.session) throw new LockdownRefusal('SessionActive');
    const hostId = optionalString(request, 'HostID', 'lockdown StartSession');
    if (!hostId) throw new LockdownRefusal('MissingHostID');
    const host = this.device.pairedHost(hostId);
    if (!host) throw new LockdownRefusal('InvalidHostID');
    this.session = { id: randomUUID().toUpperCase(), host };
    return { SessionID: this.session.id, EnableSessionSSL: true };
  }

  private stopSession(request: PlistDict): PlistDict {
    const sessionId = optionalString(request, 'SessionID', 'lockdown StopSession');
    if (!this.session) throw new LockdownRefusal('SessionInactive');
    if (sessionId !== this.session.id) throw new LockdownRefusal('InvalidSessionID');
    return {};
  }

  private async startService(request: PlistDict): Promise<PlistDict> {
    const session = this.requireSession();
    const service = optionalString(request, 'Service', 'lockdown StartService');
    if (!service) throw new LockdownRefusal('MissingService');
    if (!this.device.hasService(service)) throw new LockdownRefusal('InvalidService');
    const escrowBag = optionalData(request, 'EscrowBag', 'lockdown StartService');
    if (escrowBag && !Buffer.from(escrowBag).equals(session.host.escrowBag)) throw new LockdownRefusal('EscrowLocked');
    const port = await this.device.openServicePort(service, session.host, this.via);
    return { Service: service, Port: port, EnableServiceSSL: true };
  }

  private requireSession(): { id: string; host: PairedHost } {
    if (!this.session) throw new LockdownRefusal('SessionInactive');
    // The host may have been unpaired (from another connection) since the session began.
    if (!this.device.pairedHost(this.session.host.hostId)) throw new LockdownRefusal('InvalidHostID');
    return this.session;
  }
}
