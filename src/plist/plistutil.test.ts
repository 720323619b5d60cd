/**
 * Cross-checks against libplist's plistutil, the converter libimobiledevice users have. Known libplist
 * 2.2 behaviours these tests account for:
 * - XML it reads keeps `<dict><key>CF$UID</key>…</dict>` as a dict (it writes UIDs that way, but only
 *   binary UIDs become UIDs), so the XML→binary direction maps those dicts back before comparing;
 * - it prints the real -0 as `0.0`, losing the sign, so the XML it writes is compared without -0;
 * - it refuses UIDs wider than 4 bytes (our encoders refuse them too).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// A test file may use the shared test support; the layering rule exists to keep production code off it.
import { requireTool } from '../../test/support/require-tool.js';
import { encodeBinaryPlist, encodeXmlPlist, parseBinaryPlist, parsePlist, parseXmlPlist, PlistReal, PlistUid, type PlistValue } from './index.js';
import { plistutil, sampleValue, uidDictsToUids } from './test-helpers.js';

const preserve = { preserveRealType: true } as const;

describe('cross-checks with libplist plistutil', () => {
  it('our binary → plistutil → XML → our parser gives the original', (t) => {
    if (!requireTool(t, 'plistutil')) return;
    const sample = sampleValue({ negativeZero: false });
    const xml = plistutil(encodeBinaryPlist(sample), 'xml');
    assert.deepStrictEqual(parseXmlPlist(xml, preserve), sample);
  });

  it('our XML → plistutil → binary → our parser gives the original', (t) => {
    if (!requireTool(t, 'plistutil')) return;
    const sample = sampleValue();
    const binary = plistutil(encodeXmlPlist(sample), 'bin');
    assert.deepStrictEqual(uidDictsToUids(parseBinaryPlist(binary, preserve)), sample);
  });

  it('our binary → plistutil → binary → our parser gives the original', (t) => {
    if (!requireTool(t, 'plistutil')) return;
    const sample = sampleValue({ negativeZero: false });
    const binary = plistutil(plistutil(encodeBinaryPlist(sample), 'xml'), 'bin');
    assert.deepStrictEqual(uidDictsToUids(parsePlist(binary, preserve)), sample);
  });

  it('our XML output is byte-identical to plistutil\'s when no reals need rounding', (t) => {
    if (!requireTool(t, 'plistutil')) return;
    const { tenth: _a, third: _b, real: _c, tinyReal: _d, hugeReal: _e, negativeReal: _f, bigArray: _g, zeroReal: _h, negativeZero: _i, ...rest } = sampleValue();
    const value: PlistValue = { ...rest, deepData: [[[[[[[[[[Buffer.alloc(100, 7)]]]]]]]]]] };
    const ours = encodeXmlPlist(value).toString('utf8');
    const theirs = plistutil(encodeBinaryPlist(value), 'xml').toString('utf8');
    // libplist writes raw CR where we write &#13; (a raw CR would not survive an XML parser).
    assert.equal(ours, theirs.replace(/\r/g, '&#13;'));
  });

  it('parses what plistutil writes from its own XML parser, in both formats', (t) => {
    if (!requireTool(t, 'plistutil')) return;
    const handwritten =
      '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>' +
      '<key>hex</key><integer>0x1F</integer><key>neg</key><integer>-42</integer>' +
      '<key>big</key><integer>18446744073709551615</integer><key>float</key><real>1.5</real>' +
      '<key>double</key><real>0.1</real><key>whole</key><real>3</real><key>nan</key><real>nan</real>' +
      '<key>date</key><date>2011-11-11T11:11:11Z</date><key>data</key><data>AAEC</data><key>s</key><string>&lt;ü&gt;</string>' +
      '<key>dup1</key><string>same</string><key>dup2</key><string>same</string><key>empty</key><array/></dict></plist>';
    const expected = {
      hex: 31, neg: -42, big: 2n ** 64n - 1n, float: 1.5, double: 0.1, whole: new PlistReal(3), nan: NaN,
      date: new Date('2011-11-11T11:11:11Z'), data: Buffer.from([0, 1, 2]), s: '<ü>', dup1: 'same', dup2: 'same', empty: [],
    };
    const binary = plistutil(Buffer.from(handwritten), 'bin');
    assert.deepStrictEqual(parsePlist(binary, preserve), expected);
    assert.deepStrictEqual(parsePlist(plistutil(binary, 'xml'), preserve), expected);
  });

  it('reads libplist binary UIDs, 4-byte floats and 16-byte integers', (t) => {
    if (!requireTool(t, 'plistutil')) return;
    const binary = plistutil(encodeBinaryPlist([new PlistUid(300), new PlistReal(0.5), 2n ** 63n]), 'xml');
    const back = plistutil(binary, 'bin');
    // libplist stores reals exactly representable as float in 4 bytes: 0x22 marker.
    assert.ok(back.includes(Buffer.from([0x22, 0x3f, 0x00, 0x00, 0x00])));
    assert.deepStrictEqual(uidDictsToUids(parseBinaryPlist(back, preserve)), [new PlistUid(300), 0.5, 2n ** 63n]);
  });
});
