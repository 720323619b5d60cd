/**
 * ISO base media file heads: HEIC stills and QuickTime/MP4 movies.
 *
 * Nouns: a *box* is size(u32) + type(4cc) + payload (size 1 means a 64-bit size follows); a *full box*
 * adds version and flags. A HEIC here is `ftyp(heic) meta mdat`, the meta box declaring a primary `hvc1`
 * item and an `Exif` item (with `cdsc` linking them) whose `iloc` extents point into mdat; the Exif item
 * carries the same TIFF block as a JPEG, so readers find the capture date in either. A movie is
 * `ftyp wide? moov(mvhd) mdat` with mvhd's creation time (seconds since 1904) at the capture instant.
 * The body after these heads is pool filler: containers parse, pixels do not decode.
 */
const MAC_EPOCH_OFFSET_S = 2_082_844_800;

export function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

export function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, vf, ...payload);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

function uint(n: number, bytes: 4 | 8): Buffer {
  if (bytes === 4) return u32(n);
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n), 0);
  return b;
}

/** mdat's own header for a payload of `payloadLength` bytes (64-bit form when needed). */
function mdatHeader(payloadLength: number): Buffer {
  if (payloadLength + 8 <= 0xffffffff) return Buffer.concat([u32(payloadLength + 8), Buffer.from('mdat', 'latin1')]);
  return Buffer.concat([u32(1), Buffer.from('mdat', 'latin1'), uint(payloadLength + 16, 8)]);
}

export function heicHead(width: number, height: number, exifTiff: Buffer, totalSize: number): Buffer {
  if (totalSize > 0xfffffff0) return heicHeadFull(width, height, exifTiff, totalSize);
  // Performance: the meta box of every (non-huge) HEIC has the same layout; it is built once with
  // sentinel values, and each photo copies it and writes its six numbers in place — the same bytes as
  // heicHeadFull, without the ~15 nested Buffer.concat calls per photo that made it ~100 µs.
  const t = (heicTemplate ??= makeHeicTemplate());
  const exifLength = 4 + 6 + exifTiff.length;
  const mdatPayload = Math.max(0, totalSize - t.ftyp.length - t.meta.length - 8);
  const exifAt = t.ftyp.length + t.meta.length + 8;
  const imageAt = exifAt + exifLength;
  const out = Buffer.allocUnsafe(imageAt);
  t.ftyp.copy(out, 0);
  const metaAt = t.ftyp.length;
  t.meta.copy(out, metaAt);
  const values = [width, height, imageAt, Math.max(0, totalSize - imageAt), exifAt, exifLength];
  values.forEach((value, i) => out.writeUInt32BE(value >>> 0, metaAt + (t.positions[i] as number)));
  let o = metaAt + t.meta.length;
  out.writeUInt32BE(mdatPayload + 8, o);
  out.write('mdat', o + 4, 'latin1');
  o += 8;
  out.writeUInt32BE(6, o);
  out.write('Exif\0\0', o + 4, 'latin1');
  exifTiff.copy(out, o + 10);
  return out;
}

interface HeicTemplate {
  readonly ftyp: Buffer;
  readonly meta: Buffer;
  /** Offsets in `meta` of width, height, image offset, image length, Exif offset, Exif length. */
  readonly positions: readonly number[];
}

let heicTemplate: HeicTemplate | undefined;

function makeHeicTemplate(): HeicTemplate {
  const sentinels = [0x7e57a001, 0x7e57a002, 0x7e57a003, 0x7e57a004, 0x7e57a005, 0x7e57a006];
  const [w, h, imageAt, imageLength, exifAt, exifLength] = sentinels as [number, number, number, number, number, number];
  const meta = heicMeta(w, h, 4, exifAt, exifLength, imageAt, imageLength);
  const positions = sentinels.map((value) => {
    const at = meta.indexOf(u32(value));
    if (at < 0 || meta.indexOf(u32(value), at + 1) >= 0) throw new Error('HEIC template: sentinel not unique');
    return at;
  });
  return { ftyp: heicFtyp(), meta, positions };
}

function heicFtyp(): Buffer {
  return box('ftyp', Buffer.from('heic', 'latin1'), u32(0), Buffer.from('mif1heicmiafMiHB', 'latin1'));
}

