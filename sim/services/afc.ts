/**
 * The virtual iPhone's AFC service (`com.apple.afc`): the phone's *media partition* — what a real
 * phone serves from /var/mobile/Media — as an in-memory tree shared by every connection. It is not
 * where backup data lives (that is the backup domains, served by mobilebackup2); a backup host only
 * comes here for the sync lock file, a few iTunes/Books files it copies into Info.plist, and
 * /iTunesRestore/RestoreApplications.plist before a restore.
 *
 * Nouns: a *partition* is the tree plus its locks and limits; a *session* is one connection's view
 * (its open handles). Handles are only valid on the connection that opened them.
 *
 * Behaviour follows what real phones answer (pymobiledevice3's device tests and libimobiledevice):
 * MAKE_DIR creates parents and accepts an existing directory; READ_DIR lists "." and ".." first and
 * answers READ_ERROR for a file; REMOVE_PATH of a non-empty directory answers UNKNOWN_ERROR; mode "r+"
 * creates a missing file; reading past the end returns what is there; locks are flock(2) locks on an
 * open handle, never blocking (OP_WOULD_BLOCK), released by LOCK_UN, close, or the connection ending.
 *
 * Safety: paths are resolved lexically against the partition root — "." and empty components are
 * skipped, ".." that would climb above the root is refused with PERM_DENIED, NUL bytes and invalid
 * UTF-8 are INVALID_ARG, as are paths over 1024 bytes or names over 255. There are no symlinks and no
 * host file system behind the tree, so nothing can lead outside it. File size, total bytes stored,
 * entry count and open handles per connection are bounded. An unknown operation gets an error status;
 * a malformed packet (bad magic, impossible lengths) closes that connection with a logged warning.
 */
import type { Duplex } from 'node:stream';
import { AfcFileMode, AfcLockOp, AfcOperation, AfcStatus, afcOperationName, isKnownAfcOperation } from '../../src/protocol/services/afc/constants.js';
import { DEFAULT_MAX_AFC_PACKET, encodeAfcPacket, packetBody, readAfcPacket, type AfcPacket } from '../../src/protocol/services/afc/frames.js';
import {
  AFC_MAX_PATH_BYTES,
  decodeStrings,
  decodeU64s,
  deviceInfoToKeyValues,
  encodeStrings,
  encodeU64s,
  fileInfoToKeyValues,
} from '../../src/protocol/services/afc/messages.js';
import { DisconnectedError, ProtocolError } from '../../src/protocol/errors.js';
import { encodeXmlPlist } from '../../src/plist/index.js';
import { StreamReader } from '../../src/protocol/wire/stream-reader.js';
import { describeError } from '../../src/util/errors.js';
import type { ServiceHandler, VirtualIPhone } from '../device/virtual-iphone.js';
import { HashRng } from '../model/rng.js';

export interface MediaPartitionOptions {
  /** Seed for the generated file contents (the same seed gives the same files). */
  readonly seed?: string;
  /** Create the usual top-level layout and files (default true). */
  readonly populate?: boolean;
  /** Largest single file, in bytes (default 64 MiB). */
  readonly maxFileSize?: number;
  /** All file contents together, in bytes (default 256 MiB): the tree lives in memory. */
  readonly maxStoredBytes?: number;
  /** Files and directories together (default 100 000). */
  readonly maxEntries?: number;
  /** Open handles per connection (default 64). */
  readonly maxOpenHandles?: number;
  /** Largest packet a host may send (default DEFAULT_MAX_AFC_PACKET). */
  readonly maxPacket?: number;
  /** Bytes returned by one FILE_READ at most (default 8 MiB; pymobiledevice3 asks for 4 MiB). */
  readonly maxReadChunk?: number;
  /** Which written files to remember after close (default: everything under /iTunesRestore/). */
  readonly recordPrefixes?: readonly string[];
  /** Clock in ms (tests pin it). */
  readonly now?: () => number;
}

