/**
 * Encryption of Manifest.db and of file blobs in an encrypted backup.
 *
 * Nouns: the *ManifestKey* (Manifest.plist) is LE32 class ‖ 40-byte wrapped key; the unwrapped key
 * decrypts the whole Manifest.db file. A *file key* is the per-file 32-byte key whose wrapping (under
 * its class key) the MBFile's EncryptionKey holds. Both ciphers are AES-256-CBC, zero IV, PKCS#7 — so
 * a blob is 16·⌊size/16⌋ + 16 bytes and the page-aligned Manifest.db gains one whole padding block.
 *
 * Padding policy (format.md §6.3–6.4): a file's plaintext is truncated to MBFile.Size rather than
 * unpadded, which also copes with files that grew while the device backed them up; fewer bytes than
 * Size is an error (truncated blob). Manifest.db is unpadded only when the tail is valid PKCS#7, since
 * some tools re-encrypt without padding. File data is streamed (Transform), never held whole.
 */
import { createCipheriv, createDecipheriv, type Cipher } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { AES_BLOCK, classPrefixedKey, decryptCbcRaw, encryptCbcPadded, randomAesKey, splitClassPrefixedKey, unpaddedLength, unwrapKey, wrapKey, ZERO_IV } from './aes.js';
import { FORMAT_CODES, FormatError } from './errors.js';
import type { MbFile } from './mbfile.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** Manifest.db is decrypted in slices this big into one preallocated buffer (no second full copy). */
const MANIFEST_SLICE = 8 * 1024 * 1024;
/** Class of the ManifestKey in every backup seen (NSFileProtectionNone). */
export const MANIFEST_KEY_CLASS = 4;

export function isSqliteHeader(bytes: Uint8Array): boolean {
  return bytes.length >= SQLITE_MAGIC.length && SQLITE_MAGIC.equals(bytes.subarray(0, SQLITE_MAGIC.length));
}

/** Ciphertext length for `size` plaintext bytes (always at least one padding byte). */
export function encryptedLength(size: number): number {
  return (Math.floor(size / AES_BLOCK) + 1) * AES_BLOCK;
}

/** The class key `protectionClass` needs, or a FormatError explaining why there is none. */
export function classKeyFor(classKeys: ReadonlyMap<number, Buffer>, protectionClass: number, what: string): Buffer {
  const key = classKeys.get(protectionClass);
  if (key !== undefined) return key;
  throw new FormatError(FORMAT_CODES.UNSUPPORTED, `${what} is protected by class ${protectionClass}, which the backup password does not unlock`, {
    hint: 'Device-bound classes (WRAP 3) can only be opened on the iPhone that made the backup.',
  });
}

/** Unwraps ManifestKey (44 bytes from Manifest.plist) into the Manifest.db key. */
export function unwrapManifestKey(manifestKey: Uint8Array, classKeys: ReadonlyMap<number, Buffer>): Buffer {
  const { protectionClass, wrappedKey } = splitClassPrefixedKey(manifestKey, 'ManifestKey');
  return unwrapKey(classKeyFor(classKeys, protectionClass, 'ManifestKey'), wrappedKey, 'ManifestKey');
}

/** Decrypts an encrypted Manifest.db image in memory (the plaintext never touches disk). */
export function decryptManifestDb(ciphertext: Uint8Array, manifestKey: Uint8Array, classKeys: ReadonlyMap<number, Buffer>): Buffer {
  const plain = decryptCbcRaw(unwrapManifestKey(manifestKey, classKeys), ciphertext);
  return checkedManifestPlaintext(plain);
}

/** Reads and decrypts an encrypted Manifest.db file slice by slice into a single buffer. */
export async function readEncryptedManifestDb(path: string, manifestKey: Uint8Array, classKeys: ReadonlyMap<number, Buffer>): Promise<Buffer> {
  const key = unwrapManifestKey(manifestKey, classKeys);
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size % AES_BLOCK !== 0 || size === 0) {
      const detail = size === 0 ? 'empty' : `${size} bytes, not a whole number of AES blocks (truncated?)`;
      throw new FormatError(FORMAT_CODES.CORRUPT, `the encrypted Manifest.db is ${detail}`, { file: 'Manifest.db' });
    }
    const out = Buffer.allocUnsafe(size);
    const slice = Buffer.allocUnsafe(Math.min(MANIFEST_SLICE, size));
    const decipher = createDecipheriv('aes-256-cbc', key, ZERO_IV).setAutoPadding(false);
    let written = 0;
    for (let at = 0; at < size; ) {
      const { bytesRead } = await handle.read(slice, 0, Math.min(slice.length, size - at), at);
      if (bytesRead === 0) break;
      at += bytesRead;
      written += decipher.update(slice.subarray(0, bytesRead)).copy(out, written);
    }
    written += decipher.final().copy(out, written);
    return checkedManifestPlaintext(out.subarray(0, written));
  } finally {
    await handle.close();
  }
}

