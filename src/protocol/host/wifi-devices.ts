/**
 * Paired phones on the network: mDNS advertisements matched to pair records by Wi-Fi MAC, and the
 * Wi-Fi sync setting itself (lockdown's EnableWifiConnections in com.apple.mobile.wireless_lockdown).
 *
 * Nouns: a *Wi-Fi device* is an advertisement whose MAC belongs to a phone this computer holds a pair
 * record for; only those are reported (a stranger's phone on the same network is none of our business).
 * Reaching one gives a TcpTransport to the first of its addresses where lockdownd answers.
 */
import { isIP } from 'node:net';
import { LockdownDomain } from '../lockdown/constants.js';
import type { PairRecord } from '../lockdown/pairing/index.js';
import { normalizeMac } from '../mdns/mobdev2.js';
import { LOCKDOWN_PORT } from '../lockdown/constants.js';
import { DeviceError, DisconnectedError } from '../errors.js';
import type { DeviceTransport } from '../transport.js';
import { sameUdid } from './select-device.js';
import { openTrustedSession } from './session.js';
import type { PairRecordStore } from './pair-store.js';
import { TcpTransport, type TcpTransportOptions } from './tcp-transport.js';
import { discoverWifiDevices, type DiscoveryOptions, type WifiAdvertisement } from './wifi-discovery.js';

export interface WifiDevice {
  readonly udid: string;
  readonly wifiMac: string;
  readonly instance: string;
  /** IPv4 addresses first: a link-local IPv6 address needs a zone this computer may not know. */
  readonly addresses: string[];
}

export interface KnownRecords {
  list(): Promise<Array<{ udid: string; record: PairRecord }>>;
}

/** Pairs advertisements with records by Wi-Fi MAC; phones without a record (or without an address) are left out. */
export function matchAdvertisements(advertisements: readonly WifiAdvertisement[], records: ReadonlyArray<{ udid: string; record: PairRecord }>): WifiDevice[] {
  const byMac = new Map<string, string>();
  for (const { udid, record } of records) {
    const mac = record.wifiMacAddress ? normalizeMac(record.wifiMacAddress) : undefined;
    if (mac) byMac.set(mac, udid);
  }
  const out = new Map<string, WifiDevice>();
  for (const ad of advertisements) {
    const udid = byMac.get(ad.wifiMac);
    const addresses = ad.addresses.filter((a) => isIP(a) !== 0).sort((a, b) => isIP(a) - isIP(b));
    if (!udid || addresses.length === 0) continue;
    const seen = out.get(udid);
    out.set(udid, seen ? { ...seen, addresses: [...new Set([...seen.addresses, ...addresses])] } : { udid, wifiMac: ad.wifiMac, instance: ad.instance, addresses });
  }
  return [...out.values()];
}

/**
 * Browses mDNS and returns the paired phones found (see discoverWifiDevices for the options). It stops
 * as soon as every phone with a record — or the one `udid` names — has answered with an address.
 */
export async function findWifiDevices(records: KnownRecords, options: DiscoveryOptions & { readonly udid?: string } = {}): Promise<WifiDevice[]> {
  const known = await records.list();
  const wanted = options.udid === undefined ? known : known.filter((k) => sameUdid(k.udid, options.udid as string));
  if (known.length === 0) return [];
  const enough = (seen: readonly WifiAdvertisement[]): boolean =>
    wanted.length > 0 && matchAdvertisements(seen, wanted).length === wanted.length;
  return matchAdvertisements(await discoverWifiDevices({ ...options, enough }), known);
}

/** A transport to the first address of the phone where lockdownd accepts a connection. */
export async function reachWifiDevice(device: WifiDevice, options: TcpTransportOptions = {}): Promise<TcpTransport> {
  let lastError: unknown;
  for (const address of device.addresses) {
    const transport = new TcpTransport(device.udid, address, { ...options, wifiMac: device.wifiMac });
    try {
      const probe = await transport.connect(LOCKDOWN_PORT);
      probe.destroy();
      return transport;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error
    ? lastError
    : new DisconnectedError(`the iPhone ${device.udid} advertises Wi-Fi sync but has no address`, { code: 'DEVICE_NOT_FOUND' });
}

/** The phone's EnableWifiConnections (Wi-Fi sync) setting, read in a trusted session. */
export async function readWifiSync(transport: DeviceTransport, store: PairRecordStore): Promise<boolean> {
  const { lockdown } = await openTrustedSession(transport, store);
  try {
    return (await lockdown.getValue(LockdownDomain.WIRELESS_LOCKDOWN, 'EnableWifiConnections')) === true;
  } finally {
    lockdown.close();
  }
}

export interface WifiSyncResult {
  readonly enabled: boolean;
  /** The phone's Wi-Fi MAC address (GetValue WiFiAddress), which discovery matches on. */
  readonly wifiMac: string | undefined;
  /** The pair record, with WiFiMACAddress filled in when it was missing. */
  readonly record: PairRecord;
  /** True when `record` differs from the stored one (the caller should save it). */
  readonly recordChanged: boolean;
}

/**
 * Turns Wi-Fi sync on or off and reads the setting back (a phone that ignored SetValue is an error,
 * not a success). Also returns the Wi-Fi MAC so the caller can keep it in the pair record.
 */
export async function setWifiSync(transport: DeviceTransport, store: PairRecordStore, enabled: boolean): Promise<WifiSyncResult> {
  const { lockdown, record } = await openTrustedSession(transport, store);
  try {
    await lockdown.setValue(LockdownDomain.WIRELESS_LOCKDOWN, 'EnableWifiConnections', enabled);
    const now = (await lockdown.getValue(LockdownDomain.WIRELESS_LOCKDOWN, 'EnableWifiConnections')) === true;
    if (now !== enabled) {
      throw new DeviceError('WifiSyncNotChanged', `the iPhone kept Wi-Fi sync ${now ? 'on' : 'off'} after being asked to turn it ${enabled ? 'on' : 'off'}`, {
        hint: 'Unlock the iPhone and try again; a device management profile may forbid Wi-Fi sync.',
      });
    }
    const reported = await lockdown.getValue(undefined, 'WiFiAddress').catch(() => undefined);
    const wifiMac = typeof reported === 'string' ? normalizeMac(reported) : record.wifiMacAddress ? normalizeMac(record.wifiMacAddress) : undefined;
    const updated: PairRecord = wifiMac && (!record.wifiMacAddress || normalizeMac(record.wifiMacAddress) !== wifiMac) ? { ...record, wifiMacAddress: wifiMac } : record;
    return { enabled: now, wifiMac, record: updated, recordChanged: updated !== record };
  } finally {
    lockdown.close();
  }
}
