/**
 * The *overlay*: every change made to the base, persisted so it survives a simulator restart.
 *
 * Nouns: a *record* replaces or adds one entry (its metadata, a generation and a content *source*: a
 * content file `content/c<n>`, a bulk ref regenerated on demand, or "base" for a metadata-only change);
 * a *tombstone* hides one base entry; a *subtree tombstone* hides a removed directory and everything
 * below it in the base. The *journal* (journal.jsonl) is the persisted form: one JSON line per change,
 * replayed on open and compacted when it has grown well past the live state. Also journaled: the
 * *mutation log* (what mutate() did, for truth()) and *counters* (next generation, inode, item numbers).
 * Without a state dir the overlay lives in a temporary directory removed by dispose().
 * Generations of overlay entries are "<overlay id>.<n>": the id is random per overlay directory, so a
 * new state dir never reuses a generation another one gave to different content.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimDataError } from './errors.js';
import type { BulkRef } from './families.js';
import { compare } from './layout.js';
import type { DeviceFileKind } from './types.js';

export type ContentSource = { readonly t: 'file'; readonly f: string } | { readonly t: 'bulk'; readonly ref: BulkRef } | { readonly t: 'base' };

export interface OverlayRecord {
  readonly kind: DeviceFileKind;
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly inode: number;
  readonly birth: number;
  readonly mtime: number;
  readonly ctime: number;
  readonly prot: number;
  readonly gen: string;
  readonly target?: string;
  readonly src?: ContentSource;
}

export interface Counters {
  gen: number;
  inode: number;
  mutations: number;
  /** Next item number per bulk family (absent: the family's base count). */
  next: Record<string, number>;
  nextMessage?: number;
  nextContact?: number;
  /** Logical clock of mutate() (Unix ms). */
  clock?: number;
}

type Line =
  | { op: 'hello'; v: 1; id: string; base: string }
  | { op: 'put'; d: string; p: string; r: OverlayRecord }
  | { op: 'del'; d: string; p: string; sub?: boolean }
  | { op: 'log'; e: unknown }
  | { op: 'counters'; c: Counters }
  | { op: 'restored'; d: string; p: string };

const TOMBSTONE = Symbol('tombstone');
type Slot = OverlayRecord | typeof TOMBSTONE;

export class Overlay {
  readonly id: string;
  readonly dir: string;
  private readonly slots = new Map<string, Map<string, Slot>>();
  private readonly subtrees = new Map<string, Set<string>>();
  private readonly sorted = new Map<string, string[]>();
  readonly log: unknown[] = [];
  readonly restored: { domain: string; path: string }[] = [];
  counters: Counters = { gen: 0, inode: 0, mutations: 0, next: {} };
  private lines = 0;

