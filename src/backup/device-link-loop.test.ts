/**
 * The host's DeviceLink loop against a scripted device: when this computer cannot store what the
 * device sent (disk full), the operation fails with that reason even if the device then claims success.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import { test } from 'node:test';
import { simulatedDisk } from '../../test/support/small-disk.js';
import { DeviceLinkChannel } from '../protocol/devicelink/link.js';
import { parseStatusResponse, processMessage } from '../protocol/devicelink/messages.js';
import { encodeBlock, encodeName, END_OF_FILE, END_OF_STREAM, FileCode } from '../protocol/services/mobilebackup2/file-stream.js';
import { LifeboatError } from '../util/errors.js';
import { runDeviceLinkLoop } from './device-link-loop.js';
import { BackupRoot } from './safe-path.js';

function pipePair(): [Duplex, Duplex] {
  const toHost = new PassThrough();
  const toDevice = new PassThrough();
  return [Duplex.from({ readable: toHost, writable: toDevice }), Duplex.from({ readable: toDevice, writable: toHost })];
}

test('a disk-full write fails the operation even when the device then reports success', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-loop-'));
  const udid = '00008030-001A2B3C4D5E6F70';
  mkdirSync(join(dir, udid));
  const disk = simulatedDisk(dir, 1024, 'unit test');
  try {
    const [hostEnd, deviceEnd] = pipePair();
    const host = new DeviceLinkChannel(hostEnd, 'host');
    const device = new DeviceLinkChannel(deviceEnd, 'device');
    const loop = runDeviceLinkLoop(host, new BackupRoot(dir, [udid]), { idleTimeoutMs: 5000 });
    const settled = loop.then(
      () => undefined,
      (error: unknown) => error,
    );
    const path = `${udid}/big`;
    await device.send(['DLMessageUploadFiles', {}, 0, 4096]);
    await device.write(Buffer.concat([encodeName(path), encodeName(path), encodeBlock(FileCode.FILE_DATA, Buffer.alloc(4096, 1)), END_OF_FILE, END_OF_STREAM]));
    const status = parseStatusResponse(await device.receive({ timeoutMs: 5000 }));
    assert.equal(status.code, -15, 'ENOSPC travels as DeviceLink status -15');
    assert.match(status.description ?? '', /ENOSPC/);
    // A device that ignores the error and says all went well.
    await device.send(processMessage({ MessageName: 'Response', ErrorCode: 0 }));
    const error = await settled;
    assert.ok(error instanceof LifeboatError, String(error));
    assert.equal(error.code, 'BACKUP_HOST_DISK_FULL');
    assert.match(error.message, /^this computer's disk is full \(.*ENOSPC/);
  } finally {
    await disk.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
