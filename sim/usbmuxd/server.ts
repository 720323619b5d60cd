/**
 * The virtual iPhone's usbmuxd: serves the usbmux protocol on a UNIX socket (or TCP port) so that
 * libimobiledevice tools and Lifeboat reach virtual devices exactly as they reach real ones.
 *
 * Nouns: the *backplane* is what sits behind the daemon (the attached virtual devices, the pair-record
 * store, the system BUID, and the simulator's own control messages); this file only speaks the wire
 * protocol and keeps one client connection's trouble from affecting any other.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { PlistDict } from '../../src/plist/index.js';
import { encodeBinaryResult, encodePlistPacket, MuxResult, MuxVersion, readMuxPacket } from '../../src/protocol/usbmux/frames.js';
import { deviceToPlist, eventToPlist, requestFromPlist, type MuxDevice, type MuxEvent } from '../../src/protocol/usbmux/messages.js';
import { StreamReader } from '../../src/protocol/wire/stream-reader.js';
import { describeError } from '../../src/util/errors.js';
import type { SimLogger } from '../log.js';

export interface MuxBackplane {
  devices(): readonly MuxDevice[];
  subscribe(listener: (event: MuxEvent) => void): () => void;
  /**
   * Looks up a device port: a function that takes over the tunnel's stream when something listens
   * there, or a usbmux result code (BADDEV, CONNREFUSED) when not.
   */
  connect(deviceId: number, port: number): ((stream: Duplex) => void) | number;
  readonly systemBuid: string;
  readPairRecord(udid: string): Uint8Array | undefined;
  savePairRecord(udid: string, data: Uint8Array, deviceId: number | undefined): void;
  deletePairRecord(udid: string): boolean;
  /** Extension messages (MessageType starting with "Lifeboat"); undefined means unknown. */
  control(message: PlistDict): Promise<PlistDict | undefined>;
}

/** A client must send its request within this time; an idle half-open socket is closed. */
const REQUEST_TIMEOUT_MS = 60_000;

export class MuxServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private listeners: Array<{ name: string }> = [];

  constructor(
    private readonly backplane: MuxBackplane,
    private readonly logger: SimLogger,
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  listen(target: { path: string } | { host: string; port: number }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(target, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  address(): net.AddressInfo | string | null {
    return this.server.address();
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  listenerCount(): number {
    return this.listeners.length;
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    void this.serve(socket).catch((error: unknown) => {
      this.logger.log('warn', 'usbmux client connection closed', { reason: describeError(error) });
      socket.destroy();
    });
  }

  private async serve(socket: net.Socket): Promise<void> {
    const reader = new StreamReader(socket, 'usbmux client');
    for (;;) {
      let packet;
      try {
        packet = await readMuxPacket(reader, { timeoutMs: REQUEST_TIMEOUT_MS });
      } catch (error) {
        if (reader.available === 0 && isCleanClose(error)) return;
        throw error;
      }
      const tag = packet.header.tag;
      if (packet.header.version === MuxVersion.BINARY || !packet.plist) {
        // Legacy binary clients retry with the plist protocol when told the version is bad.
        socket.write(encodeBinaryResult(tag, MuxResult.BADVERSION));
        continue;
      }
      const request = requestFromPlist(packet.plist);
      switch (request.type) {
        case 'ListDevices':
          socket.write(encodePlistPacket(tag, { DeviceList: this.backplane.devices().map(deviceToPlist) }));
          break;
        case 'Listen':
          socket.write(encodePlistPacket(tag, { MessageType: 'Result', Number: MuxResult.OK }));
          this.streamEvents(socket, reader, packet.plist);
          return;
        case 'Connect': {
          const target = this.backplane.connect(request.deviceId, request.port);
          if (typeof target === 'number') {
            socket.write(encodePlistPacket(tag, { MessageType: 'Result', Number: target }));
            break;
          }
          // The reply must reach the client before any byte of the device port's protocol.
          socket.write(encodePlistPacket(tag, { MessageType: 'Result', Number: MuxResult.OK }));
          const stream = reader.detach();
          socket.removeAllListeners('error');
          target(stream);
          return;
        }
        case 'ReadBUID':
          socket.write(encodePlistPacket(tag, { BUID: this.backplane.systemBuid }));
          break;
        case 'ListListeners':
          socket.write(
            encodePlistPacket(tag, {
              ListenerList: this.listeners.map((l) => ({ Blacklisted: false, ConnType: 0, 'ID String': l.name, ProgName: l.name, kLibUSBMuxVersion: 3 })),
            }),
          );
          break;
        case 'ReadPairRecord': {
          const data = this.backplane.readPairRecord(request.udid);
          socket.write(encodePlistPacket(tag, data ? { PairRecordData: data } : { MessageType: 'Result', Number: MuxResult.ENOENT }));
          break;
        }
        case 'SavePairRecord':
          this.backplane.savePairRecord(request.udid, request.data, request.deviceId);
          socket.write(encodePlistPacket(tag, { MessageType: 'Result', Number: MuxResult.OK }));
          break;
        case 'DeletePairRecord': {
          const existed = this.backplane.deletePairRecord(request.udid);
          socket.write(encodePlistPacket(tag, { MessageType: 'Result', Number: existed ? MuxResult.OK : MuxResult.ENOENT }));
          break;
        }
        case 'Unknown': {
          const reply = request.name.startsWith('Lifeboat') ? await this.backplane.control(packet.plist) : undefined;
          if (reply) socket.write(encodePlistPacket(tag, reply));
          else {
            this.logger.log('warn', 'usbmux: unknown request', { messageType: request.name.slice(0, 64) });
            socket.write(encodePlistPacket(tag, { MessageType: 'Result', Number: MuxResult.BADCOMMAND }));
          }
          break;
        }
      }
    }
  }

  /** A Listen socket receives Attached for every present device, then every change. */
  private streamEvents(socket: net.Socket, reader: StreamReader, request: PlistDict): void {
    const name = typeof request['ProgName'] === 'string' ? request['ProgName'] : 'unknown';
    const entry = { name };
    this.listeners.push(entry);
    const send = (event: MuxEvent): void => {
      if (!socket.destroyed) socket.write(encodePlistPacket(0, eventToPlist(event)));
    };
    for (const device of this.backplane.devices()) send({ type: 'Attached', device });
    const unsubscribe = this.backplane.subscribe(send);
    reader.detach();
    socket.resume(); // nothing more is expected from a listener; drain whatever it sends
    socket.on('close', () => {
      unsubscribe();
      this.listeners = this.listeners.filter((l) => l !== entry);
    });
  }
}

function isCleanClose(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error as { code: unknown }).code === 'DEVICE_DISCONNECTED';
}
