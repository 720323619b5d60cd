import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DIGESTS_FILE, readDigests, recordDigests } from './digests.js';
import { linkTree } from './local-store.js';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('recordDigests', () => {
  it('gives the same record from the changed paths (plus known digests) as from a full walk', () => {
    const work = mkdtempSync(join(tmpdir(), 'lifeboat-digests-'));
    try {
      const base = join(work, 'base');
      for (const [path, text] of [['Info.plist', 'info'], ['Manifest.db', 'm1'], ['ab/ab01', 'one'], ['ab/ab02', 'two'], ['cd/cd01', 'three']] as const) {
        mkdirSync(join(base, path, '..'), { recursive: true });
        writeFileSync(join(base, path), text);
      }
      mkdirSync(join(work, 'snap1'));
      recordDigests(base, join(work, 'snap1'), undefined);
      const previous = readDigests(join(work, 'snap1'));
      assert.equal(previous?.length, 5);

      // An incremental: staging = hard links, then a replaced file (new inode), a removed one and a new one.
      const staging = join(work, 'staging');
      mkdirSync(staging);
      assert.equal(linkTree(base, staging), 5);
      unlinkSync(join(staging, 'Manifest.db'));
      writeFileSync(join(staging, 'Manifest.db'), 'm2');
      rmSync(join(staging, 'ab', 'ab02'));
      mkdirSync(join(staging, 'ef'));
      writeFileSync(join(staging, 'ef', 'ef01'), 'four');
      const known = new Map([[statSync(join(staging, 'Manifest.db')).ino, { size: 2, sha256: sha('m2') }]]);

      mkdirSync(join(work, 'quick'));
      mkdirSync(join(work, 'walked'));
      mkdirSync(join(work, 'hostile'));
      const quick = recordDigests(staging, join(work, 'quick'), previous, known, undefined, undefined, new Set(['Manifest.db', 'ab/ab02', 'ef', 'Info.plist']));
      const walked = recordDigests(staging, join(work, 'walked'), previous);
      // A path leaving the folder is never looked at: the whole folder is walked instead.
      const hostile = recordDigests(staging, join(work, 'hostile'), previous, known, undefined, undefined, new Set(['../base/cd']));
      const text = (dir: string): string => gunzipSync(readFileSync(join(work, dir, DIGESTS_FILE))).toString();
      assert.equal(text('quick'), text('walked'));
      assert.equal(text('hostile'), text('walked'));
      assert.deepEqual(quick, walked);
      assert.deepEqual(hostile, walked);
      assert.deepEqual(
        readDigests(join(work, 'quick'))?.map((d) => [d.path, d.sha256]),
        [['Info.plist', sha('info')], ['Manifest.db', sha('m2')], ['ab/ab01', sha('one')], ['cd/cd01', sha('three')], ['ef/ef01', sha('four')]],
      );
      assert.equal(quick.newBytes, 2 + 4, 'the replaced and the new file are new bytes');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('readDigests', () => {
  it('names a damaged record instead of reading wrong digests from it', () => {
    const work = mkdtempSync(join(tmpdir(), 'lifeboat-digests-'));
    try {
      const good = `ab/ab01\t3\t12\t${sha('one')}\n`;
      const write = (text: string): void => writeFileSync(join(work, DIGESTS_FILE), gzipSync(Buffer.from(text)));
      write(`${good}Info.plist\t4\t13\t${sha('info')}\n`);
      assert.deepEqual(readDigests(work), [
        { path: 'ab/ab01', size: 3, inode: 12, sha256: sha('one') },
        { path: 'Info.plist', size: 4, inode: 13, sha256: sha('info') },
      ]);
      for (const bad of [
        `ab/ab02\t3\t12\n`, // a field missing
        `ab/ab02\t3\t12\t${sha('x').slice(1)}\n`, // a short digest
        `ab/ab02\t3\t12\t${sha('x').toUpperCase()}\n`, // not lower-case hex
        `ab/ab02\t-3\t12\t${sha('x')}\n`, // a negative size
        `ab/ab02\t\t12\t${sha('x')}\n`, // an empty size
        `\t3\t12\t${sha('x')}\n`, // no path
        `ab/ab02\t3\t12\t${sha('x')}\textra\n`, // a fifth field
      ]) {
        write(good + bad);
        assert.throws(() => readDigests(work), (error: Error & { code?: string }) => error.code === 'VAULT_DIGESTS_DAMAGED', JSON.stringify(bad));
      }
      writeFileSync(join(work, DIGESTS_FILE), gzipSync(Buffer.from(good)).subarray(0, 20));
      assert.throws(() => readDigests(work), (error: Error & { code?: string }) => error.code === 'VAULT_DIGESTS_DAMAGED');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
