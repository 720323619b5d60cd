import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { StreamReader } from '../../wire/stream-reader.js';
import { FileCode, readBlockHeader, readName } from './file-stream.js';
import { FileStreamWriter } from './file-stream-writer.js';

/** Parses a whole upload stream with the host's own readers: [name, blocks' payload lengths, bytes]. */
async function parse(stream: Buffer): Promise<Array<{ name: string; blocks: number[]; data: Buffer }>> {
  const source = new PassThrough();
  const reader = new StreamReader(source, 'test');
  source.end(stream);
  const files: Array<{ name: string; blocks: number[]; data: Buffer }> = [];
  const options = { timeoutMs: 2000 };
  for (;;) {
    const name = await readName(reader, options);
    if (name === undefined) break;
    assert.equal(await readName(reader, options), name);
    const blocks: number[] = [];
    const parts: Buffer[] = [];
    for (;;) {
      const header = await readBlockHeader(reader, options);
      assert.ok(header, 'a block header, not the end of the stream');
      if (header.code === FileCode.SUCCESS) break;
      assert.equal(header.code, FileCode.FILE_DATA);
      blocks.push(header.payloadLength);
      parts.push(await reader.readExact(header.payloadLength, options));
    }
    files.push({ name, blocks, data: Buffer.concat(parts) });
  }
  return files;
}

function bytes(length: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff));
}

test('append() frames pieces of any size into full blocks, the last one short, closed at the end of the file', async () => {
  const out = new FileStreamWriter(1000);
  const pieces = [bytes(200, 1), bytes(2500, 2), bytes(1, 3), bytes(799, 4), bytes(1300, 5)];
  out.name('a');
  out.name('a');
  for (const piece of pieces) {
    out.append(piece);
    if (out.blockOpen) assert.throws(() => out.take(), /open block/);
  }
  out.endOfFile();
  out.name('empty');
  out.name('empty');
  out.endOfFile();
  out.endOfStream();
  const [first, empty] = await parse(out.take());
  assert.deepEqual(first?.blocks, [1000, 1000, 1000, 1000, 800]);
  assert.deepEqual(first?.data, Buffer.concat(pieces));
  assert.deepEqual(empty?.blocks, []);
});

test('blockRoom lets a caller cut pieces at block boundaries, so a batch can be taken between blocks', async () => {
  const out = new FileStreamWriter(1000);
  const view = bytes(4321, 9);
  const batches: Buffer[] = [];
  out.name('b');
  out.name('b');
  out.append(view.subarray(0, 300));
  for (let offset = 300; offset < view.length; ) {
    const n = Math.min(view.length - offset, out.blockRoom);
    out.append(view.subarray(offset, offset + n));
    offset += n;
    if (!out.blockOpen) batches.push(Buffer.from(out.take()));
  }
  out.endOfFile();
  out.endOfStream();
  batches.push(Buffer.from(out.take()));
  assert.ok(batches.length >= 4, 'batches were taken between blocks');
  const [file] = await parse(Buffer.concat(batches));
  assert.deepEqual(file?.blocks, [1000, 1000, 1000, 1000, 321]);
  assert.deepEqual(file?.data, view);
});
