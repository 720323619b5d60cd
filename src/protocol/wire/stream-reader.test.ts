import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { DisconnectedError, TimeoutError } from '../errors.js';
import { StreamReader } from './stream-reader.js';

describe('StreamReader', () => {
  it('assembles exact reads across chunk boundaries', async () => {
    const stream = new PassThrough();
    const reader = new StreamReader(stream, 'test');
    const pending = reader.readExact(5);
    stream.write(Buffer.from('ab'));
    stream.write(Buffer.from('cdefg'));
    assert.equal((await pending).toString(), 'abcde');
    assert.equal((await reader.readExact(2)).toString(), 'fg');
  });

  it('fails a read with DisconnectedError when the peer closes', async () => {
    const stream = new PassThrough();
    const reader = new StreamReader(stream, 'test');
    const pending = reader.readExact(4);
    stream.end(Buffer.from('ab'));
    await assert.rejects(pending, DisconnectedError);
  });

  it('bounds every wait', async () => {
    const reader = new StreamReader(new PassThrough(), 'test');
    await assert.rejects(reader.readExact(1, { timeoutMs: 20, what: 'a header' }), (e: unknown) => e instanceof TimeoutError && /a header/.test(e.message));
  });

  it('honours an abort signal', async () => {
    const reader = new StreamReader(new PassThrough(), 'test');
    const controller = new AbortController();
    const pending = reader.readExact(1, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(pending, /stop/);
  });

  it('gives unread bytes back to the stream on detach', async () => {
    const stream = new PassThrough();
    const reader = new StreamReader(stream, 'test');
    stream.write(Buffer.from('headBODY'));
    assert.equal((await reader.readExact(4)).toString(), 'head');
    const raw = reader.detach();
    const rest = await new Promise<Buffer>((resolve) => raw.once('data', resolve).resume());
    assert.equal(rest.toString(), 'BODY');
  });

  it('refuses concurrent reads', async () => {
    const reader = new StreamReader(new PassThrough(), 'test');
    void reader.readExact(1, { timeoutMs: 50 }).catch(() => undefined);
    await assert.rejects(reader.readExact(1), /concurrent/);
  });

  it('parses what is buffered synchronously, across chunk boundaries, and consumes nothing on a peek', async () => {
    const stream = new PassThrough();
    const reader = new StreamReader(stream, 'test');
    // u32 6 split over two chunks, then "héllo" split mid-character, then 3 bytes of data.
    stream.write(Buffer.from([0, 0]));
    stream.write(Buffer.concat([Buffer.from([0, 6]), Buffer.from('hé', 'utf8')]));
    stream.write(Buffer.concat([Buffer.from('llo', 'utf8'), Buffer.from('xyz')]));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(reader.available, 4 + 6 + 3);
    assert.equal(reader.peekUInt32BE(0), 6);
    assert.equal(reader.peekUInt32BE(10), undefined, 'fewer than 4 bytes after offset 10');
    assert.equal(reader.available, 13, 'peeking consumed nothing');
    reader.skipNow(4);
    assert.equal(reader.takeStringNow(6), 'héllo');
    assert.deepEqual(Buffer.concat(reader.takeChunksNow(2)).toString(), 'xy');
    assert.throws(() => reader.takeNow(2), RangeError);
    assert.equal(reader.takeNow(1).toString(), 'z');
    assert.equal(reader.available, 0);
  });

  it('hands back only the unconsumed part of a chunk on detach after synchronous reads', async () => {
    const stream = new PassThrough();
    const reader = new StreamReader(stream, 'test');
    stream.write(Buffer.from('abcdefgh'));
    await new Promise((resolve) => setImmediate(resolve));
    reader.skipNow(3);
    assert.equal(reader.takeStringNow(2), 'de');
    const raw = reader.detach();
    const rest = await new Promise<Buffer>((resolve) => raw.once('data', resolve).resume());
    assert.equal(rest.toString(), 'fgh');
  });
});
