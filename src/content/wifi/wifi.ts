/**
 * Known Wi-Fi networks and their export (CSV, JSON). Passwords are not here: they live in the keychain,
 * which only an encrypted backup carries (and only the device can fully decrypt).
 *
 * Nouns: iOS 16+ keeps SystemPreferencesDomain com.apple.wifi.known-networks.plist, a dict
 * "wifi.network.ssid.<SSID>" → {SSID (data), AddedAt, JoinedByUserAt, UpdatedAt, __OSSpecific__
 * {BSSID …}}; older iOS kept SystemConfiguration/com.apple.wifi.plist with an array "List of known
 * networks" of {SSID_STR, BSSID, lastJoined …}. Both are read; duplicates by SSID are merged.
 * Facts: iLEAPP appleWifiPlist.py.
 */
import { join } from 'node:path';
import { parsePlist, type PlistDict, type PlistValue } from '../../plist/index.js';
import { CsvWriter } from '../common/csv.js';
import type { ExportMeter } from '../common/progress.js';
import { writeTextFile } from '../common/sink.js';
import { ContentError } from '../errors.js';
import type { ContentSource } from '../source.js';

export const WIFI_FILES = [
  { domain: 'SystemPreferencesDomain', path: 'com.apple.wifi.known-networks.plist' },
  { domain: 'SystemPreferencesDomain', path: 'SystemConfiguration/com.apple.wifi.plist' },
] as const;

export interface WifiNetwork {
  readonly ssid: string;
  readonly bssid?: string;
  readonly added?: Date;
  readonly lastJoined?: Date;
  readonly hidden?: boolean;
}

const isDict = (v: PlistValue | undefined): v is PlistDict => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date) && Object.getPrototypeOf(v) === Object.prototype;
const date = (v: PlistValue | undefined): Date | undefined => (v instanceof Date ? v : undefined);
const str = (v: PlistValue | undefined): string | undefined => (typeof v === 'string' ? v : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined);

function parse(bytes: Buffer, file: string): PlistDict {
  try {
    const value = parsePlist(bytes);
    if (isDict(value)) return value;
  } catch (error) {
    throw new ContentError('CONTENT_CORRUPT', `${file} is not a valid plist`, { cause: error });
  }
  throw new ContentError('CONTENT_CORRUPT', `${file} does not hold a dictionary`);
}

/** Undefined when the backup holds neither file. */
export async function readWifi(source: ContentSource): Promise<WifiNetwork[] | undefined> {
  const networks = new Map<string, WifiNetwork>();
  let found = false;
  const [modern, legacy] = WIFI_FILES;
  const modernBytes = await source.readSmall(modern.domain, modern.path);
  if (modernBytes) {
    found = true;
    for (const [key, value] of Object.entries(parse(modernBytes, modern.path))) {
      if (!isDict(value)) continue;
      const ssid = str(value['SSID']) ?? key.replace(/^wifi\.network\.ssid\./, '');
      const os = isDict(value['__OSSpecific__']) ? value['__OSSpecific__'] : {};
      const joined = [date(value['JoinedByUserAt']), date(value['JoinedBySystemAt']), date(os['prevJoined'])].filter((d): d is Date => d !== undefined);
      networks.set(ssid, {
        ssid,
        ...(str(os['BSSID']) ? { bssid: str(os['BSSID']) } : {}),
        added: date(value['AddedAt']),
        lastJoined: joined.sort((a, b) => b.getTime() - a.getTime())[0],
        ...(typeof value['Hidden'] === 'boolean' ? { hidden: value['Hidden'] } : {}),
      });
    }
  }
  const legacyBytes = await source.readSmall(legacy.domain, legacy.path);
  if (legacyBytes) {
    const list = parse(legacyBytes, legacy.path)['List of known networks'];
    if (Array.isArray(list)) {
      found = true;
      for (const item of list) {
        if (!isDict(item)) continue;
        const ssid = str(item['SSID_STR']) ?? str(item['SSID']);
        if (!ssid || networks.has(ssid)) continue;
        networks.set(ssid, { ssid, ...(str(item['BSSID']) ? { bssid: str(item['BSSID']) } : {}), lastJoined: date(item['lastJoined']) ?? date(item['lastAutoJoined']) });
      }
    }
  }
  return found ? [...networks.values()] : undefined;
}

export const WIFI_FORMATS = ['csv', 'json'] as const;
export type WifiFormat = (typeof WIFI_FORMATS)[number];

export async function exportWifi(source: ContentSource, out: string, formats: ReadonlySet<WifiFormat>, meter: ExportMeter): Promise<{ networks: number } | undefined> {
  const networks = await readWifi(source);
  if (!networks) return undefined;
  if (formats.has('csv')) {
    const csv = await CsvWriter.create(join(out, 'wifi-networks.csv'), ['ssid', 'bssid', 'added', 'last_joined', 'hidden']);
    for (const n of networks) await csv.row([n.ssid, n.bssid, n.added, n.lastJoined, n.hidden]);
    await csv.close();
  }
  if (formats.has('json')) await writeTextFile(join(out, 'wifi-networks.json'), `${JSON.stringify({ networks, passwords: 'not exported: Wi-Fi passwords are in the keychain' }, null, 2)}\n`);
  meter.add(networks.length);
  return { networks: networks.length };
}
