/**
 * Info.plist, the one file of a backup the host writes: device identity from lockdown, as Finder and
 * idevicebackup2 write it (keys and types in src/format/writer.ts).
 */
import { buildInfoPlist, type InfoApplicationInput } from '../format/index.js';
import type { PlistDict, PlistValue } from '../plist/index.js';
import type { LockdownClient } from '../protocol/lockdown/client.js';
import { isPlistDict } from '../protocol/wire/plist-frame.js';

function text(values: PlistDict, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

export interface DeviceValues {
  readonly all: PlistDict;
  readonly itunesSettings: PlistDict | undefined;
  readonly minItunesVersion: string | undefined;
}

/** What the host gathers besides lockdown values: user apps and the media files Finder copies. */
export interface DeviceExtras {
  readonly applications: Record<string, InfoApplicationInput>;
  readonly installedApplications: string[];
  readonly itunesFiles: Record<string, Uint8Array>;
}

/** The files Finder copies from /iTunes_Control/iTunes/ into Info.plist's "iTunes Files". */
export const ITUNES_FILES = [
  'ApertureAlbumPrefs',
  'IC-Info.sidb',
  'IC-Info.sidv',
  'PhotosFolderAlbums',
  'PhotosFolderName',
  'PhotosFolderPrefs',
  'VoiceMemos.plist',
  'iPhotoAlbumPrefs',
  'iTunesApplicationIDs',
  'iTunesPrefs',
  'iTunesPrefs.plist',
] as const;

export async function readDeviceValues(lockdown: LockdownClient): Promise<DeviceValues> {
  const all = await lockdown.getValue();
  const itunes: PlistValue | undefined = await lockdown.getValue('com.apple.iTunes').catch(() => undefined);
  const minItunes = await lockdown.getValue('com.apple.mobile.iTunes', 'MinITunesVersion').catch(() => undefined);
  return {
    all: isPlistDict(all) ? all : {},
    itunesSettings: isPlistDict(itunes) ? itunes : undefined,
    minItunesVersion: typeof minItunes === 'string' ? minItunes : undefined,
  };
}

export function infoPlistFor(udid: string, values: DeviceValues, extras: DeviceExtras | undefined, date: Date): Buffer {
  const v = values.all;
  const optional = (key: string, name: string): Record<string, string> => {
    const value = text(v, key);
    return value ? { [name]: value } : {};
  };
  return buildInfoPlist({
    device: {
      udid,
      deviceName: text(v, 'DeviceName') ?? 'iPhone',
      productType: text(v, 'ProductType') ?? 'iPhone',
      productVersion: text(v, 'ProductVersion') ?? '',
      buildVersion: text(v, 'BuildVersion') ?? '',
      serialNumber: text(v, 'SerialNumber') ?? '',
      ...optional('InternationalMobileEquipmentIdentity', 'imei'),
      ...optional('InternationalMobileEquipmentIdentity2', 'imei2'),
      ...optional('MobileEquipmentIdentifier', 'meid'),
      ...optional('IntegratedCircuitCardIdentity', 'iccid'),
      ...optional('PhoneNumber', 'phoneNumber'),
    },
    lastBackupDate: date,
    ...(extras ? { applications: extras.applications, installedApplications: extras.installedApplications, itunesFiles: extras.itunesFiles } : {}),
    ...(values.itunesSettings ? { itunesSettings: values.itunesSettings } : {}),
    ...(values.minItunesVersion ? { itunesVersion: values.minItunesVersion } : {}),
  });
}
