import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBinaryPlist, parseBinaryPlist, PlistUid, type PlistDict } from '../plist/index.js';
import { decodeMbFile, encodeMbFile, fileIdOf, fileKind, ManifestDb, manifestFlagsOfMode, parsePlistDict, readInfo, type MbFile } from './index.js';
import { expectFormatError } from './test-helpers.js';

const wrapped = Buffer.from('ff0284dca7e372f3c56928ec25513541b83160c1c9b76c6ae9086e2bf046fe349e48a3f61ffc7b99', 'hex');
const digest = Buffer.from('999681dd3eee8fe87844fba89c268ba7a7ba502e', 'hex');

/**
 * An MBFile laid out as an iOS 14 device writes it (format.md §5): MBFile dict keys in the device's
 * (hash) order with $class among them, objects [$null, MBFile, RelativePath, Digest, EncryptionKey,
 * NSMutableData class, MBFile class], EncryptionKey = LE32 class 4 + 40 wrapped bytes.
 */
function deviceShapedBlob(overrides: PlistDict = {}): Buffer {
  return encodeBinaryPlist({
    $version: 100000,
    $archiver: 'NSKeyedArchiver',
    $top: { root: new PlistUid(1) },
    $objects: [
      '$null',
      {
        LastModified: 1638501497,
        ProtectionClass: 4,
        Flags: 0,
        GroupID: 501,
        $class: new PlistUid(6),
        LastStatusChange: 1638559914,
        RelativePath: new PlistUid(2),
        Birth: 1566918489,
        EncryptionKey: new PlistUid(4),
        Size: 278528,
        Mode: 33188,
        UserID: 501,
        Digest: new PlistUid(3),
        InodeNumber: 45856,
        ...overrides,
      },
      'Library/SMS/sms.db',
      digest,
      { 'NS.data': Buffer.concat([Buffer.from([4, 0, 0, 0]), wrapped]), $class: new PlistUid(5) },
      { $classname: 'NSMutableData', $classes: ['NSMutableData', 'NSData', 'NSObject'] },
      { $classname: 'MBFile', $classes: ['MBFile', 'NSObject'] },
    ],
  });
}

