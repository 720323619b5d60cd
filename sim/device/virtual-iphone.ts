/**
 * VirtualIPhone: one simulated phone — its identity, keys, controllable state, trusted hosts, and the
 * TCP ports it serves (lockdownd on 62078, plus one-shot ports that StartService opens).
 *
 * It knows nothing about usbmux; the simulator attaches it to the virtual usbmuxd as a USB and/or
 * network device depending on its state (plugged in, on Wi-Fi with Wi-Fi sync on), and asks it for
 * a port's handler when a client Connects. Unplugging cuts every open connection, as a cable pull does.
 */
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { MuxResult } from '../../src/protocol/usbmux/frames.js';
import { LOCKDOWN_PORT } from '../../src/protocol/lockdown/constants.js';
import type { SimLogger } from '../log.js';
import type { DeviceIdentity } from '../model/identity.js';
import { applySettings, forgetsTrustedHosts, validateState, type DeviceState } from '../model/state.js';
import type { SimStore } from '../store.js';
import { pairedHostFromJson, pairedHostToJson, type PairedHost, type PairedHostJson } from './paired-hosts.js';

export interface DeviceKeys {
  readonly publicKeyPem: Buffer;
  readonly privateKeyPem: Buffer;
}

/** How a connection reached the device; pairing is refused over the network, as on a phone. */
export type ConnectionKind = 'USB' | 'Network';
/** Handles one accepted connection on a device port. */
export type PortHandler = (stream: Duplex) => void;
export type LockdownHandler = (stream: Duplex, via: ConnectionKind) => void;
/** Serves one lockdown service on an already-secured stream. */
export type ServiceHandler = (stream: Duplex, device: VirtualIPhone) => void;

interface PendingServicePort {
  readonly service: string;
  readonly host: PairedHost;
  readonly timer: NodeJS.Timeout;
}

/** StartService ports close if nobody connects within this time, as on a phone. */
const SERVICE_PORT_TTL_MS = 30_000;

interface PersistedDevice {
  version: 1;
  keys: { publicKeyPem: string; privateKeyPem: string };
  state: DeviceState;
  pairedHosts: PairedHostJson[];
}

export interface VirtualIPhoneEvents {
  stateChanged: [previous: DeviceState, next: DeviceState];
  /** A device-side notification (relayed by notification_proxy to hosts that observe it). */
  notification: [name: string];
}

/** How many host-posted notifications the device remembers (tests and the backup agent read them). */
const POSTED_HISTORY = 100;

export class VirtualIPhone extends EventEmitter<VirtualIPhoneEvents> {
  private currentState: DeviceState;
  private readonly hosts = new Map<string, PairedHost>();
  private readonly servicePorts = new Map<number, PendingServicePort>();
  private readonly connections = new Map<Duplex, ConnectionKind>();
  private readonly services = new Map<string, ServiceHandler>();
  private lockdownHandler: LockdownHandler | undefined;
  /** Which service tunnel the device is using, for the TLS wrapper set by the lockdown server. */
  servicePortAcceptor: ((stream: Duplex, service: string, host: PairedHost, handler: ServiceHandler) => void) | undefined;

  constructor(
    readonly identity: DeviceIdentity,
    state: DeviceState,
    readonly keys: DeviceKeys,
    hosts: readonly PairedHost[],
    private readonly store: SimStore,
    readonly logger: SimLogger,
  ) {
    super();
    this.currentState = state;
    for (const host of hosts) this.hosts.set(host.hostId, host);
  }

  static storeName(udid: string): string {
    return `devices/${udid}.json`;
  }

  /** Loads a device from the store, or creates it (new keys, the given initial state) and saves it. */
  static async open(
    identity: DeviceIdentity,
    initialState: DeviceState,
    store: SimStore,
    logger: SimLogger,
    generateKeys: () => Promise<DeviceKeys>,
  ): Promise<VirtualIPhone> {
    const saved = store.read(VirtualIPhone.storeName(identity.udid));
    if (saved) {
      const json = JSON.parse(saved.toString('utf8')) as PersistedDevice;
      const keys = { publicKeyPem: Buffer.from(json.keys.publicKeyPem), privateKeyPem: Buffer.from(json.keys.privateKeyPem) };
      let state: DeviceState = { ...initialState, ...json.state };
      try {
        validateState(state);
      } catch (error) {
        // A state file from an older simulator (or edited by hand) must not make the phone impossible.
        logger.log('warn', 'saved state is invalid; starting from defaults', { udid: identity.udid, reason: String(error) });
        state = initialState;
      }
      return new VirtualIPhone(identity, state, keys, json.pairedHosts.map(pairedHostFromJson), store, logger);
    }
    const device = new VirtualIPhone(identity, initialState, await generateKeys(), [], store, logger);
    device.persist();
    return device;
  }

