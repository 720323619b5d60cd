/**
 * Shared fixtures for the plist tests (not part of the public API).
 *
 * Nouns: the *sample* is one dict exercising every type and every integer width; a *PRNG* is a seeded
 * mulberry32 generator so fuzz runs are reproducible; *plistutil* is libplist's converter, run through
 * temporary files because libplist 2.2 cannot write binary output to a pipe reliably.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlistError } from './errors.js';
import type { PlistDict } from './types.js';
import { PlistReal, PlistUid } from './types.js';

/** Every type, width and edge the codecs handle. Dates are whole seconds so XML keeps them exactly. */
export function sampleValue(options: { readonly negativeZero?: boolean } = {}): PlistDict {
  const value: PlistDict = {
    ascii: 'Lifeboat',
    empty: '',
    markup: 'a < b && c > d "quoted" \'single\' ]]> <!-- -->',
    whitespace: '  leading and trailing\ttabs\nnewline  ',
    carriageReturn: 'line1\r\nline2\r',
    unicode: 'héllo wörld — 日本語',
    astral: '😀🚀 \u{10FFFF} \u{1F468}\u200D\u{1F469}',
    combining: 'e\u0301 a\u0308 n\u0303',
    controls: 'bell\u0007 esc\u001b del\u007f',
    int0: 0,
    int1: 255,
    int2: 256,
    int2max: 65535,
    int4: 65536,
    int4max: 4294967295,
    int8: 4294967296,
    maxSafe: Number.MAX_SAFE_INTEGER,
    minusOne: -1,
    minSafe: Number.MIN_SAFE_INTEGER,
    int64max: 2n ** 63n - 1n,
    int64min: -(2n ** 63n),
    uint64low: 2n ** 63n,
    uint64max: 2n ** 64n - 1n,
    beyondSafe: 2n ** 53n,
    real: 1.5,
    third: 1 / 3,
    tenth: 0.1,
    wholeReal: new PlistReal(2),
    zeroReal: new PlistReal(0),
    hugeReal: new PlistReal(1.7976931348623157e308),
    tinyReal: 5e-324,
    negativeReal: -273.15,
    nan: NaN,
    infinity: Infinity,
    negativeInfinity: -Infinity,
    yes: true,
    no: false,
    date: new Date('2020-01-02T03:04:05Z'),
    epoch2001: new Date('2001-01-01T00:00:00Z'),
    oldDate: new Date('1901-12-13T20:45:52Z'),
    data: Buffer.from('0001020304fffefd', 'hex'),
    emptyData: Buffer.alloc(0),
    longData: Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff)),
    uid0: new PlistUid(0),
    uid1: new PlistUid(255),
    uid2: new PlistUid(256),
    uid4: new PlistUid(4294967295),
    emptyArray: [],
    emptyDict: {},
    nested: { level1: { level2: [[[{ deep: ['bottom', new PlistUid(3)] }]]] } },
    mixed: ['x', 1, new PlistReal(1), true, new Date('2019-06-01T00:00:00Z'), Buffer.from('ab'), {}, []],
    repeated: ['same', 'same', 'same', 7, 7, new PlistReal(7)],
    bigArray: Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? `item ${i % 50}` : i % 3 === 1 ? i * 1000 : i / 8)),
    'key with spaces & <markup>': 'value',
    'ключ': 'значение',
  };
  if (options.negativeZero !== false) value['negativeZero'] = new PlistReal(-0);
  return value;
}

/** Deterministic PRNG (mulberry32): the same seed gives the same fuzz cases on every machine. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `plistutil -i in -o out -f format` through temporary files and returns the output bytes. */
export function plistutil(input: Uint8Array, format: 'bin' | 'xml'): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-plist-'));
  try {
    const inPath = join(dir, 'in.plist');
    const outPath = join(dir, 'out.plist');
    writeFileSync(inPath, input);
    execFileSync('plistutil', ['-i', inPath, '-o', outPath, '-f', format], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
    return readFileSync(outPath);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts that `run` throws a PlistError (and nothing else); returns it for further checks. */
export function expectPlistError(run: () => unknown, message?: RegExp): PlistError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught !== undefined, 'expected a PlistError, but nothing was thrown');
  if (!(caught instanceof PlistError)) {
    assert.fail(`expected a PlistError, got ${caught instanceof Error ? `${caught.constructor.name}: ${caught.message}` : String(caught)}`);
  }
  assert.equal(caught.code, 'PLIST_INVALID');
  if (message) assert.match(caught.message, message);
  return caught;
}

/** Rewrites libplist 2.2's view of UIDs read from XML (a one-key `CF$UID` dict) back into PlistUids. */
export function uidDictsToUids(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(uidDictsToUids);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value);
    const only = entries[0];
    if (entries.length === 1 && only && only[0] === 'CF$UID' && typeof only[1] === 'number') return new PlistUid(only[1]);
    return Object.fromEntries(entries.map(([k, v]) => [k, uidDictsToUids(v)]));
  }
  return value;
}
