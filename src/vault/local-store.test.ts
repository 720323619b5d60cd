import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DIGESTS_FILE, readDigests } from './digests.js';
import { LocalSnapshotStore } from './local-store.js';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const UDID = '00008101-0000BE4C000000AA';
const meta = { encrypted: false, full: false, filesReceived: 0, bytesReceived: 0 };

describe('LocalSnapshotStore', () => {
  it('backs up after the latest snapshot\'s digest record was damaged, hashing every file again', () => {
    const root = mkdtempSync(join(tmpdir(), 'lifeboat-store-'));
    try {
      const store = new LocalSnapshotStore(root);
      const first = store.openStaging(UDID);
      mkdirSync(join(first.deviceDir, 'ab'));
      writeFileSync(join(first.deviceDir, 'ab', 'ab01'), 'one');
      writeFileSync(join(first.deviceDir, 'Manifest.db'), 'm1');
      const base = first.commit(meta);
      writeFileSync(join(base.backupDir, DIGESTS_FILE), 'not gzip');

      const second = store.openStaging(UDID);
      assert.match(store.notices.join('\n'), /digest record of snapshot .* is damaged/);
      rmSync(join(second.deviceDir, 'Manifest.db'));
      writeFileSync(join(second.deviceDir, 'Manifest.db'), 'm2');
      // The engine's list says only Manifest.db changed; without a base record it cannot be trusted.
      const next = second.commit(meta, { changedPaths: new Set(['Manifest.db']) });
      assert.deepEqual(
        readDigests(next.backupDir)?.map((d) => [d.path, d.sha256]),
        [['Manifest.db', sha('m2')], ['ab/ab01', sha('one')]],
      );
      assert.equal(next.meta?.files, 2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
