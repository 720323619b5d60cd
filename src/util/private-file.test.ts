import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import { exfatDisk } from '../../test/support/exfat-disk.js';
import { smallDisk } from '../../test/support/small-disk.js';
import { writePrivateFileAtomically } from './private-file.js';

const root = mkdtempSync(join(tmpdir(), 'lifeboat-private-file-'));
after(() => rmSync(root, { recursive: true, force: true }));

function withUmask<T>(mask: number, body: () => T): T {
  const previous = process.umask(mask);
  try {
    return body();
  } finally {
    process.umask(previous);
  }
}

describe('writePrivateFileAtomically', () => {
  test('creates the file 0600 and its missing folders 0700 even with a permissive umask', () => {
    const path = join(root, 'permissive', 'nested', 'secret');
    withUmask(0o000, () => writePrivateFileAtomically(path, 'hunter2'));
    assert.equal(readFileSync(path, 'utf8'), 'hunter2');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(root, 'permissive')).mode & 0o777, 0o700);
    assert.equal(statSync(join(root, 'permissive', 'nested')).mode & 0o777, 0o700);
  });

  test('is exactly 0600 under a umask that would take the owner\'s write bit away', () => {
    const path = join(root, 'strict-umask');
    withUmask(0o277, () => writePrivateFileAtomically(path, Buffer.from([1, 2, 3])));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
  });

  test('replaces a world-readable file with a private one and leaves no temporary file', () => {
    const dir = join(root, 'replace');
    mkdirSync(dir);
    const path = join(dir, 'config.json');
    writeFileSync(path, 'old', { mode: 0o644 });
    withUmask(0o000, () => writePrivateFileAtomically(path, 'new'));
    assert.equal(readFileSync(path, 'utf8'), 'new');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['config.json']);
  });

  test('a failed rename leaves the target as it was and no partial file behind', () => {
    const dir = join(root, 'rename-fails');
    mkdirSync(join(dir, 'target', 'occupied'), { recursive: true });
    assert.throws(() => writePrivateFileAtomically(join(dir, 'target'), 'data'), /EISDIR|ENOTEMPTY|EEXIST/);
    assert.deepEqual(readdirSync(dir), ['target']);
    assert.deepEqual(readdirSync(join(dir, 'target')), ['occupied']);
  });

  test('a full disk keeps the previous file whole and leaves no partial file', async () => {
    const disk = await smallDisk(join(root, 'disk'), 256 * 1024);
    try {
      const path = join(disk.dir, 'pair-record.plist');
      writePrivateFileAtomically(path, 'previous good record');
      disk.fill(16 * 1024);
      assert.throws(() => writePrivateFileAtomically(path, Buffer.alloc(128 * 1024, 7)), /ENOSPC/);
      assert.equal(readFileSync(path, 'utf8'), 'previous good record');
      disk.unfill();
      assert.deepEqual(readdirSync(disk.dir).sort(), ['pair-record.plist']);
    } finally {
      await disk.close();
    }
  });

  test('works on a file system without Unix modes (exFAT), as private as it can be there', async (t: TestContext) => {
    let disk;
    try {
      disk = await exfatDisk(join(root, 'exfat-work'), 16 * 1024 * 1024);
    } catch (error) {
      const why = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      if (process.env['CI'] === 'true') assert.fail(`could not mount an exFAT disk: ${why}`);
      t.skip(`could not mount an exFAT disk: ${why}`);
      return;
    }
    try {
      const path = join(disk.dir, 'remotes', 'offsite.password');
      withUmask(0o277, () => writePrivateFileAtomically(path, 'secret'));
      writePrivateFileAtomically(path, 'secret, changed');
      assert.equal(readFileSync(path, 'utf8'), 'secret, changed');
      assert.deepEqual(readdirSync(join(disk.dir, 'remotes')), ['offsite.password']);
    } finally {
      await disk.close();
    }
  });
});
