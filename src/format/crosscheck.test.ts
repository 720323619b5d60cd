/**
 * Independent cross-check: a synthetic encrypted backup written by BackupFolderWriter is decrypted by a
 * separate implementation of the published algorithm — Python's standard library only (hashlib PBKDF2,
 * plistlib for the keyed archives, sqlite3) with the `openssl enc` command for AES key unwrap and
 * AES-256-CBC (whose default PKCS#7 check also proves the padding is standard). Nothing of ours runs
 * on the reading side, so a shared misunderstanding would have to be in both.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decryptWithPython } from '../../test/support/python-decryptor.js';
import { BackupFolderWriter } from './index.js';
import { FAST_KEYBAG, haveTool, patternBytes, tempDir, TEST_DEVICE } from './test-helpers.js';


describe('independent cross-check', () => {
  it('a Python-stdlib + openssl decryptor reads our encrypted backup', async (t) => {
    if (!haveTool(t, 'python3') || !haveTool(t, 'openssl', ['version'])) return;
    const dir = join(tempDir(t), 'backup');
    const password = 'pässwörd ✓';
    const writer = await BackupFolderWriter.create(dir, { device: TEST_DEVICE, password, keybag: FAST_KEYBAG });
    const expected: Record<string, string> = {};
    const files: [string, string, Buffer, number][] = [
      ['HomeDomain', 'Library/SMS/sms.db', patternBytes(40_000, 9), 3],
      ['HomeDomain', 'Library/zero', Buffer.alloc(0), 4],
      ['KeychainDomain', 'keychain-backup.plist', patternBytes(4096, 10), 1],
      ['AppDomainGroup-group.com.example', 'Library/aligned', patternBytes(32, 11), 2],
      ['MediaDomain', 'Media/Recordings/Ünïcode.m4a', patternBytes(17, 12), 4],
    ];
    for (const [domain, path, data, protectionClass] of files) {
      await writer.addFile(domain, path, data, { protectionClass });
      expected[`${domain}/${path}`] = createHash('sha256').update(data).digest('hex');
    }
    await writer.finish();
    assert.deepEqual(decryptWithPython(dir, password), expected);
  });
});
