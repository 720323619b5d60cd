/**
 * DeviceTransport: how the host reaches TCP ports on one device. Over USB (and Apple's network
 * usbmuxd) that is a usbmux Connect; over Wi-Fi it is a direct TCP connection. Lockdown and every
 * service above it only see this interface, so they work the same on both paths.
 */
import type { Duplex } from 'node:stream';
import type { UsbmuxClient } from './usbmux/client.js';
import type { MuxDevice } from './usbmux/messages.js';

export interface DeviceTransport {
  readonly udid: string;
  /** "USB", "Network" (both through usbmuxd) or "wifi" (direct TCP, host/tcp-transport.ts). */
  readonly connection: string;
  /** usbmuxd's DeviceID when the device is reached through usbmuxd. */
  readonly muxDeviceId: number | undefined;
  connect(port: number): Promise<Duplex>;
}

export class UsbmuxTransport implements DeviceTransport {
  readonly udid: string;
  readonly connection: string;
  readonly muxDeviceId: number;

  constructor(
    private readonly mux: UsbmuxClient,
    readonly device: MuxDevice,
  ) {
    this.udid = device.udid;
    this.connection = device.connectionType;
    this.muxDeviceId = device.deviceId;
  }

  connect(port: number): Promise<Duplex> {
    return this.mux.connect(this.device.deviceId, port);
  }
}
