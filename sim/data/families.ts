/**
 * Bulk-file families: the numerous files listed on the fly instead of being stored.
 *
 * Nouns: a *family* owns one kind of bulk file in one domain — camera-roll items (CameraRollDomain
 * Media/DCIM/…), message attachments (MediaDomain Library/SMS/Attachments/…) or one app's documents.
 * Its *items* are numbered; items below `count` exist on every phone of this seed and profile (the
 * *base*), items added by mutate() continue the numbering and are recorded in the overlay. A *ref*
 * names one version of one item: {fam, i, v, at?, out?, m?}. A family can enumerate its base entries in
 * path order (materialising at most one folder — ≤ 1,000 names — at a time), map a path back to its
 * item (stat without a full scan), and produce any item's metadata and streamed content.
 */
import type { BulkContent } from './pool.js';
import { DOC_FAMILIES, DOCS_PER_FOLDER, docAt, docContent, docFolder, docSize } from './world/apps.js';
import type { WorldContext } from './world/context.js';
import { attachmentAt, attachmentContent, attachmentDirs, attachmentSize, photoAt, photoContent, photoFolder, photoListing, photoSize } from './world/media.js';

export interface BulkRef {
  readonly fam: string;
  readonly i: number;
  readonly v: number;
  /** Capture/creation time of an added item (Unix ms). */
  readonly at?: number;
  /** Attachment direction of an added item. */
  readonly out?: boolean;
  /** Message index carrying an added attachment. */
  readonly m?: number;
}

export type FamilyEntry =
  | { readonly kind: 'directory'; readonly path: string; readonly time: number }
  | { readonly kind: 'file'; readonly path: string; readonly i: number; readonly size: number; readonly time: number };

export interface Family {
  readonly id: string;
  readonly domain: string;
  readonly count: number;
  entries(): Generator<FamilyEntry>;
  lookup(path: string): FamilyEntry | undefined;
  file(ref: BulkRef): { path: string; size: number; time: number };
  content(ref: BulkRef, size: number): BulkContent;
  dirsOf(ref: BulkRef): string[];
}

export function makeFamilies(ctx: WorldContext): Family[] {
  return [photoFamily(ctx), attachmentFamily(ctx), ...DOC_FAMILIES.map((_, k) => docFamily(ctx, k))];
}

function fileEntry(path: string, i: number, size: number, time: number): FamilyEntry {
  return { kind: 'file', path, i, size, time };
}

function photoFamily(ctx: WorldContext): Family {
  const count = ctx.plan.photos;
  const folderPath = (f: number): string => `Media/DCIM/${f}APPLE`;
  const meta = (ref: BulkRef): { path: string; size: number; time: number } => {
    const p = photoListing(ctx, ref.i, ref.at);
    return { path: p.path, size: photoSize(ctx, ref.i, ref.v), time: p.captured + 2000 };
  };
  return {
    id: 'photo',
    domain: 'CameraRollDomain',
    count,
    *entries() {
      for (let f = 0; f * 1000 < count; f++) {
        const last = Math.min(count, (f + 1) * 1000) - 1;
        yield { kind: 'directory', path: folderPath(100 + f), time: photoListing(ctx, last).captured + 2000 };
        const items: FamilyEntry[] = [];
        for (let i = f * 1000; i <= last; i++) {
          const m = meta({ fam: 'photo', i, v: 0 });
          items.push(fileEntry(m.path, i, m.size, m.time));
        }
        yield* items.sort((a, b) => (a.path < b.path ? -1 : 1));
      }
    },
    lookup(path) {
      const match = /^Media\/DCIM\/(\d{3})APPLE(?:\/IMG_(\d{4})\.(HEIC|JPG|MOV))?$/.exec(path);
      if (!match) return undefined;
      const f = Number(match[1]) - 100;
      if (f < 0 || f * 1000 >= count) return undefined;
      if (match[2] === undefined) return { kind: 'directory', path, time: photoListing(ctx, Math.min(count, (f + 1) * 1000) - 1).captured + 2000 };
      const number = Number(match[2]);
      for (let i = number - 1; i < Math.min(count, (f + 1) * 1000); i += 9999) {
        if (i < f * 1000) continue;
        const m = meta({ fam: 'photo', i, v: 0 });
        if (m.path === path) return fileEntry(path, i, m.size, m.time);
      }
      return undefined;
    },
    file: meta,
    content: (ref, size) => photoContent(ctx, photoAt(ctx, ref.i, ref.at), ref.v, size),
    dirsOf: (ref) => [folderPath(photoFolder(ref.i))],
  };
}

