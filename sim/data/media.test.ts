/**
 * Camera-roll files are real containers whose embedded capture date equals Photos.sqlite's and truth's:
 * JPEG (SOI + EXIF APP1 DateTimeOriginal/OffsetTimeOriginal), HEIC (ftyp heic, meta/iloc → Exif item),
 * MOV (ftyp qt, mvhd creation time). Attachments and documents start with their format's magic.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateIdentity } from '../model/identity.js';
import { findExifTiff } from './formats/jpeg.js';
import { macSecondsToUnixMs } from './formats/isobmff.js';
import { createDeviceFileSystem, type DeviceFile, type DeviceTruth, type VirtualDeviceFileSystem } from './index.js';

let fs: VirtualDeviceFileSystem;
let truth: DeviceTruth;

before(async () => {
  fs = createDeviceFileSystem({ seed: 'media', identity: generateIdentity('sim-data-tests', 2) });
  truth = await fs.truth();
});

after(() => fs.dispose());

async function head(f: DeviceFile, bytes = 128 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of fs.open(f)) {
    chunks.push(chunk as Buffer);
    n += (chunk as Buffer).length;
    if (n >= bytes) break;
  }
  return Buffer.concat(chunks);
}

/** Reads ASCII tags from a big-endian TIFF: IFD0 and the Exif IFD it points to. */
function exifTags(tiff: Buffer): Map<number, string> {
  assert.equal(tiff.toString('latin1', 0, 4), 'MM\0*');
  const tags = new Map<number, string>();
  const readIfd = (at: number): void => {
    const count = tiff.readUInt16BE(at);
    for (let k = 0; k < count; k++) {
      const e = at + 2 + k * 12;
      const tag = tiff.readUInt16BE(e);
      const type = tiff.readUInt16BE(e + 2);
      const n = tiff.readUInt32BE(e + 4);
      if (type === 2) {
        const from = n <= 4 ? e + 8 : tiff.readUInt32BE(e + 8);
        tags.set(tag, tiff.toString('latin1', from, from + n - 1));
      } else if (type === 4 && tag === 0x8769) readIfd(tiff.readUInt32BE(e + 8));
      else if (type === 4) tags.set(tag, String(tiff.readUInt32BE(e + 8)));
    }
  };
  readIfd(tiff.readUInt32BE(4));
  return tags;
}

/** "2024:05:01 12:34:56" + "-07:00" → Unix ms. */
function exifInstant(dateTime: string, offset: string): number {
  const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(dateTime);
  const o = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  assert.ok(m && o, `${dateTime} ${offset}`);
  const local = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return local - (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3])) * 60_000;
}

function boxes(buf: Buffer, from: number, to: number): Map<string, { at: number; size: number }> {
  const out = new Map<string, { at: number; size: number }>();
  for (let at = from; at + 8 <= to; ) {
    let size = buf.readUInt32BE(at);
    if (size === 1) size = Number(buf.readBigUInt64BE(at + 8));
    out.set(buf.toString('latin1', at + 4, at + 8), { at, size });
    if (size < 8) break;
    at += size;
  }
  return out;
}

test('JPEGs start with FFD8 and carry EXIF DateTimeOriginal equal to the capture date', async () => {
  const jpegs = truth.photos.filter((p) => p.uti === 'public.jpeg');
  assert.ok(jpegs.length > 5);
  for (const p of jpegs) {
    const f = fs.stat(p.domain, p.relativePath);
    assert.ok(f);
    const bytes = await head(f);
    assert.equal(bytes.subarray(0, 2).toString('hex'), 'ffd8');
    const tags = exifTags(findExifTiff(bytes) ?? Buffer.alloc(0));
    assert.equal(tags.get(0x010f), 'Apple');
    const captured = exifInstant(tags.get(0x9003) ?? '', tags.get(0x9011) ?? '');
    assert.equal(captured, Math.floor(Date.parse(p.captured) / 1000) * 1000, `${p.relativePath} DateTimeOriginal`);
    assert.equal(tags.get(0xa002), String(p.width));
    // The image data ends with EOI before the filler, so decoders stop there.
    assert.ok(bytes.includes(Buffer.from([0xff, 0xd9])));
  }
});

