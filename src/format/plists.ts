/**
 * Typed summaries of a backup's three top-level plists, for the reader.
 *
 * Nouns: *Info.plist* is written by the host before the backup starts (device identity, installed
 * apps); *Status.plist* by the device (SnapshotState "finished" marks a complete backup); *Manifest.plist*
 * by the device (IsEncrypted, BackupKeyBag, ManifestKey, the *Lockdown* dict of device values,
 * Applications). Every key is optional here because real files vary by iOS and host tool; a key that is
 * present with the wrong type is FORMAT_CORRUPT naming the file and key. `raw` keeps the whole dict.
 */
import { parsePlist, type PlistDict, type PlistValue } from '../plist/index.js';
import { FORMAT_CODES, FormatError } from './errors.js';

export interface BackupInfo {
  readonly deviceName?: string;
  readonly displayName?: string;
  readonly productType?: string;
  readonly productVersion?: string;
  readonly productName?: string;
  readonly buildVersion?: string;
  /** "Unique Identifier": the UDID, upper-case. */
  readonly udid?: string;
  /** "Target Identifier": the UDID as the folder is named. */
  readonly targetIdentifier?: string;
  readonly targetType?: string;
  readonly serialNumber?: string;
  readonly imei?: string;
  readonly imei2?: string;
  readonly meid?: string;
  readonly iccid?: string;
  readonly phoneNumber?: string;
  readonly lastBackupDate?: Date;
  readonly itunesVersion?: string;
  /** GUID as text (libimobiledevice writes a string, pymobiledevice3 raw bytes — shown as hex). */
  readonly guid?: string;
  readonly installedApplications: readonly string[];
  readonly raw: PlistDict;
}

export interface BackupStatus {
  readonly snapshotState?: string;
  readonly isFullBackup?: boolean;
  readonly version?: string;
  readonly backupState?: string;
  readonly date?: Date;
  readonly uuid?: string;
  readonly raw: PlistDict;
}

export interface LockdownSummary {
  readonly deviceName?: string;
  readonly productType?: string;
  readonly productVersion?: string;
  readonly buildVersion?: string;
  readonly serialNumber?: string;
  readonly udid?: string;
  readonly raw: PlistDict;
}

export interface ManifestApplication {
  readonly bundleId: string;
  readonly bundleVersion?: string;
  readonly path?: string;
  readonly containerContentClass?: string;
}

export interface BackupManifest {
  /** The plist's claim; the reader decides from Manifest.db's bytes (the claim can be wrong). */
  readonly isEncrypted: boolean;
  readonly version?: string;
  readonly date?: Date;
  readonly systemDomainsVersion?: string;
  readonly wasPasscodeSet?: boolean;
  readonly lockdown: LockdownSummary;
  readonly applications: ReadonlyMap<string, ManifestApplication>;
  readonly backupKeyBag?: Buffer;
  readonly manifestKey?: Buffer;
  readonly raw: PlistDict;
}

/** Parses plist bytes that must hold a dict; failures are FORMAT_CORRUPT naming `file`. */
export function parsePlistDict(bytes: Uint8Array, file: string): PlistDict {
  let value: PlistValue;
  try {
    value = parsePlist(bytes, { limits: { maxBytes: 256 * 1024 * 1024 } });
  } catch (error) {
    throw new FormatError(FORMAT_CODES.CORRUPT, `${file} is not a valid plist: ${error instanceof Error ? error.message : String(error)}`, { cause: error, file });
  }
  if (!isDict(value)) throw new FormatError(FORMAT_CODES.CORRUPT, `${file} does not hold a dictionary`, { file });
  return value;
}

