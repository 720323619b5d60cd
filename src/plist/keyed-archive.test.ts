import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeKeyedArchive,
  encodeBinaryPlist,
  encodeKeyedArchive,
  encodeXmlPlist,
  KeyedInline,
  KeyedObject,
  nsMutableData,
  parseBinaryPlist,
  parseXmlPlist,
  PlistReal,
  PlistUid,
  type PlistDict,
  type PlistValue,
} from './index.js';
import { expectPlistError } from './test-helpers.js';

const wrappedKey = Buffer.concat([Buffer.from([3, 0, 0, 0]), Buffer.alloc(40, 0xab)]);

/** An MBFile as a Finder backup's Manifest.db stores it for an encrypted regular file. */
function mbFile(extra: Record<string, KeyedObject | string | Uint8Array | undefined> = {}): KeyedObject {
  return new KeyedObject('MBFile', {
    RelativePath: 'Library/SMS/sms.db',
    EncryptionKey: nsMutableData(wrappedKey),
    LastModified: 1650483880,
    LastStatusChange: 1650481761,
    Birth: 1617036196,
    Size: 22056960,
    Mode: 0o100644,
    UserID: 501,
    GroupID: 501,
    InodeNumber: 45839007,
    Flags: 0,
    ProtectionClass: 3,
    Target: undefined,
    ...extra,
  });
}

/** The same record written out by hand, in the entry order NSKeyedArchiver produces. */
const handBuilt: PlistDict = {
  $version: 100000,
  $archiver: 'NSKeyedArchiver',
  $top: { root: new PlistUid(1) },
  $objects: [
    '$null',
    {
      RelativePath: new PlistUid(2),
      EncryptionKey: new PlistUid(3),
      LastModified: 1650483880,
      LastStatusChange: 1650481761,
      Birth: 1617036196,
      Size: 22056960,
      Mode: 33188,
      UserID: 501,
      GroupID: 501,
      InodeNumber: 45839007,
      Flags: 0,
      ProtectionClass: 3,
      $class: new PlistUid(5),
    },
    'Library/SMS/sms.db',
    { 'NS.data': wrappedKey, $class: new PlistUid(4) },
    { $classes: ['NSMutableData', 'NSData', 'NSObject'], $classname: 'NSMutableData' },
    { $classes: ['MBFile', 'NSObject'], $classname: 'MBFile' },
  ],
};

const decodedFile = {
  $class: 'MBFile',
  RelativePath: 'Library/SMS/sms.db',
  EncryptionKey: wrappedKey,
  LastModified: 1650483880,
  LastStatusChange: 1650481761,
  Birth: 1617036196,
  Size: 22056960,
  Mode: 33188,
  UserID: 501,
  GroupID: 501,
  InodeNumber: 45839007,
  Flags: 0,
  ProtectionClass: 3,
};