/** A file a host wrote and closed, as it was at close time (kept even if later removed). */
export interface RecordedWrite {
  readonly path: string;
  readonly content: Buffer;
  readonly at: Date;
}

interface DirNode {
  readonly kind: 'dir';
  readonly children: Map<string, Node>;
  readonly birthMs: number;
  mtimeMs: number;
}

interface FileNode {
  readonly kind: 'file';
  data: Buffer;
  size: number;
  readonly birthMs: number;
  mtimeMs: number;
  /** False once removed or replaced: open handles keep working on it, but it no longer counts. */
  linked: boolean;
}

type Node = DirNode | FileNode;

interface OpenFile {
  readonly id: bigint;
  readonly node: FileNode;
  readonly path: string;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly append: boolean;
  position: number;
  wrote: boolean;
}

interface LockState {
  exclusive: OpenFile | undefined;
  readonly shared: Set<OpenFile>;
}

/** An operation the partition refuses, with the AFC status to answer. */
class AfcFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(status: keyof typeof AfcStatus, message: string): AfcFailure {
  return new AfcFailure(AfcStatus[status], message);
}

const MAX_NAME_BYTES = 255;
const RECORD_HISTORY = 100;
/** Recorded contents together stay below this (a host could otherwise make the phone hoard copies). */
const RECORD_MAX_BYTES = 32 * 1024 * 1024;
const LOCK_NB = 4;

/** The usual top level of an iPhone's media partition. */
const TOP_LEVEL_DIRS = [
  '/Books',
  '/DCIM',
  '/DCIM/100APPLE',
  '/Downloads',
  '/PhotoData',
  '/Photos',
  '/PublicStaging',
  '/Recordings',
  '/iTunes_Control',
  '/iTunes_Control/Music',
  '/iTunes_Control/iTunes',
  '/iTunesRestore',
];

export class MediaPartition {
  readonly maxFileSize: number;
  readonly maxStoredBytes: number;
  readonly maxEntries: number;
  readonly maxOpenHandles: number;
  readonly maxPacket: number;
  readonly maxReadChunk: number;
  private readonly recordPrefixes: readonly string[];
  private readonly now: () => number;
  private readonly root: DirNode;
  private readonly locks = new Map<FileNode, LockState>();
  private readonly recorded: RecordedWrite[] = [];
  private recordedBytes = 0;
  private storedBytes = 0;
  private entries = 1;
  private nextHandle = 1n;

  constructor(options: MediaPartitionOptions = {}) {
    this.maxFileSize = options.maxFileSize ?? 64 * 1024 * 1024;
    this.maxStoredBytes = options.maxStoredBytes ?? 256 * 1024 * 1024;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.maxOpenHandles = options.maxOpenHandles ?? 64;
    this.maxPacket = options.maxPacket ?? DEFAULT_MAX_AFC_PACKET;
    this.maxReadChunk = Math.min(options.maxReadChunk ?? 8 * 1024 * 1024, this.maxPacket - 40);
    this.recordPrefixes = options.recordPrefixes ?? ['/iTunesRestore/'];
    this.now = options.now ?? Date.now;
    const t = this.now();
    this.root = { kind: 'dir', children: new Map(), birthMs: t, mtimeMs: t };
    if (options.populate ?? true) this.populate(options.seed ?? 'lifeboat');
  }

  // ── Direct access for the simulator and tests (no AFC statuses, plain values) ─────────────────

  /** A file's content, or undefined when there is no file at `path`. */
  readFile(path: string): Buffer | undefined {
    const node = this.lookup(this.resolve(path));
    return node?.kind === 'file' ? Buffer.from(node.data.subarray(0, node.size)) : undefined;
  }

