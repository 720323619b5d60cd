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
});
