import assert from 'node:assert/strict';
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import {
  createFileDecryptStream,
  createFileEncryptStream,
  createSizeCheckStream,
  decryptManifestDb,
  encryptedLength,
  encryptManifestDb,
  newFileKey,
  readEncryptedManifestDb,
  randomAesKey,
  unwrapFileKey,
} from './index.js';
import { expectFormatError, patternBytes, tempDir } from './test-helpers.js';

/** Feeds `data` through `transform` in chunks of the given sizes (cycled), collecting the output. */
async function through(transform: NodeJS.ReadWriteStream, data: Buffer, chunkSizes: readonly number[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = chunkSizes[i % chunkSizes.length] ?? 1;
    chunks.push(data.subarray(at, at + n));
    at += n;
  }
  return buffer(Readable.from(chunks).pipe(transform));
}

function classKeys(): Map<number, Buffer> {
  return new Map([1, 2, 3, 4].map((c) => [c, randomAesKey()]));
}

describe('per-file encryption', () => {
  for (const size of [0, 1, 15, 16, 17, 1024 * 1024 + 3]) {
    it(`round-trips ${size} bytes through the streaming cipher with PKCS#7`, async () => {
      const keys = classKeys();
      const { fileKey, encryptionKey, encryptionKeyClass } = newFileKey(keys, 3);
      assert.equal(encryptionKey.length, 40);
      assert.deepEqual(unwrapFileKey({ encryptionKey, encryptionKeyClass, relativePath: 'x' }, keys), fileKey);
      const plain = patternBytes(size, size + 1);
      const blob = await through(createFileEncryptStream(fileKey), plain, [7, 65536, 1, 100_000]);
      assert.equal(blob.length, encryptedLength(size));
      assert.equal(blob.length % 16, 0);
      for (const chunking of [[blob.length || 1], [1], [5, 16, 31], [65536]]) {
        if (size > 4096 && chunking[0] === 1) continue;
        const out = await through(createFileDecryptStream(fileKey, size), blob, chunking);
        assert.ok(out.equals(plain), `chunking ${chunking.join(',')}`);
      }
    });
  }

  it('drops bytes beyond Size (a file that grew during the backup) and accepts unpadded aligned blobs', async () => {
    const key = randomAesKey();
    const plain = patternBytes(100);
    const blob = await through(createFileEncryptStream(key), plain, [100]);
    assert.deepEqual(await through(createFileDecryptStream(key, 90), blob, [64]), plain.subarray(0, 90));
    const unpadded = blob.subarray(0, 96);
    assert.deepEqual(await through(createFileDecryptStream(key, 96), unpadded, [96]), plain.subarray(0, 96));
  });

  it('fails clearly on truncated blobs', async () => {
    const key = randomAesKey();
    const blob = await through(createFileEncryptStream(key), patternBytes(1000), [1000]);
    await expectFormatError(() => through(createFileDecryptStream(key, 1000, 'Library/x'), blob.subarray(0, 1000), [300]), 'FORMAT_CORRUPT', /Library\/x.*whole number of AES blocks/);
    await expectFormatError(() => through(createFileDecryptStream(key, 1000), blob.subarray(0, 992), [300]), 'FORMAT_CORRUPT', /holds 992 bytes but Manifest.db says 1000/);
    await expectFormatError(() => through(createFileDecryptStream(key, 5), Buffer.alloc(0), [1]), 'FORMAT_CORRUPT', /holds 0 bytes/);
  });

  it('size-checks unencrypted blobs in both directions', async () => {
    assert.deepEqual(await through(createSizeCheckStream(3), Buffer.from('abc'), [1]), Buffer.from('abc'));
    await expectFormatError(() => through(createSizeCheckStream(4), Buffer.from('abc'), [2]), 'FORMAT_CORRUPT', /holds 3 bytes/);
    await expectFormatError(() => through(createSizeCheckStream(2), Buffer.from('abc'), [2]), 'FORMAT_CORRUPT', /longer/);
  });

  it('explains missing keys', async () => {
    const keys = classKeys();
    await expectFormatError(() => unwrapFileKey({ relativePath: 'a' }, keys), 'FORMAT_CORRUPT', /no EncryptionKey/);
    const { encryptionKey } = newFileKey(keys, 2);
    await expectFormatError(() => unwrapFileKey({ relativePath: 'a', encryptionKey, encryptionKeyClass: 7 }, keys), 'FORMAT_UNSUPPORTED', /class 7/);
    await expectFormatError(() => unwrapFileKey({ relativePath: 'a', encryptionKey, encryptionKeyClass: 3 }, keys), 'FORMAT_CORRUPT', /integrity/);
  });

  it('streams a large blob at OpenSSL speed (throughput reported, not asserted)', async (t) => {
    const dir = tempDir(t);
    const key = randomAesKey();
    const size = 64 * 1024 * 1024 + 5;
    const plain = patternBytes(size);
    writeFileSync(join(dir, 'blob'), await through(createFileEncryptStream(key), plain, [4 * 1024 * 1024]));
    let offset = 0;
    let same = true;
    // Compare in place (memcmp) so the measurement is the decryption, not a hash.
    const check = new Writable({
      write(chunk: Buffer, _encoding, done) {
        same &&= plain.subarray(offset, offset + chunk.length).equals(chunk);
        offset += chunk.length;
        done();
      },
    });
    const started = performance.now();
    await pipeline(createReadStream(join(dir, 'blob'), { highWaterMark: 1024 * 1024 }), createFileDecryptStream(key, size), check);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(same && offset === size);
    t.diagnostic(`file decrypt ${(size / seconds / 1e6).toFixed(0)} MB/s (64 MiB, 1 MiB reads)`);
  });
});

