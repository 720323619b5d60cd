/**
 * What doctor learns from this computer about one device: its snapshots in the vault (age, size,
 * encryption), whether a backup of it is running (the vault's device lock), the free space of the disk
 * holding the vault, and whether the backup password Lifeboat has opens the newest snapshot's keybag.
 */
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FORMAT_CODES, FormatError, parsePlistDict, readManifest, unlockKeybag } from '../../format/index.js';
import { normalizeUdid } from '../../protocol/host/select-device.js';
import { describeError } from '../../util/errors.js';
import { deviceLockOwner } from '../../vault/device-lock.js';
import { LocalSnapshotStore, type SnapshotRef } from '../../vault/local-store.js';
import type { BackupPassword } from './password-source.js';

export interface SnapshotFact {
  readonly id: string;
  readonly createdAt: Date;
  readonly encrypted: boolean;
  /** Size of the Finder folder (every file), when recorded. */
  readonly logicalBytes?: number;
  /** Bytes the device sent that were not already in the previous snapshot. */
  readonly newBytes?: number;
}

export type PasswordCheck =
  | { readonly result: 'not-needed' }
  | { readonly result: 'missing' }
  | { readonly result: 'untested'; readonly source: string }
  | { readonly result: 'match'; readonly source: string; readonly snapshot: string }
  | { readonly result: 'mismatch'; readonly source: string; readonly snapshot: string }
  | { readonly result: 'unreadable'; readonly source: string; readonly detail: string };

export interface HostFacts {
  readonly vaultRoot: string;
  /** Free bytes for an unprivileged user on the disk holding the vault (undefined: statfs failed). */
  readonly freeBytes?: number;
  /** Newest last. */
  readonly snapshots: readonly SnapshotFact[];
  readonly lockOwner?: number;
}

/** The UDIDs the vault holds snapshots (or a lock) for, as their folder names. */
export function vaultDevices(vaultRoot: string): string[] {
  const dir = join(vaultRoot, 'devices');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^[0-9A-Fa-f-]{24,40}$/.test(entry.name))
    .map((entry) => entry.name);
}

/** The vault folder name for `udid` (a vault written with or without the dash is found either way). */
export function vaultNameFor(vaultRoot: string, udid: string): string {
  return vaultDevices(vaultRoot).find((name) => normalizeUdid(name) === normalizeUdid(udid)) ?? udid;
}

/** statfs of the nearest existing folder on the way to `path` (the vault may not exist yet). */
export function freeSpaceAt(path: string): number | undefined {
  let current = path;
  for (;;) {
    try {
      const stats = statfsSync(current);
      return stats.bavail * stats.bsize;
    } catch {
      const parent = dirname(current);
      if (parent === current) return undefined;
      current = parent;
    }
  }
}

function snapshotFact(ref: SnapshotRef): SnapshotFact | undefined {
  const meta = ref.meta;
  const created = meta?.createdAt ? new Date(meta.createdAt) : undefined;
  if (!meta || !created || Number.isNaN(created.getTime())) return undefined;
  return {
    id: ref.id,
    createdAt: created,
    encrypted: meta.encrypted,
    ...(meta.logicalBytes === undefined ? {} : { logicalBytes: meta.logicalBytes }),
    ...(meta.newBytes === undefined ? {} : { newBytes: meta.newBytes }),
  };
}

export function probeHost(vaultRoot: string, udid: string): HostFacts {
  const name = vaultNameFor(vaultRoot, udid);
  const store = new LocalSnapshotStore(vaultRoot);
  let snapshots: SnapshotFact[] = [];
  let lockOwner: number | undefined;
  try {
    snapshots = store.list(name).map(snapshotFact).filter((s): s is SnapshotFact => s !== undefined);
    lockOwner = deviceLockOwner(join(store.deviceRoot(name), 'lock'));
  } catch {
    // An unusable UDID or an unreadable vault: no snapshots known.
  }
  const freeBytes = freeSpaceAt(vaultRoot);
  return { vaultRoot, snapshots, ...(freeBytes === undefined ? {} : { freeBytes }), ...(lockOwner === undefined ? {} : { lockOwner }) };
}

/**
 * Tries the password on the newest encrypted snapshot's keybag (Manifest.plist BackupKeyBag): the
 * same check a restore or verify would fail on, without reading any file of the backup.
 */
export async function checkPassword(vaultRoot: string, udid: string, encryptedNow: boolean, password: BackupPassword | undefined): Promise<PasswordCheck> {
  const name = vaultNameFor(vaultRoot, udid);
  let newest: SnapshotRef | undefined;
  try {
    newest = new LocalSnapshotStore(vaultRoot).list(name).reverse().find((ref) => ref.meta?.encrypted === true);
  } catch {
    newest = undefined;
  }
  if (!newest && !encryptedNow) return { result: 'not-needed' };
  if (!password) return { result: 'missing' };
  if (!newest) return { result: 'untested', source: password.source };
  try {
    const manifest = readManifest(parsePlistDict(readFileSync(join(newest.deviceDir, 'Manifest.plist')), 'Manifest.plist'));
    if (!manifest.backupKeyBag) return { result: 'unreadable', source: password.source, detail: 'its Manifest.plist has no BackupKeyBag' };
    await unlockKeybag(manifest.backupKeyBag, password.value);
    return { result: 'match', source: password.source, snapshot: newest.id };
  } catch (error) {
    if (error instanceof FormatError && error.code === FORMAT_CODES.WRONG_PASSWORD) return { result: 'mismatch', source: password.source, snapshot: newest.id };
    return { result: 'unreadable', source: password.source, detail: describeError(error) };
  }
}
