/**
 * Hostile-input tests: every malformed, truncated, oversized or adversarial plist must end in a
 * PlistError — never another error type, never a hang, never a giant allocation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeBinaryPlist, encodeXmlPlist, parseBinaryPlist, parsePlist, parseXmlPlist, PlistError, type PlistValue } from './index.js';
import { expectPlistError, prng, sampleValue } from './test-helpers.js';

/** A mid-sized plist with every type, small enough to fuzz thousands of times quickly. */
function fuzzBase(): PlistValue {
  const { bigArray: _big, longData: _long, ...rest } = sampleValue();
  return rest;
}

/** bplist00 with the given object bytes and a trailer whose fields can be overridden. */
function bplist(objects: number[][], trailer: Partial<{ offsetSize: number; refSize: number; count: bigint; top: bigint; table: bigint }> = {}): Buffer {
  const body: number[] = [...Buffer.from('bplist00')];
  const offsets = objects.map((object) => {
    const at = body.length;
    body.push(...object);
    return at;
  });
  const table = body.length;
  const wide = table > 255;
  for (const offset of offsets) {
    if (wide) body.push(offset >> 8, offset & 0xff);
    else body.push(offset);
  }
  const t = Buffer.alloc(32);
  t[6] = trailer.offsetSize ?? (wide ? 2 : 1);
  t[7] = trailer.refSize ?? 1;
  t.writeBigUInt64BE(trailer.count ?? BigInt(objects.length), 8);
  t.writeBigUInt64BE(trailer.top ?? 0n, 16);
  t.writeBigUInt64BE(trailer.table ?? BigInt(table), 24);
  return Buffer.concat([Buffer.from(body), t]);
}

/** Parses, accepting success or a PlistError; anything else fails the test with the case number. */
function survives(parse: () => unknown, label: string): void {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof PlistError)) assert.fail(`${label}: ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error)}`);
  }
}