export function readInfo(dict: PlistDict): BackupInfo {
  const f = new Fields(dict, 'Info.plist');
  const guid = dict['GUID'];
  const apps = f.get('Installed Applications', 'an array', Array.isArray) ?? [];
  return {
    deviceName: f.string('Device Name'),
    displayName: f.string('Display Name'),
    productType: f.string('Product Type'),
    productVersion: f.string('Product Version'),
    productName: f.string('Product Name'),
    buildVersion: f.string('Build Version'),
    udid: f.string('Unique Identifier'),
    targetIdentifier: f.string('Target Identifier'),
    targetType: f.string('Target Type'),
    serialNumber: f.string('Serial Number'),
    imei: f.string('IMEI'),
    imei2: f.string('IMEI 2'),
    meid: f.string('MEID'),
    iccid: f.string('ICCID'),
    phoneNumber: f.string('Phone Number'),
    lastBackupDate: f.date('Last Backup Date'),
    itunesVersion: f.string('iTunes Version'),
    guid: guid instanceof Uint8Array ? Buffer.from(guid).toString('hex').toUpperCase() : f.string('GUID'),
    installedApplications: apps.map((a, i) => {
      if (typeof a !== 'string') throw corrupt('Info.plist', `Installed Applications[${i}] is not a string`);
      return a;
    }),
    raw: dict,
  };
}

export function readStatus(dict: PlistDict): BackupStatus {
  const f = new Fields(dict, 'Status.plist');
  return {
    snapshotState: f.string('SnapshotState'),
    isFullBackup: f.bool('IsFullBackup'),
    version: f.string('Version'),
    backupState: f.string('BackupState'),
    date: f.date('Date'),
    uuid: f.string('UUID'),
    raw: dict,
  };
}

export function readManifest(dict: PlistDict): BackupManifest {
  const f = new Fields(dict, 'Manifest.plist');
  const lockdownDict = f.get('Lockdown', 'a dictionary', isDict) ?? {};
  const l = new Fields(lockdownDict, 'Manifest.plist Lockdown');
  const applications = new Map<string, ManifestApplication>();
  for (const [bundleId, value] of Object.entries(f.get('Applications', 'a dictionary', isDict) ?? {})) {
    if (!isDict(value)) throw corrupt('Manifest.plist', `Applications[${JSON.stringify(bundleId)}] is not a dictionary`);
    const a = new Fields(value, `Manifest.plist Applications[${JSON.stringify(bundleId)}]`);
    applications.set(bundleId, { bundleId, bundleVersion: a.string('CFBundleVersion'), path: a.string('Path'), containerContentClass: a.string('ContainerContentClass') });
  }
  return {
    isEncrypted: f.bool('IsEncrypted') ?? false,
    version: f.string('Version'),
    date: f.date('Date'),
    systemDomainsVersion: f.string('SystemDomainsVersion'),
    wasPasscodeSet: f.bool('WasPasscodeSet'),
    lockdown: {
      deviceName: l.string('DeviceName'),
      productType: l.string('ProductType'),
      productVersion: l.string('ProductVersion'),
      buildVersion: l.string('BuildVersion'),
      serialNumber: l.string('SerialNumber'),
      udid: l.string('UniqueDeviceID'),
      raw: lockdownDict,
    },
    applications,
    backupKeyBag: f.data('BackupKeyBag'),
    manifestKey: f.data('ManifestKey'),
    raw: dict,
  };
}

class Fields {
  constructor(
    private readonly dict: PlistDict,
    private readonly file: string,
  ) {}

  get<T>(key: string, expected: string, test: (value: PlistValue) => value is T & PlistValue): T | undefined {
    const value = Object.hasOwn(this.dict, key) ? this.dict[key] : undefined;
    if (value === undefined) return undefined;
    if (!test(value)) throw corrupt(this.file, `${key} is not ${expected}`);
    return value;
  }

  string(key: string): string | undefined {
    return this.get(key, 'a string', (v): v is string => typeof v === 'string');
  }

  bool(key: string): boolean | undefined {
    return this.get(key, 'a boolean', (v): v is boolean => typeof v === 'boolean');
  }

  date(key: string): Date | undefined {
    return this.get(key, 'a date', (v): v is Date => v instanceof Date);
  }

  data(key: string): Buffer | undefined {
    const value = this.get(key, 'data', (v): v is Uint8Array => v instanceof Uint8Array);
    return value === undefined ? undefined : Buffer.from(value);
  }
}

function isDict(value: PlistValue): value is PlistDict {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function corrupt(file: string, message: string): FormatError {
  return new FormatError(FORMAT_CODES.CORRUPT, `${file}: ${message}`, { file: file.split(' ')[0] });
}