  constructor(dir: string, baseKey: string) {
    this.dir = dir;
    mkdirSync(join(dir, 'content'), { recursive: true });
    const journal = join(dir, 'journal.jsonl');
    let id: string | undefined;
    if (existsSync(journal)) {
      for (const text of readFileSync(journal, 'utf8').split('\n')) {
        if (!text) continue;
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          break; // a torn last line from a crash: everything before it is intact
        }
        if (line.op === 'hello') {
          if (line.base !== baseKey) {
            throw new SimDataError(`the state dir ${dir} holds changes to a different virtual phone (seed, profile or identity differ)`, {
              code: 'SIM_DATA_STATE_MISMATCH',
              hint: 'Use the same seed and profile as when the state dir was created, or a fresh state dir',
            });
          }
          id = line.id;
        } else this.apply(line);
        this.lines++;
      }
    }
    this.id = id ?? randomBytes(6).toString('hex');
    if (!id) this.append([{ op: 'hello', v: 1, id: this.id, base: baseKey }]);
    else if (this.lines > 2 * this.liveCount() + 1000) this.compact(baseKey);
    this.removeOrphans();
  }

  private apply(line: Line): void {
    switch (line.op) {
      case 'put':
        this.slotsOf(line.d).set(line.p, line.r);
        this.sorted.delete(line.d);
        break;
      case 'del':
        if (line.sub) {
          const inDomain = this.slotsOf(line.d);
          for (const path of [...inDomain.keys()]) if (isUnder(path, line.p)) inDomain.delete(path);
          const set = this.subtrees.get(line.d) ?? new Set<string>();
          set.add(line.p);
          this.subtrees.set(line.d, set);
        }
        this.slotsOf(line.d).set(line.p, TOMBSTONE);
        this.sorted.delete(line.d);
        break;
      case 'log':
        this.log.push(line.e);
        break;
      case 'counters':
        this.counters = line.c;
        break;
      case 'restored':
        this.restored.push({ domain: line.d, path: line.p });
        break;
      case 'hello':
        break;
    }
  }

  private slotsOf(domain: string): Map<string, Slot> {
    let map = this.slots.get(domain);
    if (!map) {
      map = new Map();
      this.slots.set(domain, map);
    }
    return map;
  }

  private append(lines: Line[]): void {
    appendFileSync(join(this.dir, 'journal.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    this.lines += lines.length;
  }

  private liveCount(): number {
    let n = 0;
    for (const m of this.slots.values()) n += m.size;
    return n + this.log.length;
  }

  /** Rewrites the journal as the live state only (atomically). */
  private compact(baseKey: string): void {
    const lines: Line[] = [{ op: 'hello', v: 1, id: this.id, base: baseKey }];
    for (const [d, set] of this.subtrees) for (const p of set) lines.push({ op: 'del', d, p, sub: true });
    for (const [d, map] of this.slots) {
      for (const [p, slot] of map) {
        if (slot === TOMBSTONE) {
          if (!this.subtrees.get(d)?.has(p)) lines.push({ op: 'del', d, p });
        } else lines.push({ op: 'put', d, p, r: slot });
      }
    }
    for (const e of this.log) lines.push({ op: 'log', e });
    for (const r of this.restored) lines.push({ op: 'restored', d: r.domain, p: r.path });
    lines.push({ op: 'counters', c: this.counters });
    const temp = join(this.dir, `journal.jsonl.tmp-${process.pid}`);
    writeFileSync(temp, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    renameSync(temp, join(this.dir, 'journal.jsonl'));
    this.lines = lines.length;
  }

  /** Content files nothing refers to any more (a crash between writing and journaling leaves one). */
  private removeOrphans(): void {
    const used = new Set<string>();
    for (const map of this.slots.values()) for (const slot of map.values()) if (slot !== TOMBSTONE && slot.src?.t === 'file') used.add(slot.src.f);
    for (const name of readdirSync(join(this.dir, 'content'))) if (!used.has(name)) rmSync(join(this.dir, 'content', name), { force: true });
  }

  nextGeneration(): string {
    this.counters.gen++;
    return `${this.id}.${this.counters.gen}`;
  }

  nextInode(): number {
    this.counters.inode++;
    return 2_000_000_000 + this.counters.inode;
  }

  contentPath(name: string): string {
    return join(this.dir, 'content', name);
  }

  /** A fresh content file name (not yet journaled). */
  newContentName(): string {
    return `c${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  }

  /** undefined: no record; null: removed; else the record. */
  get(domain: string, path: string): OverlayRecord | null | undefined {
    const slot = this.slots.get(domain)?.get(path);
    return slot === TOMBSTONE ? null : slot;
  }

  has(domain: string, path: string): boolean {
    return this.slots.get(domain)?.has(path) ?? false;
  }

  hasAny(domain: string): boolean {
    return (this.slots.get(domain)?.size ?? 0) > 0 || (this.subtrees.get(domain)?.size ?? 0) > 0;
  }

  /** Whether a base entry at `path` is hidden by a removed ancestor directory (or itself). */
  hiddenBySubtree(domain: string, path: string): boolean {
    const set = this.subtrees.get(domain);
    if (!set || set.size === 0) return false;
    if (set.has('') || set.has(path)) return true;
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) if (set.has(path.slice(0, i))) return true;
    return false;
  }

  domains(): string[] {
    return [...this.slots.keys()].filter((d) => [...(this.slots.get(d)?.values() ?? [])].some((s) => s !== TOMBSTONE));
  }

  /** Live (non-tombstone) record paths of a domain, sorted. */
  paths(domain: string): string[] {
    let list = this.sorted.get(domain);
    if (!list) {
      list = [...(this.slots.get(domain) ?? new Map<string, Slot>()).entries()].filter(([, s]) => s !== TOMBSTONE).map(([p]) => p).sort(compare);
      this.sorted.set(domain, list);
    }
    return list;
  }

  /** Applies and journals a batch of changes together with the current counters. */
  commit(changes: { puts?: { d: string; p: string; r: OverlayRecord }[]; dels?: { d: string; p: string; sub?: boolean }[]; log?: unknown; restored?: { d: string; p: string } }): void {
    const lines: Line[] = [];
    for (const del of changes.dels ?? []) lines.push({ op: 'del', d: del.d, p: del.p, ...(del.sub ? { sub: true } : {}) });
    for (const put of changes.puts ?? []) lines.push({ op: 'put', d: put.d, p: put.p, r: put.r });
    if (changes.log !== undefined) lines.push({ op: 'log', e: changes.log });
    if (changes.restored) lines.push({ op: 'restored', d: changes.restored.d, p: changes.restored.p });
    const replaced = lines.flatMap((l) => (l.op === 'put' || l.op === 'del' ? this.contentFilesAt(l.d, l.p, l.op === 'del' && l.sub === true) : []));
    for (const line of lines) this.apply(line);
    lines.push({ op: 'counters', c: this.counters });
    this.append(lines);
    const stillUsed = new Set<string>();
    for (const put of changes.puts ?? []) if (put.r.src?.t === 'file') stillUsed.add(put.r.src.f);
    for (const name of replaced) if (!stillUsed.has(name)) rmSync(this.contentPath(name), { force: true });
  }

  private contentFilesAt(domain: string, path: string, subtree: boolean): string[] {
    const out: string[] = [];
    for (const [p, slot] of this.slots.get(domain) ?? []) {
      if ((p === path || (subtree && isUnder(p, path))) && slot !== TOMBSTONE && slot.src?.t === 'file') out.push(slot.src.f);
    }
    return out;
  }
}

export function isUnder(path: string, dir: string): boolean {
  return dir === '' ? path !== '' : path.startsWith(`${dir}/`);
}
