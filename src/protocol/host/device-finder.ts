/**
 * Every phone this computer can reach, however it is attached: what usbmuxd reports (USB, and on
 * macOS/Windows "Network") merged with paired phones found on Wi-Fi by mDNS. A phone seen several ways
 * is one entry, reached the best way: USB, then usbmuxd's network path, then Wi-Fi directly.
 *
 * Wi-Fi discovery is opt-in per call (`wifi`), because it sends multicast queries on the local network
 * and waits for answers; commands enable it when this computer holds Wi-Fi pair records.
 */
import type { UsbmuxClient } from '../usbmux/client.js';
import type { MuxDevice } from '../usbmux/messages.js';
import { UsbmuxTransport, type DeviceTransport } from '../transport.js';
import { isUnreachable } from './pair-record-dir.js';
import { DeviceNotFoundError, normalizeUdid, sameUdid } from './select-device.js';
import { WIFI_CONNECTION, type TcpTransportOptions } from './tcp-transport.js';
import type { DiscoveryOptions } from './wifi-discovery.js';
import { findWifiDevices, reachWifiDevice, type KnownRecords, type WifiDevice } from './wifi-devices.js';

export type Connection = 'USB' | 'Network' | 'wifi';

export interface ReachableDevice {
  readonly udid: string;
  /** How it will be reached (the preferred of `connections`). */
  readonly connection: Connection;
  readonly connections: Connection[];
  readonly mux?: MuxDevice;
  readonly wifi?: WifiDevice;
}

export interface FindOptions {
  readonly mux: UsbmuxClient;
  /** Look for paired phones on Wi-Fi too; the records say which MACs are ours. */
  readonly wifi?: { readonly records: KnownRecords; readonly discovery?: DiscoveryOptions; readonly transport?: TcpTransportOptions };
  /** The phone the caller wants: discovery stops as soon as it answers. */
  readonly udid?: string;
}

const RANK: Record<Connection, number> = { USB: 0, Network: 1, [WIFI_CONNECTION]: 2 };

/** Lists reachable phones. Without Wi-Fi, an unreachable usbmuxd is an error; with it, it means "no USB phones". */
export async function findDevices(options: FindOptions): Promise<ReachableDevice[]> {
  const wifiSearch = options.wifi
    ? findWifiDevices(options.wifi.records, { ...options.wifi.discovery, ...(options.udid !== undefined ? { udid: options.udid } : {}) })
    : Promise.resolve([]);
  let muxDevices: MuxDevice[] = [];
  try {
    muxDevices = await options.mux.listDevices();
  } catch (error) {
    if (!options.wifi || !isUnreachable(error)) {
      await wifiSearch.catch(() => undefined);
      throw error;
    }
  }
  const wifiDevices = await wifiSearch;
  return mergeDevices(muxDevices, wifiDevices);
}

export function mergeDevices(muxDevices: readonly MuxDevice[], wifiDevices: readonly WifiDevice[]): ReachableDevice[] {
  const groups = new Map<string, { udid: string; mux: MuxDevice[]; wifi?: WifiDevice }>();
  const group = (udid: string): { udid: string; mux: MuxDevice[]; wifi?: WifiDevice } => {
    const key = normalizeUdid(udid);
    let entry = groups.get(key);
    if (!entry) groups.set(key, (entry = { udid, mux: [] }));
    return entry;
  };
  for (const device of muxDevices) group(device.udid).mux.push(device);
  for (const device of wifiDevices) group(device.udid).wifi = device;
  return [...groups.values()].map(({ udid, mux, wifi }) => {
    const sorted = [...mux].sort((a, b) => RANK[a.connectionType] - RANK[b.connectionType]);
    const connections: Connection[] = [...new Set<Connection>([...sorted.map((d) => d.connectionType), ...(wifi ? (['wifi'] as const) : [])])];
    const best = sorted[0];
    return {
      udid: best?.udid ?? udid,
      connection: connections[0] as Connection,
      connections,
      ...(best ? { mux: best } : {}),
      ...(wifi ? { wifi } : {}),
    };
  });
}

/** The phone named by UDID, or the only one reachable; errors name the ones that are. */
export function chooseDevice(devices: readonly ReachableDevice[], udid?: string): ReachableDevice {
  const list = (): string => devices.map((d) => `${d.udid} (${d.connections.join('+')})`).join(', ');
  if (udid !== undefined) {
    const match = devices.find((d) => sameUdid(d.udid, udid));
    if (!match) {
      throw new DeviceNotFoundError(
        `no connected iPhone has UDID ${udid}`,
        devices.length ? `Connected: ${list()}.` : 'Connect the iPhone with a cable and unlock it (or turn on Wi-Fi sync with `lifeboat wifi on`).',
      );
    }
    return match;
  }
  if (devices.length === 0) throw new DeviceNotFoundError('no iPhone is connected', 'Connect the iPhone with a cable and unlock it.');
  if (devices.length > 1) throw new DeviceNotFoundError(`${devices.length} iPhones are connected`, `Choose one with --udid: ${list()}.`);
  return devices[0] as ReachableDevice;
}

/** A transport for the phone's preferred connection (Wi-Fi: the first address where lockdownd answers). */
export function transportFor(device: ReachableDevice, mux: UsbmuxClient, options: TcpTransportOptions = {}): Promise<DeviceTransport> {
  if (device.mux) return Promise.resolve(new UsbmuxTransport(mux, device.mux));
  if (device.wifi) return reachWifiDevice(device.wifi, options);
  return Promise.reject(new DeviceNotFoundError(`the iPhone ${device.udid} has no usable connection`, 'Reconnect it.'));
}
