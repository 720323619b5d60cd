import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket, type ConnectionOptions, type TlsOptions } from 'node:tls';
import { makePairingFixture } from '../../../../test/support/pairing-fixture.js';
import type { PairingCertificates } from './certificates.js';
import type { DeviceKeyPair } from './device-keys.js';
import type { PairRecord } from './pair-record.js';
import { clientCertificateMatches, deviceTlsOptions, hostTlsOptions } from './tls-options.js';

let device: DeviceKeyPair;
let record: PairRecord;
let otherPairing: PairingCertificates;
before(async () => {
  ({ device, record, otherPairing } = await makePairingFixture());
});

interface Outcome {
  readonly protocol: string | null;
  readonly serverSawCertificate: Buffer | undefined;
  readonly clientSawCertificate: Buffer | undefined;
  readonly echoed: string;
}

/**
 * Plain TCP first, then both ends upgrade the same socket, the way lockdownd switches to TLS after
 * StartSession: the device wraps its accepted socket as a server TLSSocket, the host calls tls.connect.
 */
async function handshake(host: ConnectionOptions, dev: TlsOptions): Promise<Outcome> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const deviceSide = new Promise<Buffer | undefined>((resolve, reject) => {
    server.once('connection', (plain: Socket) => {
      const secure = new TLSSocket(plain, { isServer: true, ...dev });
      secure.once('error', reject);
      secure.once('secure', () => {
        const peer = secure.getPeerCertificate() as { raw?: Buffer };
        secure.once('data', (data: Buffer) => secure.end(Buffer.concat([Buffer.from('echo:'), data])));
        resolve(peer.raw);
      });
    });
  });
  const plain = netConnect(port, '127.0.0.1');
  await once(plain, 'connect');
  const client = tlsConnect({ socket: plain, ...host });
  try {
    await once(client, 'secureConnect');
    const clientSaw = (client.getPeerCertificate() as { raw?: Buffer }).raw;
    client.write('ping');
    const [reply] = (await once(client, 'data')) as [Buffer];
    return { protocol: client.getProtocol(), serverSawCertificate: await deviceSide, clientSawCertificate: clientSaw, echoed: reply.toString() };
  } finally {
    client.destroy();
    server.close();
  }
}

test('host and device complete a TLS handshake; the device sees the record\'s host certificate', async () => {
  const outcome = await handshake(hostTlsOptions(record), deviceTlsOptions(device.privateKeyPem, record.deviceCertificatePem));
  assert.equal(outcome.echoed, 'echo:ping');
  assert.equal(outcome.protocol, 'TLSv1.3', 'modern TLS is still negotiated by default');
  assert.ok(outcome.serverSawCertificate, 'client presented a certificate');
  assert.ok(clientCertificateMatches(outcome.serverSawCertificate, record));
  assert.ok(!clientCertificateMatches(outcome.serverSawCertificate, { ...record, ...otherPairing }));
  // The device presents DeviceCertificate.
  assert.ok(outcome.clientSawCertificate);
  assert.ok(clientCertificateMatches(outcome.clientSawCertificate, { hostCertificatePem: record.deviceCertificatePem, rootCertificatePem: record.rootCertificatePem }));
});

test('the root identity (libimobiledevice OpenSSL style) is accepted too', async () => {
  const outcome = await handshake(hostTlsOptions(record, 'root'), deviceTlsOptions(device.privateKeyPem, record.deviceCertificatePem));
  assert.ok(clientCertificateMatches(outcome.serverSawCertificate, record));
});

test('an old-iOS TLS 1.0 handshake still works with the lowered floor', async () => {
  const outcome = await handshake(
    { ...hostTlsOptions(record), maxVersion: 'TLSv1' },
    deviceTlsOptions(device.privateKeyPem, record.deviceCertificatePem),
  );
  assert.equal(outcome.protocol, 'TLSv1');
  assert.ok(clientCertificateMatches(outcome.serverSawCertificate, record));
});

test('clientCertificateMatches rejects absent, empty and foreign certificates', () => {
  assert.equal(clientCertificateMatches(undefined, record), false);
  assert.equal(clientCertificateMatches(new Uint8Array(0), record), false);
  assert.equal(clientCertificateMatches(Buffer.from('junk'), record), false);
  const foreignDer = Buffer.from(otherPairing.hostCertificatePem.toString().replace(/-----[^-]+-----|\n/g, ''), 'base64');
  assert.equal(clientCertificateMatches(foreignDer, record), false);
});
