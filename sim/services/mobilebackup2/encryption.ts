/**
 * The phone's backup-encryption setting ("Encrypt local backup"): whether backups are encrypted, the
 * password, and the backup keybag whose class keys encrypt every file. A phone keeps the password in
 * its keychain; the virtual phone keeps it in its private state (mode 0600), and never logs it.
 * Changing the password makes a new keybag, so the next backup is a full one.
 */
import { createBackupKeybag, REAL_DP_ITERATIONS, REAL_ITERATIONS } from '../../../src/format/index.js';
import type { VirtualIPhone } from '../../device/virtual-iphone.js';

const FILE = 'backup-encryption.json';

export interface KdfCost {
  readonly iterations: number;
  readonly dpIterations: number;
}

/** What iOS uses; `--fast-kdf` lowers it for tests (never for real backups). */
export const REAL_KDF: KdfCost = { iterations: REAL_ITERATIONS, dpIterations: REAL_DP_ITERATIONS };
export const FAST_KDF: KdfCost = { iterations: 1000, dpIterations: 1000 };

export interface BackupEncryption {
  readonly password: string;
  readonly keybag: Buffer;
  readonly classKeys: ReadonlyMap<number, Buffer>;
}

interface Persisted {
  password: string;
  keybag: string;
  classKeys: Record<string, string>;
}

export function loadEncryption(phone: VirtualIPhone): BackupEncryption | undefined {
  const raw = phone.readDeviceFile(FILE);
  if (!raw) return undefined;
  const json = JSON.parse(raw.toString('utf8')) as Persisted;
  return {
    password: json.password,
    keybag: Buffer.from(json.keybag, 'base64'),
    classKeys: new Map(Object.entries(json.classKeys).map(([k, v]) => [Number(k), Buffer.from(v, 'base64')])),
  };
}

export async function enableEncryption(phone: VirtualIPhone, password: string, kdf: KdfCost): Promise<BackupEncryption> {
  const created = await createBackupKeybag(password, { iterations: kdf.iterations, dpIterations: kdf.dpIterations });
  const state: BackupEncryption = { password, keybag: created.bytes, classKeys: created.classKeys };
  const persisted: Persisted = {
    password,
    keybag: created.bytes.toString('base64'),
    classKeys: Object.fromEntries([...created.classKeys].map(([k, v]) => [String(k), v.toString('base64')])),
  };
  phone.writeDeviceFile(FILE, Buffer.from(JSON.stringify(persisted)));
  phone.setState({ ...phone.state, backupEncryption: true });
  return state;
}

export function disableEncryption(phone: VirtualIPhone): void {
  phone.removeDeviceFile(FILE);
  phone.setState({ ...phone.state, backupEncryption: false });
}
