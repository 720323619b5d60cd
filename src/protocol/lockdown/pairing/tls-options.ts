/**
 * node:tls options for the lockdownd TLS session, host side (client) and device side (server).
 *
 * Nouns: the *host identity* is the certificate + private key the host presents as TLS client; the
 * *device identity* is DeviceCertificate + the device's own private key, presented as TLS server.
 * Neither side validates the other through a CA: the pair record *is* the trust, so the device compares
 * the presented client certificate with the record (`clientCertificateMatches`) and the host checks
 * nothing (as libimobiledevice and pymobiledevice3 do).
 *
 * Choice of host identity: HostCertificate + HostPrivateKey by default. pymobiledevice3
 * (lockdown.py `ssl_file`) and libimobiledevice's GnuTLS build present the host pair; libimobiledevice's
 * OpenSSL build (idevice.c `idevice_connection_enable_ssl`) presents RootCertificate + RootPrivateKey.
 * Both work with real devices, so lockdownd accepts either certificate of the record; the host certificate
 * is the one made for the job (CA:FALSE, keyUsage digitalSignature + keyEncipherment). `'root'` is kept as
 * a fallback should some iOS version turn out to want it.
 */
import { constants, X509Certificate } from 'node:crypto';
import type { ConnectionOptions, TlsOptions, TLSSocketOptions } from 'node:tls';
import type { PairRecord, PublicPairRecord } from './pair-record.js';
import { asBuffer } from './pem.js';

export type HostIdentity = 'host' | 'root';

/**
 * `ALL` minus unauthenticated/unencrypted suites, with OpenSSL security level 0: iOS before 10 only
 * speaks TLS 1.0 with SHA-1/MD5 PRFs, which OpenSSL 3 refuses above level 0 (same string as pymobiledevice3
 * `create_ssl_context`; libimobiledevice calls SSL_CTX_set_security_level(ctx, 0)). TLS 1.3 and strong
 * suites still win negotiation with modern iOS.
 */
export const LOCKDOWN_CIPHERS = 'ALL:!aNULL:!eNULL:@SECLEVEL=0';

type HostKeys = Pick<PairRecord, 'hostCertificatePem' | 'hostPrivateKeyPem' | 'rootCertificatePem' | 'rootPrivateKeyPem'>;

/** Options for `tls.connect({ socket, ...hostTlsOptions(record) })` after StartSession says EnableSessionSSL. */
export function hostTlsOptions(record: HostKeys, identity: HostIdentity = 'host'): ConnectionOptions {
  const useRoot = identity === 'root';
  return {
    cert: asBuffer(useRoot ? record.rootCertificatePem : record.hostCertificatePem),
    key: asBuffer(useRoot ? record.rootPrivateKeyPem : record.hostPrivateKeyPem),
    // The device certificate has an empty subject and no SAN; trust comes from the pair record, not a CA.
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    minVersion: 'TLSv1',
    ciphers: LOCKDOWN_CIPHERS,
    // OpenSSL 3 aborts with "unsafe legacy renegotiation disabled" against iOS 5 without this
    // (libimobiledevice and pymobiledevice3 both set SSL_OP_LEGACY_SERVER_CONNECT).
    secureOptions: constants.SSL_OP_LEGACY_SERVER_CONNECT,
  };
}

/**
 * Options for the virtual iPhone: `new tls.TLSSocket(socket, { isServer: true, ...deviceTlsOptions(…) })`
 * (or `tls.createServer`). The client certificate is requested but not validated by OpenSSL: after
 * 'secure', call `clientCertificateMatches(socket.getPeerCertificate().raw, record)`.
 */
export function deviceTlsOptions(devicePrivateKeyPem: Uint8Array, deviceCertificatePem: Uint8Array): TlsOptions & TLSSocketOptions {
  return {
    key: asBuffer(devicePrivateKeyPem),
    cert: asBuffer(deviceCertificatePem),
    requestCert: true,
    // The host certificate chains to a root no trust store knows; check it against the record instead.
    rejectUnauthorized: false,
    minVersion: 'TLSv1',
    ciphers: LOCKDOWN_CIPHERS,
  };
}

/**
 * True when the DER certificate a TLS client presented is the record's HostCertificate or RootCertificate
 * (the two certificates reference hosts present; see the header). An absent or empty certificate is false.
 */
export function clientCertificateMatches(
  peerCertDer: Uint8Array | undefined,
  record: Pick<PublicPairRecord, 'hostCertificatePem' | 'rootCertificatePem'>,
): boolean {
  if (peerCertDer === undefined || peerCertDer.length === 0) return false;
  const peer = asBuffer(peerCertDer);
  return [record.hostCertificatePem, record.rootCertificatePem].some((pem) => {
    try {
      return new X509Certificate(pem).raw.equals(peer);
    } catch {
      return false;
    }
  });
}