  /** Creates or replaces a file, creating parent directories (seeding and tests). */
  writeFile(path: string, content: Uint8Array | string): void {
    const parts = this.resolve(path);
    if (parts.length === 0) throw new Error('cannot write the root directory');
    this.makeDirs(parts.slice(0, -1));
    const handle = this.openNode(parts, AfcFileMode.WR);
    this.writeAt(handle, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
  }

  /** Names in a directory (sorted), or undefined when `path` is not a directory. */
  listDirectory(path: string): string[] | undefined {
    const node = this.lookup(this.resolve(path));
    return node?.kind === 'dir' ? [...node.children.keys()].sort() : undefined;
  }

  exists(path: string): boolean {
    return this.lookup(this.resolve(path)) !== undefined;
  }

  /** Who holds a lock on the file at `path` right now. */
  lockState(path: string): 'exclusive' | 'shared' | 'none' {
    const node = this.lookup(this.resolve(path));
    const state = node?.kind === 'file' ? this.locks.get(node) : undefined;
    if (state?.exclusive) return 'exclusive';
    return state && state.shared.size > 0 ? 'shared' : 'none';
  }

  /** Files hosts wrote and closed under the recorded prefixes, oldest first (at most 100, 32 MiB). */
  recordedWrites(): readonly RecordedWrite[] {
    return this.recorded;
  }

  /** The content of the latest recorded write to `path`. */
  lastWrite(path: string): Buffer | undefined {
    const wanted = '/' + this.resolve(path).join('/');
    for (let i = this.recorded.length - 1; i >= 0; i--) if (this.recorded[i]!.path === wanted) return this.recorded[i]!.content;
    return undefined;
  }

  usage(): { storedBytes: number; entries: number } {
    return { storedBytes: this.storedBytes, entries: this.entries };
  }

  /** A new connection's view; `close()` it when the connection ends (releases locks and handles). */
  openSession(): AfcSession {
    return new AfcSession(this);
  }

  // ── Operations (throw AfcFailure; used by AfcSession) ────────────────────────────────────────

  /** Lexical resolution against the root; see the module header for what is refused. */
  resolve(path: string): string[] {
    if (path.includes('\0')) throw fail('INVALID_ARG', 'path contains a NUL byte');
    if (Buffer.byteLength(path, 'utf8') > AFC_MAX_PATH_BYTES) throw fail('INVALID_ARG', `path longer than ${AFC_MAX_PATH_BYTES} bytes`);
    if (path.length === 0) throw fail('INVALID_ARG', 'empty path');
    const out: string[] = [];
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (out.length === 0) throw fail('PERM_DENIED', `path ${JSON.stringify(path)} climbs above the root`);
        out.pop();
        continue;
      }
      if (Buffer.byteLength(part, 'utf8') > MAX_NAME_BYTES) throw fail('INVALID_ARG', `name longer than ${MAX_NAME_BYTES} bytes`);
      out.push(part);
    }
    return out;
  }

  lookup(parts: readonly string[]): Node | undefined {
    let node: Node = this.root;
    for (const part of parts) {
      if (node.kind !== 'dir') return undefined;
      const next: Node | undefined = node.children.get(part);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  private parentDir(parts: readonly string[]): DirNode {
    const parent = this.lookup(parts.slice(0, -1));
    if (!parent || parent.kind !== 'dir') throw fail('OBJECT_NOT_FOUND', `no directory /${parts.slice(0, -1).join('/')}`);
    return parent;
  }

  fileInfo(parts: readonly string[]): Buffer {
    const node = this.lookup(parts);
    if (!node) throw fail('OBJECT_NOT_FOUND', `no such path /${parts.join('/')}`);
    const ns = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;
    if (node.kind === 'dir') {
      let subdirs = 0;
      for (const child of node.children.values()) if (child.kind === 'dir') subdirs++;
      // APFS reports 64 for an empty directory and grows with its entries.
      return fileInfoToKeyValues({ type: 'S_IFDIR', size: 64 + 32 * node.children.size, blocks: 0, nlink: 2 + subdirs, mtimeNs: ns(node.mtimeMs), birthtimeNs: ns(node.birthMs) });
    }
    return fileInfoToKeyValues({
      type: 'S_IFREG',
      size: node.size,
      blocks: Math.ceil(node.size / 4096) * 8,
      nlink: 1,
      mtimeNs: ns(node.mtimeMs),
      birthtimeNs: ns(node.birthMs),
    });
  }

  readDirectory(parts: readonly string[]): string[] {
    const node = this.lookup(parts);
    if (!node) throw fail('OBJECT_NOT_FOUND', `no such directory /${parts.join('/')}`);
    if (node.kind !== 'dir') throw fail('READ_ERROR', `/${parts.join('/')} is not a directory`);
    return ['.', '..', ...[...node.children.keys()].sort()];
  }

  makeDirs(parts: readonly string[]): void {
    let dir = this.root;
    for (const part of parts) {
      const next = dir.children.get(part);
      if (next?.kind === 'file') throw fail('OBJECT_EXISTS', `${part} is a file`);
      if (next) {
        dir = next;
        continue;
      }
      this.addEntry();
      const t = this.now();
      const created: DirNode = { kind: 'dir', children: new Map(), birthMs: t, mtimeMs: t };
      dir.children.set(part, created);
      dir.mtimeMs = t;
      dir = created;
    }
  }

  remove(parts: readonly string[]): void {
    if (parts.length === 0) throw fail('PERM_DENIED', 'cannot remove the root');
    const parent = this.parentDir(parts);
    const name = parts[parts.length - 1]!;
    const node = parent.children.get(name);
    if (!node) throw fail('OBJECT_NOT_FOUND', `no such path /${parts.join('/')}`);
    // Real phones answer a non-empty directory with UNKNOWN_ERROR (libimobiledevice renames it DIR_NOT_EMPTY).
    if (node.kind === 'dir' && node.children.size > 0) throw fail('UNKNOWN_ERROR', `/${parts.join('/')} is not empty`);
    this.unlink(parent, name, node);
  }

  rename(from: readonly string[], to: readonly string[]): void {
    if (from.length === 0 || to.length === 0) throw fail('PERM_DENIED', 'cannot rename the root');
    const fromParent = this.parentDir(from);
    const node = fromParent.children.get(from[from.length - 1]!);
    if (!node) throw fail('OBJECT_NOT_FOUND', `no such path /${from.join('/')}`);
    const toParent = this.parentDir(to);
    const toName = to[to.length - 1]!;
    const existing = toParent.children.get(toName);
    if (existing === node) return;
    if (node.kind === 'dir' && to.length > from.length && from.every((part, i) => to[i] === part)) {
      throw fail('INVALID_ARG', 'cannot move a directory into itself');
    }
    if (existing) {
      if (existing.kind === 'dir' || node.kind === 'dir') throw fail('OBJECT_EXISTS', `/${to.join('/')} already exists`);
      this.unlink(toParent, toName, existing);
    }
    fromParent.children.delete(from[from.length - 1]!);
    toParent.children.set(toName, node);
    const t = this.now();
    fromParent.mtimeMs = t;
    toParent.mtimeMs = t;
  }

  /** Opens (creating or truncating per mode) and returns a handle record; the session tracks it. */
  openNode(parts: readonly string[], mode: number): OpenFile {
    if (mode < AfcFileMode.RDONLY || mode > AfcFileMode.RDAPPEND) throw fail('INVALID_ARG', `unknown open mode ${mode}`);
    if (parts.length === 0) throw fail('OBJECT_IS_DIR', 'the root is a directory');
    const create = mode !== AfcFileMode.RDONLY;
    const truncate = mode === AfcFileMode.WRONLY || mode === AfcFileMode.WR;
    const parent = this.parentDir(parts);
    const name = parts[parts.length - 1]!;
    let node = parent.children.get(name);
    if (node?.kind === 'dir') throw fail('OBJECT_IS_DIR', `/${parts.join('/')} is a directory`);
    if (!node) {
      if (!create) throw fail('OBJECT_NOT_FOUND', `no such file /${parts.join('/')}`);
      this.addEntry();
      const t = this.now();
      node = { kind: 'file', data: Buffer.alloc(0), size: 0, birthMs: t, mtimeMs: t, linked: true };
      parent.children.set(name, node);
      parent.mtimeMs = t;
    } else if (truncate && node.size > 0) {
      this.resize(node, 0);
    }
    return {
      id: this.nextHandle++,
      node,
      path: '/' + parts.join('/'),
      readable: mode === AfcFileMode.RDONLY || mode === AfcFileMode.RW || mode === AfcFileMode.WR || mode === AfcFileMode.RDAPPEND,
      writable: mode !== AfcFileMode.RDONLY,
      append: mode === AfcFileMode.APPEND || mode === AfcFileMode.RDAPPEND,
      position: 0,
      wrote: truncate,
    };
  }

  readAt(file: OpenFile, length: number): Buffer {
    if (!file.readable) throw fail('PERM_DENIED', 'handle is not open for reading');
    const start = Math.min(file.position, file.node.size);
    const end = Math.min(file.node.size, start + Math.min(length, this.maxReadChunk));
    file.position = end;
    return Buffer.from(file.node.data.subarray(start, end));
  }

  writeAt(file: OpenFile, bytes: Uint8Array): void {
    if (!file.writable) throw fail('PERM_DENIED', 'handle is not open for writing');
    const node = file.node;
    const start = file.append ? node.size : file.position;
    const end = start + bytes.length;
    if (end > node.size) this.resize(node, end);
    node.data.set(bytes, start);
    file.position = end;
    file.wrote = true;
    node.mtimeMs = this.now();
  }

  setSize(file: OpenFile, size: number): void {
    if (!file.writable) throw fail('PERM_DENIED', 'handle is not open for writing');
    this.resize(file.node, size);
    file.wrote = true;
    file.node.mtimeMs = this.now();
  }

  lock(file: OpenFile, op: number): void {
    const base = op & ~LOCK_NB;
    if (op < 0 || op > 15 || (base !== 1 && base !== 2 && base !== 8)) throw fail('INVALID_ARG', `unknown lock operation ${op}`);
    // Blocking requests (without LOCK_NB) are answered as non-blocking ones: a service never waits.
    let state = this.locks.get(file.node);
    if (base === (AfcLockOp.UN & ~LOCK_NB)) {
      this.unlock(file);
      return;
    }
    if (!state) {
      state = { exclusive: undefined, shared: new Set() };
      this.locks.set(file.node, state);
    }
    const othersShared = [...state.shared].some((holder) => holder !== file);
    if (state.exclusive && state.exclusive !== file) throw fail('OP_WOULD_BLOCK', `${file.path} is locked by another handle`);
    if (base === (AfcLockOp.EX & ~LOCK_NB)) {
      if (othersShared) throw fail('OP_WOULD_BLOCK', `${file.path} has shared locks`);
      state.shared.delete(file);
      state.exclusive = file;
    } else {
      state.shared.add(file);
      if (state.exclusive === file) state.exclusive = undefined;
    }
  }

  unlock(file: OpenFile): void {
    const state = this.locks.get(file.node);
    if (!state) return;
    if (state.exclusive === file) state.exclusive = undefined;
    state.shared.delete(file);
    if (!state.exclusive && state.shared.size === 0) this.locks.delete(file.node);
  }

  /** Ends a handle: releases its locks and remembers what it wrote. */
  release(file: OpenFile): void {
    this.unlock(file);
    if (file.wrote && file.node.size <= RECORD_MAX_BYTES && this.recordPrefixes.some((prefix) => file.path.startsWith(prefix))) {
      this.recorded.push({ path: file.path, content: Buffer.from(file.node.data.subarray(0, file.node.size)), at: new Date(this.now()) });
      this.recordedBytes += file.node.size;
      while (this.recorded.length > RECORD_HISTORY || this.recordedBytes > RECORD_MAX_BYTES) this.recordedBytes -= this.recorded.shift()!.content.length;
    }
  }

  private resize(node: FileNode, size: number): void {
    if (size > this.maxFileSize) throw fail('NO_SPACE_LEFT', `file would exceed ${this.maxFileSize} bytes`);
    const growth = size - node.size;
    if (node.linked && growth > 0 && this.storedBytes + growth > this.maxStoredBytes) throw fail('NO_SPACE_LEFT', 'the partition is full');
    if (size > node.data.length) {
      const grown = Buffer.alloc(Math.min(this.maxFileSize, Math.max(size, node.data.length * 2, 4096)));
      node.data.copy(grown, 0, 0, node.size);
      node.data = grown;
    } else if (size < node.size) {
      node.data.fill(0, size, node.size);
    }
    if (node.linked) this.storedBytes += growth;
    node.size = size;
  }

  private unlink(parent: DirNode, name: string, node: Node): void {
    parent.children.delete(name);
    parent.mtimeMs = this.now();
    this.entries--;
    if (node.kind === 'file') {
      if (node.linked) this.storedBytes -= node.size;
      node.linked = false;
    }
  }

  private addEntry(): void {
    if (this.entries >= this.maxEntries) throw fail('NO_SPACE_LEFT', `the partition holds its limit of ${this.maxEntries} entries`);
    this.entries++;
  }

  private populate(seed: string): void {
    const rng = new HashRng(seed, 'afc-media');
    for (const dir of TOP_LEVEL_DIRS) this.makeDirs(this.resolve(dir));
    this.writeFile('/com.apple.itunes.lock_sync', '');
    // The files idevicebackup2 copies into Info.plist's "iTunes Files" (a phone has some of them).
    this.writeFile('/iTunes_Control/iTunes/iTunesPrefs', rng.bytes(1024 + rng.below(1024)));
    this.writeFile(
      '/iTunes_Control/iTunes/iTunesPrefs.plist',
      encodeXmlPlist({ iPodPrefs: rng.bytes(256), SyncHostID: rng.bytes(16).toString('hex').toUpperCase(), ManualSync: false }),
    );
    this.writeFile('/iTunes_Control/iTunes/IC-Info.sidb', rng.bytes(512 + rng.below(512)));
    this.writeFile('/iTunes_Control/iTunes/IC-Info.sidv', rng.bytes(64));
    this.writeFile('/iTunes_Control/iTunes/VoiceMemos.plist', encodeXmlPlist({ VoiceMemos: [] }));
    this.writeFile('/Books/iBooksData2.plist', encodeXmlPlist({ Books: [], Version: '2' }));
  }
}

/** One connection's open handles; handles from other connections are unknown here. */
export class AfcSession {
  private readonly handles = new Map<bigint, OpenFile>();
  private closed = false;

  constructor(readonly partition: MediaPartition) {}

  get openHandles(): number {
    return this.handles.size;
  }

  /** Whether a file this connection has open is locked (the sync lock a backup holds throughout). */
  get holdsLock(): boolean {
    for (const file of this.handles.values()) if (this.partition.lockState(file.path) !== 'none') return true;
    return false;
  }

  /** Answers one request packet with the encoded reply packet. */
  handle(packet: AfcPacket, device?: Pick<VirtualIPhone, 'identity' | 'state'>): Buffer {
    const reply = (operation: number, data?: Uint8Array, payload?: Uint8Array): Buffer =>
      encodeAfcPacket({ packetNum: packet.packetNum, operation, ...(data ? { data } : {}), ...(payload ? { payload } : {}) });
    const status = (code: number): Buffer => reply(AfcOperation.STATUS, encodeU64s([code]));
    try {
      return this.dispatch(packet, reply, status, device);
    } catch (error) {
      if (error instanceof AfcFailure) return status(error.status);
      if (error instanceof ProtocolError) return status(AfcStatus.INVALID_ARG);
      throw error;
    }
  }

  /** Releases every handle and lock of this connection. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const file of this.handles.values()) this.partition.release(file);
    this.handles.clear();
  }

  private dispatch(
    packet: AfcPacket,
    reply: (operation: number, data?: Uint8Array, payload?: Uint8Array) => Buffer,
    status: (code: number) => Buffer,
    device: Pick<VirtualIPhone, 'identity' | 'state'> | undefined,
  ): Buffer {
    const p = this.partition;
    const body = packetBody(packet);
    const what = `AFC ${afcOperationName(packet.operation)}`;
    const path = (): string[] => p.resolve(decodeStrings(body, 1, what)[0]!);
    switch (packet.operation) {
      case AfcOperation.READ_DIR:
        return reply(AfcOperation.DATA, undefined, encodeStrings(p.readDirectory(path())));
      case AfcOperation.GET_FILE_INFO:
        return reply(AfcOperation.DATA, undefined, p.fileInfo(path()));
      case AfcOperation.MAKE_DIR:
        p.makeDirs(path());
        return status(AfcStatus.SUCCESS);
      case AfcOperation.REMOVE_PATH:
        p.remove(path());
        return status(AfcStatus.SUCCESS);
      case AfcOperation.RENAME_PATH: {
        const [from, to] = decodeStrings(body, 2, what);
        p.rename(p.resolve(from!), p.resolve(to!));
        return status(AfcStatus.SUCCESS);
      }
      case AfcOperation.GET_DEVINFO: {
        const total = device?.state.totalBytes ?? p.maxStoredBytes;
        const free = device?.state.freeBytes ?? Math.max(0, p.maxStoredBytes - p.usage().storedBytes);
        return reply(AfcOperation.DATA, undefined, deviceInfoToKeyValues({ model: device?.identity.productType ?? 'iPhone', totalBytes: total, freeBytes: free, blockSize: 4096 }));
      }
      case AfcOperation.FILE_OPEN: {
        const [mode] = decodeU64s(body.subarray(0, 8), 1, what);
        const name = decodeStrings(body.subarray(8), 1, what)[0]!;
        if (this.handles.size >= p.maxOpenHandles) throw fail('NO_RESOURCES', `more than ${p.maxOpenHandles} open files`);
        const file = p.openNode(p.resolve(name), mode! > 255n ? 0 : Number(mode));
        this.handles.set(file.id, file);
        return reply(AfcOperation.FILE_OPEN_RES, encodeU64s([file.id]));
      }
      case AfcOperation.FILE_READ: {
        const [id, length] = decodeU64s(body, 2, what);
        const file = this.file(id!);
        const wanted = length! > BigInt(p.maxReadChunk) ? p.maxReadChunk : Number(length);
        return reply(AfcOperation.DATA, undefined, p.readAt(file, wanted));
      }
      case AfcOperation.FILE_WRITE: {
        const [id] = decodeU64s(body, 1, what, 'allowed');
        p.writeAt(this.file(id!), body.subarray(8));
        return status(AfcStatus.SUCCESS);
      }
      case AfcOperation.FILE_SEEK: {
        const [id, whence] = decodeU64s(body, 3, what);
        const offset = body.readBigInt64LE(16);
        const file = this.file(id!);
        const base = whence === 0n ? 0 : whence === 1n ? file.position : whence === 2n ? file.node.size : -1;
        if (base < 0) throw fail('INVALID_ARG', `unknown whence ${whence}`);
        const target = BigInt(base) + offset;
        if (target < 0n || target > BigInt(p.maxFileSize)) throw fail('INVALID_ARG', `seek to ${target}`);
        file.position = Number(target);
        return status(AfcStatus.SUCCESS);
      }
      case AfcOperation.FILE_TELL: {
        const [id] = decodeU64s(body, 1, what);
        return reply(AfcOperation.FILE_TELL_RES, encodeU64s([this.file(id!).position]));
      }
      case AfcOperation.FILE_SET_SIZE: {
        const [id, size] = decodeU64s(body, 2, what);
        if (size! > BigInt(p.maxFileSize)) throw fail('NO_SPACE_LEFT', `file would exceed ${p.maxFileSize} bytes`);
        p.setSize(this.file(id!), Number(size));
        return status(AfcStatus.SUCCESS);
      }
      case AfcOperation.FILE_CLOSE: {
        const [id] = decodeU64s(body, 1, what);
        const file = this.file(id!);
        this.handles.delete(id!);
        p.release(file);
        return status(AfcStatus.SUCCESS);
      }
      case AfcOperation.FILE_LOCK: {
        const [id, op] = decodeU64s(body, 2, what);
        p.lock(this.file(id!), op! > 15n ? -1 : Number(op));
        return status(AfcStatus.SUCCESS);
      }
      default:
        return status(isKnownAfcOperation(packet.operation) ? AfcStatus.OP_NOT_SUPPORTED : AfcStatus.UNKNOWN_PACKET_TYPE);
    }
  }

  private file(id: bigint): OpenFile {
    const file = this.handles.get(id);
    if (!file) throw fail('INVALID_ARG', `no open file with handle ${id}`);
    return file;
  }
}

export function createMediaPartition(options: MediaPartitionOptions = {}): MediaPartition {
  return new MediaPartition(options);
}

/** How long a connection may sit idle before the phone closes it. */
const IDLE_TIMEOUT_MS = 10 * 60_000;
/**
 * The same while it holds a lock: a host keeps the sync lock for a whole backup, which takes hours on a
 * big phone, and closing the connection would drop the lock under it. Still bounded against a host
 * that vanished without closing.
 */
const LOCKED_IDLE_TIMEOUT_MS = 12 * 60 * 60_000;

/** Resolves when `stream` drains or closes; destroys it if neither happens within `timeoutMs`. */
function drained(stream: Duplex, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      stream.destroy();
      done();
    }, timeoutMs);
    stream.once('drain', done);
    stream.once('close', done);
  });
}

