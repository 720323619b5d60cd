import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeBinaryPlist, parseBinaryPlist, PlistError, PlistReal, PlistUid, type PlistValue } from './index.js';
import { expectPlistError, sampleValue } from './test-helpers.js';

const roundTrip = (value: PlistValue): PlistValue => parseBinaryPlist(encodeBinaryPlist(value), { preserveRealType: true });

/** Builds a bplist00 by hand: objects are raw byte strings, 1-byte offsets and refs. */
function handmade(objects: number[][], options: { top?: number; refSize?: number } = {}): Buffer {
  const parts: number[] = [...Buffer.from('bplist00')];
  const offsets: number[] = [];
  for (const object of objects) {
    offsets.push(parts.length);
    parts.push(...object);
  }
  const table = parts.length;
  const offsetSize = table > 255 ? 2 : 1;
  for (const offset of offsets) {
    if (offsetSize === 1) parts.push(offset);
    else parts.push(offset >> 8, offset & 0xff);
  }
  const trailer = Buffer.alloc(32);
  trailer[6] = offsetSize;
  trailer[7] = options.refSize ?? 1;
  trailer.writeBigUInt64BE(BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(BigInt(options.top ?? 0), 16);
  trailer.writeBigUInt64BE(BigInt(table), 24);
  return Buffer.concat([Buffer.from(parts), trailer]);
}

describe('binary plist round trips', () => {
  it('round-trips every type in the sample', () => {
    const sample = sampleValue();
    assert.deepStrictEqual(roundTrip(sample), sample);
  });

  it('round-trips each scalar as the top object', () => {
    for (const value of Object.values(sampleValue())) assert.deepStrictEqual(roundTrip(value), value);
  });

  it('returns numbers for bigints that fit and bigints beyond 2^53', () => {
    assert.deepStrictEqual(roundTrip([5n, -5n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n)]), [5, -5, 2 ** 53 - 1, 2n ** 53n, -(2n ** 53n)]);
  });

  it('keeps dates to the millisecond and before 2001', () => {
    const dates = [new Date(1577934245123), new Date(-1), new Date('1600-02-29T12:00:00.5Z'), new Date(0)];
    assert.deepStrictEqual(roundTrip(dates), dates);
  });

  it('encodes a plain Uint8Array as data and parses it back as a Buffer', () => {
    assert.deepStrictEqual(roundTrip(new Uint8Array([1, 2, 3])), Buffer.from([1, 2, 3]));
  });

  it('returns whole reals as numbers unless asked to preserve them', () => {
    assert.equal(parseBinaryPlist(encodeBinaryPlist(new PlistReal(2))), 2);
    assert.deepStrictEqual(parseBinaryPlist(encodeBinaryPlist(new PlistReal(2)), { preserveRealType: true }), new PlistReal(2));
  });

  it('round-trips big arrays and big dicts (2-byte refs and offsets, extended counts)', () => {
    const array = Array.from({ length: 70_000 }, (_, i) => i);
    assert.deepStrictEqual(roundTrip(array), array);
    const dict = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key${i}`, `value${i % 10}`]));
    assert.deepStrictEqual(roundTrip(dict), dict);
  });

  it('round-trips long ASCII and UTF-16 strings and large data', () => {
    const values = ['x'.repeat(100_000), 'ü😀'.repeat(40_000), Buffer.alloc(200_000, 0xab)];
    assert.deepStrictEqual(roundTrip(values), values);
  });

  it('writes a DAG (same container twice) once and reads it as two equal copies', () => {
    const shared = { a: [1, 2, 3] };
    const parsed = roundTrip([shared, shared]) as PlistValue[];
    assert.deepStrictEqual(parsed, [shared, shared]);
    assert.notStrictEqual(parsed[0], parsed[1]);
  });
});

describe('binary plist layout', () => {
  it('writes integers in minimal widths, negatives as 8 bytes and 2^63.. as 16 bytes', () => {
    const markerOf = (value: number | bigint): string => encodeBinaryPlist(value).subarray(8, 9).toString('hex');
    assert.equal(markerOf(255), '10');
    assert.equal(markerOf(256), '11');
    assert.equal(markerOf(65536), '12');
    assert.equal(markerOf(2 ** 32), '13');
    assert.equal(markerOf(-1), '13');
    assert.equal(encodeBinaryPlist(-1).subarray(9, 17).toString('hex'), 'ffffffffffffffff');
    assert.equal(markerOf(2n ** 63n - 1n), '13');
    assert.equal(markerOf(2n ** 63n), '14');
    assert.equal(encodeBinaryPlist(2n ** 64n - 1n).subarray(9, 25).toString('hex'), '0000000000000000ffffffffffffffff');
  });

  it('writes reals as 8-byte doubles, strings as ASCII or UTF-16BE', () => {
    assert.equal(encodeBinaryPlist(new PlistReal(2)).subarray(8, 17).toString('hex'), '234000000000000000');
    assert.equal(encodeBinaryPlist('ab').subarray(8, 11).toString('hex'), '526162');
    assert.equal(encodeBinaryPlist('é').subarray(8, 11).toString('hex'), '6100e9');
  });

  it('uniques equal strings and scalars but keeps int 7 and real 7 apart', () => {
    const bytes = encodeBinaryPlist({ a: 'same', b: 'same', c: 7, d: 7, e: new PlistReal(7), same: true });
    // dict + keys a..e,"same" (the value "same" reuses the key) + 7 + real 7 + true = 10 objects.
    assert.equal(bytes.readBigUInt64BE(bytes.length - 24), 10n);
  });

  it('chooses 1-byte refs and offsets for small plists, like Apple', () => {
    const bytes = encodeBinaryPlist({ hello: 'world' });
    assert.equal(bytes[bytes.length - 26], 1);
    assert.equal(bytes[bytes.length - 25], 1);
  });

  it('rejects values that have no plist form, naming the path', () => {
    const bad: unknown[] = [undefined, null, () => 1, Symbol('x'), new Map(), 2 ** 64, new Date(NaN), new PlistUid(-1), new PlistUid(1.5), new PlistUid(2 ** 32), 2n ** 64n, -(2n ** 63n) - 1n];
    for (const value of bad) {
      const error = expectPlistError(() => encodeBinaryPlist({ outer: [{ inner: value }] } as unknown as PlistValue));
      assert.equal(error.path, '$.outer[0].inner');
    }
  });

  it('rejects cycles instead of recursing forever', () => {
    const array: PlistValue[] = [];
    array.push(array);
    expectPlistError(() => encodeBinaryPlist(array), /contains itself/);
    const dict: Record<string, PlistValue> = {};
    dict['self'] = { again: dict };
    expectPlistError(() => encodeBinaryPlist(dict), /contains itself/);
  });
});

describe('binary plist parsing of other writers\' forms', () => {
  it('reads sets and ordered sets as arrays', () => {
    assert.deepStrictEqual(parseBinaryPlist(handmade([[0xc2, 1, 2], [0x10, 5], [0x51, 0x78]])), [5, 'x']);
    assert.deepStrictEqual(parseBinaryPlist(handmade([[0xb1, 1], [0x09]])), [true]);
  });

  it('reads 4-byte reals, 1..16-byte UIDs and 16-byte integers', () => {
    const float = [0x22, ...Buffer.from('3fc00000', 'hex')];
    const uid3 = [0x82, 0x01, 0x00, 0x00];
    const int16 = [0x14, ...Buffer.alloc(8), ...Buffer.from('0000000000000005', 'hex')];
    assert.deepStrictEqual(parseBinaryPlist(handmade([[0xa3, 1, 2, 3], float, uid3, int16])), [1.5, new PlistUid(65536), 5]);
  });

  it('reads 8-byte integers as signed and 1/2/4-byte ones as unsigned', () => {
    const objects = [[0xa3, 1, 2, 3], [0x12, 0xff, 0xff, 0xff, 0xff], [0x13, ...Buffer.alloc(8, 0xff)], [0x13, 0x80, ...Buffer.alloc(7)]];
    assert.deepStrictEqual(parseBinaryPlist(handmade(objects)), [4294967295, -1, -(2n ** 63n)]);
  });

  it('drops null and fill objects from containers', () => {
    assert.deepStrictEqual(parseBinaryPlist(handmade([[0xa3, 1, 2, 3], [0x00], [0x0f], [0x08]])), [false]);
  });

  it('reads UTF-16 strings with surrogate pairs', () => {
    const text = '😀a';
    const utf16 = Buffer.from(text, 'utf16le').swap16();
    assert.equal(parseBinaryPlist(handmade([[0x63, ...utf16]])), text);
  });

  it('gives a dict key named __proto__ as an own property without touching the prototype', () => {
    const parsed = parseBinaryPlist(handmade([[0xd1, 1, 2], [0x59, ...Buffer.from('__proto__')], [0xd0]])) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
    assert.ok(Object.prototype.hasOwnProperty.call(parsed, '__proto__'));
  });

  it('reports where a problem is', () => {
    const error = expectPlistError(() => parseBinaryPlist(handmade([[0xa1, 5]])), /refers to object 5/);
    assert.ok(error instanceof PlistError && typeof error.offset === 'number');
  });
});
