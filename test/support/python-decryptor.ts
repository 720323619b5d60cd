/**
 * An independent decryptor of encrypted Finder backups: Python's standard library (hashlib PBKDF2,
 * plistlib, sqlite3) plus the `openssl enc` command for AES key unwrap and AES-256-CBC — nothing of
 * Lifeboat's runs on the reading side, so a shared misunderstanding would have to be in both.
 * The password travels in the environment, never on a command line.
 */
import { spawnSync } from 'node:child_process';

export const PYTHON_DECRYPTOR = String.raw`
import hashlib, json, os, plistlib, shutil, sqlite3, struct, subprocess, sys, tempfile
root, password = sys.argv[1], os.environ['LIFEBOAT_TEST_PASSWORD'].encode('utf-8')
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

/** domain/path → sha256 of every regular file's plaintext, as the independent decryptor reads it. */
export function decryptWithPython(deviceDir: string, password: string): Record<string, string> {
  const run = spawnSync('python3', ['-c', PYTHON_DECRYPTOR, deviceDir], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, LIFEBOAT_TEST_PASSWORD: password },
  });
  if (run.status !== 0) throw new Error(`independent decryptor failed: ${run.stderr || run.error?.message}`);
  return JSON.parse(run.stdout) as Record<string, string>;
}
