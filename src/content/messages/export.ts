/**
 * Export of Messages: one HTML page per conversation plus an index, one CSV of every message, one JSON
 * document of every chat with its messages, and the attachments copied beside them.
 *
 * Layout under the output folder: index.html, conversations/NNNN <name>.html, attachments/NNNN/<guid>/<name>,
 * messages.csv, messages.json. Everything streams: one message is read, written to each open format and
 * dropped, so memory does not grow with the number of messages. Names of chats and attachments are
 * sanitised (common/safe-path.ts); an attachment whose file is not in the backup is listed, not copied.
 */
import { join } from 'node:path';
import { CsvWriter } from '../common/csv.js';
import { copyEntry } from '../common/copy.js';
import { fileHref, PAGE_END, pageStart, text } from '../common/html.js';
import type { ExportMeter } from '../common/progress.js';
import { mkdirInside, safeName } from '../common/safe-path.js';
import { TextSink } from '../common/sink.js';
import { contactNames } from '../contacts/reader.js';
import type { ContentSource } from '../source.js';
import { messageHtml, type RenderedAttachment } from './html.js';
import { ATTACHMENTS_DOMAIN, MessagesReader, type Chat, type Message } from './reader.js';

export const MESSAGE_FORMATS = ['html', 'csv', 'json'] as const;
export type MessageFormat = (typeof MESSAGE_FORMATS)[number];

export interface MessagesExportResult {
  readonly chats: number;
  readonly messages: number;
  readonly attachments: number;
  readonly missingAttachments: number;
}

const CSV_HEADER = ['chat', 'chat_name', 'message_guid', 'date', 'from_me', 'sender', 'sender_name', 'service', 'text', 'edited', 'unsent', 'reaction', 'reaction_target', 'attachments'];

export async function exportMessages(source: ContentSource, out: string, formats: ReadonlySet<MessageFormat>, meter: ExportMeter): Promise<MessagesExportResult | undefined> {
  const reader = await MessagesReader.open(source);
  if (!reader) return undefined;
  const nameOf = await contactNames(source);
  const chats = reader.chats();
  const csv = formats.has('csv') ? await CsvWriter.create(join(out, 'messages.csv'), CSV_HEADER) : undefined;
  const json = formats.has('json') ? await TextSink.open(join(out, 'messages.json')) : undefined;
  const result = { chats: chats.length, messages: 0, attachments: 0, missingAttachments: 0 };
  const pages: { chat: Chat; title: string; file: string }[] = [];
  try {
    await json?.write(`{"exportedAt":${JSON.stringify(new Date().toISOString())},"chats":[`);
    for (const [k, chat] of chats.entries()) {
      const number = String(k + 1).padStart(4, '0');
      const title = chatTitle(chat, nameOf);
      const file = `${number} ${safeName(title, 'chat')}.html`;
      pages.push({ chat, title, file });
      const page = formats.has('html') ? await TextSink.open(join(await mkdirInside(out, ['conversations']), file)) : undefined;
      try {
        await page?.write(pageStart(title) + `<p class="meta">${text(chat.participants.map((p) => labelled(p, nameOf)).join(', '))} · ${text(chat.service)}</p>\n`);
        await json?.write(`${k > 0 ? ',' : ''}\n{"guid":${JSON.stringify(chat.guid)},"identifier":${JSON.stringify(chat.identifier)},"name":${JSON.stringify(title)},` +
          `"service":${JSON.stringify(chat.service)},"group":${chat.isGroup},"participants":${JSON.stringify(chat.participants)},"messages":[`);
        let first = true;
        for (const m of reader.messages(chat)) {
          const files = await copyAttachments(source, out, number, m, result);
          const sender = m.fromMe ? 'Me' : labelled(m.sender, nameOf);
          await page?.write(messageHtml(m, sender, files.map((f) => ({ ...f, ...(f.href ? { href: ['..', ...f.href] } : {}) }))));
          await csv?.row([chat.guid, title, m.guid, m.date, m.fromMe, m.sender, m.fromMe ? 'Me' : (nameOf(m.sender) ?? ''), m.service, m.text,
            m.edits ? m.edits.length > 1 : false, m.unsent, m.reaction ? m.reaction.verb : '', m.reaction?.targetGuid ?? '', files.map((f) => (f.href ? f.href.join('/') : f.name)).join('; ')]);
          await json?.write(`${first ? '' : ','}\n${JSON.stringify(messageJson(m, files))}`);
          first = false;
          result.messages++;
          meter.add(1);
        }
        await json?.write(']}');
        await page?.write(`<div class="clear"></div>\n<p><a href="../index.html">All conversations</a></p>\n${PAGE_END}`);
        await page?.close();
      } catch (error) {
        page?.destroy();
        throw error;
      }
    }
    await json?.write('\n]}\n');
    await json?.close();
    await csv?.close();
  } catch (error) {
    json?.destroy();
    csv?.destroy();
    throw error;
  }
  if (formats.has('html')) await writeIndex(out, pages);
  return result;
}

