/**
 * Strict reading of single PEM blocks as found in pair records and lockdownd values.
 *
 * Nouns: a *PEM block* is `-----BEGIN <label>-----`, base64 lines, `-----END <label>-----`; the *label*
 * says what the DER inside is (`CERTIFICATE`, `PRIVATE KEY`, `RSA PUBLIC KEY`, …).
 * Why strict: a pair record that is subtly damaged (truncated base64, two blocks glued together) only fails
 * later as an unexplained TLS error; rejecting it at load time lets the error name the key.
 */

export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

/** Result of decoding: the block, or a one-line reason a person can act on. */
export type PemResult = { readonly ok: true; readonly block: PemBlock } | { readonly ok: false; readonly reason: string };

const BLOCK = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]*?)\r?\n-----END ([A-Z0-9 ]+)-----$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decodes exactly one PEM block. Surrounding whitespace and trailing NUL bytes are tolerated because
 * libimobiledevice NUL-terminates PEM buffers in memory and some tools have stored that terminator.
 */
export function decodePem(bytes: Uint8Array): PemResult {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0 || isSpace(bytes[end - 1]))) end--;
  let start = 0;
  while (start < end && isSpace(bytes[start])) start++;
  if (start === end) return { ok: false, reason: 'is empty' };
  for (let i = start; i < end; i++) {
    if ((bytes[i] ?? 0) > 0x7e) return { ok: false, reason: 'is not PEM text (non-ASCII byte)' };
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
  const match = BLOCK.exec(text);
  if (!match) {
    return { ok: false, reason: text.startsWith('-----BEGIN ') ? 'is not a single well-formed PEM block' : 'is not PEM' };
  }
  const [, label = '', body = '', endLabel = ''] = match;
  if (label !== endLabel) return { ok: false, reason: `has BEGIN ${label} but END ${endLabel}` };
  const base64 = body.replace(/\r?\n/g, '');
  if (base64.length === 0 || base64.length % 4 !== 0 || !BASE64.test(base64)) {
    return { ok: false, reason: `has a damaged base64 body in its ${label} block` };
  }
  const der = Buffer.from(base64, 'base64');
  // Buffer's decoder skips junk silently; re-encoding proves every character was meaningful.
  if (der.toString('base64') !== base64) return { ok: false, reason: `has non-canonical base64 in its ${label} block` };
  return { ok: true, block: { label, der } };
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Views a Uint8Array as a Buffer without copying (node:tls and node:crypto want Buffers). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
