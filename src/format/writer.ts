/**
 * Builders for the top-level files of a backup folder, as the device and the host write them.
 *
 * Nouns: the *device identity* is the lockdown values a backup records (DeviceName, ProductType, …,
 * UniqueDeviceID = UDID). *Status.plist* and *Manifest.plist* are device-written binary plists;
 * *Info.plist* is written by the host (XML, as libimobiledevice does) before the backup starts. Keys are
 * emitted in sorted order, as Apple's and Python's writers do. The Lockdown sub-dict's domain dicts get
 * the key shapes seen in real backups with neutral values (their real contents vary per device).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { encodeBinaryPlist, encodeXmlPlist, type PlistDict, type PlistValue } from '../plist/index.js';
import { createFileEncryptStream, MANIFEST_KEY_CLASS, newManifestKey } from './crypto.js';

export interface DeviceIdentity {
  readonly deviceName: string;
  readonly productType: string;
  readonly productVersion: string;
  readonly buildVersion: string;
  readonly serialNumber: string;
  /** 40 hex characters (older devices) or 8 hex, dash, 16 hex. */
  readonly udid: string;
  readonly imei?: string;
  readonly imei2?: string;
  readonly meid?: string;
  readonly iccid?: string;
  readonly phoneNumber?: string;
}

export interface StatusPlistInput {
  readonly date: Date;
  readonly isFullBackup: boolean;
  readonly uuid?: string;
  /** uploading → moving → removing → finished. */
  readonly snapshotState?: string;
  readonly backupState?: string;
  readonly version?: string;
}

export function buildStatusPlist(input: StatusPlistInput): Buffer {
  return encodeBinaryPlist({
    BackupState: input.backupState ?? 'new',
    Date: input.date,
    IsFullBackup: input.isFullBackup,
    SnapshotState: input.snapshotState ?? 'finished',
    UUID: input.uuid ?? randomUUID().toUpperCase(),
    Version: input.version ?? '3.3',
  });
}

export interface ManifestApplicationInput {
  readonly bundleVersion: string;
  /** Container path on the device, e.g. /private/var/containers/Bundle/Application/<UUID>/X.app */
  readonly path: string;
  /** Data/Application, Data/PluginKitPlugin, Shared/AppGroup. */
  readonly containerContentClass?: string;
}

export interface ManifestPlistInput {
  readonly device: DeviceIdentity;
  readonly date: Date;
  /** BackupKeyBag bytes; present in encrypted and unencrypted backups alike. */
  readonly keybag?: Uint8Array;
  /** 44-byte ManifestKey; its presence makes IsEncrypted true. */
  readonly manifestKey?: Uint8Array;
  readonly applications?: Readonly<Record<string, ManifestApplicationInput>>;
  readonly systemDomainsVersion?: string;
  readonly wasPasscodeSet?: boolean;
  readonly version?: string;
  /** Replaces or adds Lockdown domain dicts (com.apple.mobile.data_sync, …). */
  readonly lockdownDomains?: Readonly<Record<string, PlistDict>>;
}

