/**
 * The *null host*: a mobilebackup2 host that keeps nothing. It speaks the whole backup protocol with
 * Lifeboat's own protocol stack (lockdown, TLS, DeviceLink) but reads every uploaded file into the void
 * and answers every folder operation "done", so its run time is the virtual iPhone's serving time plus
 * the unavoidable transport (TLS decryption, socket reads) — the ceiling any host can reach against
 * this phone. With `--previous DIR` it serves an existing backup's Status/Manifest files, so the phone
 * plans an incremental backup exactly as it would against a real host.
 *
 * Run as its own process (the benchmark measures its CPU and RSS apart from the phone's):
 *   USBMUXD_SOCKET_ADDRESS=UNIX:… node dist/bench/null-host.js [--full] [--previous DIR]
 * Prints one JSON line: { files, bytes, seconds } (seconds from the Backup request to the final message).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackupRoot } from '../src/backup/safe-path.js';
import { sendFiles } from '../src/backup/folder-ops.js';
import { openMb2Session } from '../src/backup/session.js';
import { chooseTransport, deviceContext } from '../src/cli/context.js';
import { DlStatus, statusResponse } from '../src/protocol/devicelink/messages.js';
import { FileCode, readBlockHeader, readName } from '../src/protocol/services/mobilebackup2/file-stream.js';
import { finalResult } from '../src/protocol/services/mobilebackup2/client.js';
import type { StreamReader } from '../src/protocol/wire/stream-reader.js';

const READ = { timeoutMs: 10 * 60_000 };

async function discardUploads(reader: StreamReader): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (;;) {
    if ((await readName(reader, READ)) === undefined) break;
    if ((await readName(reader, READ)) === undefined) break;
    let header = await readBlockHeader(reader, READ);
    while (header && header.code === FileCode.FILE_DATA) {
      await reader.skip(header.payloadLength, READ);
      bytes += header.payloadLength;
      header = await readBlockHeader(reader, READ);
    }
    if (header && header.code !== FileCode.SUCCESS) await reader.skip(header.payloadLength, READ);
    files++;
    if (!header) break;
  }
  return { files, bytes };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const full = args.includes('--full');
  const previousAt = args.indexOf('--previous');
  const previous = previousAt >= 0 ? args[previousAt + 1] : undefined;
  const context = deviceContext();
  const transport = await chooseTransport(context, undefined);
  const udid = transport.udid;
  const empty = mkdtempSync(join(tmpdir(), 'lifeboat-null-host-'));
  const root = new BackupRoot(previous ?? empty, [udid]);
  const session = await openMb2Session(transport, context.store, { withAfc: false });
  let files = 0;
  let bytes = 0;
  let seconds = 0;
  try {
    const channel = session.mb2.channel;
    const started = process.hrtime.bigint();
    await session.mb2.sendRequest('Backup', udid, udid, full ? { ForceFullBackup: true } : undefined);
    for (;;) {
      const message = await channel.receive(READ);
      const name = message[0] as string;
      if (name === 'DLMessageDownloadFiles') {
        const { errors } = await sendFiles(channel, root, message[1] as string[]);
        await channel.send(Object.keys(errors).length > 0 ? statusResponse(DlStatus.MULTI_STATUS, 'Multi status', errors) : statusResponse(0, undefined, {}));
      } else if (name === 'DLMessageUploadFiles') {
        const got = await discardUploads(channel.reader);
        files += got.files;
        bytes += got.bytes;
        await channel.send(statusResponse(0, undefined, {}));
      } else if (name === 'DLMessageGetFreeDiskSpace') {
        await channel.send(statusResponse(0, undefined, 2 ** 50));
      } else if (name === 'DLContentsOfDirectory') {
        await channel.send(statusResponse(0, undefined, {}));
      } else if (name === 'DLMessageProcessMessage') {
        finalResult(message);
        seconds = Number(process.hrtime.bigint() - started) / 1e9;
        break;
      } else if (name === 'DLMessageDisconnect') {
        throw new Error('the phone disconnected');
      } else {
        // Create/Move/Remove/Copy: nothing is kept, so there is nothing to do.
        await channel.send(statusResponse(0, undefined, {}));
      }
    }
  } finally {
    await session.close();
    rmSync(empty, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify({ files, bytes, seconds })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`null host: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