describe('hostile binary plists', () => {
  it('rejects every truncation of a valid plist', () => {
    const bytes = encodeBinaryPlist(fuzzBase());
    for (let length = 0; length < bytes.length; length++) expectPlistError(() => parseBinaryPlist(bytes.subarray(0, length)));
  });

  it('survives thousands of random byte flips within a time bound', () => {
    const bytes = encodeBinaryPlist(fuzzBase());
    const random = prng(0x5eed);
    const started = performance.now();
    for (let i = 0; i < 4000; i++) {
      const copy = Buffer.from(bytes);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) {
        // Half the flips land in the offset table and trailer, where a single byte changes the most.
        const tail = random() < 0.5;
        const at = tail ? copy.length - 1 - Math.floor(random() * Math.min(copy.length, 400)) : Math.floor(random() * copy.length);
        copy[at] = Math.floor(random() * 256);
      }
      survives(() => parseBinaryPlist(copy), `flip case ${i}`);
    }
    // A hang guard, not a timing test: a parser that went exponential or looped would never get here.
    assert.ok(performance.now() - started < 60_000, 'fuzzing took longer than 60 s');
  });

  it('rejects trailers that do not describe the buffer', () => {
    const ok: number[][] = [[0x09]];
    expectPlistError(() => parseBinaryPlist(bplist(ok, { offsetSize: 0 })), /offset size 0/);
    expectPlistError(() => parseBinaryPlist(bplist(ok, { offsetSize: 9 })), /offset size 9/);
    expectPlistError(() => parseBinaryPlist(bplist(ok, { refSize: 0 })), /ref size 0/);
    expectPlistError(() => parseBinaryPlist(bplist(ok, { refSize: 200 })), /ref size 200/);
    expectPlistError(() => parseBinaryPlist(bplist(ok, { count: 0n })), /no objects/);
    expectPlistError(() => parseBinaryPlist(bplist(ok, { count: 2n ** 40n })), /exceeds the limit/);
    expectPlistError(() => parseBinaryPlist(bplist(ok, { count: 2n ** 64n - 1n })), /exceeds the limit/);
    expectPlistError(() => parseBinaryPlist(bplist(ok, { top: 1n })), /top object 1/);
    expectPlistError(() => parseBinaryPlist(bplist(ok, { table: 2n ** 63n })), /offset table/);
    expectPlistError(() => parseBinaryPlist(bplist(ok, { table: 3n })), /offset table/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x09], [0x08]], { count: 3n })), /offset table/);
  });

  it('rejects offsets and refs that point outside', () => {
    const offsetPastTable = bplist([[0x09]]);
    offsetPastTable[9] = 200; // the one offset-table entry
    expectPlistError(() => parseBinaryPlist(offsetPastTable), /outside the object region/);
    const offsetIntoHeader = bplist([[0x09]]);
    offsetIntoHeader[9] = 2;
    expectPlistError(() => parseBinaryPlist(offsetIntoHeader), /outside the object region/);
    expectPlistError(() => parseBinaryPlist(bplist([[0xa1, 0x07]])), /refers to object 7/);
    expectPlistError(() => parseBinaryPlist(bplist([[0xd1, 0x01, 0x09], [0x51, 0x61]])), /refers to object 9/);
  });

  it('rejects huge declared lengths without allocating them', () => {
    const size8 = (n: bigint): number[] => [0x13, ...Buffer.from(n.toString(16).padStart(16, '0'), 'hex')];
    expectPlistError(() => parseBinaryPlist(bplist([[0x4f, ...size8(2n ** 62n)]])), /too large/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x4f, ...size8(2n ** 50n)]])), /runs past/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x5f, 0x12, 0xff, 0xff, 0xff, 0xff]])), /runs past/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x6f, ...size8(2n ** 52n)]])), /runs past/);
    expectPlistError(() => parseBinaryPlist(bplist([[0xaf, ...size8(2n ** 60n)]])), /too large|runs past/);
    expectPlistError(() => parseBinaryPlist(bplist([[0xdf, 0x11, 0xff, 0xff]])), /runs past/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x4f, 0x14, 0, 0]])), /size must be/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x4f, 0x51]])), /size must be/);
  });

  it('rejects malformed scalars', () => {
    expectPlistError(() => parseBinaryPlist(bplist([[0x15, ...Buffer.alloc(32)]])), /integer width/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x21, 0, 0]])), /real width/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x32, 0, 0, 0, 0]])), /marker 0x32/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x33, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0]])), /date/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x52, 0x61, 0xe9]])), /ASCII string contains byte 0xe9/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x70]])), /unknown object marker 0x70/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x8f, ...Buffer.alloc(16, 0xff)]])), /UID/);
    expectPlistError(() => parseBinaryPlist(bplist([[0xd1, 0x01, 0x01], [0x10, 0x01]])), /key 0 \(object 1\) is not a string/);
    expectPlistError(() => parseBinaryPlist(bplist([[0x00]])), /null/);
    expectPlistError(() => parseBinaryPlist(Buffer.from('bplist01' + '\0'.repeat(40))), /header/);
  });

  it('rejects containers that contain themselves, directly or through others', () => {
    expectPlistError(() => parseBinaryPlist(bplist([[0xa1, 0x00]])), /contains itself/);
    expectPlistError(() => parseBinaryPlist(bplist([[0xd1, 0x01, 0x00], [0x51, 0x61]])), /contains itself/);
    expectPlistError(() => parseBinaryPlist(bplist([[0xa1, 0x01], [0xa1, 0x02], [0xd1, 0x03, 0x00], [0x51, 0x6b]])), /contains itself/);
  });

  it('caps the expansion of shared references (binary "billion laughs")', () => {
    // Object i is an array holding object i+1 twice: 2^40 values if expanded naively.
    const objects = Array.from({ length: 40 }, (_, i) => [0xa2, i + 1, i + 1]);
    objects.push([0x09]);
    const started = performance.now();
    expectPlistError(() => parseBinaryPlist(bplist(objects)), /more than 4000000 values/);
    expectPlistError(() => parseBinaryPlist(bplist(objects), { limits: { maxObjects: 1000 } }), /more than 1000 values/);
    // A naive expansion (2^40 values) would never finish; this guards against that, not against a slow machine.
    assert.ok(performance.now() - started < 60_000);
    // One 50 kB data object referenced 100 times would copy 5 MB.
    const data = [0x4f, 0x12, ...Buffer.from('0000c350', 'hex'), ...Buffer.alloc(50_000)];
    const refs = bplist([[0xaf, 0x10, 100, ...Array<number>(100).fill(1)], data]);
    expectPlistError(() => parseBinaryPlist(refs, { limits: { maxBytes: 1_000_000 } }), /copies more than/);
  });

  it('enforces maxDepth, maxBytes and maxObjects', () => {
    let deep: PlistValue = [];
    for (let i = 0; i < 300; i++) deep = [deep];
    expectPlistError(() => encodeBinaryPlist(deep), /nesting deeper/);
    // 300 arrays, each holding the next, with 2-byte refs.
    const chain = Array.from({ length: 300 }, (_, i) => (i === 299 ? [0xa0] : [0xa1, (i + 1) >> 8, (i + 1) & 0xff]));
    expectPlistError(() => parseBinaryPlist(bplist(chain, { refSize: 2 })), /deeper than the limit of 256/);
    assert.equal(JSON.stringify(parseBinaryPlist(bplist(chain, { refSize: 2 }), { limits: { maxDepth: 300 } })).length, 600);
    const fits = encodeBinaryPlist([[[[1]]]]);
    assert.deepStrictEqual(parseBinaryPlist(fits, { limits: { maxDepth: 4 } }), [[[[1]]]]);
    expectPlistError(() => parseBinaryPlist(fits, { limits: { maxDepth: 3 } }), /deeper/);
    expectPlistError(() => parseBinaryPlist(fits, { limits: { maxBytes: fits.length - 1 } }), /limit/);
    expectPlistError(() => parseBinaryPlist(encodeBinaryPlist([1, 2, 3]), { limits: { maxObjects: 3 } }), /exceeds the limit/);
  });
});

