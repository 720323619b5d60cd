import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { DisconnectedError, ProtocolError } from '../../errors.js';
import { StreamReader } from '../../wire/stream-reader.js';
import { AfcOperation, AfcStatus, afcOperationName, afcStatusName } from './constants.js';
import { AfcError } from './errors.js';
import { AFC_HEADER_SIZE, AFC_MAGIC, decodeAfcHeader, decodeAfcPacket, encodeAfcPacket, packetBody, readAfcPacket } from './frames.js';
import {
  decodeKeyValues,
  decodeStringList,
  decodeStrings,
  decodeU64s,
  encodePath,
  encodeStrings,
  encodeU64s,
  fileInfoFromKeyValues,
  fileInfoToKeyValues,
} from './messages.js';

/** A raw header with any field values, for hostile cases. */
function rawHeader(fields: { magic?: string; entire: bigint; this: bigint; num?: bigint; op?: bigint }): Buffer {
  const out = Buffer.alloc(AFC_HEADER_SIZE);
  out.write(fields.magic ?? 'CFA6LPAA', 0, 'latin1');
  out.writeBigUInt64LE(fields.entire, 8);
  out.writeBigUInt64LE(fields.this, 16);
  out.writeBigUInt64LE(fields.num ?? 1n, 24);
  out.writeBigUInt64LE(fields.op ?? 1n, 32);
  return out;
}

const isProtocolError = (code: string) => (e: unknown) => e instanceof ProtocolError && e.code === code;

describe('AFC frames', () => {
  it('encodes the 40-byte little-endian header, parameters and payload', () => {
    const bytes = encodeAfcPacket({ packetNum: 7n, operation: AfcOperation.FILE_WRITE, data: encodeU64s([3]), payload: Buffer.from('hello') });
    assert.equal(bytes.length, 40 + 8 + 5);
    assert.equal(bytes.subarray(0, 8).toString('latin1'), 'CFA6LPAA');
    assert.equal(bytes.readBigUInt64LE(8), 53n);
    assert.equal(bytes.readBigUInt64LE(16), 48n);
    assert.equal(bytes.readBigUInt64LE(24), 7n);
    assert.equal(bytes.readBigUInt64LE(32), 0x10n);
    const packet = decodeAfcPacket(bytes);
    assert.equal(packet.packetNum, 7n);
    assert.equal(packet.operation, AfcOperation.FILE_WRITE);
    assert.deepEqual(decodeU64s(packet.data, 1, 'x'), [3n]);
    assert.equal(packet.payload.toString(), 'hello');
    assert.equal(packetBody(packet).length, 13);
  });

  it('round-trips a packet with no parameters, and a u64 packet number', () => {
    const packet = decodeAfcPacket(encodeAfcPacket({ packetNum: (1n << 64n) - 1n, operation: AfcOperation.GET_DEVINFO }));
    assert.equal(packet.packetNum, (1n << 64n) - 1n);
    assert.equal(packet.data.length + packet.payload.length, 0);
  });

  it('reads packets split across arbitrary chunk boundaries', async () => {
    const stream = new PassThrough();
    const reader = new StreamReader(stream, 'test');
    const one = encodeAfcPacket({ packetNum: 1n, operation: AfcOperation.READ_DIR, data: encodePath('/DCIM') });
    const two = encodeAfcPacket({ packetNum: 2n, operation: AfcOperation.DATA, payload: Buffer.alloc(3000, 0x61) });
    const all = Buffer.concat([one, two]);
    for (let i = 0; i < all.length; i += 7) stream.write(all.subarray(i, i + 7));
    const first = await readAfcPacket(reader, { timeoutMs: 1000 });
    assert.deepEqual(decodeStrings(first.data, 1, 'x'), ['/DCIM']);
    const second = await readAfcPacket(reader, { timeoutMs: 1000 });
    assert.equal(second.payload.length, 3000);
  });

  it('refuses a bad magic', () => {
    assert.throws(() => decodeAfcHeader(rawHeader({ magic: 'CFA6LPAB', entire: 40n, this: 40n })), isProtocolError('PROTOCOL_BAD_MAGIC'));
  });

  it('refuses lengths below 40 and this_length above entire_length', () => {
    assert.throws(() => decodeAfcHeader(rawHeader({ entire: 39n, this: 39n })), isProtocolError('PROTOCOL_BAD_LENGTH'));
    assert.throws(() => decodeAfcHeader(rawHeader({ entire: 48n, this: 0n })), isProtocolError('PROTOCOL_BAD_LENGTH'));
    assert.throws(() => decodeAfcHeader(rawHeader({ entire: 48n, this: 56n })), isProtocolError('PROTOCOL_BAD_LENGTH'));
  });

  it('refuses huge lengths before allocating or waiting for the body', async () => {
    assert.throws(() => decodeAfcHeader(rawHeader({ entire: (1n << 64n) - 1n, this: 40n })), isProtocolError('PROTOCOL_FRAME_TOO_LARGE'));
    assert.throws(() => decodeAfcHeader(rawHeader({ entire: 1025n, this: 40n }), 1024), isProtocolError('PROTOCOL_FRAME_TOO_LARGE'));
    // Only the header is sent: the reader must fail at once, not wait for 2^63 bytes.
    const stream = new PassThrough();
    stream.write(rawHeader({ entire: 1n << 63n, this: 40n }));
    await assert.rejects(readAfcPacket(new StreamReader(stream, 'test'), { timeoutMs: 5000 }), isProtocolError('PROTOCOL_FRAME_TOO_LARGE'));
  });

  it('refuses truncated and over-long buffers, and a short header', () => {
    const good = encodeAfcPacket({ packetNum: 1n, operation: 1, data: encodeU64s([0]) });
    assert.throws(() => decodeAfcPacket(good.subarray(0, good.length - 1)), isProtocolError('PROTOCOL_TRUNCATED'));
    assert.throws(() => decodeAfcPacket(good.subarray(0, 20)), isProtocolError('PROTOCOL_TRUNCATED'));
    assert.throws(() => decodeAfcPacket(Buffer.concat([good, Buffer.from([0])])), isProtocolError('PROTOCOL_TRAILING_BYTES'));
  });

  it('reports a stream that ends inside a packet as a disconnect, not a crash', async () => {
    const stream = new PassThrough();
    const good = encodeAfcPacket({ packetNum: 1n, operation: 1, data: encodeU64s([0]) });
    stream.end(good.subarray(0, 44));
    await assert.rejects(readAfcPacket(new StreamReader(stream, 'test'), { timeoutMs: 1000 }), DisconnectedError);
  });

  it('survives random garbage: only ProtocolErrors come out', () => {
    let state = 12345;
    const next = (): number => (state = (state * 1103515245 + 12345) >>> 0);
    for (let i = 0; i < 2000; i++) {
      const length = next() % 120;
      const bytes = Buffer.alloc(length);
      for (let j = 0; j < length; j++) bytes[j] = next() & 0xff;
      if (i % 2 === 0 && length >= 8) AFC_MAGIC.copy(bytes, 0);
      try {
        decodeAfcPacket(bytes);
      } catch (error) {
        assert.ok(error instanceof ProtocolError, String(error));
      }
    }
  });
});

