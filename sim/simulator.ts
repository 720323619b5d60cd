/**
 * Simulator: the virtual iPhones plus the usbmuxd in front of them — the backplane of MuxServer.
 *
 * Nouns: an *attachment* is one appearance of a phone in usbmuxd (USB while plugged in; Network while
 * on Wi-Fi with Wi-Fi sync on), with a DeviceID that, as in usbmuxd, is new each time it appears.
 * State changes made through the control channel re-evaluate attachments and emit Attached/Detached.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { PlistDict } from '../src/plist/index.js';
import { LockdownService } from '../src/protocol/lockdown/constants.js';
import { generateDeviceKeyPair } from '../src/protocol/lockdown/pairing/index.js';
import { MuxResult } from '../src/protocol/usbmux/frames.js';
import { encodeSockaddrIn, type MuxDevice, type MuxEvent } from '../src/protocol/usbmux/messages.js';
import { handleControl } from './control.js';
import type { PairedHost } from './device/paired-hosts.js';
import { VirtualIPhone, type ConnectionKind, type ServiceHandler } from './device/virtual-iphone.js';
import { acceptTls } from './lockdown/tls.js';
import { serveLockdown } from './lockdown/server.js';
import type { SimLogger } from './log.js';
import { generateIdentity, usbSerialNumber } from './model/identity.js';
import { defaultState, type DeviceState } from './model/state.js';
import { createDeviceFileSystem, type DataProfile, type VirtualDeviceFileSystem } from './data/index.js';
import { createMediaPartition, serveAfc, type MediaPartition } from './services/afc.js';
import { serveInstallationProxy } from './services/installation-proxy.js';
import { FAST_KDF, REAL_KDF } from './services/mobilebackup2/encryption.js';
import { mobileBackup2Service } from './services/mobilebackup2/index.js';
import { backupFaults } from './faults/backup-faults.js';
import { serveNotificationProxy } from './services/notification-proxy.js';
import { join } from 'node:path';
import { DirectoryStore, MemoryStore, type SimStore } from './store.js';
import type { MuxBackplane } from './usbmuxd/server.js';
import { SimNetwork } from './network/sim-network.js';
import { linkLocalFromMac, mobdev2InstanceName, MOBDEV2_SERVICE } from '../src/protocol/mdns/mobdev2.js';

export interface SimulatorOptions {
  readonly devices: number;
  readonly seed: string;
  readonly stateDir?: string;
  readonly autoTrust: boolean;
  readonly logger: SimLogger;
  /** How much data each phone holds (default: the small profile of sim/data). */
  readonly dataProfile?: DataProfile;
  /** Lower PBKDF2 cost for backup keybags — tests only; real phones use 10,000,000 + 10,000 rounds. */
  readonly fastKdf?: boolean;
  /** Block size the phones stream backup files in (a real phone uses 32 KiB). */
  readonly blockSize?: number;
  /**
   * First three octets of the phones' Wi-Fi addresses (phone i gets <prefix>.<i+2>); a random
   * 127.x.y by default. Loopback addresses keep every "Wi-Fi" connection on this machine.
   */
  readonly wifiPrefix?: string;
  /** Advertise Wi-Fi-sync phones by mDNS (on the loopback interface only); off by default. */
  readonly mdns?: boolean;
}

interface Attachment {
  readonly deviceId: number;
  readonly phone: VirtualIPhone;
  readonly kind: ConnectionKind;
}

const USB_SPEED = 480_000_000;
const APPLE_USB_PRODUCT_ID = 0x12a8;

export class Simulator implements MuxBackplane {
  readonly phones: VirtualIPhone[] = [];
  readonly systemBuid: string;
  private readonly attachments = new Map<number, Attachment>();
  private readonly fileSystems = new Map<VirtualIPhone, VirtualDeviceFileSystem>();
  private readonly mediaPartitions = new Map<VirtualIPhone, MediaPartition>();
  private readonly events = new EventEmitter<{ event: [MuxEvent] }>();
  private nextDeviceId = 1;
  /** Loopback addresses stand in for the phones' Wi-Fi addresses (never a real network). */
  private readonly networkPrefix: string;
  private readonly network: SimNetwork;

  private constructor(
    private readonly store: SimStore,
    readonly options: SimulatorOptions,
  ) {
    this.networkPrefix = options.wifiPrefix ?? `127.${randomInt(16, 250)}.${randomInt(1, 250)}`;
    this.network = new SimNetwork(options.logger, options.mdns ?? false);
    const saved = store.read('usbmuxd/SystemBUID');
    this.systemBuid = saved ? saved.toString('utf8').trim() : randomUUID().toUpperCase();
    if (!saved) store.write('usbmuxd/SystemBUID', Buffer.from(`${this.systemBuid}\n`));
  }