describe('Manifest.db encryption', () => {
  const image = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), patternBytes(4096 * 3 - 16)]);

  it('round-trips with the PKCS#7 block real backups carry, and without it', async (t) => {
    const keys = classKeys();
    const { ciphertext, manifestKey } = encryptManifestDb(image, keys);
    assert.equal(manifestKey.length, 44);
    assert.equal(manifestKey.readUInt32LE(0), 4);
    assert.equal(ciphertext.length, image.length + 16);
    assert.deepEqual(decryptManifestDb(ciphertext, manifestKey, keys), image);
    // Some tools re-encrypt without padding: the page-aligned image must come back whole.
    assert.deepEqual(decryptManifestDb(ciphertext.subarray(0, image.length), manifestKey, keys), image);
    const dir = tempDir(t);
    writeFileSync(join(dir, 'Manifest.db'), ciphertext);
    assert.deepEqual(await readEncryptedManifestDb(join(dir, 'Manifest.db'), manifestKey, keys), image);
  });

  it('rejects a wrong key, damaged bytes and truncation', async (t) => {
    const keys = classKeys();
    const { ciphertext, manifestKey } = encryptManifestDb(image, keys);
    await expectFormatError(() => decryptManifestDb(ciphertext, manifestKey, classKeys()), 'FORMAT_CORRUPT', /ManifestKey/);
    await expectFormatError(() => decryptManifestDb(ciphertext, manifestKey.subarray(0, 40), keys), 'FORMAT_CORRUPT', /44|expected 4/);
    const damaged = Buffer.from(ciphertext);
    damaged[3] = (damaged[3] ?? 0) ^ 0xff;
    await expectFormatError(() => decryptManifestDb(damaged, manifestKey, keys), 'FORMAT_CORRUPT', /not an SQLite database/);
    await expectFormatError(() => decryptManifestDb(ciphertext.subarray(0, 100), manifestKey, keys), 'FORMAT_CORRUPT', /whole number of AES blocks/);
    const dir = tempDir(t);
    writeFileSync(join(dir, 'Manifest.db'), ciphertext.subarray(0, 1000));
    await expectFormatError(() => readEncryptedManifestDb(join(dir, 'Manifest.db'), manifestKey, keys), 'FORMAT_CORRUPT', /truncated/);
  });
});
