/**
 * What a test or script can change about a virtual iPhone while it runs, and the `key=value` settings
 * language that changes it.
 *
 * Nouns: the *state* is plain JSON (the device store persists it). `plugged` = a USB cable is attached;
 * `charging` = the battery is taking charge (USB or a wireless charger, so it does not require
 * `plugged`); *external power* = plugged || charging, which is what lockdown's ExternalConnected reports.
 * `passcode` = a passcode is set; `locked` = the screen is locked. Lockdown only knows "locked" as
 * PasswordProtected, which a phone without a passcode never is, so the rule is:
 *   locked=true without a passcode is refused, and passcode=false alone also unlocks the phone
 *   (you cannot remove a passcode from a locked phone, so the result is an unlocked one).
 * `trust` is the answer to the "Trust This Computer?" prompt; `wifiSync` is lockdown's
 * EnableWifiConnections; `wifiNetwork` is which network the phone's Wi-Fi joined, seen from the computer:
 * `same` (the computer's: advertised by mDNS and reachable), `other` (another network: neither seen nor
 * reachable) or `unreachable` (its mDNS announcement reaches the computer — an mDNS repeater between
 * networks, a guest network — but the address it announces, on another subnet, does not answer); `backupEncryption` is WillEncrypt. Sizes are bytes (units.ts parses "12GB").
 * Setting keys are a public contract (scripts use them): battery, charging, wifi, lowPower, ios,
 * freeSpace, totalSpace, passcode, locked, trust, plugged, encryption, wifiSync, wifiNetwork, icloudPhotos,
 * fault, trustedHosts.
 * `trustedHosts=none` makes the phone forget every computer it trusts, as Settings › General › Transfer
 * or Reset iPhone › Reset › Reset Location & Privacy does on a real iPhone (and as an expired pairing
 * looks to the computer): hosts that were paired get InvalidHostID, and the next Pair shows the Trust
 * prompt again (trust becomes pending). The paired hosts live in the device, not in this state, so
 * VirtualIPhone.applySettings does the forgetting; here it only resets the prompt's answer.
 * `fault` is a fault the phone injects into its backups (sim/faults/spec.ts), stored canonical ("none").
 */
import { FAULT_SYNTAX, formatFault, parseFault } from '../faults/spec.js';
import { describeSupport, findModel, sortVersions, supportsIosVersion } from './catalog.js';
import { SimStateError, UnknownIosVersionError } from './errors.js';
import type { DeviceIdentity } from './identity.js';
import { IOS_RELEASES, buildForVersion, findRelease, requireRelease } from './ios-versions.js';
import { BYTE_SIZE_EXAMPLES, formatBytes, parseByteSize } from './units.js';

export type TrustState = 'pending' | 'accept' | 'deny';
export type WifiNetwork = 'same' | 'other' | 'unreachable';
const WIFI_NETWORKS: readonly WifiNetwork[] = ['same', 'other', 'unreachable'];

export interface DeviceState {
  readonly batteryPercent: number;
  readonly charging: boolean;
  readonly plugged: boolean;
  readonly wifi: boolean;
  readonly lowPower: boolean;
  readonly productVersion: string;
  readonly buildVersion: string;
  readonly freeBytes: number;
  readonly totalBytes: number;
  readonly passcode: boolean;
  readonly locked: boolean;
  readonly trust: TrustState;
  readonly backupEncryption: boolean;
  readonly wifiSync: boolean;
  /** Which network the phone's Wi-Fi is on, as the computer sees it (only matters while `wifi`). */
  readonly wifiNetwork: WifiNetwork;
  /** iCloud Photos on: the camera roll's originals are in iCloud, so a backup leaves them out. */
  readonly icloudPhotos: boolean;
  /** The injected fault, canonical spec text ("none" = behaves). */
  readonly fault: string;
}

/** What applySettings needs to know about the phone; without it `ios=` is checked against the table only. */
export interface SettingsContext {
  readonly productType?: string;
}

