/**
 * What the phone learns about the host's previous backup before an incremental one: it asks the host
 * for Status.plist, Manifest.plist and Manifest.db (as BackupAgent2 does) and reads the previous file
 * list, decrypting it with its own class keys when the backup was encrypted. Anything missing,
 * unreadable or made with other keys means a full backup.
 */
import { decodeMbFile, decryptManifestDb, ManifestDb, type MbFile } from '../../../src/format/index.js';
import { parsePlist } from '../../../src/plist/index.js';
import { isPlistDict } from '../../../src/protocol/wire/plist-frame.js';
import type { BackupEncryption } from './encryption.js';
import { MemorySink, type HostLink } from './host-link.js';

export interface PreviousFile {
  /** The previous MBFile blob, reused as is for unchanged files (it holds their encryption key). */
  readonly blob: Buffer;
  readonly meta: MbFile;
  readonly domain: string;
  readonly relativePath: string;
  readonly flags: number;
}

export interface PreviousBackup {
  readonly files: Map<string, PreviousFile>;
}

export async function loadPreviousBackup(link: HostLink, udid: string, encryption: BackupEncryption | undefined): Promise<{ previous?: PreviousBackup; reason: string }> {
  const sink = new MemorySink();
  const paths = [`${udid}/Status.plist`, `${udid}/Manifest.plist`, `${udid}/Manifest.db`];
  await link.downloadFiles(paths, sink);
  const [statusBytes, manifestPlistBytes, manifestDbBytes] = paths.map((p) => sink.files.get(p));
  if (!statusBytes || !manifestPlistBytes || !manifestDbBytes || manifestDbBytes.length === 0) return { reason: 'no previous backup on the host' };
  try {
    const status = parsePlist(statusBytes);
    if (!isPlistDict(status) || status['SnapshotState'] !== 'finished') return { reason: 'the previous backup did not finish' };
    const manifest = parsePlist(manifestPlistBytes);
    if (!isPlistDict(manifest)) return { reason: 'the previous Manifest.plist is unreadable' };
    const wasEncrypted = manifest['IsEncrypted'] === true;
    if (wasEncrypted !== (encryption !== undefined)) return { reason: 'backup encryption was switched since the previous backup' };
    let image = manifestDbBytes;
    if (encryption) {
      const keybag = manifest['BackupKeyBag'];
      const manifestKey = manifest['ManifestKey'];
      if (!(keybag instanceof Uint8Array) || !Buffer.from(keybag).equals(encryption.keybag)) return { reason: 'the backup password changed since the previous backup' };
      if (!(manifestKey instanceof Uint8Array)) return { reason: 'the previous Manifest.plist has no ManifestKey' };
      image = decryptManifestDb(manifestDbBytes, manifestKey, encryption.classKeys);
    }
    const db = ManifestDb.openImage(image);
    try {
      const files = new Map<string, PreviousFile>();
      for (const row of db.rows()) {
        files.set(row.fileId, { blob: row.file, meta: decodeMbFile(row.file), domain: row.domain, relativePath: row.relativePath, flags: row.flags });
      }
      return { previous: { files }, reason: 'incremental' };
    } finally {
      db.close();
    }
  } catch (error) {
    return { reason: `the previous backup is unreadable (${error instanceof Error ? error.message : String(error)})` };
  }
}

/** True when the file has not changed since the previous backup (what a phone compares). */
export function unchanged(previous: MbFile, current: { size: number; mode: number; inode: number; lastModified: number; lastStatusChange: number; protectionClass: number }): boolean {
  return (
    previous.size === current.size &&
    previous.mode === current.mode &&
    Number(previous.inode) === current.inode &&
    previous.lastModified === current.lastModified &&
    previous.lastStatusChange === current.lastStatusChange &&
    previous.protectionClass === current.protectionClass
  );
}
