/**
 * The virtual phone's file system: base (generated) + overlay (changes), behind DeviceFileSystem.
 *
 * Nouns: an *entry* is what list()/stat() return; the *current* version of a path is the overlay's
 * record if it has one (a tombstone means "gone"), else the base entry unless a removed ancestor hides
 * it. Listing merges the base's per-domain stream with the overlay's sorted paths, so it never builds
 * the whole list. Content: static files stream from the base cache, bulk files from the pool
 * (pool.ts), written files from the overlay's content files. open() streams the *current* content of
 * the file's path — as a phone's BackupAgent reads whatever is on disk when it gets there.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DeviceIdentity } from '../model/identity.js';
import { BaseStore, baseKey, entryFlags, type BaseSource } from './base.js';
import { SimDataError } from './errors.js';
import type { BulkRef } from './families.js';
import { compare, domainInfo } from './layout.js';
import { applyMutation } from './mutate.js';
import { Overlay, type ContentSource, type OverlayRecord } from './overlay.js';
import { ancestors, checkDomain, checkRelativePath } from './paths.js';
import { bulkPool, bulkStream, bulkViews, CHUNK_BYTES, type BulkContent } from './pool.js';
import { DEFAULT_PROFILE, makePlan } from './profile.js';
import { computeSummary, computeTruth } from './truth.js';
import type { DataProfile, DeviceFile, DeviceFileSystem, DeviceSummary, DeviceTruth, InstalledApp, Mutation, MutationSummary } from './types.js';
import { DOC_FAMILIES, installedApps } from './world/apps.js';
import { makeContext, type WorldContext } from './world/context.js';

export interface DeviceFileSystemOptions {
  readonly seed: string;
  readonly identity: DeviceIdentity;
  readonly profile?: DataProfile;
  /** Where built databases and changes persist; without it a temporary directory (see dispose()). */
  readonly stateDir?: string;
  /** The iOS version content names (EXIF Software, app metadata); default "18.6". */
  readonly iosVersion?: string;
}

type WriteMeta = Partial<Pick<DeviceFile, 'mode' | 'lastModified' | 'birth' | 'protectionClass' | 'uid' | 'gid'>>;

/** Where the current content of a regular file comes from. */
export type CurrentSource = { readonly t: 'static'; readonly index: number } | { readonly t: 'bulk'; readonly ref: BulkRef } | { readonly t: 'file'; readonly path: string };

export class VirtualDeviceFileSystem implements DeviceFileSystem {
  readonly ctx: WorldContext;
  readonly base: BaseStore;
  readonly overlay: Overlay;
  private readonly tempRoot: string | undefined;
  private cachedApps: readonly InstalledApp[] | undefined;

  constructor(options: DeviceFileSystemOptions) {
    const profile = options.profile ?? DEFAULT_PROFILE;
    const iosVersion = options.iosVersion ?? '18.6';
    const plan = makePlan(profile, DOC_FAMILIES.map((f) => f.share));
    this.ctx = makeContext(options.seed, options.identity, plan, iosVersion);
    const key = baseKey(options.seed, plan.profile, options.identity, iosVersion);
    const root = options.stateDir ? join(options.stateDir, 'filesystem') : mkdtempSync(join(tmpdir(), 'lifeboat-sim-data-'));
    this.tempRoot = options.stateDir ? undefined : root;
    this.base = new BaseStore(this.ctx, key, join(root, 'base'));
    this.overlay = new Overlay(join(root, 'overlay'), key);
  }

  get seed(): string {
    return this.ctx.seed;
  }

  /** Removes the temporary directory used when no state dir was given. */
  dispose(): void {
    if (this.tempRoot) rmSync(this.tempRoot, { recursive: true, force: true });
  }

  *list(): Generator<DeviceFile> {
    const domains = [...new Set([...this.base.domains, ...this.overlay.domains()])].sort(compare);
    for (const domain of domains) yield* this.listDomain(domain);
  }