function attachmentFamily(ctx: WorldContext): Family {
  const count = ctx.plan.attachments;
  const root = 'Library/SMS/Attachments';
  const def = (ref: BulkRef) =>
    attachmentAt(ctx, ref.i, ref.at === undefined ? undefined : { created: ref.at, outgoing: ref.out ?? true, messageIndex: ref.m ?? -1 });
  const meta = (ref: BulkRef): { path: string; size: number; time: number } => {
    const a = def(ref);
    return { path: a.relativePath, size: attachmentSize(ctx, ref.i, ref.v), time: a.created };
  };
  const itemsAt = (xx: number, yy: number): number[] => {
    const out: number[] = [];
    for (let i = xx + 256 * yy; i < count; i += 65536) out.push(i);
    return out;
  };
  return {
    id: 'att',
    domain: 'MediaDomain',
    count,
    *entries() {
      const hex = (n: number): string => n.toString(16).padStart(2, '0');
      for (let xx = 0; xx < 256 && xx < count; xx++) {
        yield { kind: 'directory', path: `${root}/${hex(xx)}`, time: ctx.now - 86_400_000 };
        for (let yy = 0; yy < 256 && xx + 256 * yy < count; yy++) {
          yield { kind: 'directory', path: `${root}/${hex(xx)}/${hex(yy)}`, time: ctx.now - 86_400_000 };
          const items = itemsAt(xx, yy)
            .map((i) => ({ i, a: attachmentAt(ctx, i) }))
            .sort((p, q) => (p.a.guid < q.a.guid ? -1 : 1));
          for (const { i, a } of items) {
            yield { kind: 'directory', path: `${root}/${hex(xx)}/${hex(yy)}/${a.guid}`, time: a.created };
            yield fileEntry(a.relativePath, i, attachmentSize(ctx, i, 0), a.created);
          }
        }
      }
    },
    lookup(path) {
      const match = /^Library\/SMS\/Attachments\/([0-9a-f]{2})(?:\/([0-9a-f]{2})(?:\/([0-9A-F-]{36})(?:\/(.+))?)?)?$/.exec(path);
      if (!match) return undefined;
      const xx = parseInt(match[1] ?? '', 16);
      if (match[2] === undefined) return xx < count ? { kind: 'directory', path, time: ctx.now - 86_400_000 } : undefined;
      const yy = parseInt(match[2], 16);
      if (match[3] === undefined) return xx + 256 * yy < count ? { kind: 'directory', path, time: ctx.now - 86_400_000 } : undefined;
      for (const i of itemsAt(xx, yy)) {
        const a = attachmentAt(ctx, i);
        if (a.guid !== match[3]) continue;
        if (match[4] === undefined) return { kind: 'directory', path, time: a.created };
        return a.relativePath === path ? fileEntry(path, i, attachmentSize(ctx, i, 0), a.created) : undefined;
      }
      return undefined;
    },
    file: meta,
    content: (ref, size) => attachmentContent(ctx, def(ref), ref.v, size),
    dirsOf: (ref) => {
      const [xx, yy] = attachmentDirs(ref.i);
      return [`${root}/${xx}`, `${root}/${xx}/${yy}`, `${root}/${xx}/${yy}/${def(ref).guid}`];
    },
  };
}

function docFamily(ctx: WorldContext, family: number): Family {
  const fam = DOC_FAMILIES[family];
  if (!fam) throw new RangeError(`no document family ${family}`);
  const count = ctx.plan.docs[family] ?? 0;
  const meta = (ref: BulkRef): { path: string; size: number; time: number } => {
    const d = docAt(ctx, family, ref.i, ref.at);
    return { path: d.relativePath, size: docSize(ctx, d, ref.v), time: d.created };
  };
  const folderRe = new RegExp(`^${fam.root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(\\d{3})(?:/(.+))?$`);
  return {
    id: `doc:${fam.id}`,
    domain: fam.domain,
    count,
    *entries() {
      for (let f = 0; f * DOCS_PER_FOLDER < count; f++) {
        const last = Math.min(count, (f + 1) * DOCS_PER_FOLDER) - 1;
        yield { kind: 'directory', path: docFolder(fam, f), time: docAt(ctx, family, last).created };
        const items: FamilyEntry[] = [];
        for (let j = f * DOCS_PER_FOLDER; j <= last; j++) {
          const m = meta({ fam: `doc:${fam.id}`, i: j, v: 0 });
          items.push(fileEntry(m.path, j, m.size, m.time));
        }
        yield* items.sort((a, b) => (a.path < b.path ? -1 : 1));
      }
    },
    lookup(path) {
      const match = folderRe.exec(path);
      if (!match) return undefined;
      const f = Number(match[1]);
      if (f * DOCS_PER_FOLDER >= count) return undefined;
      if (match[2] === undefined) return { kind: 'directory', path, time: docAt(ctx, family, Math.min(count, (f + 1) * DOCS_PER_FOLDER) - 1).created };
      const j = Number(fam.index.exec(match[2])?.[1] ?? -1);
      if (j < 0 || j >= count) return undefined;
      const m = meta({ fam: `doc:${fam.id}`, i: j, v: 0 });
      return m.path === path ? fileEntry(path, j, m.size, m.time) : undefined;
    },
    file: meta,
    content: (ref, size) => docContent(ctx, docAt(ctx, family, ref.i, ref.at), ref.v, size),
    dirsOf: (ref) => [docAt(ctx, family, ref.i, ref.at).folder],
  };
}
