/** Note bodies: gzip-compressed NoteStoreProto decoded and rendered as Markdown and HTML. */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { decodeNoteBody } from './body.js';
import { noteHtml, noteMarkdown } from './render.js';

const varint = (n: number): Buffer => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
};
const bytes = (field: number, payload: Buffer | string): Buffer => {
  const b = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([varint(field * 8 + 2), varint(b.length), b]);
};
const int = (field: number, value: number): Buffer => Buffer.concat([varint(field * 8), varint(value)]);
const run = (length: number, style?: number, extra: Buffer[] = []): Buffer => bytes(5, Buffer.concat([int(1, length), ...(style === undefined ? [] : [bytes(2, int(1, style))]), ...extra]));

function note(text: string, runs: Buffer[]): Buffer {
  return gzipSync(Buffer.concat([int(1, 0), bytes(2, Buffer.concat([int(1, 0), int(2, 0), bytes(3, Buffer.concat([bytes(2, text), ...runs]))]))]));
}

describe('note bodies', () => {
  it('decodes text and styles and renders Markdown and HTML', () => {
    const text = 'Groceries\nMilk & eggs\nBread\nSee *this*\n';
    const data = note(text, [run(10, 0), run(12, 103, [bytes(2, Buffer.concat([int(1, 103), bytes(5, int(2, 1))]))]), run(6, 100), run(4), run(7, undefined, [int(5, 1)]), run(1)]);
    const body = decodeNoteBody(data);
    assert.equal(body.text, text);
    assert.equal(noteMarkdown(body), '# Groceries\n- [x] Milk & eggs\n- Bread\n\nSee **\\*this\\***\n');
    assert.equal(noteHtml(body), '<h2>Groceries</h2>\n<ul>\n<li>☑ Milk &amp; eggs</li>\n<li>Bread</li>\n</ul>\n<p>See <strong>*this*</strong></p>\n');
  });

  it('refuses bytes that are not a note and bodies that inflate without bound', () => {
    assert.throws(() => decodeNoteBody(gzipSync(Buffer.from([0x08, 0x00]))), /NoteStoreProto/);
    assert.throws(() => decodeNoteBody(gzipSync(Buffer.alloc(80 * 1024 * 1024))), /buffer|length|RangeError/i);
  });
});
