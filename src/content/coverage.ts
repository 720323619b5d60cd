/**
 * The coverage report: what this backup holds and what it does not, explained for someone who is not
 * an expert — the answer of `lifeboat coverage`.
 *
 * Nouns: a *held* line says what is in the backup (with counts); a *gap* is something a person may
 * expect to be in it but is not, with *why* and the *fix*. Gaps come from facts of this backup:
 * photos the library lists without their originals (iCloud Photos with "Optimise iPhone Storage"),
 * what only an encrypted backup carries (Health, saved passwords, Wi-Fi passwords), and what no
 * backup ever carries (purchased apps, music, films and books; Apple Pay; Face ID).
 */
import { summarize, type ContentSummary } from './summary.js';
import { CAMERA_ROLL, PhotosReader } from './photos/reader.js';
import type { ContentSource } from './source.js';

export interface CoverageGap {
  readonly id: 'icloud-photos' | 'not-encrypted' | 'purchases' | 'never-backed-up' | 'incomplete';
  readonly what: string;
  readonly why: string;
  readonly fix?: string;
}

export interface CoverageReport {
  readonly summary: ContentSummary;
  readonly held: readonly string[];
  readonly gaps: readonly CoverageGap[];
  /** Library assets whose original file is not in this backup. */
  readonly photosNotInBackup: number;
}

const n = (count: number, one: string, many = `${one}s`): string => `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;

async function photosNotInBackup(source: ContentSource): Promise<number> {
  const reader = await PhotosReader.open(source).catch(() => undefined);
  if (!reader) return 0;
  let missing = 0;
  for (const asset of reader.assets()) if (!asset.trashed && source.entry(CAMERA_ROLL, asset.relativePath) === undefined) missing++;
  return missing;
}

export async function coverage(source: ContentSource): Promise<CoverageReport> {
  const s = await summarize(source);
  const held: string[] = [];
  if (s.messages) held.push(`Messages: ${n(s.messages.messages, 'message')} in ${n(s.messages.chats, 'conversation')}, ${n(s.messages.attachments, 'attachment')}.`);
  if (s.photos) held.push(`Photos: the library lists ${n(s.photos.photos, 'photo')} and ${n(s.photos.videos, 'video')}; ${n(s.originalsInBackup, 'original file')} ${s.originalsInBackup === 1 ? 'is' : 'are'} in this backup.`);
  if (s.contacts !== undefined) held.push(`Contacts: ${n(s.contacts, 'contact')}.`);
  if (s.calendarEvents !== undefined) held.push(`Calendars: ${n(s.calendarEvents, 'event')}.`);
  if (s.notes !== undefined) held.push(`Notes: ${n(s.notes, 'note')} stored on the iPhone.`);
  if (s.calls !== undefined) held.push(`Call history: ${n(s.calls, 'call')}.`);
  if (s.safari) held.push(`Safari: ${n(s.safari.history ?? 0, 'page')} of history, ${n(s.safari.bookmarks ?? 0, 'bookmark')}.`);
  if (s.health) held.push(`Health: ${n(s.health.samples, 'sample')}.`);
  if (s.keychainItems !== undefined && s.device.encrypted) held.push(`Saved passwords and keys (keychain): ${n(s.keychainItems, 'item')}.`);
  if (s.wifiNetworks !== undefined) held.push(`Wi-Fi: ${n(s.wifiNetworks, 'known network')}${s.device.encrypted ? '' : ' (names only)'}.`);
  held.push(`Apps: data of ${n(s.apps, 'app')} and the settings of the iPhone.`);

  const gaps: CoverageGap[] = [];
  const missing = await photosNotInBackup(source);
  if (missing > 0) {
    gaps.push({
      id: 'icloud-photos',
      what: `${n(missing, 'photo or video', 'photos and videos')} from the Photos library ${missing === 1 ? 'is' : 'are'} not in this backup.`,
      why:
        'iCloud Photos is on: the iPhone keeps those originals in iCloud, so it leaves them out of computer backups. ' +
        'iCloud Photos is not a backup — deleting a photo on any device deletes it everywhere (it stays 30 days in Recently Deleted, then it is gone).',
      fix: 'To keep a copy of your own, download the originals (Settings → Photos → "Download and Keep Originals") before the next backup, or export them from iCloud.',
    });
  }
  if (!s.device.encrypted) {
    gaps.push({
      id: 'not-encrypted',
      what: 'Health and Activity data, saved passwords (the keychain) and Wi-Fi passwords are not in this backup.',
      why: 'An iPhone only includes them in encrypted backups. Apple also lists call history and website history among the things only encrypted backups keep on some iOS versions.',
      fix: 'Turn on backup encryption (`lifeboat encryption on`) and make a new backup; keep the password safe — without it the backup cannot be read.',
    });
  }
  gaps.push({
    id: 'purchases',
    what: 'Apps themselves, and music, films, TV shows and books bought from Apple, are not in any backup.',
    why: 'The backup keeps your data and settings; purchases are downloaded again from the App Store and Apple’s stores when you restore (if they are still sold there). Music you copied from a computer yourself is not included either.',
  });
  gaps.push({
    id: 'never-backed-up',
    what: 'Face ID / Touch ID, Apple Pay cards, and data that lives only in iCloud (iCloud Drive, iCloud Mail, Messages and Notes kept in iCloud but not on the iPhone) are not in computer backups.',
    why: 'They are tied to the device or stored by Apple, not on the iPhone.',
  });
  if (!s.device.complete) {
    gaps.push({ id: 'incomplete', what: 'This backup did not finish.', why: 'Its Status.plist does not say "finished"; some files may be missing.', fix: 'Make a new backup.' });
  }
  return { summary: s, held, gaps, photosNotInBackup: missing };
}
