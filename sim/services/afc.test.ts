/**
 * The virtual iPhone's AFC service driven with raw packets built by the shared codecs (sim/ may not
 * use the host client; test/afc-interop.test.ts runs AfcClient against this service).
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AfcOperation, AfcStatus } from '../../src/protocol/services/afc/constants.js';
import { encodeAfcPacket, packetBody, readAfcPacket, type AfcPacket } from '../../src/protocol/services/afc/frames.js';
import { decodeKeyValues, decodeStringList, decodeU64s, encodePath, encodeStrings, encodeU64s } from '../../src/protocol/services/afc/messages.js';
import { StreamReader } from '../../src/protocol/wire/stream-reader.js';
import { VirtualIPhone } from '../device/virtual-iphone.js';
import type { SimLogger } from '../log.js';
import { generateIdentity } from '../model/identity.js';
import { defaultState } from '../model/state.js';
import { MemoryStore } from '../store.js';
import { createMediaPartition, serveAfc, type MediaPartition } from './afc.js';
import { socketPair } from '../../test/support/socket-pair.js';

const S = AfcStatus;
const OP = AfcOperation;

/** A bare-bones host: numbered requests, one reply each. */
class RawHost {
  private num = 0n;
  private readonly reader: StreamReader;
  constructor(readonly socket: net.Socket) {
    this.reader = new StreamReader(socket, 'raw host');
  }
  async send(operation: number, data?: Uint8Array, payload?: Uint8Array): Promise<AfcPacket> {
    const packetNum = ++this.num;
    this.socket.write(encodeAfcPacket({ packetNum, operation, ...(data ? { data } : {}), ...(payload ? { payload } : {}) }));
    const reply = await readAfcPacket(this.reader, { timeoutMs: 2000 });
    assert.equal(reply.packetNum, packetNum, 'reply carries the request number');
    return reply;
  }
  /** The STATUS code of the reply (0 for a non-STATUS reply). */
  async status(operation: number, data?: Uint8Array, payload?: Uint8Array): Promise<number> {
    return statusOf(await this.send(operation, data, payload));
  }
  async list(path: string): Promise<string[] | number> {
    const reply = await this.send(OP.READ_DIR, encodePath(path));
    return reply.operation === OP.STATUS ? statusOf(reply) : decodeStringList(packetBody(reply), 'list');
  }
  async open(path: string, mode: number): Promise<bigint> {
    const reply = await this.send(OP.FILE_OPEN, Buffer.concat([encodeU64s([mode]), encodePath(path)]));
    assert.equal(reply.operation, OP.FILE_OPEN_RES, `open ${path}: status ${statusOf(reply)}`);
    return decodeU64s(reply.data, 1, 'open')[0]!;
  }
  async openStatus(path: string, mode: number): Promise<number> {
    return statusOf(await this.send(OP.FILE_OPEN, Buffer.concat([encodeU64s([mode]), encodePath(path)])));
  }
  async read(handle: bigint, length: number): Promise<Buffer> {
    const reply = await this.send(OP.FILE_READ, encodeU64s([handle, length]));
    assert.equal(reply.operation, OP.DATA, `read: status ${statusOf(reply)}`);
    return packetBody(reply);
  }
  write(handle: bigint, bytes: string | Buffer): Promise<number> {
    return this.status(OP.FILE_WRITE, encodeU64s([handle]), typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
  }
  lock(handle: bigint, op: number): Promise<number> {
    return this.status(OP.FILE_LOCK, encodeU64s([handle, op]));
  }
  close(handle: bigint): Promise<number> {
    return this.status(OP.FILE_CLOSE, encodeU64s([handle]));
  }
}

function statusOf(reply: AfcPacket): number {
  return reply.operation === OP.STATUS ? Number(packetBody(reply).readBigUInt64LE(0)) : 0;
}

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('virtual iPhone AFC (media partition)', () => {
  const warnings: string[] = [];
  const sockets: net.Socket[] = [];
  let phone: VirtualIPhone;
  let partition: MediaPartition;
  let connect: (p?: MediaPartition) => Promise<RawHost>;

  before(async () => {
    const logger: SimLogger = { log: (level, message, fields) => void (level !== 'info' && warnings.push(`${message} ${JSON.stringify(fields)}`)) };
    const identity = generateIdentity('afc-test', 0);
    phone = await VirtualIPhone.open(identity, defaultState(identity), new MemoryStore(), logger, () =>
      Promise.resolve({ publicKeyPem: Buffer.alloc(0), privateKeyPem: Buffer.alloc(0) }),
    );
    partition = createMediaPartition({ seed: 'afc-test' });
    connect = async (p = partition) => {
      const [host, device] = await socketPair();
      sockets.push(host, device);
      serveAfc(p)(device, phone);
      return new RawHost(host);
    };
  });
  after(() => sockets.forEach((s) => s.destroy()));

  it('serves the usual media layout, with "." and ".." first', async () => {
    const host = await connect();
    const root = await host.list('/');
    assert.ok(Array.isArray(root));
    assert.deepEqual(root.slice(0, 2), ['.', '..']);
    for (const name of ['Books', 'DCIM', 'iTunes_Control', 'iTunesRestore', 'com.apple.itunes.lock_sync']) assert.ok(root.includes(name), name);
    const itunes = await host.list('/iTunes_Control/iTunes');
    assert.ok(Array.isArray(itunes) && itunes.includes('iTunesPrefs.plist') && itunes.includes('IC-Info.sidb'));
    assert.deepEqual(await host.list('/DCIM/100APPLE'), ['.', '..']);
    const info = decodeKeyValues(packetBody(await host.send(OP.GET_FILE_INFO, encodePath('/Books/iBooksData2.plist'))), 'info');
    assert.equal(info.get('st_ifmt'), 'S_IFREG');
    assert.equal(Number(info.get('st_size')), partition.readFile('/Books/iBooksData2.plist')!.length);
    assert.equal(decodeKeyValues(packetBody(await host.send(OP.GET_FILE_INFO, encodePath('/DCIM'))), 'info').get('st_ifmt'), 'S_IFDIR');
  });

  it('answers GET_DEVINFO from the phone model and its disk', async () => {
    const host = await connect();
    const info = decodeKeyValues(packetBody(await host.send(OP.GET_DEVINFO)), 'devinfo');
    assert.equal(info.get('Model'), phone.identity.productType);
    assert.equal(Number(info.get('FSTotalBytes')), phone.state.totalBytes);
    assert.equal(Number(info.get('FSFreeBytes')), phone.state.freeBytes);
  });

  it('makes directories with parents, writes, reads, seeks, lists, renames and removes', async () => {
    const host = await connect();
    assert.equal(await host.status(OP.MAKE_DIR, encodePath('/t1/b/c')), S.SUCCESS);
    assert.equal(await host.status(OP.MAKE_DIR, encodePath('/t1/b')), S.SUCCESS, 'an existing directory is fine');
    const h = await host.open('/t1/b/c/f.txt', 4 /* w+ */);
    assert.equal(await host.write(h, 'hello '), S.SUCCESS);
    assert.equal(await host.write(h, 'world'), S.SUCCESS);
    assert.equal(await host.close(h), S.SUCCESS);
    assert.equal(partition.readFile('/t1/b/c/f.txt')!.toString(), 'hello world');

    const r = await host.open('t1/./b/c/f.txt', 1 /* r */);
    assert.equal((await host.read(r, 5)).toString(), 'hello');
    assert.equal((await host.read(r, 100)).toString(), ' world', 'reading past the end returns what is there');
    assert.equal((await host.read(r, 100)).length, 0, 'then nothing');
    assert.equal(await host.status(OP.FILE_SEEK, Buffer.concat([encodeU64s([r, 0]), encodeU64s([6])])), S.SUCCESS);
    const tell = await host.send(OP.FILE_TELL, encodeU64s([r]));
    assert.equal(tell.operation, OP.FILE_TELL_RES);
    assert.equal(decodeU64s(packetBody(tell), 1, 'tell')[0], 6n);
    assert.equal((await host.read(r, 5)).toString(), 'world');
    assert.equal(await host.write(r, 'x'), S.PERM_DENIED, 'read-only handle');
    assert.equal(await host.close(r), S.SUCCESS);

    assert.deepEqual(await host.list('/t1/b/c'), ['.', '..', 'f.txt']);
    assert.equal(await host.list('/t1/b/c/f.txt'), S.READ_ERROR, 'listing a file');
    assert.equal(await host.status(OP.MAKE_DIR, encodePath('/t1/b/c/f.txt/sub')), S.OBJECT_EXISTS, 'a directory inside a file');
    assert.equal(await host.openStatus('/t1/b', 1), S.OBJECT_IS_DIR);
    assert.equal(await host.openStatus('/t1/missing', 1), S.OBJECT_NOT_FOUND);
    assert.equal(await host.openStatus('/t1/nodir/x', 4), S.OBJECT_NOT_FOUND);

    assert.equal(await host.status(OP.RENAME_PATH, encodeStrings(['/t1/b/c/f.txt', '/t1/g.txt'])), S.SUCCESS);
    assert.equal(await host.status(OP.GET_FILE_INFO, encodePath('/t1/b/c/f.txt')), S.OBJECT_NOT_FOUND);
    assert.equal(partition.readFile('/t1/g.txt')!.toString(), 'hello world');
    assert.equal(await host.status(OP.RENAME_PATH, encodeStrings(['/t1/nothing', '/t1/x'])), S.OBJECT_NOT_FOUND);
    assert.equal(await host.status(OP.RENAME_PATH, encodeStrings(['/t1/b', '/t1/b/c/inside'])), S.INVALID_ARG);

    assert.equal(await host.status(OP.REMOVE_PATH, encodePath('/t1')), S.UNKNOWN_ERROR, 'non-empty directory, as a phone answers');
    for (const path of ['/t1/g.txt', '/t1/b/c', '/t1/b', '/t1']) assert.equal(await host.status(OP.REMOVE_PATH, encodePath(path)), S.SUCCESS, path);
    assert.equal(await host.status(OP.REMOVE_PATH, encodePath('/t1')), S.OBJECT_NOT_FOUND);
    assert.equal(await host.status(OP.REMOVE_PATH, encodePath('/')), S.PERM_DENIED);
  });

  it('creates a missing file with "r+" (AFC_FOPEN_RW), as libimobiledevice documents', async () => {
    const host = await connect();
    const h = await host.open('/Downloads/created-by-rw', 2);
    assert.equal(await host.close(h), S.SUCCESS);
    assert.ok(partition.exists('/Downloads/created-by-rw'));
  });

  it('never leaves the root: "..", NUL bytes, bad UTF-8, long paths', async () => {
    const host = await connect();
    const before = partition.listDirectory('/');
    for (const path of ['/../etc/passwd', '..', '/DCIM/../../private/var', '../../../../tmp/x']) {
      assert.equal(await host.status(OP.GET_FILE_INFO, encodePath(path)), S.PERM_DENIED, `stat ${path}`);
      assert.equal(await host.openStatus(path, 4), S.PERM_DENIED, `open ${path}`);
      assert.equal(await host.status(OP.MAKE_DIR, encodePath(path)), S.PERM_DENIED, `mkdir ${path}`);
      assert.equal(await host.list(path), S.PERM_DENIED, `list ${path}`);
    }
    assert.equal(await host.status(OP.RENAME_PATH, encodeStrings(['/Books/iBooksData2.plist', '../stolen'])), S.PERM_DENIED);
    assert.equal(await host.status(OP.REMOVE_PATH, encodePath('/DCIM/../..')), S.PERM_DENIED);
    // ".." that stays inside is fine.
    assert.ok(Array.isArray(await host.list('/DCIM/../Books')));
    // A NUL inside the path (a second string smuggled after the first) and invalid UTF-8.
    assert.equal(await host.status(OP.GET_FILE_INFO, Buffer.from('/Books\0../../etc\0')), S.INVALID_ARG);
    assert.equal(await host.status(OP.GET_FILE_INFO, Buffer.from('/Books')), S.INVALID_ARG, 'no terminating NUL');
    assert.equal(await host.status(OP.GET_FILE_INFO, Buffer.from([0x2f, 0xff, 0xfe, 0])), S.INVALID_ARG);
    assert.equal(await host.status(OP.GET_FILE_INFO, Buffer.from('/' + 'a/'.repeat(600) + '\0')), S.INVALID_ARG, 'path too long');
    assert.equal(await host.status(OP.MAKE_DIR, Buffer.from('/' + 'n'.repeat(300) + '\0')), S.INVALID_ARG, 'name too long');
    assert.deepEqual(partition.listDirectory('/'), before);
  });

  it('locks: LOCK_EX held by one connection blocks the others until LOCK_UN', async () => {
    const a = await connect();
    const b = await connect();
    const ha = await a.open('/com.apple.itunes.lock_sync', 2);
    const hb = await b.open('/com.apple.itunes.lock_sync', 2);
    assert.equal(await a.lock(ha, 6), S.SUCCESS);
    assert.equal(partition.lockState('/com.apple.itunes.lock_sync'), 'exclusive');
    assert.equal(await a.lock(ha, 6), S.SUCCESS, 'the holder may lock again');
    assert.equal(await b.lock(hb, 6), S.OP_WOULD_BLOCK);
    assert.equal(await b.lock(hb, 5), S.OP_WOULD_BLOCK, 'a shared lock waits too');
    assert.equal(await a.lock(ha, 12), S.SUCCESS);
    assert.equal(await b.lock(hb, 6), S.SUCCESS);
    assert.equal(await a.lock(ha, 6), S.OP_WOULD_BLOCK);
    assert.equal(await b.close(hb), S.SUCCESS, 'closing the handle releases its lock');
    assert.equal(await a.lock(ha, 6), S.SUCCESS);
    assert.equal(await a.lock(ha, 12), S.SUCCESS);
    assert.equal(await a.lock(ha, 99), S.INVALID_ARG);
    assert.equal(await a.close(ha), S.SUCCESS);
    assert.equal(partition.lockState('/com.apple.itunes.lock_sync'), 'none');
  });

  it('shared locks coexist and keep an exclusive lock out', async () => {
    const a = await connect();
    const b = await connect();
    const ha = await a.open('/com.apple.itunes.lock_sync', 2);
    const hb = await b.open('/com.apple.itunes.lock_sync', 2);
    assert.equal(await a.lock(ha, 5), S.SUCCESS);
    assert.equal(await b.lock(hb, 5), S.SUCCESS);
    assert.equal(partition.lockState('/com.apple.itunes.lock_sync'), 'shared');
    assert.equal(await b.lock(hb, 6), S.OP_WOULD_BLOCK);
    assert.equal(await a.close(ha), S.SUCCESS);
    assert.equal(await b.lock(hb, 6), S.SUCCESS, 'upgrade once alone');
    assert.equal(await b.close(hb), S.SUCCESS);
  });

  it('releases a lock when the holding connection goes away', async () => {
    const a = await connect();
    const b = await connect();
    const ha = await a.open('/com.apple.itunes.lock_sync', 2);
    const hb = await b.open('/com.apple.itunes.lock_sync', 2);
    assert.equal(await a.lock(ha, 6), S.SUCCESS);
    assert.equal(await b.lock(hb, 6), S.OP_WOULD_BLOCK);
    a.socket.destroy();
    await eventually(async () => (await b.lock(hb, 6)) === S.SUCCESS, 'the lock to be released');
    assert.equal(await b.close(hb), S.SUCCESS);
  });

  it('keeps handles private to their connection', async () => {
    const a = await connect();
    const b = await connect();
    const ha = await a.open('/Books/iBooksData2.plist', 1);
    assert.equal(await b.status(OP.FILE_READ, encodeU64s([ha, 10])), S.INVALID_ARG);
    assert.equal(await b.close(ha), S.INVALID_ARG);
    assert.equal(await a.close(ha), S.SUCCESS);
    assert.equal(await a.close(ha), S.INVALID_ARG, 'closed twice');
    assert.equal(await a.status(OP.FILE_READ, encodeU64s([ha])), S.INVALID_ARG, 'missing length');
    assert.equal(await a.openStatus('/Books/x', 77), S.INVALID_ARG, 'unknown mode');
  });

  it('enforces its limits: open handles, file size, stored bytes, entries', async () => {
    const small = createMediaPartition({ populate: false, maxOpenHandles: 2, maxFileSize: 1000, maxStoredBytes: 1500, maxEntries: 5 });
    const host = await connect(small);
    const h1 = await host.open('/a', 4);
    await host.open('/b', 4);
    assert.equal(await host.openStatus('/c', 4), S.NO_RESOURCES);
    assert.equal(await host.write(h1, Buffer.alloc(1001)), S.NO_SPACE_LEFT);
    assert.equal(await host.write(h1, Buffer.alloc(900)), S.SUCCESS);
    assert.equal(await host.close(h1), S.SUCCESS);
    const h3 = await host.open('/c', 4);
    assert.equal(await host.write(h3, Buffer.alloc(700)), S.NO_SPACE_LEFT, 'partition full');
    assert.equal(await host.status(OP.MAKE_DIR, encodePath('/d/e/f')), S.NO_SPACE_LEFT, 'entry limit');
    assert.equal(await host.status(OP.FILE_SET_SIZE, encodeU64s([h3, 1n << 40n])), S.NO_SPACE_LEFT);
  });

  it('answers unknown and unsupported operations with an error status and keeps serving', async () => {
    const host = await connect();
    assert.equal(await host.status(0x99), S.UNKNOWN_PACKET_TYPE);
    assert.equal(await host.status(OP.MAKE_LINK, Buffer.concat([encodeU64s([2]), encodeStrings(['/etc', '/Books/link'])])), S.OP_NOT_SUPPORTED);
    assert.equal(await host.status(OP.STATUS, encodeU64s([0])), S.OP_NOT_SUPPORTED);
    assert.ok(Array.isArray(await host.list('/')));
  });

  it('closes only the offending connection on a malformed packet, with a logged warning', async () => {
    const good = await connect();
    const cases: Buffer[] = [
      Buffer.concat([Buffer.from('XXXXXXXX'), Buffer.alloc(32)]),
      (() => {
        const b = encodeAfcPacket({ packetNum: 1n, operation: OP.GET_DEVINFO });
        b.writeBigUInt64LE((1n << 64n) - 1n, 8);
        return b;
      })(),
      (() => {
        const b = encodeAfcPacket({ packetNum: 1n, operation: OP.GET_DEVINFO });
        b.writeBigUInt64LE(41n, 16);
        return b;
      })(),
    ];
    for (const bytes of cases) {
      const bad = await connect();
      const before = warnings.length;
      const closed = new Promise<void>((resolve) => bad.socket.once('close', () => resolve()));
      bad.socket.write(bytes);
      await closed;
      await eventually(() => warnings.length > before, 'a warning');
      assert.match(warnings[warnings.length - 1]!, /AFC connection closed/);
    }
    assert.ok(Array.isArray(await good.list('/')));
  });

  it('remembers what was written under /iTunesRestore, even after removal', async () => {
    const host = await connect();
    const content = Buffer.from('<?xml version="1.0"?><plist><dict/></plist>');
    assert.equal(await host.status(OP.MAKE_DIR, encodePath('/iTunesRestore')), S.SUCCESS);
    const h = await host.open('/iTunesRestore/RestoreApplications.plist', 4);
    assert.equal(await host.write(h, content), S.SUCCESS);
    assert.equal(await host.close(h), S.SUCCESS);
    assert.equal(await host.status(OP.REMOVE_PATH, encodePath('/iTunesRestore/RestoreApplications.plist')), S.SUCCESS);
    assert.equal(partition.readFile('/iTunesRestore/RestoreApplications.plist'), undefined);
    assert.deepEqual(partition.lastWrite('/iTunesRestore/RestoreApplications.plist'), content);
    assert.equal(partition.recordedWrites().at(-1)?.path, '/iTunesRestore/RestoreApplications.plist');
  });

  it('stops taking requests while the host leaves its replies unread', async () => {
    const p = createMediaPartition({ populate: false });
    p.writeFile('/big', Buffer.alloc(1024 * 1024, 1));
    const [host, device] = await socketPair();
    sockets.push(host, device);
    serveAfc(p)(device, phone);
    const reader = new StreamReader(host, 'pipelining host');
    host.write(encodeAfcPacket({ packetNum: 1n, operation: OP.FILE_OPEN, data: Buffer.concat([encodeU64s([1]), encodePath('/big')]) }));
    const handle = decodeU64s((await readAfcPacket(reader, { timeoutMs: 2000 })).data, 1, 'open')[0]!;
    reader.detach(); // from now on nobody reads what the phone sends
    const requests: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const seek = Buffer.concat([encodeU64s([handle, 0]), encodeU64s([0])]);
      requests.push(encodeAfcPacket({ packetNum: BigInt(2 + 2 * i), operation: OP.FILE_SEEK, data: seek }));
      requests.push(encodeAfcPacket({ packetNum: BigInt(3 + 2 * i), operation: OP.FILE_READ, data: encodeU64s([handle, 1024 * 1024]) }));
    }
    host.write(Buffer.concat(requests)); // 200 MiB of replies if the phone answered them all
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(device.writableLength < 16 * 1024 * 1024, `phone buffered ${device.writableLength} bytes`);
  });

  it('ends quietly when the host disconnects between requests', async () => {
    const host = await connect();
    const before = warnings.length;
    host.socket.destroy();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(warnings.length, before);
  });
});
