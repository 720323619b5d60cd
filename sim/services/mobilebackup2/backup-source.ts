/**
 * Reading a backup from the host, as the phone does for Restore, Info and List: the plists and
 * Manifest.db come over DownloadFiles; an encrypted backup is opened with the password the host
 * passes (Restore) or, for the phone's own backups, its own class keys.
 */
import { decryptManifestDb, ManifestDb, unlockKeybag, type UnlockedKeybag } from '../../../src/format/index.js';
import { parsePlist, type PlistDict } from '../../../src/plist/index.js';
import { isPlistDict } from '../../../src/protocol/wire/plist-frame.js';
import { AgentErrorCode, type AgentResult } from './agent-context.js';
import { MemorySink, type HostLink } from './host-link.js';

export interface HostBackup {
  readonly status: PlistDict;
  readonly manifest: PlistDict;
  readonly info: PlistDict | undefined;
  readonly encrypted: boolean;
  readonly db: ManifestDb;
  readonly classKeys: ReadonlyMap<number, Buffer> | undefined;
}

export async function fetchHostBackup(
  link: HostLink,
  sourceUdid: string,
  keys: { password?: string; ownClassKeys?: ReadonlyMap<number, Buffer>; ownKeybag?: Buffer },
): Promise<HostBackup | AgentResult> {
  const sink = new MemorySink();
  const names = ['Status.plist', 'Manifest.plist', 'Manifest.db', 'Info.plist'];
  await link.downloadFiles(names.map((n) => `${sourceUdid}/${n}`), sink);
  const get = (name: string): Buffer | undefined => sink.files.get(`${sourceUdid}/${name}`);
  const statusBytes = get('Status.plist');
  const manifestBytes = get('Manifest.plist');
  const dbBytes = get('Manifest.db');
  if (!statusBytes || !manifestBytes || !dbBytes) return { errorCode: AgentErrorCode.NO_BACKUP, description: `no backup of ${sourceUdid} on the computer` };
  const status = parsePlist(statusBytes);
  const manifest = parsePlist(manifestBytes);
  if (!isPlistDict(status) || !isPlistDict(manifest)) return { errorCode: AgentErrorCode.NO_BACKUP, description: 'the backup plists are damaged' };
  if (status['SnapshotState'] !== 'finished') return { errorCode: AgentErrorCode.NOT_FINISHED, description: 'the backup did not finish' };
  const infoBytes = get('Info.plist');
  const infoValue = infoBytes ? parsePlist(infoBytes) : undefined;
  const info = infoValue && isPlistDict(infoValue) ? infoValue : undefined;
  const encrypted = manifest['IsEncrypted'] === true;
  let image = dbBytes;
  let classKeys: ReadonlyMap<number, Buffer> | undefined;
  if (encrypted) {
    const keybag = manifest['BackupKeyBag'];
    const manifestKey = manifest['ManifestKey'];
    if (!(keybag instanceof Uint8Array) || !(manifestKey instanceof Uint8Array)) return { errorCode: AgentErrorCode.NO_BACKUP, description: 'the encrypted backup has no keybag' };
    if (keys.ownKeybag && keys.ownClassKeys && Buffer.from(keybag).equals(keys.ownKeybag) && keys.password === undefined) {
      classKeys = keys.ownClassKeys;
    } else {
      if (keys.password === undefined) return { errorCode: AgentErrorCode.WRONG_PASSWORD, description: 'a password is required for this encrypted backup' };
      let unlocked: UnlockedKeybag;
      try {
        unlocked = await unlockKeybag(keybag, keys.password);
      } catch {
        return { errorCode: AgentErrorCode.WRONG_PASSWORD, description: 'The password is incorrect' };
      }
      classKeys = unlocked.classKeys;
    }
    image = decryptManifestDb(dbBytes, manifestKey, classKeys);
  }
  return { status, manifest, info, encrypted, db: ManifestDb.openImage(image), classKeys };
}

export function isAgentResult(value: HostBackup | AgentResult): value is AgentResult {
  return 'errorCode' in value;
}