/** Every model in the catalog except the iPhone X can run it, so fleets default to one iOS. */
export const DEFAULT_IOS_VERSION = '18.6';
const DEFAULT_TOTAL_GB = 128;
const DEFAULT_FREE_BYTES = 40e9;

const BOOL = 'true|false';
export const SETTING_KEYS = {
  battery: '0..100 (whole percent)',
  charging: BOOL,
  wifi: BOOL,
  lowPower: BOOL,
  ios: 'a known iOS version such as 17.5 or 18.6',
  freeSpace: `a size: ${BYTE_SIZE_EXAMPLES}`,
  totalSpace: `a size: ${BYTE_SIZE_EXAMPLES}`,
  passcode: BOOL,
  locked: BOOL,
  trust: 'pending|accept|deny',
  plugged: BOOL,
  encryption: BOOL,
  wifiSync: BOOL,
  wifiNetwork: 'same|other|unreachable (the computer\'s network; another one; announced but not answering)',
  icloudPhotos: BOOL,
  fault: FAULT_SYNTAX,
  trustedHosts: 'none (forget every trusted computer, like Reset Location & Privacy)',
} as const;
export type SettingKey = keyof typeof SETTING_KEYS;

const BOOLEAN_FIELDS = {
  charging: 'charging',
  wifi: 'wifi',
  lowPower: 'lowPower',
  passcode: 'passcode',
  locked: 'locked',
  plugged: 'plugged',
  encryption: 'backupEncryption',
  wifiSync: 'wifiSync',
  icloudPhotos: 'icloudPhotos',
} as const satisfies Partial<Record<SettingKey, keyof DeviceState>>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTING_KEYS, key);
}

/** A fresh phone on the desk: charging on USB at 80 %, locked with a passcode, not yet trusted. */
export function defaultState(identity: Pick<DeviceIdentity, 'productType'>): DeviceState {
  const model = findModel(identity.productType);
  const supported = model ? IOS_RELEASES.map((r) => r.version).filter((v) => supportsIosVersion(model, v)) : [];
  const version = !model || supported.includes(DEFAULT_IOS_VERSION) ? DEFAULT_IOS_VERSION : (sortVersions(supported).pop() ?? DEFAULT_IOS_VERSION);
  const options = model?.storageGb ?? [DEFAULT_TOTAL_GB];
  const totalGb = options.includes(DEFAULT_TOTAL_GB) ? DEFAULT_TOTAL_GB : (options.find((gb) => gb > DEFAULT_TOTAL_GB) ?? options[options.length - 1] ?? DEFAULT_TOTAL_GB);
  const totalBytes = totalGb * 1e9;
  return {
    batteryPercent: 80,
    charging: true,
    plugged: true,
    wifi: true,
    lowPower: false,
    productVersion: version,
    buildVersion: buildForVersion(version, identity.productType),
    freeBytes: Math.min(DEFAULT_FREE_BYTES, totalBytes),
    totalBytes,
    passcode: true,
    locked: true,
    trust: 'pending',
    backupEncryption: false,
    wifiSync: false,
    wifiNetwork: 'same',
    icloudPhotos: false,
    fault: 'none',
  };
}

/** Whether the settings ask the phone to forget every trusted computer (trustedHosts=none). */
export function forgetsTrustedHosts(assignments: readonly string[]): boolean {
  return assignments.some((raw) => raw.slice(0, Math.max(0, raw.indexOf('='))).trim() === 'trustedHosts');
}

