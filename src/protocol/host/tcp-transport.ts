/**
 * TcpTransport: reaching a phone directly over the network (Wi-Fi sync), without usbmuxd.
 *
 * A phone with Wi-Fi sync on serves lockdownd on TCP port 62078 of its own address, and every service
 * StartService opens is a TCP port on that same address — so "connect to device port P" is a plain TCP
 * connection to address:P. Lockdown, TLS and the services above are unchanged (they only see
 * DeviceTransport). The connection is bounded in time: a phone that left the network answers nothing.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { DisconnectedError, TimeoutError } from '../errors.js';
import type { DeviceTransport } from '../transport.js';

/** How long a TCP connect to the phone may take; a phone on the same network answers in milliseconds. */
export const WIFI_CONNECT_TIMEOUT_MS = 5000;

/** The connection label of a device reached directly over the network. */
export const WIFI_CONNECTION = 'wifi' as const;

export interface TcpTransportOptions {
  readonly connectTimeoutMs?: number;
  /** The phone's Wi-Fi MAC address (from its mDNS name), kept for reporting. */
  readonly wifiMac?: string;
}

export class TcpTransport implements DeviceTransport {
  readonly connection = WIFI_CONNECTION;
  readonly muxDeviceId = undefined;
  readonly wifiMac: string | undefined;
  private readonly connectTimeoutMs: number;

  constructor(
    readonly udid: string,
    /** The phone's IP address (IPv4, or IPv6 with an optional %zone). */
    readonly address: string,
    options: TcpTransportOptions = {},
  ) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? WIFI_CONNECT_TIMEOUT_MS;
    this.wifiMac = options.wifiMac;
  }

  describe(): string {
    return this.address.includes(':') ? `[${this.address}]` : this.address;
  }

  connect(port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ host: this.address, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new TimeoutError(`the iPhone ${this.udid} at ${this.describe()} did not answer on port ${port} within ${this.connectTimeoutMs} ms`, {
            hint: 'Check that the iPhone is awake, on the same Wi-Fi network as this computer, and has Wi-Fi sync on (`lifeboat wifi on` over USB).',
          }),
        );
      }, this.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        // Keep-alive lets the OS notice a phone that vanished from the network without saying so.
        socket.setKeepAlive(true, 10_000);
        resolve(socket);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        socket.destroy();
        reject(
          new DisconnectedError(`cannot reach the iPhone ${this.udid} at ${this.describe()} port ${port} over Wi-Fi (${error.code ?? error.message})`, {
            hint: 'Check that the iPhone is on the same Wi-Fi network as this computer and has Wi-Fi sync on, or connect it with a cable.',
            cause: error,
          }),
        );
      });
    });
  }
}
