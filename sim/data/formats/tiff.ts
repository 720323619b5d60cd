/**
 * A small big-endian TIFF/EXIF writer, enough for the metadata iPhone cameras write.
 *
 * Nouns: an *IFD* is a TIFF directory of tagged entries; IFD0 holds Make/Model/DateTime and points to the
 * *Exif IFD* (DateTimeOriginal, OffsetTimeOriginal, pixel dimensions) and the *GPS IFD*. Values longer
 * than 4 bytes live after the directory and are referenced by offset (from the TIFF header start).
 * Used both for JPEG APP1 ("Exif\0\0" + TIFF) and for the HEIC `Exif` item.
 */
export type TiffValue =
  | { readonly type: 'ascii'; readonly value: string }
  | { readonly type: 'short'; readonly value: readonly number[] }
  | { readonly type: 'long'; readonly value: readonly number[] }
  | { readonly type: 'rational'; readonly value: readonly (readonly [number, number])[] }
  | { readonly type: 'byte'; readonly value: readonly number[] }
  | { readonly type: 'undefined'; readonly value: Buffer };

export type TiffEntry = readonly [tag: number, value: TiffValue];

const TYPE_CODE = { byte: 1, ascii: 2, short: 3, long: 4, rational: 5, undefined: 7 } as const;
const EXIF_IFD_POINTER = 0x8769;
const GPS_IFD_POINTER = 0x8825;

export interface ExifFields {
  readonly make: string;
  readonly model: string;
  readonly software: string;
  /** Local wall time "YYYY:MM:DD HH:MM:SS" and its UTC offset "+HH:MM". */
  readonly dateTime: string;
  readonly offset: string;
  readonly subSec: string;
  readonly width: number;
  readonly height: number;
  readonly gps?: { readonly latitude: number; readonly longitude: number };
}

/** The TIFF block (starting with "MM\0*") an iPhone photo carries. */
export function exifTiff(f: ExifFields): Buffer {
  const ifd0: TiffEntry[] = [
    [0x010f, { type: 'ascii', value: f.make }],
    [0x0110, { type: 'ascii', value: f.model }],
    [0x0112, { type: 'short', value: [1] }],
    [0x011a, { type: 'rational', value: [[72, 1]] }],
    [0x011b, { type: 'rational', value: [[72, 1]] }],
    [0x0128, { type: 'short', value: [2] }],
    [0x0131, { type: 'ascii', value: f.software }],
    [0x0132, { type: 'ascii', value: f.dateTime }],
  ];
  const exif: TiffEntry[] = [
    [0x9000, { type: 'undefined', value: Buffer.from('0232', 'latin1') }],
    [0x9003, { type: 'ascii', value: f.dateTime }],
    [0x9004, { type: 'ascii', value: f.dateTime }],
    [0x9010, { type: 'ascii', value: f.offset }],
    [0x9011, { type: 'ascii', value: f.offset }],
    [0x9012, { type: 'ascii', value: f.offset }],
    [0x9291, { type: 'ascii', value: f.subSec }],
    [0x9292, { type: 'ascii', value: f.subSec }],
    [0xa001, { type: 'short', value: [0xffff] }],
    [0xa002, { type: 'long', value: [f.width] }],
    [0xa003, { type: 'long', value: [f.height] }],
    [0xa433, { type: 'ascii', value: 'Apple' }],
    [0xa434, { type: 'ascii', value: `${f.model} back camera 6.86mm f/1.78` }],
  ];
  const gps: TiffEntry[] | undefined = f.gps
    ? [
        [0x0001, { type: 'ascii', value: f.gps.latitude >= 0 ? 'N' : 'S' }],
        [0x0002, { type: 'rational', value: degrees(Math.abs(f.gps.latitude)) }],
        [0x0003, { type: 'ascii', value: f.gps.longitude >= 0 ? 'E' : 'W' }],
        [0x0004, { type: 'rational', value: degrees(Math.abs(f.gps.longitude)) }],
      ]
    : undefined;
  return writeTiff(ifd0, exif, gps);
}

