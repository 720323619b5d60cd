/**
 * The *base*: everything a phone of this (seed, identity, profile) holds before any change.
 *
 * Nouns: the *base key* names the base (hash of the generator version, seed, profile and the identity
 * fields content depends on); the *cache* is a directory `<cacheRoot>/<base key>/` holding the built
 * static files (f0, f1, … in STATIC_ENTRIES order) and sizes.json — written to a temporary sibling and
 * renamed into place, so a half-built cache is never used and a restarted simulator reuses it. A *base
 * entry* is a DeviceFile of the base; static entries come from layout.ts, bulk entries from families.ts,
 * merged per domain in path order without materialising a domain's list.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceIdentity } from '../model/identity.js';
import { makeFamilies, type BulkRef, type Family, type FamilyEntry } from './families.js';
import { compare, domainInfo, STATIC_ENTRIES, type StaticEntry } from './layout.js';
import { hash32, pointHash } from './prng.js';
import type { DataProfile, DeviceFile } from './types.js';
import type { WorldContext } from './world/context.js';

/** Bump when generated content changes, so caches built by an older generator are not reused. */
export const GENERATOR_VERSION = 1;

export type BaseSource = { readonly t: 'static'; readonly index: number } | { readonly t: 'bulk'; readonly ref: BulkRef };

export interface BaseEntry {
  readonly file: DeviceFile;
  readonly source?: BaseSource;
}

const DAY = 86_400_000;

export function baseKey(seed: string, profile: DataProfile, identity: DeviceIdentity, iosVersion: string): string {
  const identityPart = [identity.deviceName, identity.productType, identity.marketingName, identity.phoneNumber, identity.timeZone, identity.locale, identity.language, identity.uses24HourClock, identity.iccid];
  return createHash('sha256')
    .update(JSON.stringify({ v: GENERATOR_VERSION, seed, profile, identity: identityPart, iosVersion }))
    .digest('hex')
    .slice(0, 16);
}

/** Flags a phone puts on an entry, by where it lives (the same rule for base and overlay entries). */
export function entryFlags(domain: string, path: string, kind: DeviceFile['kind']): Pick<DeviceFile, 'onlyInEncryptedBackup' | 'excludedWithICloudPhotos'> {
  if (domainInfo(domain).encryptedOnly) return { onlyInEncryptedBackup: true };
  if (kind === 'file' && domain === 'CameraRollDomain' && path.startsWith('Media/DCIM/')) return { excludedWithICloudPhotos: true };
  return {};
}

export class BaseStore {
  readonly families: Family[];
  readonly familyById = new Map<string, Family>();
  /** Inode numbers of bulk files: a block of 10,000,000 per family. */
  private readonly inodeBase = new Map<string, number>();
  readonly generation: string;
  private readonly cacheDir: string;
  private sizes: number[] | undefined;
  private readonly staticByKey = new Map<string, number>();
  private readonly staticByDomain = new Map<string, number[]>();
  readonly domains: readonly string[];

  constructor(
    readonly ctx: WorldContext,
    readonly key: string,
    cacheRoot: string,
  ) {
    this.families = makeFamilies(ctx);
    this.families.forEach((f, k) => {
      this.familyById.set(f.id, f);
      this.inodeBase.set(f.id, 10_000_000 * (k + 1));
    });
    this.generation = `b.${key}`;
    this.cacheDir = join(cacheRoot, key);
    STATIC_ENTRIES.forEach((e, k) => {
      this.staticByKey.set(`${e.domain}\0${e.path}`, k);
      const list = this.staticByDomain.get(e.domain) ?? [];
      list.push(k);
      this.staticByDomain.set(e.domain, list);
    });
    this.domains = [...new Set([...this.staticByDomain.keys(), ...this.families.map((f) => f.domain)])].sort(compare);
  }

