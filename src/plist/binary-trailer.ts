/**
 * The frame of a `bplist00` file: the 8-byte *header* (magic) and the 32-byte *trailer* that says how to
 * find everything else — 6 unused bytes, the *offset size* and *ref size* (bytes per offset-table entry
 * and per object reference, 1..8), then big-endian u64 *object count*, *top object* and *offset table
 * offset*. Everything the trailer claims is checked here, before any object is read, so the reader can
 * rely on: the offset table lies wholly between the header and the trailer, the top object exists, and
 * the object count respects the limit (which also bounds every per-object table the reader allocates).
 */
import { PlistError } from './errors.js';
import type { PlistLimits } from './types.js';

export const HEADER_SIZE = 8;
export const TRAILER_SIZE = 32;
const MAGIC = Buffer.from('bplist00', 'latin1');
const TWO_32 = 2 ** 32;

export interface BinaryTrailer {
  readonly offsetSize: number;
  readonly refSize: number;
  readonly objectCount: number;
  readonly topObject: number;
  /** Where the offset table starts, which is also where the object region ends. */
  readonly tableOffset: number;
}

/** True when the bytes start with the bplist00 magic. */
export function isBinaryPlist(data: Uint8Array): boolean {
  if (data.length < MAGIC.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (data[i] !== MAGIC[i]) return false;
  return true;
}

/** Checks size and magic, then reads and validates the trailer. */
export function readTrailer(buf: Buffer, limits: PlistLimits): BinaryTrailer {
  if (buf.length > limits.maxBytes) throw new PlistError(`binary plist is ${buf.length} bytes, more than the ${limits.maxBytes}-byte limit`);
  if (!isBinaryPlist(buf)) throw new PlistError('binary plist: missing "bplist00" header', { offset: 0 });
  if (buf.length < HEADER_SIZE + 1 + 1 + TRAILER_SIZE) {
    throw new PlistError(`binary plist: ${buf.length} bytes is too short to hold an object, offset table and trailer`);
  }
  const t = buf.length - TRAILER_SIZE;
  const trailer: BinaryTrailer = {
    offsetSize: buf[t + 6]!,
    refSize: buf[t + 7]!,
    objectCount: readUInt(buf, t + 8, 8),
    topObject: readUInt(buf, t + 16, 8),
    tableOffset: readUInt(buf, t + 24, 8),
  };
  const { offsetSize, refSize, objectCount, topObject, tableOffset } = trailer;
  const where = { offset: t };
  if (offsetSize < 1 || offsetSize > 8) throw new PlistError(`binary plist: trailer offset size ${offsetSize} is not 1..8`, where);
  if (refSize < 1 || refSize > 8) throw new PlistError(`binary plist: trailer ref size ${refSize} is not 1..8`, where);
  if (objectCount < 1) throw new PlistError('binary plist: trailer declares no objects', where);
  if (objectCount > limits.maxObjects) {
    throw new PlistError(`binary plist: ${objectCount} objects exceeds the limit of ${limits.maxObjects}`, where);
  }
  if (topObject >= objectCount) {
    throw new PlistError(`binary plist: top object ${topObject} is not below the object count ${objectCount}`, where);
  }
  if (tableOffset <= HEADER_SIZE || tableOffset + objectCount * offsetSize > t) {
    throw new PlistError(
      `binary plist: offset table at ${tableOffset} with ${objectCount} × ${offsetSize}-byte entries does not fit between the header and the trailer`,
      where,
    );
  }
  return trailer;
}

/**
 * Big-endian unsigned integer of 1..16 bytes at `start` (the caller has checked the bounds). Exact up to
 * 2^53; larger values come out approximate, which is fine because callers only compare them against
 * small bounds.
 */
export function readUInt(buf: Buffer, start: number, width: number): number {
  switch (width) {
    case 1:
      return buf[start]!;
    case 2:
      return buf.readUInt16BE(start);
    case 4:
      return buf.readUInt32BE(start);
    case 8:
      return buf.readUInt32BE(start) * TWO_32 + buf.readUInt32BE(start + 4);
  }
  let value = 0;
  for (let i = 0; i < width; i++) value = value * 256 + buf[start + i]!;
  return value;
}
