/**
 * The backup engine end to end against the virtual iPhone: full, incremental, encrypted backups into
 * the snapshot store, read back with the format reader and compared with the phone's own files;
 * restore into another phone; encryption password changes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { changeBackupEncryption } from '../src/backup/encryption.js';
import { backupDevice } from '../src/backup/engine.js';
import { restoreDevice } from '../src/backup/restore.js';
import { openBackup } from '../src/format/index.js';
import type { UsbmuxPairRecordStore } from '../src/protocol/host/pair-store.js';
import type { UsbmuxTransport } from '../src/protocol/transport.js';
import { LocalSnapshotStore } from '../src/vault/local-store.js';
import { decryptWithPython } from './support/python-decryptor.js';
import { requireTool } from './support/require-tool.js';
import { backupFiles, phoneFiles } from './support/backup-checks.js';
import { startSimHarness, type SimHarness } from './support/sim-harness.js';

describe('backup engine against the virtual iPhone', () => {
  let sim: SimHarness;
  let vaultDir: string;
  let store: LocalSnapshotStore;
  let pairs: UsbmuxPairRecordStore;
  const transport = (udid: string): Promise<UsbmuxTransport> => sim.transport(udid);

  before(async () => {
    sim = await startSimHarness({ devices: 2, autoTrust: true });
    vaultDir = mkdtempSync(join(tmpdir(), 'lifeboat-vault-'));
    store = new LocalSnapshotStore(vaultDir);
    pairs = await sim.pair();
  });
  after(async () => {
    await sim.close();
    rmSync(vaultDir, { recursive: true, force: true });
  });

  it("makes a full backup whose files equal the phone's, then an incremental that sends only changes", async () => {
    const phone = sim.simulator.phone(sim.usbUdid)!;
    const fs = sim.simulator.fileSystem(phone);
    const first = await backupDevice({ transport: await transport(sim.usbUdid), pairStore: pairs, store });
    assert.equal(first.encrypted, false);
    const expected1 = await phoneFiles(fs, false);
    assert.deepEqual(await backupFiles(first.snapshot.deviceDir), expected1);
    // Every file, plus Status.plist (4 states), Manifest.db and Manifest.plist.
    assert.equal(first.filesReceived, expected1.size + 6);

    const change = fs.mutate({ kind: 'messages', add: 3 });
    const photos = fs.mutate({ kind: 'photos', add: 2 });
    assert.ok(change.added + change.changed + photos.added > 0);
    const second = await backupDevice({ transport: await transport(sim.usbUdid), pairStore: pairs, store });
    assert.equal(second.full, false);
    assert.ok(second.filesReceived > 0 && second.filesReceived < expected1.size / 2, `incremental sent ${second.filesReceived} of ${expected1.size}`);
    const expected2 = await phoneFiles(fs, false);
    assert.deepEqual(await backupFiles(second.snapshot.deviceDir), expected2);
    // The first snapshot is untouched by the second backup (hard links, new inodes for changes).
    assert.deepEqual(await backupFiles(first.snapshot.deviceDir), expected1);
    assert.deepEqual(store.list(sim.usbUdid).map((s) => s.id), [first.snapshot.id, second.snapshot.id]);
  });

  it('turns encryption on, makes an encrypted backup readable with the password, refuses a wrong one', async (t) => {
    const phone = sim.simulator.phone(sim.usbUdid)!;
    const fs = sim.simulator.fileSystem(phone);
    await changeBackupEncryption(await transport(sim.usbUdid), pairs, { action: 'on', newPassword: 'correct horse' });
    assert.equal(phone.state.backupEncryption, true);
    const encrypted = await backupDevice({ transport: await transport(sim.usbUdid), pairStore: pairs, store });
    assert.equal(encrypted.encrypted, true);
    assert.equal(encrypted.full, true, 'a new keybag means a full backup');
    const expected = await phoneFiles(fs, true);
    assert.ok([...expected.keys()].some((k) => k.startsWith('KeychainDomain/') || k.startsWith('HealthDomain/')), 'encrypted-only data is included');
    assert.deepEqual(await backupFiles(encrypted.snapshot.deviceDir, 'correct horse'), expected);
    await assert.rejects(openBackup(encrypted.snapshot.deviceDir, { password: 'wrong' }), /password/i);
    // An independent reader (Python stdlib + openssl, nothing of ours) decrypts the same snapshot.
    if (requireTool(t, 'python3') && requireTool(t, 'openssl')) {
      const independent = decryptWithPython(encrypted.snapshot.deviceDir, 'correct horse');
      assert.deepEqual(new Map(Object.entries(independent)), expected);
    }
    await assert.rejects(changeBackupEncryption(await transport(sim.usbUdid), pairs, { action: 'off', oldPassword: 'nope' }), /password is wrong/);
    assert.equal(phone.state.backupEncryption, true);
    await changeBackupEncryption(await transport(sim.usbUdid), pairs, { action: 'off', oldPassword: 'correct horse' });
    assert.equal(phone.state.backupEncryption, false);
  });

  it('restores a snapshot into another virtual iPhone, which then holds the same files', async () => {
    const source = sim.simulator.phone(sim.usbUdid)!;
    const target = sim.simulator.phone(sim.networkUdid!)!;
    target.applySettings(['plugged=true']);
    await sim.pair(target.udid);
    const snapshot = store.list(sim.usbUdid).filter((s) => s.meta?.encrypted === false).at(-1)!;
    const sourceFiles = await phoneFiles(sim.simulator.fileSystem(source), false);
    await restoreDevice({
      transport: await transport(target.udid),
      pairStore: pairs,
      backupDir: snapshot.backupDir,
      sourceName: sim.usbUdid,
      system: true,
      removeNotRestored: true,
      reboot: false,
    });
    assert.deepEqual(await phoneFiles(sim.simulator.fileSystem(target), false), sourceFiles);
  });

  it('leaves the camera roll out while iCloud Photos is on, as a phone does', async () => {
    sim.set(sim.usbUdid, 'icloudPhotos=true');
    try {
      const result = await backupDevice({ transport: await transport(sim.usbUdid), pairStore: pairs, store });
      const files = await backupFiles(result.snapshot.deviceDir);
      assert.equal([...files.keys()].some((k) => k.startsWith('CameraRollDomain/Media/DCIM/')), false);
      assert.ok(files.has('CameraRollDomain/Media/PhotoData/Photos.sqlite'), 'the photo library database is still backed up');
    } finally {
      sim.set(sim.usbUdid, 'icloudPhotos=false');
    }
  });
});
