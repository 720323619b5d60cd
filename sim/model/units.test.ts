import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, parseByteSize } from './units.js';

test('decimal units are powers of 1000, binary units powers of 1024', () => {
  const cases: Array<[string, number]> = [
    ['12GB', 12e9],
    ['512MB', 512e6],
    ['1.5TB', 1.5e12],
    ['800KiB', 800 * 1024],
    ['64GiB', 64 * 2 ** 30],
    ['2 tib', 2 * 2 ** 40],
    ['40000000000', 40e9],
    ['0', 0],
    ['7B', 7],
    ['1.5kb', 1500],
    ['0.5MiB', 524288],
  ];
  for (const [text, bytes] of cases) assert.deepEqual(parseByteSize(text), { bytes }, text);
});

test('bad sizes are reported, not thrown', () => {
  for (const text of ['', 'lots', '-5GB', '12XB', '1.5', '12 G B', '1e3', '9999999999TB']) {
    const result = parseByteSize(text);
    assert.ok('error' in result, text);
  }
});

test('formatBytes mirrors Apple\'s decimal display', () => {
  assert.equal(formatBytes(128e9), '128 GB');
  assert.equal(formatBytes(40.55e9), '40.6 GB');
  assert.equal(formatBytes(1e12), '1 TB');
  assert.equal(formatBytes(512e6), '512 MB');
  assert.equal(formatBytes(999), '999 bytes');
});
