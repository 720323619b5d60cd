/**
 * Independent cross-check: a synthetic encrypted backup written by BackupFolderWriter is decrypted by a
 * separate implementation of the published algorithm — Python's standard library only (hashlib PBKDF2,
 * plistlib for the keyed archives, sqlite3) with the `openssl enc` command for AES key unwrap and
 * AES-256-CBC (whose default PKCS#7 check also proves the padding is standard). Nothing of ours runs
 * on the reading side, so a shared misunderstanding would have to be in both.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BackupFolderWriter } from './index.js';
import { FAST_KEYBAG, haveTool, patternBytes, tempDir, TEST_DEVICE } from './test-helpers.js';

const PYTHON_DECRYPTOR = String.raw`
import hashlib, json, os, plistlib, shutil, sqlite3, struct, subprocess, sys, tempfile
root, password = sys.argv[1], sys.argv[2].encode('utf-8')
u32be = lambda b: struct.unpack('>I', b)[0]
u32le = lambda b: struct.unpack('<I', b[:4])[0]
def openssl(args, data):
    return subprocess.run(['openssl', 'enc', '-d'] + args, input=data, capture_output=True, check=True).stdout
unwrap = lambda kek, wrapped: openssl(['-id-aes256-wrap', '-K', kek.hex(), '-iv', 'A6A6A6A6A6A6A6A6'], wrapped)
cbc = lambda key, data: openssl(['-aes-256-cbc', '-K', key.hex(), '-iv', '0' * 32], data)
manifest = plistlib.load(open(os.path.join(root, 'Manifest.plist'), 'rb'))
bag, classes, current, kb, i = {}, [], None, manifest['BackupKeyBag'], 0
while i < len(kb):
    tag, n = kb[i:i + 4].decode(), u32be(kb[i + 4:i + 8]); value = kb[i + 8:i + 8 + n]; i += 8 + n
    if tag == 'UUID' and 'UUID' in bag: current = {}; classes.append(current)
    elif current is not None and tag in ('CLAS', 'WRAP', 'KTYP', 'WPKY'): current[tag] = value
    else: bag.setdefault(tag, value)
k1 = hashlib.pbkdf2_hmac('sha256', password, bag['DPSL'], u32be(bag['DPIC']), 32) if 'DPSL' in bag else password
kek = hashlib.pbkdf2_hmac('sha1', k1, bag['SALT'], u32be(bag['ITER']), 32)
class_keys = {u32be(c['CLAS']): unwrap(kek, c['WPKY']) for c in classes if u32be(c['WRAP']) == 2}
mk = manifest['ManifestKey']
tmp = tempfile.mkdtemp()
try:
    db = os.path.join(tmp, 'Manifest.db')
    open(db, 'wb').write(cbc(unwrap(class_keys[u32le(mk)], mk[4:]), open(os.path.join(root, 'Manifest.db'), 'rb').read()))
    out = {}
    con = sqlite3.connect(db)
    for file_id, domain, path, blob in con.execute('SELECT fileID, domain, relativePath, file FROM Files WHERE flags = 1'):
        assert file_id == hashlib.sha1((domain + '-' + path).encode('utf-8')).hexdigest()
        archive = plistlib.loads(blob); objects = archive['$objects']; mb = objects[archive['$top']['root'].data]
        ek = objects[mb['EncryptionKey'].data]['NS.data']
        plain = cbc(unwrap(class_keys[u32le(ek)], ek[4:]), open(os.path.join(root, file_id[:2], file_id), 'rb').read())
        assert len(plain) == mb['Size'], (path, len(plain), mb['Size'])
        out[domain + '/' + path] = hashlib.sha256(plain).hexdigest()
    con.close()
    print(json.dumps(out))
finally:
    shutil.rmtree(tmp)
`;

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
    const run = spawnSync('python3', ['-c', PYTHON_DECRYPTOR, dir, password], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), expected);
  });
});
