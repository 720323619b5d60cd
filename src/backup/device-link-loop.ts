/**
 * The host's side of a mobilebackup2 operation after the request: answer every file operation the
 * device drives, until it sends its final ProcessMessage. Shared by backup, restore, info, list and
 * change-password, which differ only in the request that starts them.
 *
 * When this computer fails to store what the device sent (disk full, I/O error) the operation fails
 * with that reason — whatever the device says afterwards, even "success": a phone that ignores the
 * error status would otherwise end with a backup missing files.
 */
import type { PlistValue } from '../plist/index.js';
import { DisconnectedError, ProtocolError } from '../protocol/errors.js';
import { dlArgument, DlStatus, statusResponse } from '../protocol/devicelink/messages.js';
import type { DeviceLinkChannel } from '../protocol/devicelink/link.js';
import { finalResult, unexpectedMessage } from '../protocol/services/mobilebackup2/client.js';
import { isPlistDict } from '../protocol/wire/plist-frame.js';
import { BackupError } from './errors.js';
import { contentsOfDirectory, copyItem, createDirectory, freeDiskSpace, moveItems, removeItems, sendFiles } from './folder-ops.js';
import type { BackupRoot } from './safe-path.js';
import { EarlyWriteback } from './early-writeback.js';
import { receiveUploads } from './upload-receiver.js';

/**
 * A device preparing a large backup can be silent for minutes; it is not waited for forever.
 * (idevicebackup2 has no bound at all; a hung device would hang it.)
 */
export const DEVICE_IDLE_TIMEOUT_MS = 10 * 60_000;

export interface LoopProgress {
  /** The device's own overall progress, 0..100, when it reports one. */
  devicePercent?: number;
  files: number;
  bytes: number;
  /** Bytes the device announced for this upload batch (DLMessageUploadFiles). */
  announcedBytes?: number;
}

export interface LoopOptions {
  readonly signal?: AbortSignal;
  readonly idleTimeoutMs?: number;
  readonly onProgress?: (progress: LoopProgress) => void;
  /** Free space to report; defaults to the file system's (tests inject a disk-full answer). */
  readonly freeSpace?: () => number;
  /**
   * Filled with the inode → size and sha256 of every file the device uploads (the snapshot's digest
   * record reuses them instead of reading the files back). Cleared when the device copies an item:
   * a copy makes a new inode that is not in it, and could reuse the number of a file removed before.
   */
  readonly storedDigests?: Map<number, StoredDigest>;
  /** Flush large received files while the transfer goes on (see early-writeback.ts); backups only. */
  readonly earlyWriteback?: boolean;
  /**
   * Filled with every path (relative to the backup folder, as the device sent it) that a file
   * operation may have changed: uploads, moves (both ends), removals, copies. Whatever is not under
   * one of them is exactly as the operation found it, so the snapshot's digest record can carry it
   * over without looking (src/vault/digests.ts).
   */
  readonly changedPaths?: Set<string>;
}

export interface StoredDigest {
  readonly size: number;
  readonly sha256: string;
}

export interface LoopResult {
  readonly content: string | undefined;
  readonly filesReceived: number;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly remoteErrors: string[];
}

function percentAt(message: PlistValue[], index: number): number | undefined {
  const value = message[index];
  const number = typeof value === 'number' ? value : typeof value === 'object' && value !== null && 'value' in value ? (value as { value: unknown }).value : undefined;
  return typeof number === 'number' && number >= 0 && number <= 100 ? number : undefined;
}

/** The first failure of this computer's storage during an operation (not a refusal of a bad request). */
interface StorageFailure {
  readonly code: number;
  readonly description: string | undefined;
}

function storageError(failure: StorageFailure, cause?: unknown): BackupError {
  const what = failure.description ?? `status ${failure.code}`;
  return failure.code === DlStatus.ENOSPC
    ? new BackupError(`this computer's disk is full (${what})`, { code: 'BACKUP_HOST_DISK_FULL', retryable: true, hint: 'Free up space on the backup disk and try again.', ...(cause ? { cause } : {}) })
    : new BackupError(`this computer could not write the backup: I/O error (${what})`, {
        code: 'BACKUP_HOST_IO_ERROR',
        retryable: true,
        hint: 'Check the disk that holds the backups (its health, its cable, `dmesg`), then try again.',
        ...(cause ? { cause } : {}),
      });
}

export async function runDeviceLinkLoop(channel: DeviceLinkChannel, root: BackupRoot, options: LoopOptions = {}): Promise<LoopResult> {
  let storageFailure: StorageFailure | undefined;
  const noteStatus = (code: number, description: string | undefined): void => {
    if (!storageFailure && (code === DlStatus.ENOSPC || code === DlStatus.EIO)) storageFailure = { code, description };
  };
  const writeback = options.earlyWriteback ? new EarlyWriteback() : undefined;
  try {
    const result = await answerDevice(channel, root, options, noteStatus, writeback);
    const failed = await writeback?.drain();
    if (failed) noteStatus(failed.code === 'ENOSPC' ? DlStatus.ENOSPC : DlStatus.EIO, `cannot write ${failed.path}: ${failed.code ?? 'flush failed'}`);
    if (storageFailure) throw storageError(storageFailure);
    return result;
  } catch (error) {
    // No descriptor outlives the operation, whatever happened.
    await writeback?.drain();
    if (storageFailure && !(error instanceof BackupError && error.code.startsWith('BACKUP_HOST_'))) throw storageError(storageFailure, error);
    throw error;
  }
}

