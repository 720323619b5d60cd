import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeXmlPlist, parsePlist, parseXmlPlist, PlistReal, PlistUid, type PlistValue } from './index.js';
import { expectPlistError, sampleValue } from './test-helpers.js';

const roundTrip = (value: PlistValue): PlistValue => parseXmlPlist(encodeXmlPlist(value), { preserveRealType: true });
const PROLOG =
  '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n';
const wrap = (body: string): string => `${PROLOG}${body}\n</plist>\n`;

describe('XML plist round trips', () => {
  it('round-trips every type in the sample', () => {
    const sample = sampleValue();
    assert.deepStrictEqual(roundTrip(sample), sample);
  });

  it('round-trips each value as the top element', () => {
    for (const value of Object.values(sampleValue())) assert.deepStrictEqual(roundTrip(value), value);
  });

  it('round-trips reals exactly, including awkward doubles', () => {
    const reals = [0.1, 0.2 + 0.1, 1e21, 1e-7, 123456789.12345679, -1.5e-300, 2 ** -1074, Math.PI].map((r) => new PlistReal(r));
    assert.deepStrictEqual(
      (roundTrip(reals) as PlistValue[]).map((r) => (r instanceof PlistReal ? r.value : r)),
      reals.map((r) => r.value),
    );
  });

  it('round-trips deep data (line wrapping stops indenting at 8 tabs)', () => {
    let value: PlistValue = Buffer.from('x'.repeat(500));
    for (let i = 0; i < 12; i++) value = [value];
    assert.deepStrictEqual(roundTrip(value), value);
  });
});

