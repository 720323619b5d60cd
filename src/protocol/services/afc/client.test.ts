import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DisconnectedError, ProtocolError, TimeoutError } from '../../errors.js';
import { StreamReader } from '../../wire/stream-reader.js';
import { AfcClient } from './client.js';
import { AfcOperation, AfcStatus } from './constants.js';
import { AfcError } from './errors.js';
import { encodeAfcPacket, packetBody, readAfcPacket, type AfcPacket } from './frames.js';
import { decodeStrings, decodeU64s, encodeStrings, encodeU64s } from './messages.js';
import { socketPair } from '../../../../test/support/socket-pair.js';

/** A connected pair of sockets on 127.0.0.1 (node 20 has no duplexPair). */
type Answer = Buffer | 'silence' | 'close';
const status = (packet: AfcPacket, code: number): Buffer => encodeAfcPacket({ packetNum: packet.packetNum, operation: AfcOperation.STATUS, data: encodeU64s([code]) });

/** A scripted phone: records each request and answers with `answer(packet)`. */
function fakePhone(socket: net.Socket, answer: (packet: AfcPacket) => Answer): AfcPacket[] {
  const seen: AfcPacket[] = [];
  const reader = new StreamReader(socket, 'fake phone');
  void (async () => {
    for (;;) {
      const packet = await readAfcPacket(reader);
      seen.push(packet);
      const reply = answer(packet);
      if (reply === 'close') return socket.destroy();
      if (reply !== 'silence') socket.write(reply);
    }
  })().catch(() => socket.destroy());
  return seen;
}

/** Answers the lock dance: open → handle 9, lock → `lockAnswers` in turn, everything else success. */
function lockPhone(lockAnswers: number[]): (packet: AfcPacket) => Answer {
  return (packet) => {
    if (packet.operation === AfcOperation.FILE_OPEN) return encodeAfcPacket({ packetNum: packet.packetNum, operation: AfcOperation.FILE_OPEN_RES, data: encodeU64s([9]) });
    if (packet.operation === AfcOperation.FILE_LOCK) {
      const [, op] = decodeU64s(packet.data, 2, 'lock');
      if (op === 6n) return status(packet, lockAnswers.shift() ?? AfcStatus.SUCCESS);
    }
    return status(packet, AfcStatus.SUCCESS);
  };
}

function describeOps(packets: AfcPacket[]): string[] {
  return packets.map((p) => {
    const body = packetBody(p);
    if (p.operation === AfcOperation.FILE_OPEN) return `OPEN ${decodeU64s(body.subarray(0, 8), 1, 'x')[0]} ${decodeStrings(body.subarray(8), 1, 'x')[0]}`;
    if (p.operation === AfcOperation.FILE_LOCK) return `LOCK ${decodeU64s(body, 2, 'x')[1]}`;
    if (p.operation === AfcOperation.FILE_CLOSE) return 'CLOSE';
    return `op ${p.operation}`;
  });
}