  /** Builds the static files once (or adopts a cache a previous run left). */
  ensureBuilt(): void {
    if (this.sizes) return;
    const sizesFile = join(this.cacheDir, 'sizes.json');
    if (existsSync(sizesFile)) {
      this.sizes = JSON.parse(readFileSync(sizesFile, 'utf8')) as number[];
      return;
    }
    const temp = `${this.cacheDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    mkdirSync(temp, { recursive: true });
    try {
      const sizes = STATIC_ENTRIES.map((e, k) => {
        if (e.kind !== 'file' || !e.make) return 0;
        const out = join(temp, `f${k}`);
        e.make(this.ctx, out);
        return statSync(out).size;
      });
      writeFileSync(join(temp, 'sizes.json'), JSON.stringify(sizes));
      try {
        renameSync(temp, this.cacheDir);
      } catch (error) {
        // Another process finished the same build first: its files are identical, use them.
        if (!existsSync(sizesFile)) throw error;
        rmSync(temp, { recursive: true, force: true });
      }
      this.sizes = sizes;
    } catch (error) {
      rmSync(temp, { recursive: true, force: true });
      throw error;
    }
  }

  staticPath(index: number): string {
    this.ensureBuilt();
    return join(this.cacheDir, `f${index}`);
  }

  staticEntry(index: number): StaticEntry | undefined {
    return STATIC_ENTRIES[index];
  }

  staticIndex(domain: string, path: string): number | undefined {
    return this.staticByKey.get(`${domain}\0${path}`);
  }

  private staticFile(index: number): BaseEntry {
    const e = STATIC_ENTRIES[index];
    if (!e) throw new RangeError(`no static entry ${index}`);
    this.ensureBuilt();
    const info = domainInfo(e.domain);
    const h = pointHash(this.ctx.key, index, 700);
    const recent = e.kind === 'file' && e.make !== undefined;
    const mtime = Math.floor((this.ctx.now - (recent ? h % (3 * DAY) : DAY + (h % (60 * DAY)))) / 1000);
    const birth = Math.floor((this.ctx.now - 1400 * DAY - (h % (300 * DAY))) / 1000);
    const mode = e.kind === 'directory' ? 0o40755 : e.kind === 'symlink' ? 0o120755 : 0o100644;
    const file: DeviceFile = {
      domain: e.domain,
      relativePath: e.path,
      kind: e.kind,
      size: e.kind === 'file' ? (this.sizes?.[index] ?? 0) : 0,
      mode,
      uid: info.uid,
      gid: info.gid,
      inode: 100_000 + index,
      birth,
      lastModified: mtime,
      lastStatusChange: mtime,
      protectionClass: e.kind === 'directory' ? 0 : (e.protectionClass ?? 3),
      ...(e.target === undefined ? {} : { target: e.target }),
      generation: this.generation,
      ...entryFlags(e.domain, e.path, e.kind),
    };
    return { file, ...(e.kind === 'file' ? { source: { t: 'static', index } as const } : {}) };
  }

  familyFile(fam: Family, entry: FamilyEntry): BaseEntry {
    const seconds = Math.floor(entry.time / 1000);
    const isFile = entry.kind === 'file';
    const file: DeviceFile = {
      domain: fam.domain,
      relativePath: entry.path,
      kind: entry.kind,
      size: isFile ? entry.size : 0,
      mode: isFile ? 0o100644 : 0o40755,
      uid: 501,
      gid: 501,
      inode: isFile ? (this.inodeBase.get(fam.id) ?? 0) + entry.i : 900_000_000 + (hash32(`${fam.domain}\0${entry.path}`) % 90_000_000),
      birth: seconds,
      lastModified: seconds,
      lastStatusChange: seconds,
      protectionClass: isFile ? 3 : 0,
      generation: this.generation,
      ...entryFlags(fam.domain, entry.path, entry.kind),
    };
    return { file, ...(isFile ? { source: { t: 'bulk', ref: { fam: fam.id, i: entry.i, v: 0 } } as const } : {}) };
  }

  /** Base entries of one domain in path order: a k-way merge of its static entries and families. */
  *entries(domain: string): Generator<BaseEntry> {
    const statics = this.staticByDomain.get(domain) ?? [];
    const fams = this.families.filter((f) => f.domain === domain);
    const its = fams.map((f) => f.entries());
    const heads: (FamilyEntry | undefined)[] = its.map((it) => it.next().value ?? undefined);
    let s = 0;
    for (;;) {
      let best = -1;
      for (let k = 0; k < heads.length; k++) {
        const h = heads[k];
        if (h && (best < 0 || h.path < (heads[best]?.path ?? ''))) best = k;
      }
      const bestEntry = best < 0 ? undefined : heads[best];
      const staticIndex = statics[s];
      const staticPath = staticIndex === undefined ? undefined : STATIC_ENTRIES[staticIndex]?.path;
      if (staticIndex !== undefined && staticPath !== undefined && (!bestEntry || staticPath <= bestEntry.path)) {
        s++;
        // A family directory that is also a static directory is listed once, from layout.
        if (bestEntry && bestEntry.path === staticPath) heads[best] = its[best]?.next().value ?? undefined;
        yield this.staticFile(staticIndex);
        continue;
      }
      const fam = fams[best];
      if (!bestEntry || !fam) return;
      heads[best] = its[best]?.next().value ?? undefined;
      yield this.familyFile(fam, bestEntry);
    }
  }

  lookup(domain: string, path: string): BaseEntry | undefined {
    const index = this.staticIndex(domain, path);
    if (index !== undefined) return this.staticFile(index);
    for (const f of this.families) {
      if (f.domain !== domain) continue;
      const hit = f.lookup(path);
      if (hit) return this.familyFile(f, hit);
    }
    return undefined;
  }
}