function checkedManifestPlaintext(plain: Buffer): Buffer {
  if (!isSqliteHeader(plain)) {
    throw new FormatError(FORMAT_CODES.CORRUPT, 'decrypted Manifest.db is not an SQLite database (ManifestKey or file damaged)', { file: 'Manifest.db' });
  }
  return plain.subarray(0, unpaddedLength(plain));
}

/** Encrypts a Manifest.db image with a new random key; returns the ciphertext and its ManifestKey. */
export function encryptManifestDb(
  plaintext: Uint8Array,
  classKeys: ReadonlyMap<number, Buffer>,
  protectionClass = MANIFEST_KEY_CLASS,
): { ciphertext: Buffer; manifestKey: Buffer } {
  const { key, manifestKey } = newManifestKey(classKeys, protectionClass);
  return { ciphertext: encryptCbcPadded(key, plaintext), manifestKey };
}

/** A random Manifest.db key and its ManifestKey form (LE32 class ‖ wrapped). */
export function newManifestKey(classKeys: ReadonlyMap<number, Buffer>, protectionClass = MANIFEST_KEY_CLASS): { key: Buffer; manifestKey: Buffer } {
  const key = randomAesKey();
  const wrapped = wrapKey(classKeyFor(classKeys, protectionClass, 'ManifestKey'), key);
  return { key, manifestKey: classPrefixedKey(protectionClass, wrapped) };
}

/** The file key of an encrypted regular file (MBFile EncryptionKey unwrapped with its class key). */
export function unwrapFileKey(file: Pick<MbFile, 'encryptionKey' | 'encryptionKeyClass' | 'relativePath'>, classKeys: ReadonlyMap<number, Buffer>): Buffer {
  if (file.encryptionKey === undefined || file.encryptionKeyClass === undefined) {
    throw new FormatError(FORMAT_CODES.CORRUPT, `${JSON.stringify(file.relativePath)} has no EncryptionKey in an encrypted backup`, { file: 'Manifest.db' });
  }
  const what = `the EncryptionKey of ${JSON.stringify(file.relativePath)}`;
  return unwrapKey(classKeyFor(classKeys, file.encryptionKeyClass, what), file.encryptionKey, what);
}

/** A new random file key wrapped under `protectionClass`: the MBFile fields plus the key itself. */
export function newFileKey(classKeys: ReadonlyMap<number, Buffer>, protectionClass: number): { fileKey: Buffer; encryptionKey: Buffer; encryptionKeyClass: number } {
  const fileKey = randomAesKey();
  const encryptionKey = wrapKey(classKeyFor(classKeys, protectionClass, 'a new file'), fileKey);
  return { fileKey, encryptionKey, encryptionKeyClass: protectionClass };
}

/** Plaintext → blob: AES-256-CBC, zero IV, PKCS#7 (a full extra block when the length is aligned). */
export function createFileEncryptStream(fileKey: Uint8Array): Cipher {
  return createCipheriv('aes-256-cbc', fileKey, ZERO_IV);
}

/**
 * Blob → plaintext, emitting exactly `size` bytes. Errors (FORMAT_CORRUPT) when the blob is not a whole
 * number of blocks or holds fewer than `size` bytes; bytes beyond `size` (padding, growth) are dropped.
 */
export function createFileDecryptStream(fileKey: Uint8Array, size: number, what = 'file'): Transform {
  const decipher = createDecipheriv('aes-256-cbc', fileKey, ZERO_IV).setAutoPadding(false);
  let emitted = 0;
  const emit = (stream: Transform, out: Buffer): void => {
    const take = Math.min(out.length, size - emitted);
    if (take > 0) stream.push(take === out.length ? out : out.subarray(0, take));
    emitted += take;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      emit(this, decipher.update(chunk));
      done();
    },
    flush(done: TransformCallback) {
      let tail: Buffer;
      try {
        tail = decipher.final();
      } catch (error) {
        done(new FormatError(FORMAT_CODES.CORRUPT, `${what}: the encrypted blob is not a whole number of AES blocks (truncated)`, { cause: error }));
        return;
      }
      emit(this, tail);
      if (emitted < size) {
        done(new FormatError(FORMAT_CODES.CORRUPT, `${what}: the encrypted blob holds ${emitted} bytes but Manifest.db says ${size} (truncated)`));
        return;
      }
      done();
    },
  });
}

/** Pass-through for unencrypted blobs that fails (FORMAT_CORRUPT) unless exactly `size` bytes flow. */
export function createSizeCheckStream(size: number, what = 'file'): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > size) done(new FormatError(FORMAT_CODES.CORRUPT, `${what}: the blob is longer than the ${size} bytes Manifest.db records`));
      else done(null, chunk);
    },
    flush(done: TransformCallback) {
      done(seen === size ? null : new FormatError(FORMAT_CODES.CORRUPT, `${what}: the blob holds ${seen} bytes but Manifest.db says ${size} (truncated)`));
    },
  });
}
