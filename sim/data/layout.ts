/**
 * Which domains exist and which structured files, directories and symlinks each holds.
 *
 * Nouns: a *static entry* is one of the fixed entries every virtual phone has (databases, plists, their
 * directories, one symlink); its *maker* writes its content into the base cache (base.ts). Bulk files
 * (camera roll, attachments, app documents) are not listed here but by families.ts, under the
 * directories declared here. Paths follow §7 of docs/research format.md (HomeDomain Library/SMS/sms.db,
 * CameraRollDomain Media/PhotoData/Photos.sqlite, …). Ownership: mobile (501) except RootDomain,
 * SystemPreferencesDomain and ManagedPreferencesDomain (root, 0) and WirelessDomain (_wireless, 25).
 * Caches and tmp of app containers are absent, as iOS never backs them up.
 */
import { writeFileSync } from 'node:fs';
import { buildAddressBook, buildAddressBookImages } from './content/addressbook.js';
import { buildCalendar } from './content/calendar.js';
import { buildCallHistory } from './content/callhistory.js';
import { buildHealthDb, buildHealthSecure } from './content/health.js';
import { buildNoteStore } from './content/notes.js';
import { buildPhotosDb } from './content/photosdb.js';
import {
  appSupportFile,
  containerPreferences,
  globalPreferences,
  keychainBackup,
  knownNetworks,
  simplePreferences,
  systemConfigurationPreferences,
  systemConfigurationWifi,
} from './content/plists.js';
import { buildBookmarks, buildHistory } from './content/safari.js';
import { buildSmsDb } from './content/sms.js';
import type { DeviceFileKind } from './types.js';
import { APPS, DOC_FAMILIES } from './world/apps.js';
import type { WorldContext } from './world/context.js';

export type Maker = (ctx: WorldContext, outPath: string) => void;

export interface StaticEntry {
  readonly domain: string;
  readonly path: string;
  readonly kind: DeviceFileKind;
  readonly make?: Maker;
  readonly target?: string;
  readonly protectionClass?: number;
  /** Marks structured files mutate() rewrites (their model is tracked for truth()). */
  readonly structured?: string;
}

export interface DomainInfo {
  readonly uid: number;
  readonly gid: number;
  readonly encryptedOnly: boolean;
}

export const NOTES_DOMAIN = 'AppDomainGroup-group.com.apple.notes';
export const SMS_DB = { domain: 'HomeDomain', path: 'Library/SMS/sms.db' } as const;
export const ADDRESSBOOK_DB = { domain: 'HomeDomain', path: 'Library/AddressBook/AddressBook.sqlitedb' } as const;
export const ADDRESSBOOK_IMAGES_DB = { domain: 'HomeDomain', path: 'Library/AddressBook/AddressBookImages.sqlitedb' } as const;
export const PHOTOS_DB = { domain: 'CameraRollDomain', path: 'Media/PhotoData/Photos.sqlite' } as const;

const bytes = (f: (ctx: WorldContext) => Buffer): Maker => (ctx, out) => writeFileSync(out, f(ctx));