/** The AFC service over `partition`; register the same handler for every connection to share it. */
export function serveAfc(partition: MediaPartition, options: { idleTimeoutMs?: number; serviceName?: string } = {}): ServiceHandler {
  const name = options.serviceName ?? 'AFC';
  return (stream: Duplex, device: VirtualIPhone) => {
    const reader = new StreamReader(stream, `${name} ${device.udid}`);
    const session = partition.openSession();
    stream.once('close', () => session.close());
    const run = async (): Promise<void> => {
      for (;;) {
        let packet: AfcPacket;
        try {
          const idleMs = options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
          packet = await readAfcPacket(reader, { timeoutMs: session.holdsLock ? Math.max(idleMs, LOCKED_IDLE_TIMEOUT_MS) : idleMs, maxPacket: partition.maxPacket, what: `${name} request` });
        } catch (error) {
          if (error instanceof DisconnectedError) return;
          throw error;
        }
        const reply = session.handle(packet, device);
        if (stream.destroyed) return;
        // A host that sends requests without reading replies must not make the phone buffer without end.
        if (!stream.write(reply)) await drained(stream, options.idleTimeoutMs ?? IDLE_TIMEOUT_MS);
      }
    };
    void run()
      .catch((error: unknown) => {
        device.logger.log('warn', `${name} connection closed`, { udid: device.udid, reason: describeError(error) });
      })
      .finally(() => {
        session.close();
        stream.destroy();
      });
  };
}
