/**
 * Ground truth: what the phone holds, for checking readers, backups and restores against.
 *
 * Nouns: the *model* is the generated world (world/*) with the mutation log replayed onto it — it is
 * computed independently of the databases, so a reader that recovers it from a backup has read the
 * databases correctly. Photos are filtered by whether their file still exists (a restore may remove
 * files). A *domain digest* hashes every entry's content (see DomainDigest in types.ts); computing it
 * streams every file, so truth() is slow for big profiles, while summary() only lists.
 */
import { createHash } from 'node:crypto';
import type { VirtualDeviceFileSystem } from './filesystem.js';
import { compare } from './layout.js';
import type { LogEntry } from './mutate.js';
import { ALBUM_TITLES, photoAlbum } from './content/photosdb.js';
import type { DataCounts, DeviceSummary, DeviceTruth, DomainDigest, EntryCounts, TruthChat, TruthContact, TruthMessage, TruthPhoto } from './types.js';
import { APPS } from './world/apps.js';
import { attachmentAt, photoAt } from './world/media.js';
import { chatDefs, messageStream, type MessageDef } from './world/messages.js';
import { calendarEvents, calls, healthSamples, keychainCounts, notes, safariBookmarks, safariHistory, wifiNetworks } from './world/misc.js';
import { contactAt } from './world/people.js';
import { iso } from './time.js';

function logOf(fs: VirtualDeviceFileSystem): LogEntry[] {
  return fs.overlay.log as LogEntry[];
}

export function computeSummary(fs: VirtualDeviceFileSystem): DeviceSummary {
  const domains: Record<string, { files: number; directories: number; symlinks: number; bytes: number }> = {};
  const total = { files: 0, directories: 0, symlinks: 0, bytes: 0 };
  let photos = 0;
  let videos = 0;
  let attachments = 0;
  for (const f of fs.list()) {
    const d = (domains[f.domain] ??= { files: 0, directories: 0, symlinks: 0, bytes: 0 });
    for (const c of [d, total]) {
      if (f.kind === 'file') {
        c.files++;
        c.bytes += f.size;
      } else if (f.kind === 'directory') c.directories++;
      else c.symlinks++;
    }
    if (f.kind !== 'file') continue;
    if (f.domain === 'CameraRollDomain' && f.relativePath.startsWith('Media/DCIM/')) {
      if (f.relativePath.endsWith('.MOV')) videos++;
      else photos++;
    } else if (f.domain === 'MediaDomain' && f.relativePath.startsWith('Library/SMS/Attachments/')) attachments++;
  }
  const plan = fs.ctx.plan;
  let messages = plan.messages;
  let contacts = plan.contacts;
  for (const e of logOf(fs)) {
    if (e.kind === 'messages') messages += e.add.length - e.remove.length;
    if (e.kind === 'contacts') contacts += e.add.length - e.remove.length;
  }
  const counts: DataCounts = {
    chats: chatDefs(fs.ctx).length,
    messages,
    messageAttachments: attachments,
    contacts,
    calendarEvents: plan.events,
    notes: plan.notes,
    calls: plan.calls,
    safariHistoryItems: plan.historyItems,
    safariBookmarks: plan.bookmarks,
    photos,
    videos,
    healthSamples: plan.healthSamples,
    keychainItems: Object.values(keychainCounts(fs.ctx)).reduce((a, b) => a + b, 0),
    wifiNetworks: plan.wifiNetworks,
    apps: APPS.length,
  };
  const sorted: Record<string, EntryCounts> = {};
  for (const key of Object.keys(domains).sort(compare)) sorted[key] = domains[key] as EntryCounts;
  return { seed: fs.ctx.seed, profile: plan.profile, total, domains: sorted, counts };
}

