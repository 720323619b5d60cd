/**
 * A real baseline JPEG with an iPhone-style EXIF APP1 segment, small enough to build per file.
 *
 * Nouns: the image is single-component (grey), every 8×8 block has all-zero coefficients, and the
 * Huffman tables hold one 1-bit code each (DC "difference 0", AC "end of block"), so the entropy-coded
 * data is two zero bits per block — decoders accept it and draw a uniform grey picture of the stated
 * size (4032×3024 needs ~47 KB). Bytes after EOI (the pool filler in pool.ts) are ignored by decoders,
 * as they ignore the trailing MPF images of real iPhone JPEGs.
 */
export function jpegImage(width: number, height: number, exifTiff: Buffer): Buffer {
  const app1Payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), exifTiff]);
  if (app1Payload.length + 2 > 0xffff) throw new RangeError('EXIF block too large for one APP1 segment');
  const quant = Buffer.alloc(64, 1);
  const sof = Buffer.alloc(9);
  sof.writeUInt8(8, 0);
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  sof.writeUInt8(1, 5);
  sof.writeUInt8(1, 6);
  sof.writeUInt8(0x11, 7);
  sof.writeUInt8(0, 8);
  const oneCode = (classAndId: number): Buffer => {
    const counts = Buffer.alloc(16);
    counts[0] = 1;
    return Buffer.concat([Buffer.from([classAndId]), counts, Buffer.from([0x00])]);
  };
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const bits = blocks * 2;
  const scan = Buffer.alloc(Math.ceil(bits / 8));
  const spare = scan.length * 8 - bits;
  if (spare > 0) scan[scan.length - 1] = (1 << spare) - 1;
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe1, app1Payload),
    segment(0xdb, Buffer.concat([Buffer.from([0x00]), quant])),
    segment(0xc0, sof),
    segment(0xc4, Buffer.concat([oneCode(0x00), oneCode(0x10)])),
    segment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])),
    scan,
    Buffer.from([0xff, 0xd9]),
  ]);
}

function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = marker;
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** The TIFF block inside a JPEG's APP1 "Exif" segment, or undefined (used by tests and readers). */
export function findExifTiff(jpeg: Buffer): Buffer | undefined {
  let i = 2;
  while (i + 4 <= jpeg.length && jpeg[i] === 0xff) {
    const marker = jpeg[i + 1] ?? 0;
    const length = jpeg.readUInt16BE(i + 2);
    if (marker === 0xe1 && jpeg.toString('latin1', i + 4, i + 10) === 'Exif\0\0') return jpeg.subarray(i + 10, i + 2 + length);
    if (marker === 0xda) return undefined;
    i += 2 + length;
  }
  return undefined;
}
