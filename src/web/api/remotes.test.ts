import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobEventOf, withoutCredentials } from './remotes.js';

describe('remote views for the browser', () => {
  it('strips user:password@ from repository addresses and leaves others alone', () => {
    assert.equal(withoutCredentials('rest:https://backup:s3cret@nas.local:8000/lifeboat'), 'rest:https://nas.local:8000/lifeboat');
    assert.equal(withoutCredentials('s3:https://AKIA:wJalr@minio.local/bucket'), 's3:https://minio.local/bucket');
    assert.equal(withoutCredentials('restic failed: Get "rest:http://u:p@127.0.0.1:9/config": refused'), 'restic failed: Get "rest:http://127.0.0.1:9/config": refused');
    for (const plain of ['/mnt/usb/lifeboat', 's3:https://s3.example.com/bucket/prefix', 'sftp:me@host:/srv/backups']) assert.equal(withoutCredentials(plain), plain);
  });

  it('turns restic\'s sync events into job phases and progress', () => {
    assert.deepEqual(jobEventOf({ type: 'snapshot', remote: 'cloud', udid: 'U', snapshot: 'S1', index: 2, count: 3 }), { type: 'phase', phase: 'sending', message: 'Sending snapshot S1 (2 of 3) to "cloud"' });
    const progress = jobEventOf({ type: 'progress', remote: 'cloud', udid: 'U', snapshot: 'S1', percent: 40, files: 7, totalFiles: 20, bytes: 4000, totalBytes: 10_000, bytesPerSecond: 800, etaSeconds: 7.5 });
    assert.deepEqual(progress, { type: 'progress', files: 7, bytes: 4000, percent: 40, bytesPerSecond: 800, etaSeconds: 7.5 });
  });
});
