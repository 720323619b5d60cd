/**
 * `lifeboat show`: counts per data type of a backup (messages, photos, contacts, …). showBackup() is
 * also what the demo calls at its end.
 */
import type { Command } from 'commander';
import type { ContentSummary } from '../../content/summary.js';
import { summarize } from '../../content/summary.js';
import { printJson, printLine, type GlobalOptions } from '../output.js';
import { openSource, withSourceOptions, type SourceOptions } from './backup-source.js';

interface ShowOptions extends GlobalOptions, SourceOptions {}

const fmt = (n: number | undefined): string => (n === undefined ? 'not in this backup' : n.toLocaleString('en-US'));

export function summaryLines(s: ContentSummary): string[] {
  const d = s.device;
  return [
    `${d.name ?? 'iPhone'} (${d.model ?? '?'}, iOS ${d.iosVersion ?? '?'}) — backup of ${d.backupDate ?? 'unknown date'}${d.encrypted ? ', encrypted' : ', not encrypted'}${d.complete ? '' : ', INCOMPLETE'}`,
    `  Messages        ${s.messages ? `${fmt(s.messages.messages)} in ${fmt(s.messages.chats)} conversations, ${fmt(s.messages.attachments)} attachments` : 'not in this backup'}`,
    `  Photos/videos   ${s.photos ? `${fmt(s.photos.photos)} photos, ${fmt(s.photos.videos)} videos in the library, ${fmt(s.originalsInBackup)} originals in the backup, ${fmt(s.photos.albums)} albums` : `${fmt(s.originalsInBackup)} files`}`,
    `  Contacts        ${fmt(s.contacts)}`,
    `  Calendar events ${fmt(s.calendarEvents)}`,
    `  Notes           ${fmt(s.notes)}`,
    `  Calls           ${fmt(s.calls)}`,
    `  Safari          ${s.safari ? `${fmt(s.safari.history)} history items, ${fmt(s.safari.bookmarks)} bookmarks` : 'not in this backup'}`,
    `  Health          ${s.health ? `${fmt(s.health.samples)} samples` : d.encrypted ? 'not in this backup' : 'not in this backup (only encrypted backups carry Health)'}`,
    `  Keychain        ${s.keychainItems !== undefined && d.encrypted ? `${fmt(s.keychainItems)} items` : 'not in this backup (only encrypted backups carry saved passwords)'}`,
    `  Wi-Fi networks  ${fmt(s.wifiNetworks)}`,
    `  Apps            ${fmt(s.apps)}`,
    `  Files           ${fmt(s.files.total)} in ${fmt(s.files.domains)} domains`,
  ];
}

/** Prints what the backup holds (text, or JSON with `json`). */
export async function showBackup(options: SourceOptions & GlobalOptions): Promise<ContentSummary> {
  const opened = await openSource(options);
  try {
    const summary = await summarize(opened.source);
    if (options.json) printJson(summary);
    else for (const line of summaryLines(summary)) printLine(line);
    return summary;
  } finally {
    opened.close();
  }
}

export function registerShowCommand(program: Command): void {
  withSourceOptions(program.command('show').description('what a backup holds: counts per data type')).action(async (_options: unknown, command: Command) => {
    await showBackup(command.optsWithGlobals<ShowOptions>());
  });
}
