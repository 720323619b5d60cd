/**
 * Choosing the device a command talks to: the one named by UDID (with or without the dash libusbmuxd
 * inserts), or the only one connected. A phone on both USB and the network is one device; USB wins.
 */
import { LifeboatError } from '../../util/errors.js';
import type { MuxDevice } from '../usbmux/messages.js';

export class DeviceNotFoundError extends LifeboatError {
  constructor(message: string, hint: string) {
    super(message, { code: 'DEVICE_NOT_FOUND', hint, retryable: true });
  }
}

export function normalizeUdid(udid: string): string {
  return udid.replace(/-/g, '').toUpperCase();
}

export function sameUdid(a: string, b: string): boolean {
  return normalizeUdid(a) === normalizeUdid(b);
}

/** One entry per phone, preferring its USB appearance. */
export function uniqueDevices(devices: readonly MuxDevice[]): MuxDevice[] {
  const byUdid = new Map<string, MuxDevice>();
  for (const device of devices) {
    const key = normalizeUdid(device.udid);
    const existing = byUdid.get(key);
    if (!existing || (existing.connectionType !== 'USB' && device.connectionType === 'USB')) byUdid.set(key, device);
  }
  return [...byUdid.values()];
}

export function selectDevice(devices: readonly MuxDevice[], udid?: string): MuxDevice {
  const phones = uniqueDevices(devices);
  if (udid !== undefined) {
    const match = phones.find((d) => sameUdid(d.udid, udid));
    if (!match) {
      throw new DeviceNotFoundError(
        `no connected iPhone has UDID ${udid}`,
        phones.length ? `Connected: ${phones.map((d) => d.udid).join(', ')}.` : 'Connect the iPhone with a cable and unlock it.',
      );
    }
    return match;
  }
  if (phones.length === 0) throw new DeviceNotFoundError('no iPhone is connected', 'Connect the iPhone with a cable and unlock it.');
  if (phones.length > 1) {
    throw new DeviceNotFoundError(
      `${phones.length} iPhones are connected`,
      `Choose one with --udid: ${phones.map((d) => d.udid).join(', ')}.`,
    );
  }
  return phones[0] as MuxDevice;
}
