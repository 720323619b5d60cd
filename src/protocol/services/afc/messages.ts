/**
 * AFC operation parameters and reply bodies, shared by the host client and the virtual iPhone.
 *
 * Shapes (all integers little-endian u64):
 * - path operations (READ_DIR, MAKE_DIR, REMOVE_PATH, GET_FILE_INFO): one NUL-terminated UTF-8 path;
 *   RENAME_PATH: two; FILE_OPEN: mode, then the path;
 * - handle operations: FILE_CLOSE handle; FILE_READ handle, length; FILE_LOCK handle, op;
 *   FILE_SEEK handle, whence, offset (signed); FILE_TELL handle; FILE_SET_SIZE handle, size;
 *   FILE_WRITE handle, then the bytes to write;
 * - replies: STATUS code; DATA bytes; FILE_OPEN_RES handle; FILE_TELL_RES position;
 *   READ_DIR answers a NUL-terminated name list (starting with "." and ".."), GET_FILE_INFO and
 *   GET_DEVINFO a NUL-terminated key, value, key, value… list.
 *
 * Decoders are strict — exact string counts, nothing after the last NUL, valid UTF-8 — and throw
 * ProtocolError; the device turns that into an INVALID_ARG status, the host into a failed request.
 */
import { ProtocolError } from '../../errors.js';

/** PATH_MAX on iOS; longer paths are refused before they reach a file system. */
export const AFC_MAX_PATH_BYTES = 1024;
const U64_MAX = (1n << 64n) - 1n;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function bad(what: string, message: string): ProtocolError {
  return new ProtocolError(`${what}: ${message}`, { code: 'PROTOCOL_BAD_FIELD' });
}

function checkString(value: string, what: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.includes(0)) throw bad(what, `string ${JSON.stringify(value.slice(0, 64))} contains a NUL byte`);
  return bytes;
}

/** NUL-terminated strings, one after another (paths, name lists, key/value lists). */
export function encodeStrings(values: readonly string[], what = 'AFC strings'): Buffer {
  const parts: Buffer[] = [];
  for (const value of values) parts.push(checkString(value, what), Buffer.alloc(1));
  return Buffer.concat(parts);
}

/** A path argument, refused on the sending side when it is empty, too long or contains NUL. */
export function encodePath(path: string): Buffer {
  const bytes = checkString(path, 'AFC path');
  if (bytes.length === 0) throw bad('AFC path', 'empty path');
  if (bytes.length > AFC_MAX_PATH_BYTES) throw bad('AFC path', `${bytes.length} bytes exceeds ${AFC_MAX_PATH_BYTES}`);
  return Buffer.concat([bytes, Buffer.alloc(1)]);
}

/** A NUL-terminated list of any length; an empty body is an empty list. */
export function decodeStringList(body: Uint8Array, what: string): string[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.length);
  const out: string[] = [];
  let start = 0;
  while (start < buf.length) {
    const end = buf.indexOf(0, start);
    if (end < 0) throw bad(what, 'last string is not NUL-terminated');
    try {
      out.push(utf8.decode(buf.subarray(start, end)));
    } catch {
      throw bad(what, 'string is not valid UTF-8');
    }
    start = end + 1;
  }
  return out;
}

/** Exactly `count` NUL-terminated strings and nothing after them. */
export function decodeStrings(body: Uint8Array, count: number, what: string): string[] {
  const list = decodeStringList(body, what);
  if (list.length !== count) throw bad(what, `expected ${count} NUL-terminated string(s), got ${list.length}`);
  return list;
}

export function encodeU64s(values: ReadonlyArray<bigint | number>): Buffer {
  const out = Buffer.alloc(values.length * 8);
  values.forEach((value, i) => {
    const v = BigInt(value);
    if (v < 0n || v > U64_MAX) throw new RangeError(`${value} is not a u64`);
    out.writeBigUInt64LE(v, i * 8);
  });
  return out;
}

/** Reads `count` u64 values from the start of `body`; the caller says whether bytes may follow. */
export function decodeU64s(body: Uint8Array, count: number, what: string, trailing: 'none' | 'allowed' = 'none'): bigint[] {
  if (body.length < count * 8) throw bad(what, `need ${count * 8} bytes of parameters, got ${body.length}`);
  if (trailing === 'none' && body.length !== count * 8) throw bad(what, `${body.length - count * 8} unexpected bytes after the parameters`);
  const buf = Buffer.from(body.buffer, body.byteOffset, body.length);
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) out.push(buf.readBigUInt64LE(i * 8));
  return out;
}

/** A u64 parameter that must fit a JS number (sizes, offsets, positions). */
export function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(what, `${value} is too large`);
  return Number(value);
}

export function encodeKeyValues(entries: ReadonlyArray<readonly [string, string]>): Buffer {
  return encodeStrings(entries.flatMap(([k, v]) => [k, v]), 'AFC key/value list');
}