/** Applies `key=value` settings in order and returns a new, validated state (the input is untouched). */
export function applySettings(state: DeviceState, assignments: readonly string[], context: SettingsContext = {}): DeviceState {
  const next: Mutable<DeviceState> = { ...state };
  const assigned = new Set<SettingKey>();
  let lastSizeKey: 'freeSpace' | 'totalSpace' = 'freeSpace';

  for (const raw of assignments) {
    const eq = raw.indexOf('=');
    if (eq < 0) {
      const name = raw.trim();
      throw new SimStateError(
        isSettingKey(name)
          ? `Setting "${raw}" has no "=": write ${name}=<${SETTING_KEYS[name]}>`
          : `Setting "${raw}" has no "=": write key=value, e.g. battery=80 (keys: ${Object.keys(SETTING_KEYS).join(', ')})`,
        { key: name },
      );
    }
    const key = raw.slice(0, eq).trim();
    const value = raw.slice(eq + 1).trim();
    if (!isSettingKey(key)) throw unknownKey(key);
    if (value === '') throw bad(key, `"${key}=" has no value`);
    assigned.add(key);

    switch (key) {
      case 'battery':
        next.batteryPercent = parseBattery(value);
        break;
      case 'trust': {
        const trust = value.toLowerCase();
        if (trust !== 'pending' && trust !== 'accept' && trust !== 'deny') throw bad(key, `trust "${value}" is not one of pending, accept, deny`);
        next.trust = trust;
        break;
      }
      case 'ios':
        next.productVersion = value;
        next.buildVersion = iosBuild(value, context);
        break;
      case 'fault':
        next.fault = formatFault(parseFault(value));
        break;
      case 'wifiNetwork': {
        const network = value.toLowerCase();
        if (!(WIFI_NETWORKS as readonly string[]).includes(network)) throw bad(key, `wifiNetwork "${value}" is not one of ${WIFI_NETWORKS.join(', ')}`);
        next.wifiNetwork = network as WifiNetwork;
        break;
      }
      case 'trustedHosts':
        if (value.toLowerCase() !== 'none') throw bad(key, `trustedHosts="${value}" is not none`);
        next.trust = 'pending';
        break;
      case 'freeSpace':
      case 'totalSpace': {
        const parsed = parseByteSize(value);
        if ('error' in parsed) throw bad(key, `${key}: ${parsed.error}`);
        if (key === 'totalSpace' && parsed.bytes <= 0) throw bad(key, 'totalSpace must be more than 0 bytes');
        if (key === 'freeSpace') next.freeBytes = parsed.bytes;
        else next.totalBytes = parsed.bytes;
        lastSizeKey = key;
        break;
      }
      default:
        next[BOOLEAN_FIELDS[key]] = parseBoolean(key, value);
    }
  }

  if (next.locked && !next.passcode) {
    if (assigned.has('passcode') && !assigned.has('locked')) next.locked = false;
    else throw bad('locked', 'locked=true needs a passcode: a phone without a passcode is never locked in lockdown\'s sense (PasswordProtected); set passcode=true too', 'locked');
  }
  if (next.freeBytes > next.totalBytes) {
    throw bad(lastSizeKey, `freeSpace (${formatBytes(next.freeBytes)}) cannot exceed totalSpace (${formatBytes(next.totalBytes)})`, lastSizeKey);
  }
  validateState(next);
  return next;
}

/** Throws SimStateError when a state (e.g. one loaded from disk) breaks a rule; names the offending key. */
export function validateState(state: DeviceState): void {
  if (!Number.isInteger(state.batteryPercent) || state.batteryPercent < 0 || state.batteryPercent > 100) {
    throw bad('battery', `batteryPercent ${state.batteryPercent} is outside 0..100`);
  }
  for (const [key, field] of Object.entries(BOOLEAN_FIELDS) as [SettingKey, keyof DeviceState][]) {
    if (typeof state[field] !== 'boolean') throw bad(key, `${field} must be true or false, got ${String(state[field])}`);
  }
  if (state.trust !== 'pending' && state.trust !== 'accept' && state.trust !== 'deny') throw bad('trust', `trust "${String(state.trust)}" is not one of pending, accept, deny`);
  if (!WIFI_NETWORKS.includes(state.wifiNetwork)) throw bad('wifiNetwork', `wifiNetwork "${String(state.wifiNetwork)}" is not one of ${WIFI_NETWORKS.join(', ')}`);
  const release = findRelease(state.productVersion);
  if (!release) throw bad('ios', `productVersion "${state.productVersion}" is not a known iOS version`);
  const builds = new Set([release.build, ...Object.values(release.buildFor ?? {})]);
  if (!builds.has(state.buildVersion)) throw bad('ios', `buildVersion ${state.buildVersion} does not belong to iOS ${state.productVersion} (expected ${[...builds].join(' or ')})`);
  if (!Number.isSafeInteger(state.totalBytes) || state.totalBytes <= 0) throw bad('totalSpace', `totalBytes ${state.totalBytes} must be a positive whole number`);
  if (!Number.isSafeInteger(state.freeBytes) || state.freeBytes < 0) throw bad('freeSpace', `freeBytes ${state.freeBytes} must be a whole number ≥ 0`);
  if (state.freeBytes > state.totalBytes) throw bad('freeSpace', `freeSpace (${formatBytes(state.freeBytes)}) cannot exceed totalSpace (${formatBytes(state.totalBytes)})`);
  if (state.locked && !state.passcode) throw bad('locked', 'locked=true needs passcode=true', 'locked');
  if (typeof state.fault !== 'string') throw bad('fault', `fault must be a spec string, got ${String(state.fault)}`);
  parseFault(state.fault);
}