function chatsTruth(fs: VirtualDeviceFileSystem): { chats: TruthChat[]; recentlyDeleted: number } {
  const ctx = fs.ctx;
  const defs = chatDefs(ctx);
  const perChat: TruthMessage[][] = defs.map(() => []);
  const where = new Map<string, { chat: number; at: number }>();
  const toTruth = (m: MessageDef | (Omit<MessageDef, 'edits'> & { edits?: MessageDef['edits'] })): TruthMessage => ({
    guid: m.guid,
    text: m.text ?? '',
    fromMe: m.fromMe,
    sender: m.sender,
    date: iso(m.date),
    service: m.service,
    ...(m.edits ? { edits: m.edits.map((e) => e.text) } : {}),
    ...(m.unsent ? { unsent: true } : {}),
    ...(m.reaction ? { reaction: { type: m.reaction.type, targetGuid: m.reaction.targetGuid } } : {}),
    attachments: m.attachments.map((i) => attachmentAt(ctx, i).relativePath),
  });
  const push = (chat: number, message: TruthMessage): void => {
    const list = perChat[chat];
    if (!list) return;
    where.set(message.guid, { chat, at: list.length });
    list.push(message);
  };
  for (const m of messageStream(ctx, defs)) push(m.chat, toTruth(m));
  let recentlyDeleted = 0;
  const removed = new Set<string>();
  for (const e of logOf(fs)) {
    if (e.kind !== 'messages') continue;
    for (const m of e.add) push(m.chat, toTruth(m));
    for (const edit of e.edit) {
      const at = where.get(edit.guid);
      const list = at ? perChat[at.chat] : undefined;
      const old = at && list ? list[at.at] : undefined;
      if (!at || !list || !old) continue;
      list[at.at] = { ...old, text: edit.text, edits: [...(old.edits ?? [old.text]), edit.text] };
    }
    for (const guid of e.remove) {
      removed.add(guid);
      recentlyDeleted++;
    }
  }
  const chats = defs.map((c, k) => ({
    guid: c.guid,
    identifier: c.identifier,
    ...(c.displayName === undefined ? {} : { displayName: c.displayName }),
    service: c.service,
    participants: c.participants,
    messages: (perChat[k] ?? []).filter((m) => !removed.has(m.guid)),
  }));
  return { chats, recentlyDeleted };
}