  /** Entries of one domain in path order. */
  *listDomain(domain: string): Generator<DeviceFile> {
    const changed = this.overlay.hasAny(domain);
    const over = changed ? this.overlay.paths(domain) : [];
    let k = 0;
    for (const entry of this.base.entries(domain)) {
      const path = entry.file.relativePath;
      while (k < over.length && (over[k] ?? '') < path) yield this.recordAt(domain, over[k++] ?? '');
      if (changed && (this.overlay.has(domain, path) || this.overlay.hiddenBySubtree(domain, path))) continue;
      yield entry.file;
    }
    while (k < over.length) yield this.recordAt(domain, over[k++] ?? '');
  }

  private recordAt(domain: string, path: string): DeviceFile {
    const r = this.overlay.get(domain, path);
    if (!r) throw new Error(`overlay lost ${domain}/${path}`);
    return recordFile(domain, path, r);
  }

  stat(domain: string, relativePath: string): DeviceFile | undefined {
    const r = this.overlay.get(domain, relativePath);
    if (r === null) return undefined;
    if (r) return recordFile(domain, relativePath, r);
    if (this.overlay.hiddenBySubtree(domain, relativePath)) return undefined;
    return this.base.lookup(domain, relativePath)?.file;
  }

  /** The current content source of a regular file, or undefined. */
  currentSource(domain: string, path: string): CurrentSource | undefined {
    const r = this.overlay.get(domain, path);
    if (r === null) return undefined;
    if (r) return r.src ? this.fromRecord(domain, path, r.src) : undefined;
    if (this.overlay.hiddenBySubtree(domain, path)) return undefined;
    const source = this.base.lookup(domain, path)?.source;
    return source ? fromBase(source) : undefined;
  }

  private fromRecord(domain: string, path: string, src: ContentSource): CurrentSource | undefined {
    if (src.t === 'file') return { t: 'file', path: this.overlay.contentPath(src.f) };
    if (src.t === 'bulk') return { t: 'bulk', ref: src.ref };
    const source = this.base.lookup(domain, path)?.source;
    return source ? fromBase(source) : undefined;
  }

  /** A path on disk holding the current content, for static and written files (databases). */
  diskPath(domain: string, path: string): string | undefined {
    const src = this.currentSource(domain, path);
    if (src?.t === 'static') return this.base.staticPath(src.index);
    if (src?.t === 'file') return src.path;
    return undefined;
  }

  open(file: DeviceFile): Readable {
    const { current, src } = this.contentOf(file);
    if (src.t === 'static') return createReadStream(this.base.staticPath(src.index), { highWaterMark: CHUNK_BYTES });
    if (src.t === 'file') return createReadStream(src.path, { highWaterMark: CHUNK_BYTES });
    return bulkStream(bulkPool(this.ctx.seed), this.bulkContent(file, src.ref, current.size));
  }

  openViews(file: DeviceFile): Iterable<Buffer> | undefined {
    const { current, src } = this.contentOf(file);
    if (src.t !== 'bulk') return undefined;
    return bulkViews(bulkPool(this.ctx.seed), this.bulkContent(file, src.ref, current.size));
  }

  private bulkContent(file: DeviceFile, ref: BulkRef, size: number): BulkContent {
    const family = this.base.familyById.get(ref.fam);
    if (!family) throw notFound(file.domain, file.relativePath);
    return family.content(ref, size);
  }

  /** The file as it is now and where its content comes from (throws when it is not a regular file). */
  private contentOf(file: DeviceFile): { current: DeviceFile; src: CurrentSource } {
    const { domain, relativePath } = file;
    // stat() and currentSource() in one pass (performance: each looks the path up in the overlay and
    // the base, and open() runs once per file of a backup — 100,000 times for a big phone).
    let current: DeviceFile | undefined;
    let src: CurrentSource | undefined;
    const r = this.overlay.get(domain, relativePath);
    if (r) {
      current = recordFile(domain, relativePath, r);
      src = r.src ? this.fromRecord(domain, relativePath, r.src) : undefined;
    } else if (r === undefined && !this.overlay.hiddenBySubtree(domain, relativePath)) {
      const entry = this.base.lookup(domain, relativePath);
      current = entry?.file;
      src = entry?.source ? fromBase(entry.source) : undefined;
    }
    if (!current) throw notFound(domain, relativePath);
    if (current.kind !== 'file') throw wrongKind(domain, relativePath, `is a ${current.kind}, not a regular file`);
    if (!src) throw notFound(domain, relativePath);
    return { current, src };
  }