  get udid(): string {
    return this.identity.udid;
  }

  get state(): DeviceState {
    return this.currentState;
  }

  setState(next: DeviceState): void {
    const previous = this.currentState;
    this.currentState = next;
    this.persist();
    this.emit('stateChanged', previous, next);
  }

  /** Applies `key=value` settings (lifeboat sim set), checked against this phone's model. */
  applySettings(assignments: readonly string[]): void {
    const next = applySettings(this.currentState, assignments, { productType: this.identity.productType });
    // trustedHosts=none (validated above): the phone forgets every computer, as Reset Location & Privacy does.
    if (forgetsTrustedHosts(assignments)) this.hosts.clear();
    this.setState(next);
  }

  /** Private per-device files in the simulator's store (backup keybag, data overlay index, …). */
  readDeviceFile(name: string): Buffer | undefined {
    return this.store.read(`devices/${this.udid}/${name}`);
  }

  writeDeviceFile(name: string, data: Uint8Array): void {
    this.store.write(`devices/${this.udid}/${name}`, data);
  }

  removeDeviceFile(name: string): boolean {
    return this.store.remove(`devices/${this.udid}/${name}`);
  }

  pairedHosts(): PairedHost[] {
    return [...this.hosts.values()];
  }

  pairedHost(hostId: string): PairedHost | undefined {
    return this.hosts.get(hostId);
  }

  addPairedHost(host: PairedHost): void {
    this.hosts.set(host.hostId, host);
    this.persist();
  }

  removePairedHost(hostId: string): boolean {
    const existed = this.hosts.delete(hostId);
    if (existed) this.persist();
    return existed;
  }

  /** Notifications hosts posted through notification_proxy, oldest first. */
  readonly postedNotifications: string[] = [];

  recordPostedNotification(name: string): void {
    this.postedNotifications.push(name);
    if (this.postedNotifications.length > POSTED_HISTORY) this.postedNotifications.shift();
  }

  /** Fires a device-side notification, as when the user cancels a sync on the phone. */
  postDeviceNotification(name: string): void {
    this.emit('notification', name);
  }

  setLockdownHandler(handler: LockdownHandler): void {
    this.lockdownHandler = handler;
  }

  registerService(name: string, handler: ServiceHandler): void {
    this.services.set(name, handler);
  }

  hasService(name: string): boolean {
    return this.services.has(name);
  }

  /** Opens a one-shot port for a service (StartService); the connection to it must use TLS. */
  openServicePort(service: string, host: PairedHost): number {
    let port: number;
    do port = randomInt(49152, 65535);
    while (port === LOCKDOWN_PORT || this.servicePorts.has(port));
    const timer = setTimeout(() => this.servicePorts.delete(port), SERVICE_PORT_TTL_MS);
    timer.unref();
    this.servicePorts.set(port, { service, host, timer });
    return port;
  }

  /** What a usbmux Connect (or TCP connect) to `port` reaches: a handler, or a usbmux result code. */
  accept(port: number, via: ConnectionKind): PortHandler | number {
    if (port === LOCKDOWN_PORT && this.lockdownHandler) {
      const handler = this.lockdownHandler;
      return (stream) => handler(this.track(stream, via), via);
    }
    const pending = this.servicePorts.get(port);
    const handler = pending ? this.services.get(pending.service) : undefined;
    if (!pending || !handler || !this.servicePortAcceptor) return MuxResult.CONNREFUSED;
    this.servicePorts.delete(port);
    clearTimeout(pending.timer);
    const acceptor = this.servicePortAcceptor;
    return (stream) => acceptor(this.track(stream, via), pending.service, pending.host, handler);
  }

  /** Cuts the open connections that came over one path (cable pulled, Wi-Fi gone), or all of them. */
  dropConnections(via?: ConnectionKind): void {
    for (const [stream, kind] of this.connections) {
      if (via === undefined || kind === via) {
        stream.destroy();
        this.connections.delete(stream);
      }
    }
    if (via === undefined || this.connections.size === 0) {
      for (const pending of this.servicePorts.values()) clearTimeout(pending.timer);
      this.servicePorts.clear();
    }
  }

  openConnectionCount(): number {
    return this.connections.size;
  }

  private track(stream: Duplex, via: ConnectionKind): Duplex {
    this.connections.set(stream, via);
    stream.once('close', () => this.connections.delete(stream));
    return stream;
  }

  private persist(): void {
    const json: PersistedDevice = {
      version: 1,
      keys: { publicKeyPem: this.keys.publicKeyPem.toString('utf8'), privateKeyPem: this.keys.privateKeyPem.toString('utf8') },
      state: this.currentState,
      pairedHosts: [...this.hosts.values()].map(pairedHostToJson),
    };
    this.store.write(VirtualIPhone.storeName(this.udid), Buffer.from(JSON.stringify(json, null, 2)));
  }
}
