/**
 * The phone's side of Restore: read the backup from the host (unlocking it with the password the host
 * passes for an encrypted one — a wrong password changes nothing), then recreate every directory,
 * symlink and file of the restorable domains on the phone, streaming each file's blob over
 * DownloadFiles and decrypting it on the way. With RemoveItemsNotRestored, files of those domains
 * that the backup does not hold are removed. Without RestoreSystemFiles only app and user domains
 * are restored, as on a phone.
 */
import { PassThrough } from 'node:stream';
import { createFileDecryptStream, decodeMbFile, shardPath, unwrapFileKey, type MbFile } from '../../../src/format/index.js';
import { restoreOptionsFromPlist } from '../../../src/protocol/services/mobilebackup2/messages.js';
import type { Mb2Request } from '../../../src/protocol/services/mobilebackup2/messages.js';
import { AgentErrorCode, type AgentContext, type AgentResult } from './agent-context.js';
import { fetchHostBackup, isAgentResult } from './backup-source.js';
import type { DownloadSink, HostLink } from './host-link.js';

const USER_DOMAIN = /^(HomeDomain|MediaDomain|CameraRollDomain|KeychainDomain|HealthDomain|AppDomain-|AppDomainGroup-|AppDomainPlugin-)/;
const DOWNLOAD_BATCH = 500;

export function isUserDomain(domain: string): boolean {
  return USER_DOMAIN.test(domain);
}

interface RestoreItem {
  readonly domain: string;
  readonly relativePath: string;
  readonly meta: MbFile;
  readonly blobPath: string;
}

export async function runRestore(link: HostLink, context: AgentContext, request: Mb2Request): Promise<AgentResult> {
  const { phone, fs } = context;
  const options = restoreOptionsFromPlist(request.options);
  const sourceUdid = request.sourceUdid ?? request.targetUdid ?? phone.udid;
  const backup = await fetchHostBackup(link, sourceUdid, options.password !== undefined ? { password: options.password } : {});
  if (isAgentResult(backup)) return backup;
  const restorable = (domain: string): boolean => options.restoreSystemFiles || isUserDomain(domain);
  const files: RestoreItem[] = [];
  const inBackup = new Set<string>();
  try {
    for (const row of backup.db.rows()) {
      if (!restorable(row.domain)) continue;
      inBackup.add(`${row.domain}\u0000${row.relativePath}`);
      const meta = decodeMbFile(row.file);
      if (row.flags === 2) fs.mkdir(row.domain, row.relativePath, { mode: meta.mode, lastModified: meta.lastModified });
      else if (row.flags === 4 && meta.target !== undefined) fs.symlink(row.domain, row.relativePath, meta.target);
      else if (row.flags === 1) files.push({ domain: row.domain, relativePath: row.relativePath, meta, blobPath: `${sourceUdid}/${shardPath(row.fileId)}` });
    }
  } finally {
    backup.db.close();
  }

  const failures: string[] = [];
  for (let i = 0; i < files.length; i += DOWNLOAD_BATCH) {
    const batch = files.slice(i, i + DOWNLOAD_BATCH);
    const byPath = new Map(batch.map((f) => [f.blobPath, f]));
    const sink = new RestoreSink(byPath, context, backup.classKeys, failures);
    await link.downloadFiles(batch.map((f) => f.blobPath), sink, (i / Math.max(files.length, 1)) * 100);
  }
  if (failures.length > 0) {
    return { errorCode: AgentErrorCode.RESTORE_FAILED, description: `${failures.length} files could not be restored, first: ${failures[0]}` };
  }
  if (options.removeItemsNotRestored) {
    const extra = [...fs.list()].filter((f) => restorable(f.domain) && f.kind !== 'directory' && !inBackup.has(`${f.domain}\u0000${f.relativePath}`));
    for (const file of extra) fs.remove(file.domain, file.relativePath);
  }
  phone.logger.log('info', 'restore finished', { udid: phone.udid, files: files.length, encrypted: backup.encrypted });
  if (options.restoreShouldReboot) {
    // A phone reboots after a restore: every connection drops once the result is on its way.
    setTimeout(() => phone.dropConnections(), 500).unref();
  }
  return { errorCode: 0 };
}

/** Streams each downloaded blob into the phone's file system, decrypting when the backup is encrypted. */
class RestoreSink implements DownloadSink {
  private current: { input: PassThrough; done: Promise<unknown> } | undefined;

  constructor(
    private readonly byPath: ReadonlyMap<string, RestoreItem>,
    private readonly context: AgentContext,
    private readonly classKeys: ReadonlyMap<number, Buffer> | undefined,
    private readonly failures: string[],
  ) {}

  begin(path: string): void {
    const item = this.byPath.get(path);
    if (!item) {
      this.failures.push(`${path}: not requested`);
      this.current = undefined;
      return;
    }
    const input = new PassThrough({ highWaterMark: 1024 * 1024 });
    const content = this.classKeys ? input.pipe(createFileDecryptStream(unwrapFileKey(item.meta, this.classKeys), item.meta.size, item.relativePath)) : input;
    const done = this.context.fs
      .write(item.domain, item.relativePath, content, {
        mode: item.meta.mode,
        lastModified: item.meta.lastModified,
        birth: item.meta.birth,
        protectionClass: item.meta.protectionClass,
        uid: item.meta.userId,
        gid: item.meta.groupId,
      })
      .catch((error: unknown) => {
        this.failures.push(`${item.domain}/${item.relativePath}: ${error instanceof Error ? error.message : String(error)}`);
        // Keep the host's stream in step: whatever still arrives for this file is discarded.
        input.unpipe();
        input.resume();
      });
    this.current = { input, done };
  }

  async data(_path: string, chunk: Buffer): Promise<void> {
    const current = this.current;
    if (!current) return;
    if (!current.input.write(chunk)) await new Promise<void>((resolve) => current.input.once('drain', resolve));
  }

  async end(path: string, error: string | undefined): Promise<void> {
    const current = this.current;
    this.current = undefined;
    if (error !== undefined) this.failures.push(`${path}: ${error}`);
    if (!current) return;
    current.input.end();
    await current.done;
  }
}
