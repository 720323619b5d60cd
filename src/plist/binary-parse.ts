/**
 * Reader for Apple's binary property list format, version `bplist00`.
 *
 * Nouns (the header and trailer are described in binary-trailer.ts):
 * - *object*: a *marker* byte (high nibble = type, low nibble = size, or 0xF meaning "an integer object
 *   holding the size follows") and its payload. Objects are numbered 0..count-1.
 * - *ref*: an object number stored in ref-size bytes inside arrays and dicts.
 * - *offset table*: object number → byte offset of its marker.
 * - *object region*: bytes [8, offset table offset); every object's bytes must lie inside it.
 *
 * The input comes from a device over the network, so nothing in it is trusted: every offset, length and
 * ref is checked against the buffer before it is read, nothing larger than the remaining input is
 * allocated, recursion is bounded by maxDepth, a container that (transitively) contains itself is an
 * error, and the number of values produced is capped by maxObjects — the cap matters because a plist can
 * reference one container from many places, and expanding those shared references naively is the binary
 * equivalent of the "billion laughs" attack.
 *
 * Only strings are memoised by object number: they are immutable primitives, so handing the same one to
 * many places is unobservable. Containers, data, dates and UIDs are rebuilt per reference so callers can
 * mutate what they get back without spooky action elsewhere in the tree. Data comes back as a Buffer
 * (a copy, never a view into the caller's input).
 */
import { PlistError, asPlistError } from './errors.js';
import { HEADER_SIZE, isBinaryPlist, readTrailer, readUInt, type BinaryTrailer } from './binary-trailer.js';
import type { ParseOptions, PlistDict, PlistLimits, PlistValue } from './types.js';
import { APPLE_EPOCH_OFFSET_SECONDS, PlistReal, PlistUid, resolveLimits } from './types.js';

/** Largest |ms| a JS Date can hold. */
const MAX_DATE_MS = 8.64e15;
const TWO_32 = 2 ** 32;

export { isBinaryPlist };

export function parseBinaryPlist(data: Uint8Array, options?: ParseOptions): PlistValue {
  const limits = resolveLimits(options);
  try {
    return new BinaryPlistReader(data, limits, options?.preserveRealType === true).readTop();
  } catch (error) {
    throw asPlistError(error, 'binary plist: unexpected failure while parsing');
  }
}

class BinaryPlistReader {
  private readonly buf: Buffer;
  private readonly offsetSize: number;
  private readonly refSize: number;
  private readonly objectCount: number;
  private readonly topObject: number;
  /** End of the object region and start of the offset table. */
  private readonly tableOffset: number;
  /** 1 while an object is being expanded: meeting it again means a reference cycle. */
  private readonly onStack: Uint8Array;
  private readonly strings: (string | undefined)[];
  /** Values produced so far and data bytes copied so far, each bounded by the limits. */
  private produced = 0;
  private copiedBytes = 0;
  /** Set by readSize(): where the payload of the object just sized starts. */
  private payload = 0;

  constructor(
    data: Uint8Array,
    private readonly limits: PlistLimits,
    private readonly preserveRealType: boolean,
  ) {
    this.buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const trailer: BinaryTrailer = readTrailer(this.buf, limits);
    this.offsetSize = trailer.offsetSize;
    this.refSize = trailer.refSize;
    this.objectCount = trailer.objectCount;
    this.topObject = trailer.topObject;
    this.tableOffset = trailer.tableOffset;
    this.onStack = new Uint8Array(this.objectCount);
    this.strings = new Array<string | undefined>(this.objectCount);
  }

  readTop(): PlistValue {
    const value = this.read(this.topObject, 0);
    if (value === undefined) throw new PlistError(`binary plist: top object ${this.topObject} is null`);
    return value;
  }