function staticEntries(): StaticEntry[] {
  const files: StaticEntry[] = [
    { ...SMS_DB, kind: 'file', make: buildSmsDb, structured: 'messages' },
    { ...ADDRESSBOOK_DB, kind: 'file', make: buildAddressBook, structured: 'contacts' },
    { ...ADDRESSBOOK_IMAGES_DB, kind: 'file', make: buildAddressBookImages, structured: 'contacts' },
    { domain: 'HomeDomain', path: 'Library/Calendar/Calendar.sqlitedb', kind: 'file', make: buildCalendar, structured: 'calendar' },
    { domain: 'HomeDomain', path: 'Library/CallHistoryDB/CallHistory.storedata', kind: 'file', make: buildCallHistory, structured: 'calls' },
    { domain: 'HomeDomain', path: 'Library/Safari/History.db', kind: 'file', make: buildHistory, structured: 'safari' },
    { domain: 'HomeDomain', path: 'Library/Safari/Bookmarks.db', kind: 'file', make: buildBookmarks, structured: 'safari' },
    { domain: 'HomeDomain', path: 'Library/Preferences/.GlobalPreferences.plist', kind: 'file', make: bytes(globalPreferences), protectionClass: 4 },
    { ...PHOTOS_DB, kind: 'file', make: buildPhotosDb, structured: 'photos' },
    { domain: NOTES_DOMAIN, path: 'NoteStore.sqlite', kind: 'file', make: buildNoteStore, structured: 'notes' },
    { domain: 'KeychainDomain', path: 'keychain-backup.plist', kind: 'file', make: bytes(keychainBackup), protectionClass: 1, structured: 'keychain' },
    { domain: 'HealthDomain', path: 'Health/healthdb.sqlite', kind: 'file', make: buildHealthDb, protectionClass: 1 },
    { domain: 'HealthDomain', path: 'Health/healthdb_secure.sqlite', kind: 'file', make: buildHealthSecure, protectionClass: 1, structured: 'health' },
    { domain: 'WirelessDomain', path: 'Library/Preferences/com.apple.commcenter.plist', kind: 'file', make: bytes((c) => simplePreferences('com.apple.commcenter', c)), protectionClass: 4 },
    { domain: 'SystemPreferencesDomain', path: 'SystemConfiguration/com.apple.wifi.plist', kind: 'file', make: bytes(systemConfigurationWifi), protectionClass: 4 },
    { domain: 'SystemPreferencesDomain', path: 'SystemConfiguration/preferences.plist', kind: 'file', make: bytes(systemConfigurationPreferences), protectionClass: 4 },
    { domain: 'SystemPreferencesDomain', path: 'com.apple.wifi.known-networks.plist', kind: 'file', make: bytes(knownNetworks), protectionClass: 4, structured: 'wifi' },
    { domain: 'RootDomain', path: 'Library/Preferences/com.apple.MobileBackup.plist', kind: 'file', make: bytes((c) => simplePreferences('com.apple.MobileBackup', c)), protectionClass: 4 },
    { domain: 'ManagedPreferencesDomain', path: 'mobile/.GlobalPreferences.plist', kind: 'file', make: bytes((c) => simplePreferences('managed.GlobalPreferences', c)), protectionClass: 4 },
    { domain: 'HomeDomain', path: 'Library/Preferences/com.apple.carrier.plist', kind: 'symlink', target: '/private/var/mobile/Library/Carrier Bundles/Overlay/carrier.plist' },
  ];
  for (const name of [
    'com.apple.springboard', 'com.apple.Preferences', 'com.apple.MobileSMS', 'com.apple.mobilephone', 'com.apple.mobilesafari',
    'com.apple.preferences.datetime', 'com.apple.purplebuddy', 'com.apple.camera', 'com.apple.mobileslideshow', 'com.apple.assistant.support',
  ]) {
    files.push({ domain: 'HomeDomain', path: `Library/Preferences/${name}.plist`, kind: 'file', make: bytes((c) => simplePreferences(name, c)), protectionClass: 4 });
  }
  for (const app of APPS) {
    const domain = `AppDomain-${app.bundleId}`;
    files.push({ domain, path: `Library/Preferences/${app.bundleId}.plist`, kind: 'file', make: bytes((c) => containerPreferences(c, app.bundleId)), protectionClass: 4 });
    files.push({ domain, path: `Library/Application Support/${app.name}/settings.json`, kind: 'file', make: bytes((c) => appSupportFile(c, app.bundleId)) });
    files.push({ domain, path: 'Documents', kind: 'directory' });
    for (const group of app.groups) {
      files.push({ domain: `AppDomainGroup-${group}`, path: `Library/Preferences/${group}.plist`, kind: 'file', make: bytes((c) => containerPreferences(c, group)), protectionClass: 4 });
    }
    for (const plugin of app.plugins) {
      files.push({ domain: `AppDomainPlugin-${plugin}`, path: `Library/Preferences/${plugin}.plist`, kind: 'file', make: bytes((c) => containerPreferences(c, plugin)), protectionClass: 4 });
    }
  }
  const dirs: StaticEntry[] = [
    { domain: 'MediaDomain', path: 'Library/SMS/Attachments', kind: 'directory' },
    { domain: 'CameraRollDomain', path: 'Media/DCIM', kind: 'directory' },
    ...DOC_FAMILIES.map((f): StaticEntry => ({ domain: f.domain, path: f.root, kind: 'directory' })),
  ];
  return withParents([...files, ...dirs]);
}

/** Adds every ancestor directory (and each domain's root '') of the given entries. */
function withParents(entries: StaticEntry[]): StaticEntry[] {
  const byKey = new Map<string, StaticEntry>();
  for (const e of entries) byKey.set(`${e.domain}\t${e.path}`, e);
  for (const e of entries) {
    const parts = e.path.split('/');
    for (let n = 0; n < parts.length; n++) {
      const path = parts.slice(0, n).join('/');
      const key = `${e.domain}\t${path}`;
      if (!byKey.has(key)) byKey.set(key, { domain: e.domain, path, kind: 'directory' });
    }
  }
  return [...byKey.values()].sort((a, b) => (a.domain === b.domain ? compare(a.path, b.path) : compare(a.domain, b.domain)));
}

/** The one ordering used everywhere: UTF-16 code unit order (= byte order for ASCII). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const STATIC_ENTRIES: readonly StaticEntry[] = staticEntries();

export function domainInfo(domain: string): DomainInfo {
  if (domain === 'RootDomain' || domain === 'SystemPreferencesDomain' || domain === 'ManagedPreferencesDomain') return { uid: 0, gid: 0, encryptedOnly: false };
  if (domain === 'WirelessDomain') return { uid: 25, gid: 25, encryptedOnly: false };
  if (domain === 'KeychainDomain' || domain === 'HealthDomain') return { uid: 501, gid: 501, encryptedOnly: true };
  return { uid: 501, gid: 501, encryptedOnly: false };
}