describe('MBFile', () => {
  it('decodes a device-shaped record, splitting the class prefix off EncryptionKey', () => {
    const mb = decodeMbFile(deviceShapedBlob());
    assert.deepEqual(mb, {
      relativePath: 'Library/SMS/sms.db',
      size: 278528,
      mode: 0o100644,
      userId: 501,
      groupId: 501,
      inode: 45856,
      birth: 1566918489,
      lastModified: 1638501497,
      lastStatusChange: 1638559914,
      flags: 0,
      protectionClass: 4,
      encryptionKeyClass: 4,
      encryptionKey: wrapped,
      digest,
    } satisfies MbFile);
    assert.equal(fileKind(mb), 'file');
  });

  it('encodes objects in the device order and round-trips every kind', () => {
    const file: MbFile = {
      relativePath: 'Media/DCIM/100APPLE/IMG_0001.HEIC',
      size: 1234567,
      mode: 0o100644,
      userId: 501,
      groupId: -2,
      inode: 2n ** 60n,
      birth: 1600000000,
      lastModified: 1600000001,
      lastStatusChange: 1600000002,
      flags: 128,
      protectionClass: 3,
      encryptionKey: wrapped,
      encryptionKeyClass: 3,
      digest,
      extendedAttributes: new Map([['com.apple.assetsd.UUID', Buffer.from('0123456789abcdef')]]),
    };
    const blob = encodeMbFile(file);
    assert.deepEqual(decodeMbFile(blob), file);
    const objects = (parseBinaryPlist(blob) as PlistDict)['$objects'] as unknown[];
    const shape = objects.map((o) => (typeof o === 'string' ? 'string' : o instanceof Uint8Array ? 'data' : ((o as PlistDict)['$classname'] as string | undefined) ?? 'object'));
    assert.deepEqual(shape, ['string', 'object', 'string', 'data', 'object', 'NSMutableData', 'data', 'MBFile']);

    const dir = { relativePath: 'Library', mode: 0o40755 };
    const link = { relativePath: 'timezone/localtime', mode: 0o120755, target: '/var/db/timezone/zoneinfo/Europe/London' };
    assert.equal(fileKind(decodeMbFile(encodeMbFile(dir))), 'directory');
    const decodedLink = decodeMbFile(encodeMbFile(link));
    assert.equal(fileKind(decodedLink), 'symlink');
    assert.equal(decodedLink.target, link.target);
    assert.equal(decodedLink.encryptionKey, undefined);
    assert.deepEqual([0o100644, 0o40755, 0o120755, 0o10644].map(manifestFlagsOfMode), [1, 2, 4, 0]);
  });

  it('rejects wrong types and malformed records with FORMAT_CORRUPT', async () => {
    await expectFormatError(() => decodeMbFile(deviceShapedBlob({ Size: 'big' })), 'FORMAT_CORRUPT', /Size should be an integer, but is a string/);
    await expectFormatError(() => decodeMbFile(deviceShapedBlob({ Size: -1 })), 'FORMAT_CORRUPT', /negative/);
    await expectFormatError(() => decodeMbFile(deviceShapedBlob({ Mode: 1.5 })), 'FORMAT_CORRUPT', /Mode/);
    await expectFormatError(() => decodeMbFile(deviceShapedBlob({ Mode: 0x10000 })), 'FORMAT_CORRUPT', /Mode/);
    await expectFormatError(() => decodeMbFile(deviceShapedBlob({ RelativePath: 7 })), 'FORMAT_CORRUPT', /RelativePath/);
    await expectFormatError(() => decodeMbFile(deviceShapedBlob({ RelativePath: new PlistUid(0) })), 'FORMAT_CORRUPT', /RelativePath.*null/);
    await expectFormatError(() => decodeMbFile(deviceShapedBlob({ EncryptionKey: new PlistUid(2) })), 'FORMAT_CORRUPT', /EncryptionKey should be data/);
    await expectFormatError(() => decodeMbFile(deviceShapedBlob({ Digest: new PlistUid(99) })), 'FORMAT_CORRUPT', /not a keyed archive/);
    await expectFormatError(() => decodeMbFile(deviceShapedBlob({ InodeNumber: -5 })), 'FORMAT_CORRUPT', /InodeNumber/);
    await expectFormatError(() => decodeMbFile(deviceShapedBlob({ ExtendedAttributes: new PlistUid(3) })), 'FORMAT_CORRUPT', /ExtendedAttributes/);
    const shortKey = encodeBinaryPlist({
      $version: 100000,
      $archiver: 'NSKeyedArchiver',
      $top: { root: new PlistUid(1) },
      $objects: ['$null', { RelativePath: new PlistUid(2), Mode: 33188, Size: 1, EncryptionKey: new PlistUid(3), $class: new PlistUid(4) }, 'x', Buffer.alloc(10), { $classname: 'MBFile' }],
    });
    await expectFormatError(() => decodeMbFile(shortKey), 'FORMAT_CORRUPT', /EncryptionKey is 10 bytes/);
    await expectFormatError(() => decodeMbFile(Buffer.from('bplist00garbage')), 'FORMAT_CORRUPT');
    await expectFormatError(() => decodeMbFile(Buffer.alloc(0)), 'FORMAT_CORRUPT');
    await expectFormatError(() => decodeMbFile(encodeBinaryPlist({ hello: 'world' })), 'FORMAT_CORRUPT');
    const notMbFile = encodeBinaryPlist({ $archiver: 'NSKeyedArchiver', $top: { root: new PlistUid(1) }, $objects: ['$null', { $class: new PlistUid(2) }, { $classname: 'NSObject' }] });
    await expectFormatError(() => decodeMbFile(notMbFile), 'FORMAT_CORRUPT', /not an MBFile/);
  });

  it('refuses to encode what a device never writes', () => {
    assert.throws(() => encodeMbFile({ relativePath: 'x', mode: -1 }), RangeError);
    assert.throws(() => encodeMbFile({ relativePath: 'x', mode: 0o100644, size: 1.5 }), RangeError);
    assert.throws(() => encodeMbFile({ relativePath: 'x', mode: 0o100644, encryptionKey: Buffer.alloc(44) }), RangeError);
  });

  // A real iOS 14.3 backup's Manifest.db and Info.plist (mvt-project/mvt tests/artifacts/ios_backup/, MVT
  // License 1.1 — not vendored, see test/fixtures/format/README.md). Point LIFEBOAT_MVT_BACKUP_DIR at a
  // copy of that folder to run this check.
  const mvtDir = process.env['LIFEBOAT_MVT_BACKUP_DIR'];
  const mvt = mvtDir === undefined ? undefined : join(mvtDir, 'Manifest.db');
  it('decodes and re-encodes every row of a real iOS 14 Manifest.db (opt-in)', { skip: mvt && existsSync(mvt) ? false : 'LIFEBOAT_MVT_BACKUP_DIR not set' }, async () => {
    const info = readInfo(parsePlistDict(readFileSync(join(mvtDir as string, 'Info.plist')), 'Info.plist'));
    assert.equal(info.productType, 'iPhone9,3');
    assert.equal(info.productVersion, '14.3');
    assert.equal(fileIdOf('HomeDomain', ''), '70765829101933f25994c71bbee6dfd685535bff');
    const db = await ManifestDb.openCopy(mvt as string);
    try {
      let rows = 0;
      let keyed = 0;
      for (const row of db.rows()) {
        const mb = decodeMbFile(row.file, row.fileId);
        rows++;
        assert.equal(manifestFlagsOfMode(mb.mode), row.flags);
        if (mb.encryptionKey) {
          keyed++;
          assert.equal(mb.encryptionKeyClass, mb.protectionClass);
        }
        assert.deepEqual(decodeMbFile(encodeMbFile(mb)), mb);
        assert.equal(row.fileId, fileIdOf(row.domain, row.relativePath));
      }
      assert.equal(rows, 3721);
      assert.equal(keyed, 1089);
    } finally {
      db.close();
    }
  });
});
