/**
 * Hostile input on both sides. The virtual iPhone's usbmuxd and lockdownd must close only the
 * offending connection (with a logged error) and keep serving everyone else; the host client must turn
 * a malicious usbmuxd or lockdownd into clear errors, never a crash or a hang.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodePlistPacket, encodeMuxHeader, MUX_MAX_PACKET } from '../src/protocol/usbmux/frames.js';
import { requestToPlist } from '../src/protocol/usbmux/messages.js';
import { UsbmuxClient } from '../src/protocol/usbmux/client.js';
import { LockdownClient } from '../src/protocol/lockdown/client.js';
import { UsbmuxTransport } from '../src/protocol/transport.js';
import { ProtocolError, LifeboatErrorLike } from './support/errors.js';
import { startSimHarness, type SimHarness } from './support/sim-harness.js';

/** A deterministic PRNG so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Sends bytes on a fresh connection and resolves when the server closes it (or after a bound). */
function sendAndWaitClose(path: string, bytes: Buffer, boundMs = 3000): Promise<{ closed: boolean; received: Buffer }> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ path });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, received: Buffer.concat(chunks) });
    }, boundMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, received: Buffer.concat(chunks) });
    });
    socket.on('error', () => undefined);
    socket.on('connect', () => socket.end(bytes));
  });
}

function header(length: number, version = 1, message = 8, tag = 1): Buffer {
  return encodeMuxHeader({ length, version, message, tag });
}

describe('virtual usbmuxd and lockdownd under hostile input', () => {
  let sim: SimHarness;
  before(async () => {
    sim = await startSimHarness({ devices: 2, autoTrust: true });
  });
  after(async () => {
    await sim.close();
  });

  const cases: Array<[string, Buffer]> = [
    ['truncated header', Buffer.from([1, 2, 3])],
    ['length smaller than the header', header(8)],
    ['huge announced length', header(0xffffffff)],
    ['length just over the limit', header(MUX_MAX_PACKET + 1)],
    ['unknown protocol version', Buffer.concat([header(20, 7), Buffer.alloc(4)])],
    ['version 1 with a binary message type', Buffer.concat([header(20, 1, 2), Buffer.alloc(4)])],
    ['invalid plist', Buffer.concat([header(16 + 11), Buffer.from('<plist><dic')])],
    ['plist that is not a dict', Buffer.concat([header(16 + 41), Buffer.from('<plist><array><string/></array></plist>  ')])],
    ['Connect with a string DeviceID', encodePlistPacket(1, { MessageType: 'Connect', DeviceID: 'one', PortNumber: 32498 })],
    ['pair record id with a path', encodePlistPacket(1, { MessageType: 'ReadPairRecord', PairRecordID: '../../etc/passwd' })],
  ];

  for (const [name, bytes] of cases) {
    it(`closes the connection on ${name} and keeps serving others`, async () => {
      const result = await sendAndWaitClose(sim.socket, bytes);
      assert.equal(result.closed, true, 'the offending connection is closed');
      const devices = await sim.mux.listDevices();
      assert.equal(devices.length, 2);
    });
  }

  it('answers an unknown MessageType with BADCOMMAND, like usbmuxd', async () => {
    const reply = await sim.mux.requestRaw({ MessageType: 'FormatDisk' });
    assert.equal(reply['Number'], 1);
  });

  it('survives random byte flips of valid requests (fuzz) and still answers', async () => {
    const random = prng(0x5eed);
    const valid = encodePlistPacket(7, requestToPlist({ type: 'ListDevices' }));
    for (let i = 0; i < 60; i++) {
      const mutated = Buffer.from(valid);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
      await sendAndWaitClose(sim.socket, mutated, 1500);
    }
    assert.equal((await sim.mux.listDevices()).length, 2);
  });

  it('lockdownd closes a tunnel that sends a huge frame, an invalid plist or an unknown request', async () => {
    const device = (await sim.mux.listDevices()).find((d) => d.connectionType === 'USB')!;
    const payloads = [
      Buffer.from([0xff, 0xff, 0xff, 0xff]),
      Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from('<plis')]),
      (() => {
        const body = Buffer.from('<?xml version="1.0"?><plist version="1.0"><dict><key>Request</key><string>Reboot</string></dict></plist>');
        const len = Buffer.alloc(4);
        len.writeUInt32BE(body.length);
        return Buffer.concat([len, body]);
      })(),
      (() => {
        const body = Buffer.from('<?xml version="1.0"?><plist version="1.0"><dict><key>Request</key><integer>5</integer></dict></plist>');
        const len = Buffer.alloc(4);
        len.writeUInt32BE(body.length);
        return Buffer.concat([len, body]);
      })(),
    ];
    for (const payload of payloads) {
      const tunnel = await sim.mux.connect(device.deviceId, 62078);
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 3000);
        tunnel.on('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
        tunnel.on('error', () => undefined);
        tunnel.resume();
        tunnel.write(payload);
      });
      assert.equal(closed, true);
    }
    // and a well-behaved client still gets answers
    const lockdown = await LockdownClient.connect(new UsbmuxTransport(sim.mux, device));
    assert.equal(await lockdown.queryType(), 'com.apple.mobile.lockdown');
    lockdown.close();
  });
});

describe('host client against a malicious usbmuxd', () => {
  let dir: string;
  let server: net.Server;
  let reply: (socket: net.Socket) => void = () => undefined;
  let path: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-evil-'));
    path = join(dir, 'evil.sock');
    server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => reply(socket));
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const evil: Array<[string, (socket: net.Socket) => void, RegExp]> = [
    ['a huge packet length', (s) => s.write(header(0x7fffffff)), /length/],
    ['a non-plist payload', (s) => s.write(Buffer.concat([header(16 + 4), Buffer.from('junk')])), /plist/],
    ['a device list of the wrong type', (s) => s.write(encodePlistPacket(1, { DeviceList: 'nope' })), /DeviceList/],
    ['a device without a UDID', (s) => s.write(encodePlistPacket(1, { DeviceList: [{ DeviceID: 1, Properties: { ConnectionType: 'USB' } }] })), /SerialNumber/],
    ['a hang-up', (s) => s.destroy(), /closed|disconnect/i],
  ];
  for (const [name, behave, pattern] of evil) {
    it(`turns ${name} into a clear error`, async () => {
      reply = behave;
      const client = new UsbmuxClient({ kind: 'unix', path });
      await assert.rejects(client.listDevices(), (error: unknown) => {
        assert.ok(error instanceof LifeboatErrorLike, `a Lifeboat error, got ${String(error)}`);
        assert.match((error as Error).message, pattern);
        return true;
      });
    });
  }

  it('times out (bounded) when usbmuxd never answers', async () => {
    reply = () => undefined;
    const client = new UsbmuxClient({ kind: 'unix', path });
    const started = Date.now();
    await assert.rejects(client.readBuid(), /within/);
    assert.ok(Date.now() - started < 10_000);
  });

  it('rejects a lockdown reply frame larger than the limit without allocating it', async () => {
    reply = (s) => {
      s.write(encodePlistPacket(1, { MessageType: 'Result', Number: 0 }));
      s.once('data', () => undefined);
      s.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    };
    const client = new UsbmuxClient({ kind: 'unix', path });
    await assert.rejects(
      LockdownClient.connect(new UsbmuxTransport(client, { deviceId: 1, udid: 'X', connectionType: 'USB' })),
      (error: unknown) => error instanceof ProtocolError && /exceeds the limit/.test(error.message),
    );
  });
});