describe('hostile XML plists', () => {
  const wrap = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n${body}\n</plist>\n`;
  const bad: Record<string, string> = {
    'unclosed dict': wrap('<dict><key>a</key><string>b</string>'),
    'unclosed string': wrap('<string>abc'),
    'unclosed plist': '<plist version="1.0"><true/>',
    'mismatched close': wrap('<array></dict>'),
    'unknown tag': wrap('<dict><key>a</key><float>1</float></dict>'),
    'unknown root tag': '<plist><nope/></plist>',
    'key without value': wrap('<dict><key>a</key></dict>'),
    'key followed by key': wrap('<dict><key>a</key><key>b</key><true/></dict>'),
    'value without key': wrap('<dict><string>a</string></dict>'),
    'key outside dict': wrap('<array><key>a</key></array>'),
    'text inside dict': wrap('<dict>oops<key>a</key><true/></dict>'),
    'markup inside string': wrap('<string>a<b/>c</string>'),
    'two values in plist': wrap('<true/><false/>'),
    'empty plist': '<plist version="1.0"></plist>',
    'self-closed plist': '<plist version="1.0"/>',
    'content after root': `${wrap('<true/>')}<true/>`,
    'no root at all': '<?xml version="1.0"?>\n<!-- nothing -->',
    'text before root': 'hello <plist><true/></plist>',
    'bad base64 characters': wrap('<data>AB$D</data>'),
    'bad base64 length': wrap('<data>ABCDE</data>'),
    'base64 padding in the middle': wrap('<data>AB==CD==</data>'),
    'bad date format': wrap('<date>2020-01-02 03:04:05</date>'),
    'bad date value': wrap('<date>2021-02-30T00:00:00Z</date>'),
    'bad date hour': wrap('<date>2021-02-03T24:00:00Z</date>'),
    'date without zone': wrap('<date>2021-02-03T04:05:06</date>'),
    'integer garbage': wrap('<integer>12abc</integer>'),
    'integer empty': wrap('<integer/>'),
    'integer too big': wrap('<integer>18446744073709551616</integer>'),
    'integer too small': wrap('<integer>-9223372036854775809</integer>'),
    'integer a megabyte long': wrap(`<integer>${'9'.repeat(1_000_000)}</integer>`),
    'real garbage': wrap('<real>1.2.3</real>'),
    'real empty': wrap('<real></real>'),
    'true with content': wrap('<true>yes</true>'),
    'unterminated comment': wrap('<true/><!-- forever'),
    'unterminated CDATA': wrap('<string><![CDATA[abc</string>'),
    'unterminated entity': wrap('<string>&amp</string>'),
    'unknown entity': wrap('<string>&nbsp;</string>'),
    'code point beyond Unicode': wrap('<string>&#x110000;</string>'),
    'DOCTYPE internal subset': '<!DOCTYPE plist [<!ENTITY lol "lol">]><plist><string>&lol;</string></plist>',
    'unterminated DOCTYPE': '<!DOCTYPE plist PUBLIC "x" "y"',
    'unquoted attribute': '<plist version=1.0><true/></plist>',
    'unterminated attribute': '<plist version="1.0><true/></plist>',
    'non-UTF-8 encoding': '<?xml version="1.0" encoding="ISO-8859-1"?><plist><true/></plist>',
    'unterminated declaration': '<?xml version="1.0"',
    'tag name missing': wrap('< dict/>'),
    'ampersands a megabyte long': wrap(`<string>${'&'.repeat(1_000_000)}</string>`),
  };

  for (const [name, text] of Object.entries(bad)) {
    it(`rejects ${name}`, () => {
      expectPlistError(() => parseXmlPlist(text));
      expectPlistError(() => parsePlist(Buffer.from(text)));
    });
  }

  it('rejects invalid UTF-8 and UTF-16 input, giving the offset', () => {
    const error = expectPlistError(() => parseXmlPlist(Buffer.concat([Buffer.from('<string>ab'), Buffer.from([0xc3, 0x28]), Buffer.from('</string>')])), /UTF-8/);
    assert.equal(error.offset, 10);
    expectPlistError(() => parseXmlPlist(Buffer.from('\ufeff<true/>', 'utf16le')), /UTF-16/);
  });

  it('rejects every truncation of a valid document', () => {
    const text = encodeXmlPlist(fuzzBase());
    // Every prefix that stops before the closing </plist> is complete.
    const end = text.lastIndexOf('</plist>') + '</plist>'.length;
    for (let length = 0; length < end; length++) expectPlistError(() => parseXmlPlist(text.subarray(0, length)));
  });

  it('survives thousands of random byte flips within a time bound', () => {
    const text = encodeXmlPlist(fuzzBase());
    const random = prng(0xbadc0de);
    const alphabet = Buffer.from('<>/&;#x!-[]"=? \tabcdefghijklmnopqrstuvwxyz0123456789');
    const started = performance.now();
    for (let i = 0; i < 3000; i++) {
      const copy = Buffer.from(text);
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(random() * copy.length);
        copy[at] = random() < 0.7 ? alphabet[Math.floor(random() * alphabet.length)]! : Math.floor(random() * 256);
      }
      survives(() => parseXmlPlist(copy), `XML flip case ${i}`);
    }
    // A hang guard, not a timing test: a parser that went exponential or looped would never get here.
    assert.ok(performance.now() - started < 60_000, 'fuzzing took longer than 60 s');
  });

  it('enforces maxDepth, maxObjects and maxBytes', () => {
    expectPlistError(() => parseXmlPlist(`${'<array>'.repeat(300)}${'</array>'.repeat(300)}`), /deeper than the limit of 256/);
    assert.deepStrictEqual(parseXmlPlist('<array><array/></array>', { limits: { maxDepth: 2 } }), [[]]);
    expectPlistError(() => parseXmlPlist('<array><array/></array>', { limits: { maxDepth: 1 } }), /deeper/);
    expectPlistError(() => parseXmlPlist(`<array>${'<true/>'.repeat(11)}</array>`, { limits: { maxObjects: 10 } }), /more than 10 elements/);
    expectPlistError(() => parseXmlPlist('<true/>', { limits: { maxBytes: 3 } }), /limit/);
    // A deep document within a raised limit must still end in a PlistError or a value, never a RangeError.
    survives(() => parseXmlPlist(`${'<array>'.repeat(200_000)}`, { limits: { maxDepth: 1_000_000 } }), 'very deep XML');
  });
});
