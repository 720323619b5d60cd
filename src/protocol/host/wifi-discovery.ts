/**
 * Finding iPhones with Wi-Fi sync on: browse mDNS for `_apple-mobdev2._tcp` for a short while and
 * return every instance seen, with the addresses its A/AAAA records give (see protocol/mdns/mobdev2.ts).
 *
 * The socket comes from `multicast-dns` (the mDNS layer of bonjour-service): bonjour-service's own
 * Browser splits instance names at dots and offers no way to handle socket errors, while the host only
 * needs one PTR query and the answers. Everything that arrives is untrusted: names are parsed strictly,
 * addresses must be IP literals, and the number of instances kept is bounded.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import multicastDns, { type MdnsPacket, type MdnsRecord, type MulticastDnsOptions, type RemoteInfo } from 'multicast-dns';
import { ProtocolError } from '../errors.js';
import { MOBDEV2_SERVICE, parseMobdev2Instance } from '../mdns/mobdev2.js';

/** mDNS answers on a LAN arrive within tens of milliseconds; a phone that was asleep may take a second. */
export const DEFAULT_DISCOVERY_TIMEOUT_MS = 1500;
/** A hostile network cannot make discovery hold more than this many instances. */
const MAX_INSTANCES = 256;

export interface WifiAdvertisement {
  /** Full instance name, e.g. `aa:bb:cc:dd:ee:ff@fe80::…._apple-mobdev2._tcp.local`. */
  readonly instance: string;
  readonly wifiMac: string;
  /** SRV target host name (informational; connections use `addresses`). */
  readonly host: string | undefined;
  /** IP literals where the phone answers (lockdownd on TCP 62078). */
  readonly addresses: string[];
}

export interface DiscoveryOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Only use the network interface with this IPv4 address (all interfaces when unset). */
  readonly interfaceAddress?: string;
  /** Stop early once this holds for what has been seen (e.g. "the phone we want answered"). */
  readonly enough?: (seen: readonly WifiAdvertisement[]) => boolean;
}

interface Seen {
  host?: string;
  addresses: Set<string>;
  source?: string;
}

function recordsOf(packet: MdnsPacket): MdnsRecord[] {
  return [...(packet.answers ?? []), ...(packet.additionals ?? [])];
}

/** Browses for the given time and returns what was seen (an empty list when nothing answered). */
export function discoverWifiDevices(options: DiscoveryOptions = {}): Promise<WifiAdvertisement[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(options.signal.reason instanceof Error ? options.signal.reason : new Error('discovery aborted'));
    const mdns = multicastDns(options.interfaceAddress ? pinnedTo(options.interfaceAddress, (error) => fail(error)) : {});
    const instances = new Map<string, Seen>();
    const hostAddresses = new Map<string, Set<string>>();
    let settled = false;

    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(requery);
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      mdns.destroy();
      if (error) return reject(error);
      resolve(seenSoFar(true));
    };
    /** With `fallback`, an instance without address records gets the address its answer came from. */
    const seenSoFar = (fallback: boolean): WifiAdvertisement[] => {
      const out: WifiAdvertisement[] = [];
      for (const [fqdn, partial] of instances) {
        const parsed = parseMobdev2Instance(fqdn);
        if (!parsed) continue;
        const addresses = new Set(partial.addresses);
        if (partial.host) for (const a of hostAddresses.get(partial.host.toLowerCase()) ?? []) addresses.add(a);
        // A responder that gave no address records is reached at the address it answered from.
        if (fallback && addresses.size === 0 && partial.source) addresses.add(partial.source);
        out.push({ instance: parsed.fqdn, wifiMac: parsed.wifiMac, host: partial.host, addresses: [...addresses] });
      }
      return out;
    };
    function fail(error: Error): void {
      finish(
        new ProtocolError(`Wi-Fi discovery cannot use mDNS (UDP port 5353): ${error.message}`, {
          code: 'WIFI_DISCOVERY_FAILED',
          hint: 'Another program may hold port 5353 exclusively, or the network has no multicast; connect the iPhone with a cable instead.',
          cause: error,
        }),
      );
    }
    const onAbort = (): void => finish(options.signal?.reason instanceof Error ? options.signal.reason : new Error('discovery aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    mdns.on('error', (error: Error) => fail(error));
    mdns.on('warning', () => undefined); // an interface without multicast is not an error for discovery
    mdns.on('response', (packet: MdnsPacket, rinfo: RemoteInfo) => {
      const records = recordsOf(packet);
      for (const record of records) {
        if (record.type === 'PTR' && record.name.toLowerCase() === MOBDEV2_SERVICE && typeof record.data === 'string') {
          const key = record.data.replace(/\.$/, '');
          if (record.ttl === 0) {
            instances.delete(key); // goodbye: the phone left the network or turned Wi-Fi sync off
            continue;
          }
          if (!parseMobdev2Instance(key) || (!instances.has(key) && instances.size >= MAX_INSTANCES)) continue;
          if (!instances.has(key)) instances.set(key, { addresses: new Set(), source: rinfo.address });
        }
      }
      for (const record of records) {
        if (record.ttl === 0) continue;
        if (record.type === 'SRV' && isSrv(record.data)) {
          const partial = instances.get(record.name.replace(/\.$/, ''));
          if (partial) partial.host = record.data.target.replace(/\.$/, '');
        } else if ((record.type === 'A' || record.type === 'AAAA') && typeof record.data === 'string' && net.isIP(record.data)) {
          const host = record.name.replace(/\.$/, '').toLowerCase();
          const set = hostAddresses.get(host) ?? new Set<string>();
          if (set.size < 16) set.add(record.data);
          if (hostAddresses.size < MAX_INSTANCES) hostAddresses.set(host, set);
        }
      }
      // Stopping early needs real address records; the answer's source is only a last resort.
      if (options.enough?.(seenSoFar(false))) finish();
    });
    const ask = (): void => mdns.query({ questions: [{ name: MOBDEV2_SERVICE, type: 'PTR' }] });
    ask();
    // mDNS runs over UDP: ask a second time in case the first query or its answer was lost.
    const requery = setTimeout(ask, Math.floor(timeoutMs / 3));
    const timer = setTimeout(() => finish(), timeoutMs);
  });
}

/**
 * Options for a socket that uses one interface only. The outgoing multicast interface is set the moment
 * the socket is bound — before any query can be sent — because multicast-dns sets it only after joining
 * the group succeeds, and would otherwise send on the default route.
 */
function pinnedTo(interfaceAddress: string, onFailure: (error: Error) => void): MulticastDnsOptions {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  socket.once('listening', () => {
    try {
      socket.setMulticastInterface(interfaceAddress);
    } catch (error) {
      // Destroys the mDNS socket before its first send (multicast-dns sends from its bind callback, after this).
      onFailure(error instanceof Error ? error : new Error(String(error)));
    }
  });
  return { socket, interface: interfaceAddress, bind: '0.0.0.0' };
}

function isSrv(data: unknown): data is { target: string; port: number } {
  return typeof data === 'object' && data !== null && typeof (data as { target?: unknown }).target === 'string';
}
