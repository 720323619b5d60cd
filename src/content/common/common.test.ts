/** Unit tests of the content helpers that stand between untrusted backup text and files a person opens. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvRow, parseCsv } from './csv.js';
import { fromAppleNanosOrSeconds, fromAppleSeconds } from './dates.js';
import { escapeText, foldLine } from './folding.js';
import { link, multiline, text, xmlSafe } from './html.js';
import { protoFields } from './protobuf.js';
import { safeName, safeSegments, UniqueNames } from './safe-path.js';
import { attributedBodyText } from './typedstream.js';

describe('content helpers', () => {
  it('CSV quotes commas, quotes and newlines and round-trips them', () => {
    const nasty = ['a, b', 'say "hi"', 'line1\nline2\r\nline3', ' padded ', '', '=1+1', 'plain'];
    const row = csvRow(nasty);
    assert.equal(row, '"a, b","say ""hi""","line1\nline2\r\nline3"," padded ",,=1+1,plain\r\n');
    assert.deepEqual(parseCsv(csvRow(['h1', 'h2']) + row + csvRow([null, 3])), [['h1', 'h2'], nasty, ['', '3']]);
    assert.throws(() => parseCsv('"open'), /unterminated/);
  });

  it('makes names from the backup safe and refuses climbing paths', () => {
    assert.equal(safeName('../../etc/passwd'), '_.._etc_passwd');
    assert.equal(safeName('..'), 'unnamed');
    assert.equal(safeName('.hidden'), 'hidden');
    assert.equal(safeName('a\u0000b\u202ec:d*?'), 'a_bc_d__');
    assert.equal(safeName('CON'), '_CON');
    assert.equal(Buffer.byteLength(safeName(`${'é'.repeat(300)}.jpeg`)) <= 200 && safeName(`${'é'.repeat(300)}.jpeg`).endsWith('.jpeg'), true);
    assert.deepEqual(safeSegments('Library/SMS/sms.db'), ['Library', 'SMS', 'sms.db']);
    for (const bad of ['../x', 'a/../../b', '/etc/passwd', 'a//b', 'a/./b', 'a\\..\\b', 'a\0b']) assert.throws(() => safeSegments(bad), /refused/, bad);
    const names = new UniqueNames();
    assert.deepEqual([names.take('a.jpg'), names.take('A.jpg'), names.take('a.jpg')], ['a.jpg', 'A (2).jpg', 'a (3).jpg']);
  });

  it('escapes HTML, drops characters XML cannot carry and links only safe URLs', () => {
    assert.equal(text('<a href="x">&\'</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    assert.equal(xmlSafe('a\u0001b\ud800c\ufffe'), 'a\ufffdb\ufffdc\ufffd');
    assert.equal(multiline('a\nb<'), 'a<br/>b&lt;');
    assert.equal(link('javascript:alert(1)'), 'javascript:alert(1)');
    assert.equal(link('https://e.com/?a=1&b=2', 'E'), '<a href="https://e.com/?a=1&amp;b=2" rel="noreferrer noopener">E</a>');
  });

  it('escapes and folds vCard/iCalendar lines at 75 octets without splitting characters', () => {
    assert.equal(escapeText('a,b;c\\d\ne'), 'a\\,b\\;c\\\\d\\ne');
    const folded = foldLine(`NOTE:${'€'.repeat(60)}`);
    const lines = folded.slice(0, -2).split('\r\n');
    assert.ok(lines.every((l) => Buffer.byteLength(l) <= 75));
    assert.equal(lines.map((l, i) => (i === 0 ? l : l.slice(1))).join(''), `NOTE:${'€'.repeat(60)}`);
  });

  it('converts Apple time bases, refusing nonsense', () => {
    assert.equal(fromAppleSeconds(0)?.toISOString(), '2001-01-01T00:00:00.000Z');
    assert.equal(fromAppleNanosOrSeconds(700_000_000_999_999_999n)?.toISOString(), '2023-03-08T20:26:40.999Z');
    assert.equal(fromAppleNanosOrSeconds(700_000_000)?.toISOString(), '2023-03-08T20:26:40.000Z');
    assert.equal(fromAppleSeconds('x'), undefined);
    assert.equal(fromAppleSeconds(1e15), undefined);
    assert.equal(fromAppleNanosOrSeconds(0), undefined);
  });

  it('reads the text of an attributedBody and rejects truncated ones', () => {
    const head = Buffer.from('040b73747265616d747970656481e803840140848484124e5341747472696275746564537472696e67008484084e534f626a656374008592848484084e53537472696e67019484012b', 'hex');
    const body = Buffer.concat([head, Buffer.from([5]), Buffer.from('héllo'.slice(0, 4)), Buffer.from('8684026949', 'hex')]);
    assert.equal(attributedBodyText(Buffer.concat([head, Buffer.from([6]), Buffer.from('héllo', 'utf8'), Buffer.from('86', 'hex')])), 'héllo');
    assert.equal(attributedBodyText(body.subarray(0, head.length + 3)), undefined);
    const long = 'x'.repeat(300);
    assert.equal(attributedBodyText(Buffer.concat([head, Buffer.from([0x81, 0x2c, 0x01]), Buffer.from(long), Buffer.from('86', 'hex')])), long);
    assert.equal(attributedBodyText(Buffer.from('not a typedstream at all')), undefined);
  });

  it('reads protobuf fields and refuses lengths past the end', () => {
    const fields = [...protoFields(Buffer.from([0x08, 0x96, 0x01, 0x12, 0x02, 0x68, 0x69]))];
    assert.deepEqual(fields.map((f) => [f.number, f.wire, f.int, f.bytes.toString()]), [[1, 0, 150, ''], [2, 2, 0, 'hi']]);
    assert.throws(() => [...protoFields(Buffer.from([0x12, 0x09, 0x68]))], /past the end/);
    assert.throws(() => [...protoFields(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))], /longer than 10/);
  });
});