  static async create(options: SimulatorOptions): Promise<Simulator> {
    if (!Number.isInteger(options.devices) || options.devices < 1 || options.devices > 64) {
      throw new Error(`--devices must be a whole number from 1 to 64 (got ${options.devices})`);
    }
    const store = options.stateDir ? new DirectoryStore(options.stateDir) : new MemoryStore();
    const simulator = new Simulator(store, options);
    for (let index = 0; index < options.devices; index++) {
      const identity = generateIdentity(options.seed, index);
      const initial = Simulator.initialState(defaultState(identity), index);
      const phone = await VirtualIPhone.open(identity, initial, store, options.logger, generateDeviceKeyPair);
      simulator.install(phone, index);
    }
    for (const phone of simulator.phones) simulator.reconcile(phone);
    return simulator;
  }

  /** Even-numbered phones start on a USB cable, odd-numbered ones on the network (Wi-Fi sync on). */
  private static initialState(state: DeviceState, index: number): DeviceState {
    return index % 2 === 0
      ? { ...state, plugged: true, wifiSync: false }
      : { ...state, plugged: false, charging: false, wifi: true, wifiSync: true };
  }

  phone(udid: string): VirtualIPhone | undefined {
    const wanted = udid.replace(/-/g, '').toUpperCase();
    return this.phones.find((p) => p.udid.replace(/-/g, '').toUpperCase() === wanted);
  }

  attachmentsOf(phone: VirtualIPhone): Array<{ deviceId: number; connection: ConnectionKind }> {
    return [...this.attachments.values()].filter((a) => a.phone === phone).map((a) => ({ deviceId: a.deviceId, connection: a.kind }));
  }

  devices(): MuxDevice[] {
    return [...this.attachments.values()].map((a) => this.describeAttachment(a));
  }

  subscribe(listener: (event: MuxEvent) => void): () => void {
    this.events.on('event', listener);
    return () => this.events.off('event', listener);
  }

  connect(deviceId: number, port: number): ((stream: Duplex) => void) | number {
    const attachment = this.attachments.get(deviceId);
    if (!attachment) return MuxResult.BADDEV;
    return attachment.phone.accept(port, attachment.kind);
  }

  readPairRecord(udid: string): Uint8Array | undefined {
    return this.store.read(pairRecordName(udid));
  }

  savePairRecord(udid: string, data: Uint8Array, deviceId: number | undefined): void {
    this.store.write(pairRecordName(udid), data);
    if (deviceId !== undefined && this.attachments.has(deviceId)) this.events.emit('event', { type: 'Paired', deviceId });
  }

  deletePairRecord(udid: string): boolean {
    return this.store.remove(pairRecordName(udid));
  }

  control(message: PlistDict): Promise<PlistDict | undefined> {
    return Promise.resolve(handleControl(this, message));
  }

  /** The phone's file system (what its backups hold). */
  fileSystem(phone: VirtualIPhone): VirtualDeviceFileSystem {
    const fs = this.fileSystems.get(phone);
    if (!fs) throw new Error(`no file system for ${phone.udid}`);
    return fs;
  }

  /** The phone's media partition (what AFC serves). */
  mediaPartition(phone: VirtualIPhone): MediaPartition {
    const media = this.mediaPartitions.get(phone);
    if (!media) throw new Error(`no media partition for ${phone.udid}`);
    return media;
  }

  private install(phone: VirtualIPhone, index: number): void {
    const fs = createDeviceFileSystem({
      seed: `${this.options.seed}/${index}`,
      identity: phone.identity,
      ...(this.options.dataProfile ? { profile: this.options.dataProfile } : {}),
      ...(this.options.stateDir ? { stateDir: join(this.options.stateDir, 'devices', phone.udid, 'data') } : {}),
      // The version the phone shipped with: updating iOS later (sim set ios=…) keeps the user's data.
      iosVersion: defaultState(phone.identity).productVersion,
    });
    this.fileSystems.set(phone, fs);
    const media = createMediaPartition({ seed: `${this.options.seed}/${phone.udid}` });
    this.mediaPartitions.set(phone, media);
    const kdf = this.options.fastKdf ? FAST_KDF : REAL_KDF;
    phone.registerService(LockdownService.AFC, serveAfc(media));
    phone.registerService(LockdownService.INSTALLATION_PROXY, serveInstallationProxy(fs));
    phone.registerService(
      LockdownService.MOBILEBACKUP2,
      mobileBackup2Service(() => ({ phone, fs, kdf, ...(this.options.blockSize ? { blockSize: this.options.blockSize } : {}), faults: (link) => backupFaults(phone, link) })),
    );
    phone.setLockdownHandler((stream, via) => serveLockdown(phone, stream, via, { autoTrust: this.options.autoTrust }));
    phone.servicePortAcceptor = (stream: Duplex, service: string, host: PairedHost, handler: ServiceHandler) => {
      acceptTls(stream, host, phone.keys.privateKeyPem).then(
        (secure) => handler(secure, phone),
        (error: unknown) => {
          phone.logger.log('warn', 'service TLS handshake failed', { udid: phone.udid, service, reason: String(error) });
        },
      );
    };
    phone.registerService(LockdownService.NOTIFICATION_PROXY, serveNotificationProxy);
    phone.on('stateChanged', () => this.reconcile(phone));
    this.phones.push(phone);
  }

