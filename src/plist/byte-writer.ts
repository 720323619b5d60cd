/**
 * The output buffer of the binary plist writer. Nouns: the *buffer* grows by doubling; *length* is how
 * much of it is written; a *width* is how many bytes (1, 2, 4 or 8) an unsigned integer takes; a
 * *header* is a marker byte whose low nibble holds a count, or 0xF plus an integer object when the count
 * is 15 or more. Callers may write into `buf` directly after `reserve()`, which keeps hot paths free of
 * per-byte calls.
 */
const TWO_32 = 2 ** 32;

/** Smallest of 1, 2, 4, 8 bytes that holds the non-negative `value`. */
export function widthFor(value: number): number {
  if (value < 0x100) return 1;
  if (value < 0x10000) return 2;
  if (value < TWO_32) return 4;
  return 8;
}

/** An append-only byte buffer that doubles when full. */
export class ByteWriter {
  buf = Buffer.allocUnsafe(256);
  length = 0;

  reserve(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buf[this.length++] = value;
  }

  zeros(count: number): void {
    this.reserve(count);
    this.buf.fill(0, this.length, this.length + count);
    this.length += count;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** Big-endian unsigned integer in `width` (1, 2, 4 or 8) bytes; `value` is a safe integer. */
  uint(value: number, width: number): void {
    this.reserve(width);
    const buf = this.buf;
    if (width === 1) buf[this.length] = value;
    else if (width === 2) buf.writeUInt16BE(value, this.length);
    else if (width === 4) buf.writeUInt32BE(value, this.length);
    else {
      buf.writeUInt32BE(Math.floor(value / TWO_32), this.length);
      buf.writeUInt32BE(value % TWO_32, this.length + 4);
    }
    this.length += width;
  }

  /** A marker whose low nibble carries `count`, or 0xF followed by an integer object when it doesn't fit. */
  header(marker: number, count: number): void {
    if (count < 15) {
      this.byte(marker | count);
      return;
    }
    const width = widthFor(count);
    this.byte(marker | 0x0f);
    this.byte(0x10 | Math.log2(width));
    this.uint(count, width);
  }

  /** The bytes written; copied to an exact-size buffer when doubling left much unused room behind. */
  finish(): Buffer {
    const used = this.buf.subarray(0, this.length);
    return this.buf.length - this.length > 4096 ? Buffer.from(used) : used;
  }
}