  async write(domain: string, relativePath: string, content: Readable, meta: WriteMeta): Promise<DeviceFile> {
    checkDomain(domain);
    checkRelativePath(relativePath, false);
    const existing = this.stat(domain, relativePath);
    if (existing?.kind === 'directory') throw wrongKind(domain, relativePath, 'is a directory; remove it before writing a file there');
    const parents = this.missingParents(domain, relativePath);
    const name = this.overlay.newContentName();
    try {
      await pipeline(content, createWriteStream(this.overlay.contentPath(name)));
    } catch (error) {
      rmSync(this.overlay.contentPath(name), { force: true });
      throw error;
    }
    const size = statSync(this.overlay.contentPath(name)).size;
    const now = Math.floor(Date.now() / 1000);
    const info = domainInfo(domain);
    const record: OverlayRecord = {
      kind: 'file',
      size,
      mode: withType(meta.mode ?? existing?.mode ?? 0o100644, 0o100000),
      uid: meta.uid ?? existing?.uid ?? info.uid,
      gid: meta.gid ?? existing?.gid ?? info.gid,
      inode: existing?.inode ?? this.overlay.nextInode(),
      birth: meta.birth ?? existing?.birth ?? now,
      mtime: meta.lastModified ?? now,
      ctime: now,
      prot: meta.protectionClass ?? existing?.protectionClass ?? 3,
      gen: this.overlay.nextGeneration(),
      src: { t: 'file', f: name },
    };
    const index = this.base.staticIndex(domain, relativePath);
    const structured = index !== undefined && this.base.staticEntry(index)?.structured !== undefined;
    this.overlay.commit({ puts: [...parents, { d: domain, p: relativePath, r: record }], ...(structured ? { restored: { d: domain, p: relativePath } } : {}) });
    return recordFile(domain, relativePath, record);
  }

  mkdir(domain: string, relativePath: string, meta: Partial<Pick<DeviceFile, 'mode' | 'lastModified'>> = {}): DeviceFile {
    checkDomain(domain);
    checkRelativePath(relativePath, true);
    const existing = this.stat(domain, relativePath);
    if (existing && existing.kind !== 'directory') throw wrongKind(domain, relativePath, `is a ${existing.kind}, not a directory`);
    const mode = meta.mode === undefined ? undefined : withType(meta.mode, 0o040000);
    if (existing && (mode === undefined || mode === existing.mode) && (meta.lastModified === undefined || meta.lastModified === existing.lastModified)) return existing;
    const record = this.dirRecord(domain, { ...(existing ? { existing } : {}), ...(mode === undefined ? {} : { mode }), ...(meta.lastModified === undefined ? {} : { mtime: meta.lastModified }) });
    this.overlay.commit({ puts: [...this.missingParents(domain, relativePath), { d: domain, p: relativePath, r: record }] });
    return recordFile(domain, relativePath, record);
  }

  symlink(domain: string, relativePath: string, target: string): DeviceFile {
    checkDomain(domain);
    checkRelativePath(relativePath, false);
    if (typeof target !== 'string' || target === '' || target.includes('\0') || Buffer.byteLength(target, 'utf8') > 1024) {
      throw new SimDataError(`symlink target for ${domain}/${relativePath} must be 1–1024 bytes without NUL`, { code: 'SIM_DATA_BAD_PATH' });
    }
    const existing = this.stat(domain, relativePath);
    if (existing?.kind === 'directory') throw wrongKind(domain, relativePath, 'is a directory');
    const now = Math.floor(Date.now() / 1000);
    const info = domainInfo(domain);
    const record: OverlayRecord = {
      kind: 'symlink', size: 0, mode: 0o120755, uid: existing?.uid ?? info.uid, gid: existing?.gid ?? info.gid, inode: existing?.inode ?? this.overlay.nextInode(),
      birth: existing?.birth ?? now, mtime: now, ctime: now, prot: 0, gen: this.overlay.nextGeneration(), target,
    };
    this.overlay.commit({ puts: [...this.missingParents(domain, relativePath), { d: domain, p: relativePath, r: record }] });
    return recordFile(domain, relativePath, record);
  }