  /** Makes usbmuxd's view of a phone match its state, emitting Attached/Detached for the differences. */
  private reconcile(phone: VirtualIPhone): void {
    const wanted: Record<ConnectionKind, boolean> = {
      USB: phone.state.plugged,
      // usbmuxd (Apple's) lists a phone on the network only when it can reach it.
      Network: phone.state.wifi && phone.state.wifiSync && phone.state.wifiNetwork === 'same',
    };
    for (const kind of ['USB', 'Network'] as const) {
      const current = [...this.attachments.values()].find((a) => a.phone === phone && a.kind === kind);
      if (wanted[kind] && !current) {
        const attachment = { deviceId: this.nextDeviceId++, phone, kind };
        this.attachments.set(attachment.deviceId, attachment);
        this.events.emit('event', { type: 'Attached', device: this.describeAttachment(attachment) });
      } else if (!wanted[kind] && current) {
        this.attachments.delete(current.deviceId);
        phone.dropConnections(kind);
        this.events.emit('event', { type: 'Detached', deviceId: current.deviceId });
      }
    }
    // On the network the phone also listens on its own address and (with mDNS) advertises itself.
    if (wanted.Network) this.network.join(phone, this.networkAddressOf(phone));
    else if (phone.state.wifi && phone.state.wifiSync && phone.state.wifiNetwork === 'unreachable') this.network.join(phone, this.unreachableAddressOf(phone), false);
    else this.network.leave(phone);
  }

  /** Resolves once every phone's network listeners have started or stopped (after a state change). */
  networkSettled(): Promise<void> {
    return this.network.settled();
  }

  /** TCP connections the phone accepted on its own network address (not through usbmuxd). */
  networkConnectionsAccepted(phone: VirtualIPhone): number {
    return this.network.acceptedConnections(phone);
  }

  /** The phones' mDNS names, as advertised now (empty without mDNS). */
  advertisedInstances(): string[] {
    return this.network.advertised();
  }

  /** Stops the phones' network listeners and mDNS (the usbmuxd server is closed by its owner). */
  close(): Promise<void> {
    for (const phone of this.phones) phone.dropConnections();
    return this.network.close();
  }

  private describeAttachment(attachment: Attachment): MuxDevice {
    const { phone, deviceId } = attachment;
    if (attachment.kind === 'USB') {
      return {
        deviceId,
        // usbmuxd reports the USB serial (24 hex digits, no dash); libusbmuxd re-inserts the dash.
        udid: usbSerialNumber(phone.udid),
        connectionType: 'USB',
        connectionSpeed: USB_SPEED,
        locationId: 0x14100000 + this.phones.indexOf(phone) * 0x10000,
        productId: APPLE_USB_PRODUCT_ID,
      };
    }
    const ip = this.networkAddressOf(phone);
    return {
      deviceId,
      udid: usbSerialNumber(phone.udid),
      connectionType: 'Network',
      networkAddress: encodeSockaddrIn(ip),
      escapedFullServiceName: `${mobdev2InstanceName(phone.identity.wifiAddress, linkLocalFromMac(phone.identity.wifiAddress))}.${MOBDEV2_SERVICE}.`,
      interfaceIndex: 1,
    };
  }

  networkAddressOf(phone: VirtualIPhone): string {
    return `${this.networkPrefix}.${this.phones.indexOf(phone) + 2}`;
  }

  /** The address a phone on an unreachable network announces: another loopback prefix, where nothing listens. */
  unreachableAddressOf(phone: VirtualIPhone): string {
    const other = this.networkPrefix === '127.253.253' ? '127.252.252' : '127.253.253';
    return `${other}.${this.phones.indexOf(phone) + 2}`;
  }
}

function pairRecordName(udid: string): string {
  return `usbmuxd/pair-records/${udid}.plist`;
}
