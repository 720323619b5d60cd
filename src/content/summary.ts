/**
 * What a backup holds, counted per data type — the answer of `lifeboat show`. Counting runs COUNT
 * queries on each app database (no message or photo is read), so it is quick even for large backups.
 *
 * Nouns: a *count* of undefined means "this backup does not hold that data at all" (no database), which
 * differs from 0 ("the app exists but is empty"); `originalsInBackup` counts camera-roll files actually
 * in the backup, which with iCloud Photos can be far fewer than the library lists.
 */
import { countCalls, openCalls } from './calls/calls.js';
import { CalendarReader } from './calendars/reader.js';
import { ContactsReader } from './contacts/reader.js';
import { readDevice, type DeviceInfo } from './device/device.js';
import { countHealth, openHealth } from './health/health.js';
import { MessagesReader } from './messages/reader.js';
import { NotesReader } from './notes/reader.js';
import { CAMERA_ROLL, PhotosReader } from './photos/reader.js';
import { countBookmarks, countHistory, openBookmarks, openHistory } from './safari/reader.js';
import type { ContentSource } from './source.js';
import { readWifi } from './wifi/wifi.js';
import { readApps } from './apps/apps.js';
import { parsePlist, type PlistDict } from '../plist/index.js';

export interface ContentSummary {
  readonly device: DeviceInfo;
  readonly files: { readonly total: number; readonly domains: number };
  readonly messages?: { readonly chats: number; readonly messages: number; readonly attachments: number; readonly recentlyDeleted: number };
  readonly photos?: { readonly photos: number; readonly videos: number; readonly albums: number };
  /** Camera-roll originals (DCIM files) actually in the backup. */
  readonly originalsInBackup: number;
  readonly contacts?: number;
  readonly calendarEvents?: number;
  readonly notes?: number;
  readonly calls?: number;
  readonly safari?: { readonly history?: number; readonly bookmarks?: number };
  readonly health?: { readonly samples: number; readonly byType: Readonly<Record<string, number>> };
  readonly keychainItems?: number;
  readonly wifiNetworks?: number;
  readonly apps: number;
}

async function attempt<T>(f: () => Promise<T | undefined> | T | undefined): Promise<T | undefined> {
  try {
    return await f();
  } catch {
    return undefined; // a damaged database counts as absent here; export reports the error itself
  }
}

export async function summarize(source: ContentSource): Promise<ContentSummary> {
  const backup = source.backup;
  const messages = await attempt(async () => {
    const r = await MessagesReader.open(source);
    return r && { chats: r.chats().length, messages: r.count(), attachments: r.attachmentCount(), recentlyDeleted: r.recentlyDeletedCount() };
  });
  const photos = await attempt(async () => {
    const r = await PhotosReader.open(source);
    return r && { ...r.count(), albums: r.albums().length };
  });
  const history = await attempt(async () => {
    const db = await openHistory(source);
    return db && countHistory(db);
  });
  const bookmarks = await attempt(async () => {
    const db = await openBookmarks(source);
    return db && countBookmarks(db);
  });
  const domains = backup.domains();
  return {
    device: readDevice(source),
    files: { total: domains.reduce((s, d) => s + d.files, 0), domains: domains.length },
    ...(messages ? { messages } : {}),
    ...(photos ? { photos } : {}),
    originalsInBackup: backup.count({ domain: CAMERA_ROLL, pathPrefix: 'Media/DCIM/', flags: 1 }),
    contacts: await attempt(async () => (await ContactsReader.open(source))?.count()),
    calendarEvents: await attempt(async () => (await CalendarReader.open(source))?.count()),
    notes: await attempt(async () => (await NotesReader.open(source))?.count()),
    calls: await attempt(async () => {
      const db = await openCalls(source);
      return db && countCalls(db);
    }),
    ...(history !== undefined || bookmarks !== undefined ? { safari: { history, bookmarks } } : {}),
    health: await attempt(async () => {
      const db = await openHealth(source);
      return db && countHealth(db);
    }),
    keychainItems: await attempt(() => keychainCount(source)),
    wifiNetworks: await attempt(async () => (await readWifi(source))?.length),
    apps: readApps(source).length,
  };
}

/** Items in KeychainDomain keychain-backup.plist (the items themselves stay encrypted to the device). */
async function keychainCount(source: ContentSource): Promise<number | undefined> {
  const bytes = await source.readSmall('KeychainDomain', 'keychain-backup.plist', 256 * 1024 * 1024);
  if (!bytes) return undefined;
  const dict = parsePlist(bytes) as PlistDict;
  return ['genp', 'inet', 'cert', 'keys'].reduce((n, k) => n + (Array.isArray(dict[k]) ? (dict[k] as unknown[]).length : 0), 0);
}