  remove(domain: string, relativePath: string): boolean {
    checkDomain(domain);
    checkRelativePath(relativePath, true);
    const existing = this.stat(domain, relativePath);
    if (!existing) return false;
    this.overlay.commit({ dels: [{ d: domain, p: relativePath, ...(existing.kind === 'directory' ? { sub: true } : {}) }] });
    return true;
  }

  mutate(mutation: Mutation): MutationSummary {
    return applyMutation(this, mutation);
  }

  apps(): readonly InstalledApp[] {
    this.cachedApps ??= installedApps(this.ctx);
    return this.cachedApps;
  }

  truth(): Promise<DeviceTruth> {
    return computeTruth(this);
  }

  summary(): DeviceSummary {
    return computeSummary(this);
  }

  /** Directory records for ancestors of `path` that do not exist yet (refuses a file in the way). */
  missingParents(domain: string, path: string): { d: string; p: string; r: OverlayRecord }[] {
    const out: { d: string; p: string; r: OverlayRecord }[] = [];
    for (const dir of ancestors(path)) {
      const st = this.stat(domain, dir);
      if (st && st.kind !== 'directory') throw wrongKind(domain, dir, `is a ${st.kind}, so ${path} cannot be created below it`);
      if (!st) out.push({ d: domain, p: dir, r: this.dirRecord(domain, {}) });
    }
    return out;
  }

  dirRecord(domain: string, o: { existing?: DeviceFile; mode?: number; mtime?: number; time?: number }): OverlayRecord {
    const now = o.time ?? Math.floor(Date.now() / 1000);
    const info = domainInfo(domain);
    return {
      kind: 'directory', size: 0, mode: o.mode ?? o.existing?.mode ?? 0o40755, uid: o.existing?.uid ?? info.uid, gid: o.existing?.gid ?? info.gid,
      inode: o.existing?.inode ?? this.overlay.nextInode(), birth: o.existing?.birth ?? now, mtime: o.mtime ?? now, ctime: now, prot: 0,
      gen: this.overlay.nextGeneration(),
    };
  }
}

export function createDeviceFileSystem(options: DeviceFileSystemOptions): VirtualDeviceFileSystem {
  return new VirtualDeviceFileSystem(options);
}

function fromBase(source: BaseSource): CurrentSource {
  return source.t === 'static' ? { t: 'static', index: source.index } : { t: 'bulk', ref: source.ref };
}

export function recordFile(domain: string, path: string, r: OverlayRecord): DeviceFile {
  return {
    domain,
    relativePath: path,
    kind: r.kind,
    size: r.kind === 'file' ? r.size : 0,
    mode: r.mode,
    uid: r.uid,
    gid: r.gid,
    inode: r.inode,
    birth: r.birth,
    lastModified: r.mtime,
    lastStatusChange: r.ctime,
    protectionClass: r.prot,
    ...(r.target === undefined ? {} : { target: r.target }),
    generation: r.gen,
    ...entryFlags(domain, path, r.kind),
  };
}

function withType(mode: number, type: number): number {
  return (mode & 0o170000) === type ? mode : (mode & 0o7777) | type;
}

function notFound(domain: string, path: string): SimDataError {
  return new SimDataError(`${domain}/${path} does not exist on the virtual phone`, { code: 'SIM_DATA_NOT_FOUND' });
}

function wrongKind(domain: string, path: string, why: string): SimDataError {
  return new SimDataError(`${domain}/${path} ${why}`, { code: 'SIM_DATA_WRONG_KIND' });
}