describe('NSKeyedArchiver archives', () => {
  it('encodes an MBFile in the layout NSKeyedArchiver produces', () => {
    assert.deepStrictEqual(encodeKeyedArchive(mbFile()), handBuilt);
  });

  it('round-trips an MBFile through the binary codec and the decoder', () => {
    const bytes = encodeBinaryPlist(encodeKeyedArchive(mbFile()));
    assert.deepStrictEqual(decodeKeyedArchive(parseBinaryPlist(bytes)), decodedFile);
  });

  it('decodes an archive built by hand and written with the binary encoder', () => {
    const parsed = parseBinaryPlist(encodeBinaryPlist(handBuilt)) as PlistDict;
    assert.deepStrictEqual(decodeKeyedArchive(parsed), decodedFile);
    // The raw path backup readers take: $objects[$top.root].EncryptionKey → NS.data, minus the class prefix.
    const objects = parsed['$objects'] as PlistDict[];
    const root = objects[((parsed['$top'] as PlistDict)['root'] as PlistUid).value]!;
    const key = objects[(root['EncryptionKey'] as PlistUid).value]!['NS.data'] as Buffer;
    assert.deepStrictEqual(key.subarray(4), Buffer.alloc(40, 0xab));
  });

  it('writes symlink targets, digests and extended attributes, and omits undefined fields', () => {
    const attributes = encodeBinaryPlist({ 'com.apple.quarantine': Buffer.from('q') });
    const file = mbFile({ Target: '/private/var/mobile/x', Digest: Buffer.alloc(20, 1), ExtendedAttributes: attributes, EncryptionKey: undefined });
    const archive = encodeKeyedArchive(file);
    const root = (archive['$objects'] as PlistDict[])[1]!;
    assert.ok(!('EncryptionKey' in root));
    assert.ok(root['Target'] instanceof PlistUid && root['ExtendedAttributes'] instanceof PlistUid);
    const decoded = decodeKeyedArchive(parseBinaryPlist(encodeBinaryPlist(archive))) as Record<string, unknown>;
    assert.equal(decoded['Target'], '/private/var/mobile/x');
    assert.deepStrictEqual(decoded['Digest'], Buffer.alloc(20, 1));
    assert.deepStrictEqual(parseBinaryPlist(decoded['ExtendedAttributes'] as Buffer), { 'com.apple.quarantine': Buffer.from('q') });
  });

  it('survives an XML round trip (UIDs as CF$UID dicts)', () => {
    const archive = encodeKeyedArchive(mbFile());
    assert.deepStrictEqual(parseXmlPlist(encodeXmlPlist(archive)), archive);
  });

  it('encodes and decodes Foundation collections, dates, reals, nil and nested objects', () => {
    const when = new Date('2024-05-06T07:08:09.5Z');
    const root = new KeyedObject('Thing', {
      list: ['a', 1, new PlistReal(2), true, null],
      map: { x: 'y', n: [1, 2] },
      when,
      nothing: null,
      ratio: 0.25,
      big: 2n ** 60n,
      child: new KeyedObject('Child', { name: 'kid' }, ['Child', 'Parent', 'NSObject']),
      raw: new KeyedInline([1, 2]),
    });
    const decoded = decodeKeyedArchive(parseBinaryPlist(encodeBinaryPlist(encodeKeyedArchive(root))));
    assert.deepStrictEqual(decoded, {
      $class: 'Thing',
      list: ['a', 1, 2, true, null],
      map: { x: 'y', n: [1, 2] },
      when,
      nothing: null,
      ratio: 0.25,
      big: 2n ** 60n,
      child: { $class: 'Child', name: 'kid' },
      raw: [1, 2],
    });
  });

  it('handles shared and cyclic object graphs both ways', () => {
    const shared = new KeyedObject('Leaf', { v: 1 });
    const parent = new KeyedObject('Node', { a: shared, b: shared, kids: [] as KeyedObject[] });
    const child = new KeyedObject('Node', { parent });
    (parent.fields['kids'] as KeyedObject[]).push(child);
    const decoded = decodeKeyedArchive(encodeKeyedArchive(parent)) as Record<string, unknown>;
    assert.strictEqual(decoded['a'], decoded['b']);
    const kids = decoded['kids'] as Record<string, unknown>[];
    assert.strictEqual(kids[0]!['parent'], decoded);
  });

  it('refuses values an archive cannot hold', () => {
    expectPlistError(() => encodeKeyedArchive(new KeyedObject('X', { bad: new PlistUid(1) as never })), /PlistUid/);
    expectPlistError(() => encodeKeyedArchive(new KeyedObject('X', { $class: 'nope' })), /reserved/);
    expectPlistError(() => encodeKeyedArchive(new KeyedObject('X', { when: new Date(NaN) })), /invalid Date/);
  });
});

describe('hostile keyed archives', () => {
  const archive = (objects: PlistValue[], root: PlistValue = new PlistUid(1)): PlistDict => ({
    $archiver: 'NSKeyedArchiver',
    $version: 100000,
    $top: { root },
    $objects: objects,
  });
  const cls = (name: string): PlistDict => ({ $classname: name, $classes: [name, 'NSObject'] });

  it('rejects malformed archives with PlistError', () => {
    expectPlistError(() => decodeKeyedArchive('nope'), /not a dict/);
    expectPlistError(() => decodeKeyedArchive({ ...archive(['$null']), $archiver: 'Other' }), /\$archiver/);
    expectPlistError(() => decodeKeyedArchive({ $top: { root: new PlistUid(0) } }), /\$objects/);
    expectPlistError(() => decodeKeyedArchive(archive(['$null'], 'root')), /\$top.root/);
    expectPlistError(() => decodeKeyedArchive(archive(['$null'], new PlistUid(9))), /points past/);
    expectPlistError(() => decodeKeyedArchive(archive(['$null', { $class: new PlistUid(0) }])), /class entry/);
    expectPlistError(() => decodeKeyedArchive(archive(['$null', { $class: 'x' }])), /not a UID/);
    expectPlistError(() => decodeKeyedArchive(archive(['$null', { 'NS.objects': 1, $class: new PlistUid(2) }, cls('NSArray')])), /NS.objects/);
    expectPlistError(() => decodeKeyedArchive(archive(['$null', { 'NS.keys': [], 'NS.objects': [1], $class: new PlistUid(2) }, cls('NSDictionary')])), /equal length/);
    expectPlistError(() => decodeKeyedArchive(archive(['$null', { 'NS.time': 'x', $class: new PlistUid(2) }, cls('NSDate')])), /NS.time/);
  });

  it('rejects self-referencing values that cannot form a graph', () => {
    expectPlistError(() => decodeKeyedArchive(archive(['$null', { 'NS.string': new PlistUid(1), $class: new PlistUid(2) }, cls('NSString')])), /refers to itself/);
  });

  it('bounds nesting depth', () => {
    const objects: PlistValue[] = ['$null', cls('Deep')];
    for (let i = 0; i < 400; i++) objects.push({ next: new PlistUid(objects.length + 1), $class: new PlistUid(1) });
    objects.push('end');
    expectPlistError(() => decodeKeyedArchive(archive(objects, new PlistUid(2))), /deeper than 256/);
  });
});