  /** Reads object `index`; undefined stands for the null/fill markers, which containers drop. */
  private read(index: number, depth: number): PlistValue | undefined {
    if (++this.produced > this.limits.maxObjects) {
      throw new PlistError(`binary plist: expanding shared references produced more than ${this.limits.maxObjects} values`);
    }
    const cached = this.strings[index];
    if (cached !== undefined) return cached;
    const off = this.offsetOf(index);
    const marker = this.buf[off]!;
    const info = marker & 0x0f;
    switch (marker >> 4) {
      case 0x0:
        if (marker === 0x08) return false;
        if (marker === 0x09) return true;
        if (marker === 0x00 || marker === 0x0f) return undefined;
        break;
      case 0x1:
        return this.readInt(info, off, index);
      case 0x2:
        return this.readReal(info, off, index);
      case 0x3:
        if (info === 3) return this.readDate(off, index);
        break;
      case 0x4:
        return this.readData(info, off, index);
      case 0x5:
        return this.readAscii(info, off, index);
      case 0x6:
        return this.readUtf16(info, off, index);
      case 0x8:
        return this.readUid(info, off, index);
      case 0xa:
      case 0xb: // ordered set (never written by Apple's encoder) and set: read as arrays
      case 0xc:
        return this.readArray(info, off, index, depth);
      case 0xd:
        return this.readDict(info, off, index, depth);
    }
    throw this.fail(index, off, `unknown object marker 0x${marker.toString(16).padStart(2, '0')}`);
  }

  private readInt(info: number, off: number, index: number): number | bigint {
    if (info > 4) throw this.fail(index, off, `integer width 2^${info} bytes is not 1, 2, 4, 8 or 16`);
    const width = 1 << info;
    const start = off + 1;
    this.need(start, width, index, off, 'integer');
    const buf = this.buf;
    if (width === 1) return buf[start]!;
    if (width === 2) return buf.readUInt16BE(start);
    if (width === 4) return buf.readUInt32BE(start);
    if (width === 8) {
      // Signed two's complement: Apple writes every negative integer as 8 bytes.
      const value = buf.readInt32BE(start) * TWO_32 + buf.readUInt32BE(start + 4);
      return Number.isSafeInteger(value) ? value : buf.readBigInt64BE(start);
    }
    // 16 bytes: unsigned 128-bit; in practice only values in 2^63..2^64-1 are written this way.
    const value = (buf.readBigUInt64BE(start) << 64n) | buf.readBigUInt64BE(start + 8);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }

  private readReal(info: number, off: number, index: number): number | PlistReal {
    if (info !== 2 && info !== 3) throw this.fail(index, off, `real width 2^${info} bytes is not 4 or 8`);
    this.need(off + 1, 1 << info, index, off, 'real');
    const value = info === 2 ? this.buf.readFloatBE(off + 1) : this.buf.readDoubleBE(off + 1);
    return this.preserveRealType && Number.isInteger(value) ? new PlistReal(value) : value;
  }

