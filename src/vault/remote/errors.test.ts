/** restic 0.14's real failure messages (captured from runs against Swift and local repositories) → codes and hints. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { redact, resticFailure, saysLocked } from './errors.js';
import { parseSnapshots } from './repository.js';
import { normaliseRepositoryUrl, readEnvFile } from './settings.js';

const CASES: Array<[string, string]> = [
  ['Fatal: wrong password or no key found', 'REMOTE_WRONG_PASSWORD'],
  ['Fatal: unable to open config file: Stat: Get "https://127.0.0.1:28099/bucket/?location=": dial tcp 127.0.0.1:28099: connect: connection refused\nIs there a repository at the following location?', 'REMOTE_UNREACHABLE'],
  ['Fatal: unable to open config file: Stat: The request signature we calculated does not match the signature you provided. Check your key and signing method.\nIs there a repository at the following location?', 'REMOTE_ACCESS_DENIED'],
  ['Fatal: unable to open config file: Stat: Get "https://127.0.0.1:28085/lifeboat/?location=": x509: certificate signed by unknown authority', 'REMOTE_TLS'],
  ['Fatal: unable to open config file: Stat: The specified bucket does not exist.\nIs there a repository at the following location?', 'REMOTE_NO_REPOSITORY'],
  ['Fatal: unable to open config file: stat /x/config: no such file or directory\nIs there a repository at the following location?', 'REMOTE_NO_REPOSITORY'],
  ['unable to create lock in backend: repository is already locked by PID 15945 on vm by root (UID 0, GID 0)\nlock was created at 2026-11-25 16:08:40 (29.2s ago)', 'REMOTE_LOCKED'],
  ['Fatal: unable to save snapshot: write /mnt/repo/data/ab/abc: no space left on device', 'REMOTE_FULL'],
  ['Fatal: something nobody expected', 'REMOTE_FAILED'],
];

describe('restic failures', () => {
  it('become a code and a hint saying what to do', () => {
    for (const [stderr, code] of CASES) {
      const error = resticFailure('sync to offsite', 1, null, stderr);
      assert.equal(error.code, code, stderr);
      assert.ok(error.hint && error.hint.length > 10, code);
      assert.match(error.message, /^sync to offsite: /);
    }
    assert.equal(resticFailure('x', null, 'SIGKILL', '').code, 'REMOTE_INTERRUPTED');
    assert.equal(resticFailure('x', 1, null, CASES[1]![0]).retryable, true);
    assert.equal(saysLocked(CASES[6]![0]), true);
    assert.equal(saysLocked(CASES[0]![0]), false);
  });

  it('never show credentials embedded in a URL', () => {
    assert.equal(redact('rest:https://me:s3cret@host:8000/repo failed'), 'rest:https://me:***@host:8000/repo failed');
    assert.doesNotMatch(resticFailure('x', 1, null, 'Fatal: rest:https://me:s3cret@host/ unreachable').message, /s3cret/);
  });
});

describe('remote settings', () => {
  it('normalises repository addresses', () => {
    assert.equal(normaliseRepositoryUrl('repo', '/home/me'), '/home/me/repo');
    assert.equal(normaliseRepositoryUrl('s3:https://h:9000/bucket/prefix'), 's3:https://h:9000/bucket/prefix');
    assert.equal(normaliseRepositoryUrl('sftp:me@nas:/srv/r'), 'sftp:me@nas:/srv/r');
    assert.throws(() => normaliseRepositoryUrl('s3:https://h:9000'), /not an S3 repository address/);
    assert.throws(() => normaliseRepositoryUrl('ftp://host/x'), /unknown repository type/);
    assert.throws(() => normaliseRepositoryUrl('  '), /empty/);
  });

  it('reads env files and names a bad line without showing values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeboat-env-'));
    try {
      const file = join(dir, 'env');
      writeFileSync(file, '# creds\nexport AWS_ACCESS_KEY_ID=abc\nAWS_SECRET_ACCESS_KEY="x=y z"\n\nSSL_CERT_FILE=/ca.crt\n');
      assert.deepEqual(readEnvFile(file), { AWS_ACCESS_KEY_ID: 'abc', AWS_SECRET_ACCESS_KEY: 'x=y z', SSL_CERT_FILE: '/ca.crt' });
      writeFileSync(file, 'AWS_ACCESS_KEY_ID=abc\nthis line is secretvalue\n');
      assert.throws(() => readEnvFile(file), (e: Error) => /line 2: expected KEY=VALUE/.test(e.message) && !e.message.includes('secretvalue'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads Lifeboat\'s tags from restic\'s snapshot list', () => {
    const list = parseSnapshots(JSON.stringify([
      { id: 'b'.repeat(64), short_id: 'bbbbbbbb', time: '2026-01-02T03:04:05Z', tags: ['lifeboat', 'udid:00008030-001A2B3C4D5E6F70', 'snapshot:20260102T030405000Z-abcdef'] },
      { id: 'a'.repeat(64), time: '2026-01-01T00:00:00Z', tags: ['lifeboat'] },
      { nonsense: true },
    ]));
    assert.equal(list.length, 2);
    assert.equal(list[0]!.shortId, 'aaaaaaaa', 'oldest first');
    assert.equal(list[1]!.udid, '00008030-001A2B3C4D5E6F70');
    assert.equal(list[1]!.snapshot, '20260102T030405000Z-abcdef');
  });
});
