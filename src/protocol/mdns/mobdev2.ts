/**
 * How an iPhone with Wi-Fi sync on names itself on the network, shared by the host's discovery and the
 * virtual iPhone's advertiser.
 *
 * Nouns: the phone advertises the DNS-SD service type `_apple-mobdev2._tcp.local` with an *instance*
 * named `<Wi-Fi MAC>@<suffix>` (the suffix is an IPv6 link-local address or another id; hosts only use
 * the part before `@`, which they match against the `WiFiMACAddress` of their pair records). The
 * instance's A/AAAA records give the address where lockdownd listens on TCP port 62078.
 */

export const MOBDEV2_SERVICE = '_apple-mobdev2._tcp.local';
export const MDNS_GROUP_V4 = '224.0.0.251';
export const MDNS_PORT = 5353;

const MAC_SHAPE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Lowercase, colon-separated, two digits per byte — or undefined when it is not a MAC address. */
export function normalizeMac(text: string): string | undefined {
  const parts = text.trim().toLowerCase().split(/[:-]/);
  if (parts.length !== 6) return undefined;
  const mac = parts.map((p) => (p.length === 1 ? `0${p}` : p)).join(':');
  return MAC_SHAPE.test(mac) ? mac : undefined;
}

/** The instance label `<mac>@<suffix>` (no dots: a DNS label). */
export function mobdev2InstanceName(wifiMac: string, suffix: string): string {
  const mac = normalizeMac(wifiMac);
  if (!mac) throw new Error(`not a MAC address: ${wifiMac}`);
  if (suffix.includes('.')) throw new Error(`an mDNS instance suffix cannot contain dots: ${suffix}`);
  return `${mac}@${suffix}`;
}

export interface Mobdev2Instance {
  /** The full instance name as advertised (`<label>._apple-mobdev2._tcp.local`). */
  readonly fqdn: string;
  readonly wifiMac: string;
  readonly suffix: string;
}

/** Parses an advertised instance name; undefined for anything that is not `<mac>@…` of this service. */
export function parseMobdev2Instance(fqdn: string): Mobdev2Instance | undefined {
  const name = fqdn.replace(/\.$/, '');
  const tail = `.${MOBDEV2_SERVICE}`;
  if (!name.toLowerCase().endsWith(tail.toLowerCase())) return undefined;
  const label = name.slice(0, name.length - tail.length);
  const at = label.indexOf('@');
  if (at <= 0 || label.length > 63) return undefined;
  const wifiMac = normalizeMac(label.slice(0, at));
  if (!wifiMac) return undefined;
  return { fqdn: name, wifiMac, suffix: label.slice(at + 1) };
}

/** The IPv6 link-local address derived from a MAC (modified EUI-64), as iPhones use in their instance name. */
export function linkLocalFromMac(wifiMac: string): string {
  const mac = normalizeMac(wifiMac);
  if (!mac) throw new Error(`not a MAC address: ${wifiMac}`);
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const eui = [(b[0] ?? 0) ^ 0x02, b[1] ?? 0, b[2] ?? 0, 0xff, 0xfe, b[3] ?? 0, b[4] ?? 0, b[5] ?? 0];
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push((((eui[i] ?? 0) << 8) | (eui[i + 1] ?? 0)).toString(16));
  return `fe80::${groups.join(':')}`;
}