export function decodeKeyValues(body: Uint8Array, what: string): Map<string, string> {
  const list = decodeStringList(body, what);
  if (list.length % 2 !== 0) throw bad(what, 'key/value list has an odd number of strings');
  const out = new Map<string, string>();
  for (let i = 0; i < list.length; i += 2) out.set(list[i]!, list[i + 1]!);
  return out;
}

export type AfcFileType = 'S_IFREG' | 'S_IFDIR' | 'S_IFLNK' | 'S_IFCHR' | 'S_IFBLK' | 'S_IFIFO' | 'S_IFSOCK';
const FILE_TYPES: ReadonlySet<string> = new Set(['S_IFREG', 'S_IFDIR', 'S_IFLNK', 'S_IFCHR', 'S_IFBLK', 'S_IFIFO', 'S_IFSOCK']);

/** GET_FILE_INFO as the phone reports it (times in nanoseconds since 1970). */
export interface AfcFileInfo {
  readonly type: AfcFileType;
  readonly size: number;
  readonly blocks: number;
  readonly nlink: number;
  readonly mtimeNs: bigint;
  readonly birthtimeNs: bigint;
  readonly linkTarget?: string;
  /** Every key the device sent, unparsed. */
  readonly raw: ReadonlyMap<string, string>;
}

function decimal(map: ReadonlyMap<string, string>, key: string, what: string): bigint {
  const text = map.get(key);
  if (text === undefined || !/^\d{1,20}$/.test(text)) throw bad(what, `${key} must be a decimal number, got ${JSON.stringify(text ?? null)}`);
  return BigInt(text);
}

export function fileInfoToKeyValues(info: Omit<AfcFileInfo, 'raw'>): Buffer {
  const entries: Array<[string, string]> = [
    ['st_size', String(info.size)],
    ['st_blocks', String(info.blocks)],
    ['st_nlink', String(info.nlink)],
    ['st_ifmt', info.type],
    ['st_mtime', info.mtimeNs.toString()],
    ['st_birthtime', info.birthtimeNs.toString()],
  ];
  if (info.linkTarget !== undefined) entries.push(['LinkTarget', info.linkTarget]);
  return encodeKeyValues(entries);
}

export function fileInfoFromKeyValues(body: Uint8Array): AfcFileInfo {
  const what = 'AFC GET_FILE_INFO reply';
  const raw = decodeKeyValues(body, what);
  const type = raw.get('st_ifmt');
  if (type === undefined || !FILE_TYPES.has(type)) throw bad(what, `unknown st_ifmt ${JSON.stringify(type ?? null)}`);
  const linkTarget = raw.get('LinkTarget');
  return {
    type: type as AfcFileType,
    size: safeNumber(decimal(raw, 'st_size', what), what),
    blocks: safeNumber(raw.has('st_blocks') ? decimal(raw, 'st_blocks', what) : 0n, what),
    nlink: safeNumber(raw.has('st_nlink') ? decimal(raw, 'st_nlink', what) : 1n, what),
    mtimeNs: raw.has('st_mtime') ? decimal(raw, 'st_mtime', what) : 0n,
    birthtimeNs: raw.has('st_birthtime') ? decimal(raw, 'st_birthtime', what) : 0n,
    ...(linkTarget !== undefined ? { linkTarget } : {}),
    raw,
  };
}

/** GET_DEVINFO: the partition's size and the phone model. */
export interface AfcDeviceInfo {
  readonly model: string;
  readonly totalBytes: number;
  readonly freeBytes: number;
  readonly blockSize: number;
  readonly raw: ReadonlyMap<string, string>;
}

export function deviceInfoToKeyValues(info: Omit<AfcDeviceInfo, 'raw'>): Buffer {
  return encodeKeyValues([
    ['Model', info.model],
    ['FSTotalBytes', String(info.totalBytes)],
    ['FSFreeBytes', String(info.freeBytes)],
    ['FSBlockSize', String(info.blockSize)],
  ]);
}

export function deviceInfoFromKeyValues(body: Uint8Array): AfcDeviceInfo {
  const what = 'AFC GET_DEVINFO reply';
  const raw = decodeKeyValues(body, what);
  return {
    model: raw.get('Model') ?? '',
    totalBytes: safeNumber(decimal(raw, 'FSTotalBytes', what), what),
    freeBytes: safeNumber(decimal(raw, 'FSFreeBytes', what), what),
    blockSize: safeNumber(decimal(raw, 'FSBlockSize', what), what),
    raw,
  };
}

/** FILE_SEEK whence values (lseek(2)). */
export const AfcSeek = { SET: 0, CUR: 1, END: 2 } as const;
export type AfcSeekName = keyof typeof AfcSeek;
