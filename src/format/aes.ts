/**
 * The AES building blocks every encrypted backup uses, on top of node:crypto (OpenSSL).
 *
 * Nouns: a *KEK* (key-encryption key) wraps another key with AES key wrap (RFC 3394, default IV
 * A6A6A6A6A6A6A6A6): 32 key bytes become 40 *wrapped* bytes whose first 8 are an integrity check, so
 * *unwrapping* with the wrong KEK is detected — that check is how a wrong backup password is recognised.
 * Bulk data (Manifest.db, file blobs) is AES-256-CBC with an all-zero IV and PKCS#7 padding.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { FORMAT_CODES, FormatError } from './errors.js';

export const AES_KEY_BYTES = 32;
export const WRAPPED_KEY_BYTES = 40;
export const AES_BLOCK = 16;
/** CBC IV of every backup cipher: Apple derives a fresh key per file instead of a fresh IV. */
export const ZERO_IV: Buffer = Buffer.alloc(AES_BLOCK);
const WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

/** A fresh random 256-bit key. */
export function randomAesKey(): Buffer {
  return randomBytes(AES_KEY_BYTES);
}

/** RFC 3394 wrap of `key` (a multiple of 8 bytes, at least 16) under a 256-bit KEK. */
export function wrapKey(kek: Uint8Array, key: Uint8Array): Buffer {
  checkKek(kek);
  if (key.length < 16 || key.length % 8 !== 0) throw new RangeError(`key wrap needs a multiple of 8 bytes, at least 16 (got ${key.length})`);
  const cipher = createCipheriv('id-aes256-wrap', kek, WRAP_IV);
  return Buffer.concat([cipher.update(key), cipher.final()]);
}

/**
 * RFC 3394 unwrap; undefined when the integrity check fails (wrong KEK or damaged bytes). OpenSSL reports
 * that failure with an unhelpful message ("unsupported state" / "bad decrypt"), so it is not propagated.
 */
export function tryUnwrapKey(kek: Uint8Array, wrapped: Uint8Array): Buffer | undefined {
  checkKek(kek);
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) return undefined;
  try {
    const decipher = createDecipheriv('id-aes256-wrap', kek, WRAP_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** RFC 3394 unwrap that throws FORMAT_CORRUPT naming `what` when the integrity check fails. */
export function unwrapKey(kek: Uint8Array, wrapped: Uint8Array, what = 'wrapped key'): Buffer {
  const key = tryUnwrapKey(kek, wrapped);
  if (key === undefined) throw new FormatError(FORMAT_CODES.CORRUPT, `${what} does not unwrap with its class key (RFC 3394 integrity check failed)`);
  return key;
}

/** 4-byte little-endian protection class ‖ wrapped key: the form of ManifestKey and MBFile EncryptionKey. */
export function classPrefixedKey(protectionClass: number, wrapped: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + wrapped.length);
  out.writeUInt32LE(protectionClass, 0);
  out.set(wrapped, 4);
  return out;
}

export function splitClassPrefixedKey(bytes: Uint8Array, what: string): { protectionClass: number; wrappedKey: Buffer } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length !== 4 + WRAPPED_KEY_BYTES) {
    throw new FormatError(FORMAT_CODES.CORRUPT, `${what} is ${buf.length} bytes; expected 4 (class) + ${WRAPPED_KEY_BYTES} (wrapped key)`);
  }
  return { protectionClass: buf.readUInt32LE(0), wrappedKey: buf.subarray(4) };
}

/** Whole-buffer AES-256-CBC (zero IV) with PKCS#7 padding added — small payloads only. */
export function encryptCbcPadded(key: Uint8Array, plaintext: Uint8Array): Buffer {
  checkKek(key);
  const cipher = createCipheriv('aes-256-cbc', key, ZERO_IV);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]);
}

/** Whole-buffer AES-256-CBC (zero IV) decryption leaving any padding in place (the caller decides). */
export function decryptCbcRaw(key: Uint8Array, ciphertext: Uint8Array): Buffer {
  checkKek(key);
  if (ciphertext.length % AES_BLOCK !== 0) {
    throw new FormatError(FORMAT_CODES.CORRUPT, `ciphertext of ${ciphertext.length} bytes is not a whole number of AES blocks (truncated?)`);
  }
  const decipher = createDecipheriv('aes-256-cbc', key, ZERO_IV).setAutoPadding(false);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/** Length of `data` without a valid PKCS#7 tail, or `data.length` when the tail is not valid padding. */
export function unpaddedLength(data: Uint8Array): number {
  const pad = data[data.length - 1];
  if (pad === undefined || pad < 1 || pad > AES_BLOCK || pad > data.length) return data.length;
  for (let i = data.length - pad; i < data.length; i++) if (data[i] !== pad) return data.length;
  return data.length - pad;
}

function checkKek(key: Uint8Array): void {
  if (key.length !== AES_KEY_BYTES) throw new RangeError(`AES-256 key must be ${AES_KEY_BYTES} bytes (got ${key.length})`);
}