describe('AfcClient against a scripted phone', () => {
  const sockets: net.Socket[] = [];
  let pair: () => Promise<[net.Socket, net.Socket]>;
  before(() => {
    pair = async () => {
      const p = await socketPair();
      sockets.push(...p);
      return p;
    };
  });
  after(() => sockets.forEach((s) => s.destroy()));

  it('does the idevicebackup2 lock dance: open r+, LOCK_EX retried on OP_WOULD_BLOCK, fn, LOCK_UN, close', async () => {
    const [host, phone] = await pair();
    const seen = fakePhone(phone, lockPhone([AfcStatus.OP_WOULD_BLOCK, AfcStatus.OP_WOULD_BLOCK]));
    const waits: number[] = [];
    const client = new AfcClient(host, { timeoutMs: 2000 });
    const result = await client.withSyncLock(() => 'ran', { intervalMs: 5, onWaiting: (n) => waits.push(n) });
    assert.equal(result, 'ran');
    assert.deepEqual(waits, [1, 2]);
    assert.deepEqual(describeOps(seen), ['OPEN 2 /com.apple.itunes.lock_sync', 'LOCK 6', 'LOCK 6', 'LOCK 6', 'LOCK 12', 'CLOSE']);
    assert.deepEqual(
      seen.map((p) => p.packetNum),
      [1n, 2n, 3n, 4n, 5n, 6n],
    );
  });

  it('unlocks and closes when fn throws, and rethrows fn\'s error', async () => {
    const [host, phone] = await pair();
    const seen = fakePhone(phone, lockPhone([]));
    const client = new AfcClient(host, { timeoutMs: 2000 });
    await assert.rejects(
      client.withSyncLock(() => {
        throw new Error('backup failed');
      }),
      /backup failed/,
    );
    assert.deepEqual(describeOps(seen), ['OPEN 2 /com.apple.itunes.lock_sync', 'LOCK 6', 'LOCK 12', 'CLOSE']);
  });

  it('gives up after the attempts with a retryable OP_WOULD_BLOCK and closes the lock file', async () => {
    const [host, phone] = await pair();
    const seen = fakePhone(phone, lockPhone(Array.from({ length: 10 }, () => AfcStatus.OP_WOULD_BLOCK)));
    const client = new AfcClient(host, { timeoutMs: 2000 });
    let ran = false;
    await assert.rejects(
      client.withSyncLock(() => (ran = true), { attempts: 4, intervalMs: 1 }),
      (e: unknown) => e instanceof AfcError && e.deviceError === 'OP_WOULD_BLOCK' && e.retryable && /4 attempts/.test(e.message),
    );
    assert.equal(ran, false);
    assert.deepEqual(describeOps(seen), ['OPEN 2 /com.apple.itunes.lock_sync', 'LOCK 6', 'LOCK 6', 'LOCK 6', 'LOCK 6', 'CLOSE']);
  });

  it('stops at once on a lock error other than OP_WOULD_BLOCK', async () => {
    const [host, phone] = await pair();
    fakePhone(phone, lockPhone([AfcStatus.PERM_DENIED]));
    const client = new AfcClient(host, { timeoutMs: 2000 });
    await assert.rejects(client.withSyncLock(() => 1), (e: unknown) => e instanceof AfcError && e.deviceError === 'PERM_DENIED');
  });

  it('turns a status into an AfcError naming the code and keeps the connection usable', async () => {
    const [host, phone] = await pair();
    fakePhone(phone, (packet) =>
      packet.operation === AfcOperation.GET_FILE_INFO
        ? status(packet, AfcStatus.OBJECT_NOT_FOUND)
        : encodeAfcPacket({ packetNum: packet.packetNum, operation: AfcOperation.DATA, payload: encodeStrings(['.', '..', 'DCIM']) }),
    );
    const client = new AfcClient(host, { timeoutMs: 2000 });
    await assert.rejects(client.getFileInfo('/nope'), (e: unknown) => e instanceof AfcError && e.code === 'AFC_OBJECT_NOT_FOUND' && e.path === '/nope');
    assert.deepEqual(await client.readDirectory('/'), ['DCIM']);
  });

  it('reports REMOVE_PATH UNKNOWN_ERROR as DIR_NOT_EMPTY, as libimobiledevice does', async () => {
    const [host, phone] = await pair();
    fakePhone(phone, (packet) => status(packet, AfcStatus.UNKNOWN_ERROR));
    const client = new AfcClient(host, { timeoutMs: 2000 });
    await assert.rejects(client.removePath('/DCIM'), (e: unknown) => e instanceof AfcError && e.deviceError === 'DIR_NOT_EMPTY');
  });

  it('serialises concurrent callers with increasing packet numbers', async () => {
    const [host, phone] = await pair();
    const seen = fakePhone(phone, (packet) => status(packet, AfcStatus.SUCCESS));
    const client = new AfcClient(host, { timeoutMs: 2000 });
    await Promise.all([client.makeDirectory('/a'), client.makeDirectory('/b'), client.removePath('/c')]);
    assert.deepEqual(
      seen.map((p) => [p.packetNum, decodeStrings(p.data, 1, 'x')[0]]),
      [
        [1n, '/a'],
        [2n, '/b'],
        [3n, '/c'],
      ],
    );
  });

  it('treats a reply with the wrong packet number as a protocol error and stops using the connection', async () => {
    const [host, phone] = await pair();
    fakePhone(phone, (packet) => encodeAfcPacket({ packetNum: packet.packetNum + 5n, operation: AfcOperation.STATUS, data: encodeU64s([0]) }));
    const client = new AfcClient(host, { timeoutMs: 2000 });
    await assert.rejects(client.makeDirectory('/a'), (e: unknown) => e instanceof ProtocolError && e.code === 'PROTOCOL_BAD_SEQUENCE');
    await assert.rejects(client.makeDirectory('/b'), ProtocolError);
  });

  it('bounds every wait: a silent phone gives a TimeoutError', async () => {
    const [host, phone] = await pair();
    fakePhone(phone, () => 'silence');
    const client = new AfcClient(host, { timeoutMs: 50 });
    await assert.rejects(client.fileOpen('/x'), TimeoutError);
  });

  it('reports a phone that hangs up as DisconnectedError', async () => {
    const [host, phone] = await pair();
    fakePhone(phone, () => 'close');
    const client = new AfcClient(host, { timeoutMs: 2000 });
    await assert.rejects(client.getDeviceInfo(), DisconnectedError);
  });

  it('refuses a read reply longer than asked and an oversized reply packet', async () => {
    const [host, phone] = await pair();
    fakePhone(phone, (packet) => encodeAfcPacket({ packetNum: packet.packetNum, operation: AfcOperation.DATA, payload: Buffer.alloc(100) }));
    const client = new AfcClient(host, { timeoutMs: 2000, maxPacket: 4096, chunkSize: 1024 });
    await assert.rejects(client.fileRead(1n, 10), (e: unknown) => e instanceof ProtocolError && e.code === 'PROTOCOL_BAD_LENGTH');
    const [host2, phone2] = await pair();
    fakePhone(phone2, (packet) => encodeAfcPacket({ packetNum: packet.packetNum, operation: AfcOperation.DATA, payload: Buffer.alloc(8192) }));
    const small = new AfcClient(host2, { timeoutMs: 2000, maxPacket: 4096, chunkSize: 1024 });
    await assert.rejects(small.fileRead(1n, 1000), (e: unknown) => e instanceof ProtocolError && e.code === 'PROTOCOL_FRAME_TOO_LARGE');
  });
});