/** Plain JSON summary keyed like the settings, plus readable sizes, for logs, the CLI and the web UI. */
export function describeState(state: DeviceState): Record<string, string | number | boolean> {
  return {
    battery: state.batteryPercent,
    charging: state.charging,
    plugged: state.plugged,
    externalPower: hasExternalPower(state),
    wifi: state.wifi,
    lowPower: state.lowPower,
    ios: state.productVersion,
    build: state.buildVersion,
    freeSpace: state.freeBytes,
    totalSpace: state.totalBytes,
    freeSpaceText: formatBytes(state.freeBytes),
    totalSpaceText: formatBytes(state.totalBytes),
    passcode: state.passcode,
    locked: state.locked,
    trust: state.trust,
    encryption: state.backupEncryption,
    wifiSync: state.wifiSync,
    wifiNetwork: state.wifiNetwork,
    icloudPhotos: state.icloudPhotos,
    fault: state.fault,
  };
}

/** USB cable or wireless charger: what lockdown calls ExternalConnected. */
export function hasExternalPower(state: Pick<DeviceState, 'plugged' | 'charging'>): boolean {
  return state.plugged || state.charging;
}

function iosBuild(version: string, context: SettingsContext): string {
  try {
    requireRelease(version);
  } catch (error) {
    if (error instanceof UnknownIosVersionError) throw bad('ios', `ios: ${error.message}`, 'ios', error);
    throw error;
  }
  const model = context.productType === undefined ? undefined : findModel(context.productType);
  if (model && !supportsIosVersion(model, version)) {
    const runnable = IOS_RELEASES.map((r) => r.version).filter((v) => supportsIosVersion(model, v));
    throw bad('ios', `ios: ${model.marketingName} (${model.productType}) cannot report iOS ${version}; it runs ${describeSupport(model)}${runnable.length ? `, e.g. ${runnable.slice(-3).join(', ')}` : ''}`);
  }
  return buildForVersion(version, context.productType);
}

function parseBoolean(key: SettingKey, value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw bad(key, `${key}="${value}" is not a boolean`);
}

function parseBattery(value: string): number {
  const match = /^(\d{1,3})%?$/.exec(value);
  const percent = match ? Number(match[1]) : NaN;
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw bad('battery', `battery="${value}" is not a whole percentage`);
  return percent;
}

function unknownKey(key: string): SimStateError {
  const close = Object.keys(SETTING_KEYS).find((k) => k.toLowerCase() === key.toLowerCase());
  return new SimStateError(
    `Unknown setting "${key}"${close ? ` (did you mean ${close}?)` : ''}; known settings: ${Object.entries(SETTING_KEYS).map(([k, v]) => `${k}=${v}`).join('; ')}`,
    { key, hint: 'Settings are key=value, e.g. battery=80 ios=17.5 freeSpace=12GB' },
  );
}

/** An error naming the key and, unless the message is about another key, what it accepts. */
function bad(key: SettingKey, problem: string, explainKey: SettingKey = key, cause?: unknown): SimStateError {
  return new SimStateError(`${problem}; ${explainKey} accepts ${SETTING_KEYS[explainKey]}`, { key, ...(cause === undefined ? {} : { cause }) });
}
