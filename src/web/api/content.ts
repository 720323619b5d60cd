/**
 * "Inside a backup": what one snapshot holds, read with src/content from the vault (no phone needed).
 * Routes under /api/devices/:udid/snapshots/:id/ —
 *   POST unlock {password}       open an encrypted snapshot (the password is used once, never kept)
 *   GET  summary | coverage      counts per data type; what the backup does not hold and why
 *   GET  messages                conversations (with contact names); messages/:chat one conversation
 *   GET  photos                  the library with capture dates and whether the original is held
 *   GET  contacts | calendars | notes | calls
 * Lists are capped (LIST_LIMIT) so a huge phone cannot make one answer huge; files and exports are in
 * content-files.ts.
 */
import { CalendarReader } from '../../content/calendars/reader.js';
import { openCalls, readCalls } from '../../content/calls/calls.js';
import { contactNames, ContactsReader, displayName } from '../../content/contacts/reader.js';
import { coverage } from '../../content/coverage.js';
import { MessagesReader } from '../../content/messages/reader.js';
import { noteMarkdown } from '../../content/notes/render.js';
import { NotesReader } from '../../content/notes/reader.js';
import { CAMERA_ROLL, PhotosReader } from '../../content/photos/reader.js';
import { summarize } from '../../content/summary.js';
import type { SnapshotRef } from '../../vault/local-store.js';
import type { DashboardContext } from '../context.js';
import { WebError } from '../errors.js';
import { stringField, type RequestContext, type Router } from '../http.js';
import type { OpenedSnapshot } from '../open-backups.js';
import { checkUdid } from './snapshots.js';
import { registerContentFileRoutes } from './content-files.js';

export const LIST_LIMIT = 2000;

export function snapshotOf(ctx: DashboardContext, params: RequestContext['params']): SnapshotRef {
  return ctx.store().get(checkUdid(params['udid']), params['id'] as string);
}

function limitOf(url: URL, fallback: number, max = LIST_LIMIT): number {
  const raw = url.searchParams.get('limit');
  const n = raw === null ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new WebError(400, '"limit" must be a whole number ≥ 1');
  return Math.min(n, max);
}

function take<T>(items: Iterable<T>, limit: number): { items: T[]; truncated: boolean } {
  const out: T[] = [];
  for (const item of items) {
    if (out.length === limit) return { items: out, truncated: true };
    out.push(item);
  }
  return { items: out, truncated: false };
}

export function registerContentRoutes(router: Router, ctx: DashboardContext): void {
  const base = '/api/devices/:udid/snapshots/:id';
  const withSource = <T>(fn: (opened: OpenedSnapshot, rc: RequestContext) => Promise<T> | T) => async (rc: RequestContext) =>
    fn(await ctx.backups.get(snapshotOf(ctx, rc.params)), rc);

  router.add('POST', `${base}/unlock`, async ({ params, body }) => {
    const password = stringField(await body(), 'password', { max: 1024 }) as string;
    await ctx.backups.unlock(snapshotOf(ctx, params), password);
    return { unlocked: true };
  });

  router.add('GET', `${base}/summary`, withSource(async ({ source }) => summarize(source)));
  router.add('GET', `${base}/coverage`, withSource(async ({ source }) => coverage(source)));

  router.add(
    'GET',
    `${base}/messages`,
    withSource(async ({ source }) => {
      const reader = await MessagesReader.open(source);
      if (!reader) return { chats: [], held: false };
      const names = await contactNames(source);
      const chats = reader.chats().map((c) => ({ ...c, names: c.participants.map((p) => names(p) ?? p) }));
      return { held: true, chats: take(chats, LIST_LIMIT).items };
    }),
  );

  router.add(
    'GET',
    `${base}/messages/:chat`,
    withSource(async ({ source }, { params, url }) => {
      const id = Number(params['chat']);
      if (!Number.isInteger(id) || id < 0) throw new WebError(400, 'a chat is a whole number');
      const reader = await MessagesReader.open(source);
      const chat = reader?.chats().find((c) => c.id === id);
      if (!reader || !chat) throw new WebError(404, `no conversation ${id} in this backup`);
      const names = await contactNames(source);
      const limit = limitOf(url, 500);
      // The newest `limit` messages: keep a sliding window over the time-ordered iterator.
      const window: unknown[] = [];
      let total = 0;
      for (const m of reader.messages(chat)) {
        total++;
        window.push({ ...m, senderName: m.fromMe ? 'Me' : (names(m.sender) ?? m.sender), attachments: m.attachments.map((a) => ({ ...a, held: a.relativePath !== undefined && source.entry('MediaDomain', a.relativePath) !== undefined })) });
        if (window.length > limit) window.shift();
      }
      return { chat: { ...chat, names: chat.participants.map((p) => names(p) ?? p) }, total, messages: window };
    }),
  );

  router.add(
    'GET',
    `${base}/photos`,
    withSource(async ({ source }, { url }) => {
      const reader = await PhotosReader.open(source);
      if (!reader) return { held: false, total: 0, photos: [] };
      const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
      const limit = limitOf(url, 200, 500);
      const all = [...reader.assets()].filter((a) => !a.trashed).reverse(); // newest first
      const page = all.slice(offset, offset + limit).map((a) => ({ ...a, held: source.entry(CAMERA_ROLL, a.relativePath) !== undefined }));
      return { held: true, total: all.length, offset, photos: page };
    }),
  );

  router.add(
    'GET',
    `${base}/contacts`,
    withSource(async ({ source }) => {
      const reader = await ContactsReader.open(source);
      if (!reader) return { held: false, contacts: [] };
      const { items, truncated } = take(reader.contacts(), LIST_LIMIT);
      return { held: true, truncated, contacts: items.map((c) => ({ ...c, name: displayName(c) })).sort((a, b) => a.name.localeCompare(b.name)) };
    }),
  );

  router.add(
    'GET',
    `${base}/calendars`,
    withSource(async ({ source }) => {
      const reader = await CalendarReader.open(source);
      if (!reader) return { held: false, events: [] };
      const { items, truncated } = take(reader.events(), LIST_LIMIT);
      return { held: true, truncated, events: items.sort((a, b) => (b.start?.getTime() ?? 0) - (a.start?.getTime() ?? 0)) };
    }),
  );

  router.add(
    'GET',
    `${base}/notes`,
    withSource(async ({ source }) => {
      const reader = await NotesReader.open(source);
      if (!reader) return { held: false, notes: [] };
      const { items, truncated } = take(reader.notes(), LIST_LIMIT);
      return { held: true, truncated, notes: items.map(({ body, ...n }) => ({ ...n, text: body ? noteMarkdown(body) : undefined })) };
    }),
  );

  router.add(
    'GET',
    `${base}/calls`,
    withSource(async ({ source }) => {
      const db = await openCalls(source);
      if (!db) return { held: false, calls: [] };
      const names = await contactNames(source);
      const { items, truncated } = take(readCalls(db), LIST_LIMIT);
      return { held: true, truncated, calls: items.map((c) => ({ ...c, name: names(c.address) })).sort((a, b) => (b.date?.getTime() ?? 0) - (a.date?.getTime() ?? 0)) };
    }),
  );

  registerContentFileRoutes(router, ctx, base, withSource);
}
