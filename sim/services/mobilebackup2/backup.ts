/**
 * The phone's side of a Backup request — what BackupAgent2 does on an iPhone:
 * 1. ask the host for the previous backup's Status/Manifest (incremental unless forced or unusable);
 * 2. check the host has room (GetFreeDiskSpace);
 * 3. Status.plist "uploading"; for a full backup, clear the old shard folders;
 * 4. upload new and changed files into <UDID>/Snapshot/<xx>/<fileID> (encrypted with new per-file
 *    keys when backup encryption is on), then Manifest.db and Manifest.plist;
 * 5. Status.plist "moving"; move everything from Snapshot/ into place; remove deleted files and
 *    Snapshot/; Status.plist "finished".
 * Unchanged files are not sent: their previous MBFile (with its encryption key) is carried over.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  buildManifestPlist,
  buildStatusPlist,
  createFileEncryptStream,
  encryptedLength,
  encryptManifestDbFile,
  fileIdOf,
  ManifestDbWriter,
  newFileKey,
  shardPath,
  type MbFileInput,
} from '../../../src/format/index.js';
import type { DeviceFile } from '../../data/types.js';
import { loadEncryption } from './encryption.js';
import type { AgentContext, AgentResult } from './agent-context.js';
import { AgentErrorCode, chainBeforeBlock, deviceIdentityFor } from './agent-context.js';
import type { HostLink, UploadItem } from './host-link.js';
import { loadPreviousBackup, unchanged } from './previous-backup.js';


const MOVE_BATCH = 5000;

interface PlannedFile {
  readonly file: DeviceFile;
  readonly fileId: string;
  /** Set when the file must be uploaded (new or changed, or a full backup). */
  readonly upload: boolean;
  readonly previousBlob: Buffer | undefined;
  readonly previousFlags: number | undefined;
}

function hexShards(): string[] {
  return Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
}