async function answerDevice(
  channel: DeviceLinkChannel,
  root: BackupRoot,
  options: LoopOptions,
  noteStatus: (code: number, description: string | undefined) => void,
  writeback: EarlyWriteback | undefined,
): Promise<LoopResult> {
  const readOptions = { timeoutMs: options.idleTimeoutMs ?? DEVICE_IDLE_TIMEOUT_MS, ...(options.signal ? { signal: options.signal } : {}) };
  const progress: LoopProgress = { files: 0, bytes: 0 };
  const report = (): void => options.onProgress?.({ ...progress });
  let bytesSent = 0;
  const digests = options.storedDigests;
  const changed = options.changedPaths;
  const touch = changed
    ? (path: string): void => {
        changed.add(path);
      }
    : undefined;
  const onStored = digests ? (inode: number, size: number, sha256: string): void => {
        digests.set(inode, { size, sha256 });
      } : undefined;
  const remoteErrors: string[] = [];

  for (;;) {
    const message = await channel.receive(readOptions);
    const name = message[0] as string;
    switch (name) {
      case 'DLMessageDownloadFiles': {
        const paths = message[1];
        if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) throw new ProtocolError('DLMessageDownloadFiles: the path list is malformed');
        progress.devicePercent = percentAt(message, 3) ?? progress.devicePercent;
        const { errors, bytes } = await sendFiles(channel, root, paths as string[]);
        bytesSent += bytes;
        const failed = Object.keys(errors).length > 0;
        await channel.send(failed ? statusResponse(DlStatus.MULTI_STATUS, 'Multi status', errors) : statusResponse(0, undefined, {}));
        report();
        break;
      }
      case 'DLMessageUploadFiles': {
        progress.devicePercent = percentAt(message, 2) ?? progress.devicePercent;
        const announced = message[3];
        if (typeof announced === 'number') progress.announcedBytes = announced;
        const outcome = await receiveUploads(channel.reader, root, (files, bytes) => {
          progress.files += files;
          progress.bytes += bytes;
          if (files > 0) report();
        }, readOptions, { ...(onStored ? { onStored } : {}), ...(touch ? { onPath: touch } : {}), ...(writeback ? { writeback } : {}) });
        for (const error of outcome.remoteErrors) remoteErrors.push(error);
        noteStatus(outcome.errorCode, outcome.errorDescription);
        await channel.send(statusResponse(outcome.errorCode, outcome.errorDescription, {}));
        report();
        break;
      }
      case 'DLMessageGetFreeDiskSpace': {
        const free = options.freeSpace ? { code: 0, free: options.freeSpace() } : freeDiskSpace(root);
        await channel.send(statusResponse(free.code, undefined, free.free));
        break;
      }
      case 'DLMessagePurgeDiskSpace':
        await channel.send(statusResponse(DlStatus.UNKNOWN, 'Operation not supported', {}));
        break;
      case 'DLContentsOfDirectory': {
        const path = dlArgument(message, 1);
        if (typeof path !== 'string') throw new ProtocolError('DLContentsOfDirectory: the path is missing');
        const { result, listing } = contentsOfDirectory(root, path);
        await channel.send(statusResponse(result.code, result.description, listing));
        break;
      }
      case 'DLMessageCreateDirectory': {
        const path = dlArgument(message, 1);
        if (typeof path !== 'string') throw new ProtocolError('DLMessageCreateDirectory: the path is missing');
        const result = createDirectory(root, path);
        noteStatus(result.code, result.description);
        await channel.send(statusResponse(result.code, result.description, undefined));
        break;
      }
      case 'DLMessageMoveFiles':
      case 'DLMessageMoveItems': {
        const moves = message[1];
        if (!isPlistDict(moves) || Object.values(moves).some((v) => typeof v !== 'string')) throw new ProtocolError(`${name}: the move list is malformed`);
        progress.devicePercent = percentAt(message, 3) ?? progress.devicePercent;
        if (touch) {
          for (const [from, to] of Object.entries(moves)) {
            touch(from);
            touch(to as string);
          }
        }
        const result = moveItems(root, Object.entries(moves) as Array<[string, string]>);
        noteStatus(result.code, result.description);
        await channel.send(statusResponse(result.code, result.description, {}));
        report();
        break;
      }
      case 'DLMessageRemoveFiles':
      case 'DLMessageRemoveItems': {
        const paths = message[1];
        if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) throw new ProtocolError(`${name}: the path list is malformed`);
        progress.devicePercent = percentAt(message, 3) ?? progress.devicePercent;
        if (touch) for (const path of paths as string[]) touch(path);
        const result = removeItems(root, paths as string[]);
        await channel.send(statusResponse(result.code, result.description, {}));
        report();
        break;
      }
      case 'DLMessageCopyItem': {
        const from = dlArgument(message, 1);
        const to = dlArgument(message, 2);
        if (typeof from !== 'string' || typeof to !== 'string') throw new ProtocolError('DLMessageCopyItem: source or destination missing');
        touch?.(to);
        const result = copyItem(root, from, to);
        digests?.clear();
        noteStatus(result.code, result.description);
        await channel.send(statusResponse(result.code, result.description, {}));
        break;
      }
      case 'DLMessageProcessMessage': {
        const { content } = finalResult(message);
        return { content, filesReceived: progress.files, bytesReceived: progress.bytes, bytesSent, remoteErrors };
      }
      case 'DLMessageDisconnect':
        throw new DisconnectedError('the iPhone ended the backup session before finishing', { code: 'BACKUP_DEVICE_DISCONNECTED' });
      default:
        throw unexpectedMessage(name);
    }
  }
}