function heicMeta(width: number, height: number, field: 4 | 8, exifAt: number, exifLength: number, imageAt: number, imageLength: number): Buffer {
  const infe = (id: number, type: string): Buffer => fullBox('infe', 2, 0, u16(id), u16(0), Buffer.from(type, 'latin1'), Buffer.from([0]));
  const ilocItem = (id: number, at: number, length: number): Buffer => Buffer.concat([u16(id), u16(0), u16(1), uint(at, field), uint(length, field)]);
  return fullBox(
    'meta',
    0,
    0,
    fullBox('hdlr', 0, 0, u32(0), Buffer.from('pict', 'latin1'), Buffer.alloc(12), Buffer.from([0])),
    fullBox('pitm', 0, 0, u16(1)),
    fullBox('iinf', 0, 0, u16(2), infe(1, 'hvc1'), infe(2, 'Exif')),
    fullBox('iref', 0, 0, box('cdsc', u16(2), u16(1), u16(1))),
    box('iprp', box('ipco', fullBox('ispe', 0, 0, u32(width), u32(height))), fullBox('ipma', 0, 0, u32(1), u16(1), Buffer.from([1, 0x81]))),
    fullBox('iloc', 0, 0, Buffer.from([(field << 4) | field, 0]), u16(2), ilocItem(1, imageAt, imageLength), ilocItem(2, exifAt, exifLength)),
  );
}

/** The full build of a HEIC head (huge files, the template, and the reference heicHead must equal). */
export function heicHeadFull(width: number, height: number, exifTiff: Buffer, totalSize: number): Buffer {
  const ftyp = heicFtyp();
  const exifItem = Buffer.concat([u32(6), Buffer.from('Exif\0\0', 'latin1'), exifTiff]);
  const wide = totalSize > 0xfffffff0;
  const field: 4 | 8 = wide ? 8 : 4;
  // The meta box's size does not depend on the offsets it holds, so one sizing pass is enough.
  const metaLength = heicMeta(width, height, field, 0, 0, 0, 0).length;
  const mdatPayload = Math.max(0, totalSize - ftyp.length - metaLength - mdatHeader(0).length - (wide ? 8 : 0));
  const mdat = mdatHeader(mdatPayload);
  const exifAt = ftyp.length + metaLength + mdat.length;
  const imageAt = exifAt + exifItem.length;
  return Buffer.concat([ftyp, heicMeta(width, height, field, exifAt, exifItem.length, imageAt, Math.max(0, totalSize - imageAt)), mdat, exifItem]);
}

export type MovieBrand = 'qt' | 'mp4' | 'm4a';

export function movieHead(brand: MovieBrand, createdUnixMs: number, durationSeconds: number, totalSize: number): Buffer {
  const ftyp =
    brand === 'qt'
      ? box('ftyp', Buffer.from('qt  ', 'latin1'), u32(0), Buffer.from('qt  ', 'latin1'))
      : brand === 'mp4'
        ? box('ftyp', Buffer.from('mp42', 'latin1'), u32(0), Buffer.from('isommp42', 'latin1'))
        : box('ftyp', Buffer.from('M4A ', 'latin1'), u32(0), Buffer.from('M4A mp42isom', 'latin1'));
  const created = Math.max(0, Math.floor(createdUnixMs / 1000) + MAC_EPOCH_OFFSET_S);
  const timescale = 600;
  const matrix = Buffer.concat([u32(0x00010000), u32(0), u32(0), u32(0), u32(0x00010000), u32(0), u32(0), u32(0), u32(0x40000000)]);
  const mvhd = fullBox(
    'mvhd',
    0,
    0,
    u32(created),
    u32(created),
    u32(timescale),
    u32(Math.round(durationSeconds * timescale)),
    u32(0x00010000),
    u16(0x0100),
    Buffer.alloc(10),
    matrix,
    Buffer.alloc(24),
    u32(2),
  );
  const moov = box('moov', mvhd);
  const prefix = brand === 'qt' ? Buffer.concat([ftyp, box('wide')]) : ftyp;
  const payload = Math.max(0, totalSize - prefix.length - moov.length - 8);
  return Buffer.concat([prefix, moov, mdatHeader(payload > 0xfffffff7 ? payload - 8 : payload)]);
}

/** Seconds since 1904 → Unix milliseconds (tests and readers). */
export function macSecondsToUnixMs(seconds: number): number {
  return (seconds - MAC_EPOCH_OFFSET_S) * 1000;
}