function contactsTruth(fs: VirtualDeviceFileSystem): TruthContact[] {
  const ctx = fs.ctx;
  const people = new Map<number, TruthContact>();
  const toTruth = (index: number): TruthContact => {
    const c = contactAt(ctx, index);
    return {
      ...(c.first === undefined ? {} : { first: c.first }),
      ...(c.last === undefined ? {} : { last: c.last }),
      ...(c.organization === undefined ? {} : { organization: c.organization }),
      phones: c.phones.map((p) => p.e164),
      emails: c.emails.map((e) => e.address),
      hasImage: c.hasImage,
    };
  };
  for (let i = 0; i < ctx.plan.contacts; i++) people.set(i, toTruth(i));
  for (const e of logOf(fs)) {
    if (e.kind !== 'contacts') continue;
    for (const edit of e.edit) {
      const old = people.get(edit.index);
      if (old) people.set(edit.index, { ...old, last: edit.last, emails: [...old.emails, edit.email] });
    }
    for (const index of e.remove) people.delete(index);
    for (const a of e.add) people.set(a.index, toTruth(a.index));
  }
  return [...people.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
}

function photosTruth(fs: VirtualDeviceFileSystem): { photos: TruthPhoto[]; albums: { title: string; photos: number }[] } {
  const ctx = fs.ctx;
  const albumCounts = new Array<number>(Math.min(ALBUM_TITLES.length, ctx.plan.albums)).fill(0);
  const out: TruthPhoto[] = [];
  const add = (i: number, at?: number): void => {
    const p = photoAt(ctx, i, at);
    if (fs.stat('CameraRollDomain', p.relativePath)?.kind !== 'file') return;
    out.push({ domain: 'CameraRollDomain', relativePath: p.relativePath, fileName: p.fileName, kind: p.kind === 'mov' ? 'video' : 'photo', uti: p.uti, captured: iso(p.captured), width: p.width, height: p.height });
    if (at === undefined) {
      const album = photoAlbum(ctx, i);
      if (album !== undefined) albumCounts[album] = (albumCounts[album] ?? 0) + 1;
    }
  };
  for (let i = 0; i < ctx.plan.photos; i++) add(i);
  for (const e of logOf(fs)) if (e.kind === 'photos') for (const a of e.add) add(a.i, a.at);
  return { photos: out, albums: albumCounts.map((n, k) => ({ title: ALBUM_TITLES[k] ?? `Album ${k}`, photos: n })) };
}

async function domainDigests(fs: VirtualDeviceFileSystem): Promise<Record<string, DomainDigest>> {
  const lines = new Map<string, string[]>();
  const counts = new Map<string, { files: number; directories: number; symlinks: number; bytes: number }>();
  const empty = createHash('sha256').digest('hex');
  for (const f of fs.list()) {
    let digest = empty;
    if (f.kind === 'file') {
      const hash = createHash('sha256');
      for await (const chunk of fs.open(f)) hash.update(chunk as Buffer);
      digest = hash.digest('hex');
    } else if (f.kind === 'symlink') digest = createHash('sha256').update(f.target ?? '', 'utf8').digest('hex');
    const list = lines.get(f.domain) ?? [];
    list.push(`${f.relativePath}\t${f.kind}\t${digest}\n`);
    lines.set(f.domain, list);
    const c = counts.get(f.domain) ?? { files: 0, directories: 0, symlinks: 0, bytes: 0 };
    if (f.kind === 'file') {
      c.files++;
      c.bytes += f.size;
    } else if (f.kind === 'directory') c.directories++;
    else c.symlinks++;
    counts.set(f.domain, c);
  }
  const out: Record<string, DomainDigest> = {};
  for (const domain of [...lines.keys()].sort(compare)) {
    const hash = createHash('sha256');
    for (const line of (lines.get(domain) ?? []).sort(compare)) hash.update(line, 'utf8');
    const c = counts.get(domain) ?? { files: 0, directories: 0, symlinks: 0, bytes: 0 };
    out[domain] = { ...c, digest: hash.digest('hex') };
  }
  return out;
}

export async function computeTruth(fs: VirtualDeviceFileSystem): Promise<DeviceTruth> {
  const ctx = fs.ctx;
  const { chats, recentlyDeleted } = chatsTruth(fs);
  const { photos, albums } = photosTruth(fs);
  const byType: Record<string, number> = {};
  for (const s of healthSamples(ctx)) byType[String(s.type)] = (byType[String(s.type)] ?? 0) + 1;
  const keychain = keychainCounts(ctx);
  return {
    summary: computeSummary(fs),
    owner: { name: `${ctx.owner.first} ${ctx.owner.last}`, phone: ctx.owner.phone, email: ctx.owner.email },
    chats,
    recentlyDeletedMessages: recentlyDeleted,
    contacts: contactsTruth(fs),
    calendarEvents: calendarEvents(ctx).map((e) => ({ title: e.title, calendar: e.calendar, start: iso(e.start), end: iso(e.end), allDay: e.allDay, ...(e.location ? { location: e.location } : {}) })),
    notes: notes(ctx).map((n) => ({ title: n.title, body: n.text, folder: n.folder, created: iso(n.created), modified: iso(n.modified) })),
    calls: calls(ctx).map((c) => ({ address: c.address, date: iso(c.date), durationSeconds: c.duration, outgoing: c.outgoing, answered: c.answered, callType: c.callType })),
    safari: {
      history: safariHistory(ctx).map((h) => ({ url: h.url, title: h.title, visitCount: h.visits.length, lastVisit: iso(h.visits[h.visits.length - 1] ?? ctx.now) })),
      bookmarks: safariBookmarks(ctx),
    },
    photos,
    albums,
    health: { samples: ctx.plan.healthSamples, byType },
    keychain: { items: keychain.genp + keychain.inet + keychain.cert + keychain.keys, byClass: keychain },
    wifi: { ssids: wifiNetworks(ctx).map((n) => n.ssid) },
    apps: APPS.map((a) => ({ bundleId: a.bundleId, name: a.name, version: a.version, shortVersion: a.shortVersion })),
    domains: await domainDigests(fs),
    restoredStructuredFiles: fs.overlay.restored.map((r) => `${r.domain}/${r.path}`),
  };
}