  private readDate(off: number, index: number): Date {
    this.need(off + 1, 8, index, off, 'date');
    // Rounded: a Date holds whole milliseconds, and truncation would turn x.9999 ms float noise into x-1.
    const ms = Math.round((this.buf.readDoubleBE(off + 1) + APPLE_EPOCH_OFFSET_SECONDS) * 1000);
    if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) throw this.fail(index, off, 'date is outside the range a Date can hold');
    return new Date(ms);
  }

  private readData(info: number, off: number, index: number): Buffer {
    const length = this.readSize(info, off, index);
    this.need(this.payload, length, index, off, 'data');
    this.copiedBytes += length;
    if (this.copiedBytes > this.limits.maxBytes) {
      throw this.fail(index, off, `expanding shared data objects copies more than ${this.limits.maxBytes} bytes`);
    }
    return Buffer.from(this.buf.subarray(this.payload, this.payload + length));
  }

  private readAscii(info: number, off: number, index: number): string {
    const length = this.readSize(info, off, index);
    const start = this.payload;
    this.need(start, length, index, off, 'ASCII string');
    const buf = this.buf;
    for (let i = start, end = start + length; i < end; i++) {
      if (buf[i]! > 0x7f) throw this.fail(index, i, `ASCII string contains byte 0x${buf[i]!.toString(16)}`);
    }
    const text = buf.toString('latin1', start, start + length);
    this.strings[index] = text;
    return text;
  }

  private readUtf16(info: number, off: number, index: number): string {
    const units = this.readSize(info, off, index);
    const start = this.payload;
    this.need(start, units * 2, index, off, 'UTF-16 string');
    // Node decodes only little-endian UTF-16; swap a copy (lone surrogates survive, as in CFString).
    const text = Buffer.from(this.buf.subarray(start, start + units * 2)).swap16().toString('utf16le');
    this.strings[index] = text;
    return text;
  }

  private readUid(info: number, off: number, index: number): PlistUid {
    const width = info + 1;
    this.need(off + 1, width, index, off, 'UID');
    const value = this.uint(off + 1, width);
    if (!Number.isSafeInteger(value)) throw this.fail(index, off, 'UID is larger than 2^53');
    return new PlistUid(value);
  }

  private readArray(info: number, off: number, index: number, depth: number): PlistValue[] {
    const count = this.readSize(info, off, index);
    const refs = this.payload;
    this.need(refs, count * this.refSize, index, off, 'array refs');
    this.enter(index, off, depth);
    const out: PlistValue[] = [];
    for (let i = 0; i < count; i++) {
      const item = this.read(this.refAt(refs + i * this.refSize, index), depth + 1);
      if (item !== undefined) out.push(item);
    }
    this.onStack[index] = 0;
    return out;
  }

  private readDict(info: number, off: number, index: number, depth: number): PlistDict {
    const count = this.readSize(info, off, index);
    const keyRefs = this.payload;
    const valueRefs = keyRefs + count * this.refSize;
    this.need(keyRefs, 2 * count * this.refSize, index, off, 'dict refs');
    this.enter(index, off, depth);
    const out: PlistDict = {};
    for (let i = 0; i < count; i++) {
      const keyIndex = this.refAt(keyRefs + i * this.refSize, index);
      // Check the key's type before expanding it, so a container used as a key costs nothing.
      const keyType = this.buf[this.offsetOf(keyIndex)]! >> 4;
      if (keyType !== 0x5 && keyType !== 0x6) throw this.fail(index, off, `dict key ${i} (object ${keyIndex}) is not a string`);
      const key = this.read(keyIndex, depth + 1) as string;
      const value = this.read(this.refAt(valueRefs + i * this.refSize, index), depth + 1);
      if (value === undefined) continue;
      // A key named __proto__ must become an own property, not replace the object's prototype.
      if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
    this.onStack[index] = 0;
    return out;
  }

  private enter(index: number, off: number, depth: number): void {
    if (this.onStack[index] === 1) throw this.fail(index, off, 'container contains itself (reference cycle)');
    if (depth + 1 > this.limits.maxDepth) throw this.fail(index, off, `nesting is deeper than the limit of ${this.limits.maxDepth}`);
    this.onStack[index] = 1;
  }

  /** Decodes a marker's size nibble, or the integer object after it when the nibble is 0xF. */
  private readSize(info: number, off: number, index: number): number {
    if (info !== 0x0f) {
      this.payload = off + 1;
      return info;
    }
    this.need(off + 1, 1, index, off, 'size marker');
    const marker = this.buf[off + 1]!;
    if (marker >> 4 !== 0x1 || (marker & 0x0f) > 3) {
      throw this.fail(index, off, `size must be a 1/2/4/8-byte integer object, found marker 0x${marker.toString(16)}`);
    }
    const width = 1 << (marker & 0x0f);
    this.need(off + 2, width, index, off, 'size');
    const size = this.uint(off + 2, width);
    if (!Number.isSafeInteger(size)) throw this.fail(index, off, 'declared size is too large');
    this.payload = off + 2 + width;
    return size;
  }

  private offsetOf(index: number): number {
    const off = this.uint(this.tableOffset + index * this.offsetSize, this.offsetSize);
    if (off < HEADER_SIZE || off >= this.tableOffset) {
      throw new PlistError(`binary plist: object ${index} has offset ${off}, outside the object region 8..${this.tableOffset - 1}`, {
        offset: this.tableOffset + index * this.offsetSize,
      });
    }
    return off;
  }

  private refAt(pos: number, owner: number): number {
    const ref = this.uint(pos, this.refSize);
    if (ref >= this.objectCount) {
      throw new PlistError(`binary plist: object ${owner} refers to object ${ref}, but there are only ${this.objectCount}`, { offset: pos });
    }
    return ref;
  }

  /** Throws unless `length` bytes from `start` lie inside the object region. */
  private need(start: number, length: number, index: number, off: number, what: string): void {
    if (start + length > this.tableOffset) {
      throw this.fail(index, off, `${what} of ${length} bytes at ${start} runs past the end of the object region (${this.tableOffset})`);
    }
  }

  private uint(start: number, width: number): number {
    return readUInt(this.buf, start, width);
  }

  private fail(index: number, offset: number, message: string): PlistError {
    return new PlistError(`binary plist: object ${index}: ${message}`, { offset });
  }
}
