/**
 * The device side of lockdown TLS: the phone is the TLS server, presenting the device certificate the
 * host generated at pairing time, and it only continues when the client certificate is one of that
 * host's (root or host certificate), as lockdownd checks the pairing.
 */
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { clientCertificateMatches, deviceTlsOptions } from '../../src/protocol/lockdown/pairing/index.js';
import type { PairedHost } from '../device/paired-hosts.js';

const HANDSHAKE_TIMEOUT_MS = 15_000;

export function acceptTls(stream: Duplex, host: PairedHost, devicePrivateKeyPem: Buffer): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = new tls.TLSSocket(stream, {
      isServer: true,
      ...deviceTlsOptions(devicePrivateKeyPem, host.deviceCertificatePem),
      // Performance: up to 4 MiB may wait in the socket before write() asks the phone to pause, so
      // the phone prepares the next files while the previous ones are still on their way. With the
      // default 16 KiB every backup batch waited for the host to read the last one first, and the
      // phone sat idle a third of the time. (Accepted by tls.TLSSocket, missing from its typings.)
      ...({ highWaterMark: 4 * 1024 * 1024 } as object),
    });
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('secure', onSecure);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const fail = (error: Error): void => {
      cleanup();
      socket.destroy();
      stream.destroy();
      reject(error);
    };
    const onSecure = (): void => {
      const peer = socket.getPeerCertificate(true);
      if (!peer || !peer.raw || !clientCertificateMatches(peer.raw, host)) {
        fail(new Error('TLS client certificate does not belong to the paired host'));
        return;
      }
      cleanup();
      resolve(socket);
    };
    const onError = (error: Error): void => fail(error);
    // A cable pulled mid-handshake closes the transport without a TLS error.
    const onClose = (): void => fail(new Error('connection closed during the TLS handshake'));
    const timer = setTimeout(() => fail(new Error(`TLS handshake did not finish within ${HANDSHAKE_TIMEOUT_MS} ms`)), HANDSHAKE_TIMEOUT_MS);
    socket.once('secure', onSecure);
    socket.once('error', onError);
    socket.once('close', onClose);
  });
}
