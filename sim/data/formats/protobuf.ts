/**
 * Protocol Buffers writing, and the Notes app's note body.
 *
 * Nouns: a *field* is (number, wire type): varint (0) or length-delimited (2). A note body is
 * NoteStoreProto{1: 0, 2: Document{1: 0, 2: version 0, 3: Note{2: note_text, 5: AttributeRun…}}}
 * (field numbers from threeplanetssoftware/apple_cloud_notes_parser proto/notestore.proto; the leading
 * bytes 08 00 12 … 08 00 10 00 1A … 12 are what iLEAPP's notes.py checks), gzip-compressed into
 * ZICNOTEDATA.ZDATA. The first line is styled as the title (ParagraphStyle.style_type 0), as Notes does.
 */
import { gzipSync } from 'node:zlib';

export function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

export function fieldVarint(field: number, value: number): Buffer {
  return Buffer.concat([varint(field * 8), varint(value)]);
}

export function fieldBytes(field: number, payload: Buffer | string): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([varint(field * 8 + 2), varint(bytes.length), bytes]);
}

/** UTF-16 length, the unit attribute runs count in. */
function units(text: string): number {
  return text.length;
}

export function noteProto(text: string): Buffer {
  const newline = text.indexOf('\n');
  const titleLength = newline < 0 ? units(text) : newline + 1;
  const runs = [fieldBytes(5, Buffer.concat([fieldVarint(1, titleLength), fieldBytes(2, fieldVarint(1, 0))]))];
  if (units(text) > titleLength) runs.push(fieldBytes(5, fieldVarint(1, units(text) - titleLength)));
  const note = Buffer.concat([fieldBytes(2, text), ...runs]);
  const document = Buffer.concat([fieldVarint(1, 0), fieldVarint(2, 0), fieldBytes(3, note)]);
  return Buffer.concat([fieldVarint(1, 0), fieldBytes(2, document)]);
}

/** ZICNOTEDATA.ZDATA for a note whose full text (title line first) is `text`. */
export function noteData(text: string): Buffer {
  return gzipSync(noteProto(text), { level: 6 });
}