describe('AFC parameters', () => {
  it('decodes exact NUL-terminated string counts and nothing else', () => {
    assert.deepEqual(decodeStrings(encodeStrings(['/a', '/b']), 2, 'x'), ['/a', '/b']);
    assert.throws(() => decodeStrings(Buffer.from('/a'), 1, 'x'), ProtocolError);
    assert.throws(() => decodeStrings(Buffer.from('/a\0/etc/passwd\0'), 1, 'x'), ProtocolError);
    assert.throws(() => decodeStrings(Buffer.from([0xff, 0xfe, 0]), 1, 'x'), ProtocolError);
    assert.deepEqual(decodeStringList(Buffer.alloc(0), 'x'), []);
  });

  it('refuses to send paths with NUL, empty paths and over-long paths', () => {
    assert.throws(() => encodePath('/a\0b'), ProtocolError);
    assert.throws(() => encodePath(''), ProtocolError);
    assert.throws(() => encodePath('/' + 'a'.repeat(2000)), ProtocolError);
  });

  it('round-trips file info and rejects malformed values', () => {
    const info = fileInfoFromKeyValues(fileInfoToKeyValues({ type: 'S_IFREG', size: 5, blocks: 8, nlink: 1, mtimeNs: 1_700_000_000_000_000_000n, birthtimeNs: 1n }));
    assert.equal(info.type, 'S_IFREG');
    assert.equal(info.size, 5);
    assert.equal(info.mtimeNs, 1_700_000_000_000_000_000n);
    assert.throws(() => fileInfoFromKeyValues(encodeStrings(['st_size', '-1', 'st_ifmt', 'S_IFREG'])), ProtocolError);
    assert.throws(() => fileInfoFromKeyValues(encodeStrings(['st_size', '1', 'st_ifmt', 'S_IFWHAT'])), ProtocolError);
    assert.throws(() => decodeKeyValues(encodeStrings(['odd']), 'x'), ProtocolError);
  });

  it('reads u64 parameters strictly', () => {
    assert.deepEqual(decodeU64s(encodeU64s([1, 2n]), 2, 'x'), [1n, 2n]);
    assert.throws(() => decodeU64s(Buffer.alloc(15), 2, 'x'), ProtocolError);
    assert.throws(() => decodeU64s(Buffer.alloc(17), 2, 'x'), ProtocolError);
    assert.equal(decodeU64s(Buffer.alloc(17), 2, 'x', 'allowed').length, 2);
  });

  it('names operations and statuses, including unknown ones', () => {
    assert.equal(afcOperationName(0x1b), 'FILE_LOCK');
    assert.equal(afcOperationName(0x99), 'UNKNOWN_OP_0x99');
    assert.equal(afcStatusName(19), 'OP_WOULD_BLOCK');
    assert.equal(afcStatusName(99n), 'UNKNOWN_STATUS_99');
    const error = new AfcError(AfcStatus.OP_WOULD_BLOCK, 'FILE_LOCK', '/com.apple.itunes.lock_sync');
    assert.equal(error.deviceError, 'OP_WOULD_BLOCK');
    assert.equal(error.code, 'AFC_OP_WOULD_BLOCK');
    assert.equal(error.retryable, true);
    assert.ok(error.hint);
  });
});