export async function runBackup(link: HostLink, context: AgentContext, targetUdid: string, forceFull: boolean): Promise<AgentResult> {
  const { phone, fs } = context;
  const udid = phone.udid;
  if (targetUdid !== udid) return { errorCode: AgentErrorCode.INVALID_REQUEST, description: `this iPhone is ${udid}, not ${targetUdid}` };
  const encryption = phone.state.backupEncryption ? loadEncryption(phone) : undefined;
  if (phone.state.backupEncryption && !encryption) {
    return { errorCode: AgentErrorCode.ENCRYPTION_MISCONFIGURED, description: 'backup encryption is on but no backup password is set on the iPhone' };
  }
  const { previous } = forceFull ? { previous: undefined } : await loadPreviousBackup(link, udid, encryption);
  const full = previous === undefined;
  const icloudPhotos = phone.state.icloudPhotos;
  const faults = context.faults?.(link) ?? {};

  // Plan: what the backup holds, and what must travel.
  const planned: PlannedFile[] = [];
  let uploadBytes = 0;
  for (const file of fs.list()) {
    if (file.onlyInEncryptedBackup && !encryption) continue;
    if (file.excludedWithICloudPhotos && icloudPhotos) continue;
    const fileId = fileIdOf(file.domain, file.relativePath);
    const before = previous?.files.get(fileId);
    const isFile = file.kind === 'file';
    const same = before !== undefined && unchanged(before.meta, file);
    const upload = isFile && !same;
    if (upload) uploadBytes += encryption ? encryptedLength(file.size) : file.size;
    planned.push({ file, fileId, upload, previousBlob: same ? before.blob : undefined, previousFlags: same ? before.flags : undefined });
  }
  const free = await link.freeDiskSpace();
  const needed = uploadBytes + 64 * 1024 * 1024; // plus room for Manifest.db and the plists
  if (needed > free) {
    return {
      errorCode: AgentErrorCode.NOT_ENOUGH_HOST_SPACE,
      description: `Insufficient free disk space on the computer: the backup needs ${needed} bytes, ${free} are free`,
    };
  }

  const statusUuid = randomUUID().toUpperCase();
  const date = new Date();
  const status = (snapshotState: string): UploadItem => ({
    backupPath: `${udid}/Status.plist`,
    content: Readable.from([buildStatusPlist({ date, isFullBackup: full, snapshotState, uuid: statusUuid })]),
  });
  await link.uploadFiles([status('uploading')], 0, 0);
  const snapshot = `${udid}/Snapshot`;
  if (full) await link.removeItems([...hexShards().map((s) => `${udid}/${s}`), snapshot], 0);
  await link.createDirectory(snapshot);
  // Hosts do not create parent folders for uploads or moves (idevicebackup2 does not), so the phone
  // asks for every shard folder it will use, in Snapshot/ and — for per-file moves — in place.
  const shards = new Set(planned.filter((p) => p.upload).map((p) => p.fileId.slice(0, 2)));
  for (const shard of [...shards].sort()) {
    await link.createDirectory(`${snapshot}/${shard}`);
    if (!full) await link.createDirectory(`${udid}/${shard}`);
  }

  // Files, with their Manifest.db rows built as they go.
  const work = mkdtempSync(join(tmpdir(), 'lifeboat-sim-backup-'));
  try {
    const plainDb = join(work, 'Manifest.db');
    const writer = ManifestDbWriter.create(plainDb);
    const uploadedShards = new Set<string>();
    const uploadedIds: string[] = [];
    let sent = 0;
    const items = async function* (): AsyncGenerator<UploadItem> {
      for (const entry of planned) {
        const { file, fileId } = entry;
        const meta: MbFileInput = {
          relativePath: file.relativePath,
          mode: file.mode,
          size: file.kind === 'file' ? file.size : 0,
          userId: file.uid,
          groupId: file.gid,
          inode: file.inode,
          birth: file.birth,
          lastModified: file.lastModified,
          lastStatusChange: file.lastStatusChange,
          flags: 0,
          protectionClass: file.protectionClass,
          ...(file.target !== undefined ? { target: file.target } : {}),
        };
        if (!entry.upload) {
          if (entry.previousBlob && entry.previousFlags !== undefined) {
            writer.add({ domain: file.domain, relativePath: file.relativePath, flags: entry.previousFlags, file: entry.previousBlob });
          } else writer.add({ domain: file.domain, relativePath: file.relativePath, file: meta });
          continue;
        }
        // Generated (bulk) content travels as views of the phone's pool when nothing has to transform
        // it: no stream, no copy (see bulkViews in sim/data/pool.ts).
        const views = encryption ? undefined : fs.openViews?.(file);
        if (views) {
          writer.add({ domain: file.domain, relativePath: file.relativePath, file: meta });
          uploadedShards.add(fileId.slice(0, 2));
          uploadedIds.push(fileId);
          yield { backupPath: `${snapshot}/${shardPath(fileId)}`, content: undefined, views };
          continue;
        }
        let content: Readable = fs.open(file);
        if (encryption) {
          const key = newFileKey(encryption.classKeys, file.protectionClass);
          const source = content;
          const cipher = createFileEncryptStream(key.fileKey);
          source.once('error', (error) => cipher.destroy(error));
          // Destroying the cipher (a cut upload) must close the file under it too.
          cipher.once('close', () => source.destroy());
          content = source.pipe(cipher);
          writer.add({ domain: file.domain, relativePath: file.relativePath, file: { ...meta, encryptionKey: key.encryptionKey, encryptionKeyClass: key.encryptionKeyClass } });
        } else {
          writer.add({ domain: file.domain, relativePath: file.relativePath, file: meta });
        }
        uploadedShards.add(fileId.slice(0, 2));
        uploadedIds.push(fileId);
        yield { backupPath: `${snapshot}/${shardPath(fileId)}`, content };
      }
    };
    const beforeBlock = chainBeforeBlock(context.beforeBlock, faults.beforeBlock);
    const uploadStatus = await link.uploadFiles(items(), 5, uploadBytes, {
      onBytes: (n) => {
        sent += n;
      },
      ...(beforeBlock ? { beforeBlock } : {}),
    });
    writer.finish();
    if (uploadStatus.code !== 0) {
      return {
        errorCode: 100 + Math.abs(uploadStatus.code),
        description: `the computer could not store the backup (status ${uploadStatus.code}): ${uploadStatus.description ?? 'no description'}`,
      };
    }
    const stopped = await faults.afterFileData?.();
    if (stopped) return stopped;

    // Manifest.db (encrypted with a fresh ManifestKey when needed) and Manifest.plist.
    let manifestDbPath = plainDb;
    let manifestKey: Buffer | undefined;
    if (encryption) {
      manifestDbPath = join(work, 'Manifest.db.encrypted');
      manifestKey = (await encryptManifestDbFile(plainDb, manifestDbPath, encryption.classKeys)).manifestKey;
    }
    const manifestPlist = buildManifestPlist({
      device: deviceIdentityFor(phone),
      date,
      ...(encryption ? { keybag: encryption.keybag } : {}),
      ...(manifestKey ? { manifestKey } : {}),
      applications: Object.fromEntries(fs.apps().map((app) => [app.bundleId, { bundleVersion: app.version, path: `/private/var/containers/Bundle/Application/${app.bundleId}/${app.name}.app` }])),
      wasPasscodeSet: phone.state.passcode,
    });
    await link.uploadFiles(
      [
        { backupPath: `${snapshot}/Manifest.db`, content: Readable.from([readFileSync(manifestDbPath)]) },
        { backupPath: `${snapshot}/Manifest.plist`, content: Readable.from([manifestPlist]) },
      ],
      90,
      0,
    );

    // Into place.
    await link.uploadFiles([status('moving')], 92, 0);
    const moves: Array<[string, string]> = [];
    if (full) for (const shard of uploadedShards) moves.push([`${snapshot}/${shard}`, `${udid}/${shard}`]);
    else for (const id of uploadedIds) moves.push([`${snapshot}/${shardPath(id)}`, `${udid}/${shardPath(id)}`]);
    moves.push([`${snapshot}/Manifest.db`, `${udid}/Manifest.db`], [`${snapshot}/Manifest.plist`, `${udid}/Manifest.plist`]);
    for (let i = 0; i < moves.length; i += MOVE_BATCH) {
      await link.moveItems(Object.fromEntries(moves.slice(i, i + MOVE_BATCH)), 94);
    }
    await link.uploadFiles([status('removing')], 96, 0);
    const current = new Set(planned.map((p) => p.fileId));
    const removed = previous ? [...previous.files.entries()].filter(([id, f]) => !current.has(id) && f.flags === 1).map(([id]) => `${udid}/${shardPath(id)}`) : [];
    for (let i = 0; i < removed.length; i += MOVE_BATCH) await link.removeItems(removed.slice(i, i + MOVE_BATCH), 97);
    await link.removeItems([snapshot], 98);
    await link.uploadFiles([status('finished')], 100, 0);
    phone.logger.log('info', 'backup finished', { udid, full, files: uploadedIds.length, bytes: sent });
    return { errorCode: 0 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