describe('XML plist output shape', () => {
  it('matches the libplist/Apple layout', () => {
    const text = encodeXmlPlist({ a: 'b', n: [1, new PlistReal(2), 0.5], e: [], d: {}, s: '', t: true, f: false }).toString();
    assert.equal(
      text,
      wrap(
        '<dict>\n\t<key>a</key>\n\t<string>b</string>\n\t<key>n</key>\n\t<array>\n\t\t<integer>1</integer>\n\t\t<real>2</real>\n' +
          '\t\t<real>0.5</real>\n\t</array>\n\t<key>e</key>\n\t<array/>\n\t<key>d</key>\n\t<dict/>\n\t<key>s</key>\n\t<string></string>\n' +
          '\t<key>t</key>\n\t<true/>\n\t<key>f</key>\n\t<false/>\n</dict>',
      ),
    );
  });

  it('writes data in 68-column lines inside a dict and dates without fractions', () => {
    const text = encodeXmlPlist({ d: Buffer.alloc(60, 0xff), t: new Date('2021-02-03T04:05:06.789Z') }).toString();
    assert.match(text, /<data>\n\t\/{68}\n\t\/{12}\n\t<\/data>/);
    assert.match(text, /<date>2021-02-03T04:05:06Z<\/date>/);
  });

  it('escapes markup, writes CR as a character reference and UIDs as CF$UID dicts', () => {
    const text = encodeXmlPlist(['<&>', 'a\rb', new PlistUid(7)]).toString();
    assert.match(text, /<string>&lt;&amp;&gt;<\/string>/);
    assert.match(text, /<string>a&#13;b<\/string>/);
    assert.match(text, /<dict>\n\t\t<key>CF\$UID<\/key>\n\t\t<integer>7<\/integer>\n\t<\/dict>/);
  });

  it('spells special reals the CoreFoundation way', () => {
    const text = encodeXmlPlist([NaN, Infinity, -Infinity, new PlistReal(-0)]).toString();
    assert.match(text, /<real>nan<\/real>\n\t<real>\+infinity<\/real>\n\t<real>-infinity<\/real>\n\t<real>-0<\/real>/);
  });

  it('refuses values XML cannot carry', () => {
    expectPlistError(() => encodeXmlPlist({ s: 'lone \ud800 surrogate' }), /surrogate/);
    expectPlistError(() => encodeXmlPlist({ d: new Date('+010000-01-01T00:00:00Z') }), /9999/);
    expectPlistError(() => encodeXmlPlist({ u: undefined } as unknown as PlistValue), /undefined/);
  });
});

describe('XML plist parsing', () => {
  it('accepts declaration, DOCTYPE, comments, processing instructions and CDATA', () => {
    const text =
      '\ufeff<?xml version="1.0" encoding="utf-8"?>\n<!-- c --><?pi stuff?>\n<!DOCTYPE plist SYSTEM "x[y].dtd">\n' +
      '<plist version="1.0"><!-- before --><dict><!-- in dict --><key>k<!-- in key --></key><!-- between -->' +
      '<string>a<![CDATA[<b>&amp;]]>c</string></dict><!-- after --></plist><!-- trailing -->\n';
    assert.deepStrictEqual(parseXmlPlist(text), { k: 'a<b>&amp;c' });
  });

  it('decodes the predefined entities and numeric character references', () => {
    const value = parseXmlPlist(wrap('<string>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x1F600;&#10;</string>'));
    assert.equal(value, '<>&"\'AB😀\n');
  });

  it('accepts decimal, signed and hex integers across the 64-bit range', () => {
    const value = parseXmlPlist(
      wrap('<array><integer>42</integer><integer> -7 </integer><integer>+3</integer><integer>0x10</integer><integer>-0x10</integer>' +
        '<integer>007</integer><integer>18446744073709551615</integer><integer>-9223372036854775808</integer></array>'),
    );
    assert.deepStrictEqual(value, [42, -7, 3, 16, -16, 7, 2n ** 64n - 1n, -(2n ** 63n)]);
  });

  it('accepts the real spellings of CoreFoundation, libplist and C', () => {
    const spellings = ['nan', 'NaN', '+infinity', '-infinity', 'inf', '-inf', '1e3', '.5', '5.', '-0.0', '0.10000000000000001'];
    const value = parseXmlPlist(wrap(`<array>${spellings.map((s) => `<real>${s}</real>`).join('')}</array>`));
    assert.deepStrictEqual(value, [NaN, NaN, Infinity, -Infinity, Infinity, -Infinity, 1000, 0.5, 5, -0, 0.1]);
  });

  it('accepts empty forms, whitespace-wrapped base64 and fractional dates', () => {
    const value = parseXmlPlist(
      wrap('<array><string/><dict/><array/><data/><data>\n\t</data><true/><false></false><data>\n\tAQID\n\tBA==\n</data>' +
        '<date>2001-01-01T00:00:00.250Z</date><data>AQ</data></array>'),
    );
    assert.deepStrictEqual(value, ['', {}, [], Buffer.alloc(0), Buffer.alloc(0), true, false, Buffer.from([1, 2, 3, 4]), new Date('2001-01-01T00:00:00.250Z'), Buffer.from([1])]);
  });

  it('tolerates raw control characters inside strings, as libimobiledevice peers send them', () => {
    assert.equal(parseXmlPlist(wrap('<string>a\u0001b\u0000c\u001f</string>')), 'a\u0001b\u0000c\u001f');
  });

  it('turns a lone CF$UID dict into a PlistUid, but not a dict with other keys', () => {
    const value = parseXmlPlist(wrap('<array><dict><key>CF$UID</key><integer>5</integer></dict><dict><key>CF$UID</key><integer>5</integer><key>x</key><true/></dict></array>'));
    assert.deepStrictEqual(value, [new PlistUid(5), { CF$UID: 5, x: true }]);
  });

  it('accepts a bare value without the <plist> wrapper and string input', () => {
    assert.deepStrictEqual(parseXmlPlist('<array><integer>1</integer></array>'), [1]);
  });

  it('reports line and column of a problem', () => {
    const error = expectPlistError(() => parseXmlPlist(wrap('<dict>\n\t<key>a</key>\n\t<intger>1</intger>\n</dict>')), /unknown element <intger>/);
    assert.match(error.message, /line 6, column 2/);
    assert.equal(error.path, '$.a');
  });
});

describe('parsePlist sniffing', () => {
  it('tells binary from XML, skipping a BOM and leading whitespace', () => {
    assert.deepStrictEqual(parsePlist(Buffer.from('\ufeff \n\t<plist version="1.0"><true/></plist>')), true);
    assert.deepStrictEqual(parsePlist(Buffer.from('<array/>')), []);
    assert.deepStrictEqual(parsePlist('<string>x</string>'), 'x');
  });

  it('says clearly when the input is neither', () => {
    expectPlistError(() => parsePlist(Buffer.alloc(0)), /empty/);
    expectPlistError(() => parsePlist(Buffer.from('   ')), /whitespace/);
    expectPlistError(() => parsePlist(Buffer.from('{"json": true}')), /expected "bplist00" or XML, found bytes 7b 22/);
    expectPlistError(() => parsePlist(Buffer.from('bplist15xxxxxxxxxxxxxxxxxxxxx')), /version "15"/);
  });
});
