/**
 * A note's body: ZICNOTEDATA.ZDATA, gzip- (or zlib-) compressed NoteStoreProto, decoded to its text and
 * the *attribute runs* that style it.
 *
 * Nouns (field numbers from apple_cloud_notes_parser's notestore.proto): NoteStoreProto{2: Document{3:
 * Note{2: note_text, 5: AttributeRun…}}}; AttributeRun{1: length in UTF-16 units, 2: ParagraphStyle{1:
 * style_type (0 title, 1 heading, 2 subheading, 4 monospaced, 100 dotted, 101 dashed, 102 numbered,
 * 103 checklist), 4: indent, 5: Checklist{2: done}}, 5: font_weight (1 bold, 2 italic, 3 both), 7:
 * strikethrough, 9: link}. Decompression is capped, so a zip bomb cannot exhaust memory.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { protoFields, protoMessage } from '../common/protobuf.js';

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface AttributeRun {
  readonly length: number;
  readonly style?: number;
  readonly indent?: number;
  readonly checked?: boolean;
  readonly bold?: boolean;
  readonly italic?: boolean;
  readonly strike?: boolean;
  readonly link?: string;
}

export interface NoteBody {
  readonly text: string;
  readonly runs: readonly AttributeRun[];
}

export function decompressNote(data: Buffer): Buffer {
  const options = { maxOutputLength: MAX_BODY_BYTES };
  if (data[0] === 0x1f && data[1] === 0x8b) return gunzipSync(data, options);
  if (data[0] === 0x78) return inflateSync(data, options);
  return data;
}

function parseRun(bytes: Buffer): AttributeRun {
  let run: { -readonly [K in keyof AttributeRun]: AttributeRun[K] } = { length: 0 };
  for (const f of protoFields(bytes)) {
    if (f.number === 1 && f.wire === 0) run.length = f.int;
    else if (f.number === 2 && f.wire === 2) {
      for (const p of protoFields(f.bytes)) {
        if (p.number === 1 && p.wire === 0) run.style = p.int;
        else if (p.number === 4 && p.wire === 0) run.indent = p.int;
        else if (p.number === 5 && p.wire === 2) {
          for (const c of protoFields(p.bytes)) if (c.number === 2 && c.wire === 0) run.checked = c.int === 1;
          run.checked ??= false;
        }
      }
    } else if (f.number === 5 && f.wire === 0) run = { ...run, bold: f.int === 1 || f.int === 3, italic: f.int === 2 || f.int === 3 };
    else if (f.number === 7 && f.wire === 0) run.strike = f.int === 1;
    else if (f.number === 9 && f.wire === 2) run.link = f.bytes.toString('utf8');
  }
  return run;
}

/** Decodes ZDATA; throws (RangeError, zlib errors) on bytes that are not a note body. */
export function decodeNoteBody(data: Buffer): NoteBody {
  const proto = decompressNote(data);
  const document = protoMessage(proto, 2);
  const note = document ? protoMessage(document, 3) : undefined;
  if (!note) throw new RangeError('not a NoteStoreProto (no document/note)');
  let text = '';
  const runs: AttributeRun[] = [];
  for (const f of protoFields(note)) {
    if (f.number === 2 && f.wire === 2) text = f.bytes.toString('utf8');
    else if (f.number === 5 && f.wire === 2) runs.push(parseRun(f.bytes));
  }
  return { text, runs };
}
