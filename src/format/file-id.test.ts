import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFileId, fileIdOf, isFileId, shardPath } from './index.js';
import { expectFormatError } from './test-helpers.js';

describe('fileID', () => {
  it('is SHA-1 of domain-relativePath, matching rows of a real iOS 14 Manifest.db (format.md §1, §7)', () => {
    // Domain root row: relativePath "" still gets the dash.
    assert.equal(fileIdOf('HomeDomain', ''), '70765829101933f25994c71bbee6dfd685535bff');
    assert.equal(fileIdOf('HomeDomain', 'Library/SMS/sms.db'), '3d0d7e5fb2ce288813306e4d4636395e047a3d28');
    assert.equal(fileIdOf('HomeDomain', 'Library/AddressBook/AddressBook.sqlitedb'), '31bb7ba8914766d4ba40d6dfb6113c8b614be442');
    assert.equal(fileIdOf('KeychainDomain', 'keychain-backup.plist'), '51a4616e576dd33cd2abadfea874eb8ff246bf0e');
    assert.equal(fileIdOf('KeychainDomain', ''), '99ca4cf9b3ab77ae82d8c06cc1441806565308fd');
  });

  it('hashes UTF-8 bytes as given, without Unicode normalisation', () => {
    const composed = fileIdOf('HomeDomain', 'Documents/caf\u00e9');
    const decomposed = fileIdOf('HomeDomain', 'Documents/cafe\u0301');
    assert.notEqual(composed, decomposed);
    assert.ok(isFileId(composed) && isFileId(decomposed));
  });

  it('isFileId accepts exactly 40 lowercase hex characters', () => {
    assert.equal(isFileId('3d0d7e5fb2ce288813306e4d4636395e047a3d28'), true);
    for (const bad of [
      '3D0D7E5FB2CE288813306E4D4636395E047A3D28',
      '3d0d7e5fb2ce288813306e4d4636395e047a3d2',
      '3d0d7e5fb2ce288813306e4d4636395e047a3d288',
      '../../etc/passwd',
      '3d/0d7e5fb2ce288813306e4d4636395e047a3d2',
      '3d0d7e5fb2ce288813306e4d4636395e047a3d2\n',
      '3d0d7e5fb2ce288813306e4d4636395e047a3d2g',
      '',
      undefined,
      null,
      42,
    ]) {
      assert.equal(isFileId(bad), false, String(bad));
    }
  });

  it('shardPath builds ab/abcdef… and refuses anything that is not a fileID', async () => {
    assert.equal(shardPath('3d0d7e5fb2ce288813306e4d4636395e047a3d28'), '3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28');
    const error = await expectFormatError(() => shardPath('../../etc/passwd'), 'FORMAT_BAD_FILE_ID');
    assert.match(error.message, /"\.\.\/\.\.\/etc\/passwd"/);
    await expectFormatError(() => assertFileId('x'.repeat(10_000)), 'FORMAT_BAD_FILE_ID', /…/);
  });
});
