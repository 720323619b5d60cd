import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMbFile, encodeMbFile, encodeMbFileGeneric, type MbFileInput } from './mbfile.js';
import { fastEncodable } from './mbfile-fast.js';

/** A small deterministic generator, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const COLLIDING_STRINGS = ['$null', 'MBFile', 'NSObject', '$class', 'RelativePath', 'NSKeyedArchiver', 'root', '$version', 'NS.data', 'NSMutableData', 'Size'];

function randomRecord(next: () => number, i: number): MbFileInput {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  // Integers of every width the bplist writer distinguishes, and values equal to each other and to
  // the archive's own 100000, so uniquing is exercised.
  const int = (): number => pick([0, 1, 14, 15, 255, 256, 65535, 65536, 100000, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + i, Number.MAX_SAFE_INTEGER, Math.floor(next() * 2 ** 31)]);
  const path = pick([
    `Media/DCIM/100APPLE/IMG_${i}.HEIC`,
    `Library/SMS/Attachments/${i % 256}/ü-${i}.jpg`,
    'x'.repeat(Math.floor(next() * 40)),
    pick(COLLIDING_STRINGS),
    `\u{1F600} emoji ${i}`,
    '',
  ]);
  const record: MbFileInput = {
    relativePath: path,
    mode: pick([0o100644, 0o40755, 0o100600, 0]),
    size: int(),
    userId: pick([501, 0, -2, 100000]),
    groupId: pick([501, 0, -2]),
    inode: int(),
    birth: int(),
    lastModified: int(),
    lastStatusChange: int(),
    flags: pick([0, 128]),
    protectionClass: pick([0, 3, 4, 100000]),
  };
  if (next() < 0.4) {
    const key = Buffer.alloc(40);
    for (let b = 0; b < 40; b++) key[b] = Math.floor(next() * 256);
    return { ...record, encryptionKey: key, ...(next() < 0.5 ? { encryptionKeyClass: pick([1, 3, 4]) } : {}) };
  }
  return record;
}

describe('encodeMbFile fast path', () => {
  it('writes the same bytes as the generic encoder', () => {
    const next = rng(20240601);
    for (let i = 0; i < 5000; i++) {
      const record = randomRecord(next, i);
      assert.ok(fastEncodable(record));
      const fast = encodeMbFile(record);
      const generic = encodeMbFileGeneric(record);
      assert.ok(fast.equals(generic), `record ${i} differs: ${JSON.stringify(record)}`);
    }
  });

  it('round-trips through the decoder', () => {
    const next = rng(7);
    for (let i = 0; i < 500; i++) {
      const record = randomRecord(next, i);
      // A path spelled "$null" decodes as no path: the archive's own $null string is shared (the
      // generic encoder does the same; not a concern of the fast path).
      if (record.relativePath === '$null') continue;
      const decoded = decodeMbFile(encodeMbFile(record));
      assert.equal(decoded.relativePath, record.relativePath);
      assert.equal(decoded.size, record.size);
      assert.equal(decoded.userId, record.userId);
      assert.equal(Number(decoded.inode), record.inode);
    }
  });

  it('leaves records with optional fields, reals or huge integers to the generic encoder', () => {
    const base: MbFileInput = { relativePath: 'a', mode: 0o100644 };
    assert.equal(fastEncodable({ ...base, target: '/b' }), false);
    assert.equal(fastEncodable({ ...base, digest: Buffer.alloc(20) }), false);
    assert.equal(fastEncodable({ ...base, extendedAttributes: new Map() }), false);
    assert.equal(fastEncodable({ ...base, lastModified: 1.5 }), false);
    assert.equal(fastEncodable({ ...base, inode: 2n ** 60n }), false);
    assert.ok(encodeMbFile({ ...base, lastModified: 1.5 }).equals(encodeMbFileGeneric({ ...base, lastModified: 1.5 })));
  });
});