function degrees(value: number): [number, number][] {
  const d = Math.floor(value);
  const m = Math.floor((value - d) * 60);
  const s = Math.round(((value - d) * 60 - m) * 60 * 100);
  return [
    [d, 1],
    [m, 1],
    [s, 100],
  ];
}

/** Lays out IFD0 → Exif IFD → GPS IFD, each followed by its out-of-line values. */
function writeTiff(ifd0: TiffEntry[], exif: TiffEntry[], gps?: TiffEntry[]): Buffer {
  const withPointers: TiffEntry[] = [...ifd0, [EXIF_IFD_POINTER, { type: 'long', value: [0] }]];
  if (gps) withPointers.push([GPS_IFD_POINTER, { type: 'long', value: [0] }]);
  const ifd0Size = ifdSize(withPointers);
  const exifAt = 8 + ifd0Size;
  const gpsAt = exifAt + ifdSize(exif);
  const pointers = new Map<number, number>([[EXIF_IFD_POINTER, exifAt]]);
  if (gps) pointers.set(GPS_IFD_POINTER, gpsAt);
  const resolved: TiffEntry[] = withPointers.map(([tag, v]) => {
    const at = pointers.get(tag);
    return at === undefined ? [tag, v] : [tag, { type: 'long', value: [at] }];
  });
  const header = Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08]);
  const parts = [header, encodeIfd(resolved, 8), encodeIfd(exif, exifAt)];
  if (gps) parts.push(encodeIfd(gps, gpsAt));
  return Buffer.concat(parts);
}

function valueBytes(v: TiffValue): Buffer {
  switch (v.type) {
    case 'ascii':
      return Buffer.concat([Buffer.from(v.value, 'latin1'), Buffer.from([0])]);
    case 'byte':
      return Buffer.from(v.value);
    case 'undefined':
      return v.value;
    case 'short': {
      const b = Buffer.alloc(2 * v.value.length);
      v.value.forEach((x, i) => b.writeUInt16BE(x, 2 * i));
      return b;
    }
    case 'long': {
      const b = Buffer.alloc(4 * v.value.length);
      v.value.forEach((x, i) => b.writeUInt32BE(x >>> 0, 4 * i));
      return b;
    }
    case 'rational': {
      const b = Buffer.alloc(8 * v.value.length);
      v.value.forEach(([n, d], i) => {
        b.writeUInt32BE(n >>> 0, 8 * i);
        b.writeUInt32BE(d >>> 0, 8 * i + 4);
      });
      return b;
    }
  }
}

function count(v: TiffValue): number {
  if (v.type === 'ascii') return Buffer.byteLength(v.value, 'latin1') + 1;
  if (v.type === 'undefined') return v.value.length;
  return v.value.length;
}

function ifdSize(entries: readonly TiffEntry[]): number {
  let extra = 0;
  for (const [, v] of entries) {
    const n = valueBytes(v).length;
    if (n > 4) extra += n + (n % 2);
  }
  return 2 + entries.length * 12 + 4 + extra;
}

/** One IFD at absolute offset `at`; entries sorted by tag as TIFF requires; next-IFD offset 0. */
function encodeIfd(entries: readonly TiffEntry[], at: number): Buffer {
  const sorted = [...entries].sort((a, b) => a[0] - b[0]);
  const dir = Buffer.alloc(2 + sorted.length * 12 + 4);
  dir.writeUInt16BE(sorted.length, 0);
  const extras: Buffer[] = [];
  let extraAt = at + dir.length;
  sorted.forEach(([tag, v], i) => {
    const o = 2 + i * 12;
    dir.writeUInt16BE(tag, o);
    dir.writeUInt16BE(TYPE_CODE[v.type], o + 2);
    dir.writeUInt32BE(count(v), o + 4);
    const bytes = valueBytes(v);
    if (bytes.length <= 4) {
      bytes.copy(dir, o + 8);
    } else {
      dir.writeUInt32BE(extraAt, o + 8);
      const padded = bytes.length % 2 ? Buffer.concat([bytes, Buffer.from([0])]) : bytes;
      extras.push(padded);
      extraAt += padded.length;
    }
  });
  return Buffer.concat([dir, ...extras]);
}