function labelled(handle: string, nameOf: (h: string) => string | undefined): string {
  const name = nameOf(handle);
  return name ? `${name} (${handle})` : handle;
}

export function chatTitle(chat: Chat, nameOf: (h: string) => string | undefined): string {
  if (chat.displayName) return chat.displayName;
  const names = chat.participants.map((p) => nameOf(p) ?? p);
  return names.length > 0 ? names.join(', ') : chat.identifier || `Chat ${chat.id}`;
}

async function copyAttachments(source: ContentSource, out: string, chatNumber: string, m: Message, result: { attachments: number; missingAttachments: number }): Promise<(RenderedAttachment & { href?: string[] })[]> {
  const files: (RenderedAttachment & { href?: string[] })[] = [];
  for (const a of m.attachments) {
    const entry = a.relativePath ? source.entry(ATTACHMENTS_DOMAIN, a.relativePath) : undefined;
    if (!entry) {
      result.missingAttachments++;
      files.push({ name: a.name, ...(a.mimeType ? { mimeType: a.mimeType } : {}) });
      continue;
    }
    const segments = ['attachments', chatNumber, safeName(a.guid, 'attachment')];
    const dir = await mkdirInside(out, segments);
    const name = safeName(a.name, 'attachment');
    await copyEntry(source, entry, join(dir, name), a.created ?? m.date);
    result.attachments++;
    files.push({ name: a.name, ...(a.mimeType ? { mimeType: a.mimeType } : {}), href: [...segments, name] });
  }
  return files;
}

function messageJson(m: Message, files: readonly (RenderedAttachment & { href?: string[] })[]): Record<string, unknown> {
  return {
    guid: m.guid,
    date: m.date?.toISOString() ?? null,
    fromMe: m.fromMe,
    sender: m.sender,
    service: m.service,
    text: m.text,
    ...(m.edits ? { edits: m.edits } : {}),
    ...(m.unsent ? { unsent: true } : {}),
    ...(m.reaction ? { reaction: m.reaction } : {}),
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    attachments: files.map((f) => ({ name: f.name, mimeType: f.mimeType ?? null, file: f.href ? f.href.join('/') : null })),
  };
}

async function writeIndex(out: string, pages: readonly { chat: Chat; title: string; file: string }[]): Promise<void> {
  const sink = await TextSink.open(join(out, 'index.html'));
  try {
    await sink.write(pageStart('Messages') + '<table>\n<tr><th>Conversation</th><th>Service</th><th>Messages</th></tr>\n');
    for (const p of pages) {
      await sink.write(`<tr><td><a href="${text(fileHref(['conversations', p.file]))}">${text(p.title)}</a>${p.chat.isGroup ? ' <span class="muted">(group)</span>' : ''}</td>` +
        `<td>${text(p.chat.service)}</td><td>${p.chat.messageCount}</td></tr>\n`);
    }
    await sink.write(`</table>\n${PAGE_END}`);
    await sink.close();
  } catch (error) {
    sink.destroy();
    throw error;
  }
}