export function buildManifestPlist(input: ManifestPlistInput): Buffer {
  const d = input.device;
  const syncSource = (): PlistDict => ({ AccountNames: [], Sources: [] });
  const lockdown: PlistDict = {
    BuildVersion: d.buildVersion,
    DeviceName: d.deviceName,
    ProductType: d.productType,
    ProductVersion: d.productVersion,
    SerialNumber: d.serialNumber,
    UniqueDeviceID: d.udid,
    'com.apple.Accessibility': {
      ClosedCaptioningEnabledByiTunes: false,
      InvertDisplayEnabledByiTunes: false,
      MonoAudioEnabledByiTunes: false,
      SpeakAutoCorrectionsEnabledByiTunes: false,
      VoiceOverTouchEnabledByiTunes: false,
      ZoomTouchEnabledByiTunes: false,
    },
    'com.apple.MobileDeviceCrashCopy': {},
    'com.apple.TerminalFlashr': {},
    'com.apple.mobile.data_sync': { Bookmarks: syncSource(), Calendars: syncSource(), Contacts: syncSource(), Notes: syncSource() },
    'com.apple.mobile.iTunes.accessories': {},
    'com.apple.mobile.wireless_lockdown': {},
    ...input.lockdownDomains,
  };
  const applications: PlistDict = {};
  for (const [bundleId, app] of Object.entries(input.applications ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    applications[bundleId] = {
      CFBundleIdentifier: bundleId,
      CFBundleVersion: app.bundleVersion,
      ContainerContentClass: app.containerContentClass ?? 'Data/Application',
      Path: app.path,
    };
  }
  const plist: PlistDict = { Applications: applications };
  if (input.keybag !== undefined) plist['BackupKeyBag'] = Buffer.from(input.keybag);
  plist['Date'] = input.date;
  plist['IsEncrypted'] = input.manifestKey !== undefined;
  plist['Lockdown'] = lockdown;
  if (input.manifestKey !== undefined) plist['ManifestKey'] = Buffer.from(input.manifestKey);
  plist['SystemDomainsVersion'] = input.systemDomainsVersion ?? '24.0';
  plist['Version'] = input.version ?? '10.0';
  plist['WasPasscodeSet'] = input.wasPasscodeSet ?? true;
  return encodeBinaryPlist(plist);
}

export interface InfoApplicationInput {
  readonly applicationSinf?: Uint8Array;
  readonly itunesMetadata?: Uint8Array;
  readonly placeholderIcon?: Uint8Array;
}

export interface InfoPlistInput {
  readonly device: DeviceIdentity;
  readonly lastBackupDate: Date;
  /** Apps with store metadata (the host copies SINF/metadata/icon); their ids go to Installed Applications. */
  readonly applications?: Readonly<Record<string, InfoApplicationInput>>;
  readonly installedApplications?: readonly string[];
  /** 32 uppercase hex characters; random when omitted. */
  readonly guid?: string;
  readonly productName?: string;
  /** Default 10.0.1, libimobiledevice's fallback when the device names no minimum iTunes version. */
  readonly itunesVersion?: string;
  readonly itunesFiles?: Readonly<Record<string, Uint8Array>>;
  readonly itunesSettings?: PlistDict;
}

/** The host's Info.plist (XML). Optional identity values are left out when the device has none. */
export function buildInfoPlist(input: InfoPlistInput): Buffer {
  const d = input.device;
  const apps: PlistDict = {};
  for (const [bundleId, app] of Object.entries(input.applications ?? {})) {
    const entry: PlistDict = {};
    if (app.applicationSinf) entry['ApplicationSINF'] = Buffer.from(app.applicationSinf);
    if (app.itunesMetadata) entry['iTunesMetadata'] = Buffer.from(app.itunesMetadata);
    if (app.placeholderIcon) entry['PlaceholderIcon'] = Buffer.from(app.placeholderIcon);
    apps[bundleId] = entry;
  }
  const values: Record<string, PlistValue | undefined> = {
    Applications: apps,
    'Build Version': d.buildVersion,
    'Device Name': d.deviceName,
    'Display Name': d.deviceName,
    GUID: input.guid ?? randomBytes(16).toString('hex').toUpperCase(),
    ICCID: d.iccid,
    IMEI: d.imei,
    'IMEI 2': d.imei2,
    'Installed Applications': [...(input.installedApplications ?? Object.keys(apps))],
    'Last Backup Date': input.lastBackupDate,
    MEID: d.meid,
    'Phone Number': d.phoneNumber,
    'Product Name': input.productName,
    'Product Type': d.productType,
    'Product Version': d.productVersion,
    'Serial Number': d.serialNumber,
    // The folder name: 40-hex UDIDs are lower-cased, the newer dashed form is kept as the device reports it.
    'Target Identifier': /^[0-9a-fA-F]{40}$/.test(d.udid) ? d.udid.toLowerCase() : d.udid,
    'Target Type': 'Device',
    'Unique Identifier': d.udid.toUpperCase(),
    'iTunes Files': Object.fromEntries(Object.entries(input.itunesFiles ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
    'iTunes Settings': input.itunesSettings ?? {},
    'iTunes Version': input.itunesVersion ?? '10.0.1',
  };
  const plist: PlistDict = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) plist[key] = value;
  return encodeXmlPlist(plist);
}

/**
 * Encrypts the plaintext Manifest.db at `source` into `destination` (created; must not exist) with a
 * fresh key wrapped under `protectionClass` (4, as iOS), streaming. Returns the ManifestKey for
 * Manifest.plist.
 */
export async function encryptManifestDbFile(
  source: string,
  destination: string,
  classKeys: ReadonlyMap<number, Buffer>,
  protectionClass = MANIFEST_KEY_CLASS,
): Promise<{ manifestKey: Buffer }> {
  const { key, manifestKey } = newManifestKey(classKeys, protectionClass);
  await pipeline(createReadStream(source, { highWaterMark: 1024 * 1024 }), createFileEncryptStream(key), createWriteStream(destination, { flags: 'wx' }));
  return { manifestKey };
}
