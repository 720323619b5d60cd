/**
 * What doctor learns from the local network about phones with Wi-Fi sync: whether each one announces
 * itself by mDNS (`_apple-mobdev2._tcp`, matched to Lifeboat's Wi-Fi pair records by MAC — the same
 * discovery `lifeboat devices` and the daemon use), and whether lockdownd answers on TCP at the address
 * it announces. The findings then say which of "Wi-Fi sync off", "not on Wi-Fi" and "not on the same
 * network" holds from what was seen, not from a guess.
 *
 * Nouns: a *network fact* is per phone; *discovery* is one mDNS browse for the whole run of doctor
 * (`ran`, `off` when LIFEBOAT_WIFI=off, `no-records` when Lifeboat holds no Wi-Fi pair record, so
 * there is nothing it could match, or `failed` when the mDNS socket could not be used).
 */
import { wifiDiscoveryOff, type HostDevices } from '../../protocol/host/host-devices.js';
import { normalizeUdid } from '../../protocol/host/select-device.js';
import type { TcpTransport } from '../../protocol/host/tcp-transport.js';
import { findWifiDevices, reachWifiDevice, type WifiDevice } from '../../protocol/host/wifi-devices.js';
import { describeError } from '../../util/errors.js';

export type DiscoveryState = 'ran' | 'off' | 'no-records' | 'failed';

export interface NetworkScan {
  readonly discovery: DiscoveryState;
  /** Why discovery failed (with `failed`). */
  readonly error?: string;
  /** Paired phones that announced themselves, by normalized UDID. */
  readonly found: ReadonlyMap<string, WifiDevice>;
  /** UDIDs (as stored) of Lifeboat's Wi-Fi pair records. */
  readonly recordUdids: readonly string[];
}

export interface NetworkFact {
  readonly discovery: DiscoveryState;
  readonly discoveryError?: string;
  /** Lifeboat holds a Wi-Fi pair record for the phone (`lifeboat wifi on` made it). */
  readonly hasWifiRecord: boolean;
  /** usbmuxd lists the phone as a network device (Apple's usbmuxd on macOS and Windows does). */
  readonly muxNetwork: boolean;
  /** The addresses its mDNS announcement gives; absent when it was not seen. */
  readonly advertised?: readonly string[];
  /** Where lockdownd answered over TCP. */
  readonly reachableAt?: string;
  /** Why none of the announced addresses answered. */
  readonly unreachable?: string;
}

/** One mDNS browse for every phone Lifeboat holds a Wi-Fi pair record for (or only `udid`). */
export async function scanNetwork(devices: Pick<HostDevices, 'wifi' | 'wifiRecords'>, env: NodeJS.ProcessEnv, udid?: string): Promise<NetworkScan> {
  const recordUdids = devices.wifiRecords.udids();
  const none = new Map<string, WifiDevice>();
  if (wifiDiscoveryOff(env)) return { discovery: 'off', found: none, recordUdids };
  if (!devices.wifi || recordUdids.length === 0) return { discovery: 'no-records', found: none, recordUdids };
  try {
    const found = await findWifiDevices(devices.wifi.records, { ...devices.wifi.discovery, ...(udid !== undefined ? { udid } : {}) });
    return { discovery: 'ran', found: new Map(found.map((d) => [normalizeUdid(d.udid), d])), recordUdids };
  } catch (error) {
    return { discovery: 'failed', error: describeError(error), found: none, recordUdids };
  }
}

/**
 * The network fact for one phone; when it was announced, connects to lockdownd at its addresses (each
 * bounded by `connectTimeoutMs`) and returns the transport that answered, for examining it over Wi-Fi.
 */
export async function networkFactFor(
  scan: NetworkScan,
  udid: string,
  muxNetwork: boolean,
  connectTimeoutMs: number,
): Promise<{ fact: NetworkFact; transport?: TcpTransport }> {
  const key = normalizeUdid(udid);
  const base = {
    discovery: scan.discovery,
    ...(scan.error ? { discoveryError: scan.error } : {}),
    hasWifiRecord: scan.recordUdids.some((u) => normalizeUdid(u) === key),
    muxNetwork,
  };
  const device = scan.found.get(key);
  if (!device) return { fact: base };
  try {
    const transport = await reachWifiDevice(device, { connectTimeoutMs });
    return { fact: { ...base, advertised: device.addresses, reachableAt: transport.address }, transport };
  } catch (error) {
    return { fact: { ...base, advertised: device.addresses, unreachable: describeError(error) } };
  }
}