test('HEIC files are ftyp heic + meta whose iloc points at an Exif item with the capture date', async () => {
  for (const p of truth.photos.filter((x) => x.uti === 'public.heic').slice(0, 20)) {
    const f = fs.stat(p.domain, p.relativePath);
    assert.ok(f);
    const bytes = await head(f, 64 * 1024);
    const top = boxes(bytes, 0, bytes.length);
    assert.equal(bytes.toString('latin1', 4, 12), 'ftypheic');
    const meta = top.get('meta');
    const mdat = top.get('mdat');
    assert.ok(meta && mdat);
    assert.equal(mdat.at + mdat.size, f.size, 'mdat runs to the end of the file');
    const inner = boxes(bytes, meta.at + 12, meta.at + meta.size);
    for (const b of ['hdlr', 'pitm', 'iinf', 'iloc', 'iprp']) assert.ok(inner.has(b), b);
    const iloc = inner.get('iloc');
    assert.ok(iloc);
    const item2 = iloc.at + 12 + 4 + 14; // second item: id, ref index, extent count, offset, length
    assert.equal(bytes.readUInt16BE(item2), 2);
    const exifAt = bytes.readUInt32BE(item2 + 6);
    assert.equal(bytes.toString('latin1', exifAt + 4, exifAt + 10), 'Exif\0\0');
    const tags = exifTags(bytes.subarray(exifAt + 10));
    assert.equal(exifInstant(tags.get(0x9003) ?? '', tags.get(0x9011) ?? ''), Math.floor(Date.parse(p.captured) / 1000) * 1000);
  }
});

test('MOV files are QuickTime with mvhd creation time at the capture date', async () => {
  const videos = truth.photos.filter((p) => p.kind === 'video');
  assert.ok(videos.length > 0);
  for (const p of videos) {
    const f = fs.stat(p.domain, p.relativePath);
    assert.ok(f);
    const bytes = await head(f, 4096);
    assert.equal(bytes.toString('latin1', 4, 12), 'ftypqt  ');
    const top = boxes(bytes, 0, bytes.length);
    const moov = top.get('moov');
    assert.ok(moov && top.has('mdat'));
    assert.equal(bytes.toString('latin1', moov.at + 12, moov.at + 16), 'mvhd');
    const created = bytes.readUInt32BE(moov.at + 20);
    assert.equal(macSecondsToUnixMs(created), Math.floor(Date.parse(p.captured) / 1000) * 1000);
  }
});

test('attachments and app documents start with their format magic and stream exactly their size', async () => {
  const magic: Record<string, (b: Buffer) => boolean> = {
    heic: (b) => b.toString('latin1', 4, 12) === 'ftypheic',
    jpeg: (b) => b[0] === 0xff && b[1] === 0xd8,
    jpg: (b) => b[0] === 0xff && b[1] === 0xd8,
    mov: (b) => b.toString('latin1', 4, 8) === 'ftyp',
    mp4: (b) => b.toString('latin1', 4, 12) === 'ftypmp42',
    pdf: (b) => b.toString('latin1', 0, 5) === '%PDF-',
    caf: (b) => b.toString('latin1', 0, 4) === 'caff',
    zip: (b) => b.toString('latin1', 0, 2) === 'PK',
    opus: (b) => b.toString('latin1', 0, 4) === 'OggS',
    dat: (b) => b.toString('latin1', 0, 7) === 'GMMAPv1',
  };
  let checked = 0;
  for (const f of fs.list()) {
    if (f.kind !== 'file' || !/^(MediaDomain|AppDomain)/.test(f.domain)) continue;
    const ext = /\.(\w+)$/.exec(f.relativePath)?.[1]?.toLowerCase() ?? '';
    const check = magic[ext];
    if (!check) continue;
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of fs.open(f)) {
      size += (chunk as Buffer).length;
      if (chunks.length === 0) chunks.push(chunk as Buffer);
    }
    assert.equal(size, f.size, `${f.relativePath} streams its size`);
    assert.ok(check(chunks[0] ?? Buffer.alloc(0)), `${f.domain}/${f.relativePath} starts with ${ext} magic`);
    checked++;
  }
  assert.ok(checked > 50);
});
