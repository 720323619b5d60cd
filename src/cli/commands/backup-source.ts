/**
 * Which backup a reading command (ls, extract, export, show, coverage) works on, and opening it.
 *
 * Nouns: `--snapshot ID` names a Lifeboat snapshot in the local vault (with `--udid`, or found by id
 * across every device; "latest" means the newest snapshot of the device); `--backup DIR` names any
 * Finder-format backup: the device folder itself (it holds Info.plist / Manifest.db) or the folder
 * that contains device folders (then the only one, or the one `--udid` names). The password of an
 * encrypted backup comes from --password-file, LIFEBOAT_PASSWORD or a prompt — never argv — and is
 * asked only when Manifest.db is encrypted; the backup is opened once, so PBKDF2 runs once per command.
 */
import { existsSync, openSync, readdirSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { configuredVaultRoot } from '../../config/config.js';
import { ContentSource } from '../../content/source.js';
import { isSqliteHeader, openBackup, type Backup } from '../../format/index.js';
import { LocalSnapshotStore } from '../../vault/local-store.js';
import { readPassword } from '../password.js';
import { UsageError } from './parse.js';

export interface SourceOptions {
  readonly snapshot?: string;
  readonly backup?: string;
  readonly udid?: string;
  readonly passwordFile?: string;
}

/** Adds --snapshot, --backup, --udid and --password-file to a command. */
export function withSourceOptions(command: Command): Command {
  return command
    .option('--snapshot <id>', 'a snapshot in the Lifeboat vault ("latest" for the newest)')
    .option('--backup <dir>', 'a Finder/iTunes/idevicebackup2 backup folder (the device folder or its parent)')
    .option('-u, --udid <udid>', 'the device, when the vault or folder holds several')
    .option('--password-file <file>', 'password of an encrypted backup (or LIFEBOAT_PASSWORD, or a prompt)');
}

const isDeviceFolder = (dir: string): boolean => ['Info.plist', 'Manifest.db', 'Manifest.mbdb', 'Manifest.plist'].some((f) => existsSync(join(dir, f)));

/** The device folder `--backup DIR` means. */
export function resolveBackupDir(dir: string, udid: string | undefined): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a folder`);
  if (isDeviceFolder(dir)) return dir;
  const candidates = readdirSync(dir).filter((name) => !name.startsWith('.') && isDeviceFolder(join(dir, name)));
  if (udid !== undefined) {
    const match = candidates.find((name) => name.toLowerCase() === udid.toLowerCase());
    if (match) return join(dir, match);
    throw new UsageError(`${dir} holds no backup of ${udid}${candidates.length ? ` (it holds ${candidates.join(', ')})` : ''}`);
  }
  if (candidates.length === 1) return join(dir, candidates[0] as string);
  if (candidates.length === 0) throw new UsageError(`${dir} is not a backup folder: neither it nor a folder inside it holds Info.plist or Manifest.db`);
  throw new UsageError(`${dir} holds backups of several devices (${candidates.join(', ')}); choose one with --udid`);
}

/** The device folder of a vault snapshot. */
export function resolveSnapshot(id: string, udid: string | undefined, root = configuredVaultRoot()): string {
  const store = new LocalSnapshotStore(root);
  const devicesDir = join(root, 'devices');
  const devices = udid !== undefined ? [udid] : existsSync(devicesDir) ? readdirSync(devicesDir).filter((d) => !d.startsWith('.')) : [];
  if (id === 'latest') {
    if (devices.length !== 1) throw new UsageError(devices.length === 0 ? `the vault at ${root} holds no snapshots` : `the vault holds several devices (${devices.join(', ')}); choose one with --udid`);
    const latest = store.latest(devices[0] as string);
    if (!latest) throw new UsageError(`the vault holds no snapshot of ${devices[0]}`);
    return store.materialise(latest).deviceDir;
  }
  // A snapshot held only in the history repository (a disk without hard links) is restored from it first.
  if (udid !== undefined) return store.materialise(store.get(udid, id)).deviceDir;
  for (const device of devices) {
    let ref;
    try {
      ref = store.get(device, id);
    } catch {
      continue; // not this device's snapshot; try the next
    }
    return store.materialise(ref).deviceDir;
  }
  throw new UsageError(`no snapshot ${id} in the vault at ${root}`);
}

function manifestIsEncrypted(deviceDir: string): boolean {
  const path = join(deviceDir, 'Manifest.db');
  if (!existsSync(path)) return false; // openBackup explains what is missing (or that it is an mbdb backup)
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(16);
    const read = readSync(fd, head, 0, 16, 0);
    return !isSqliteHeader(head.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}

export interface OpenedSource {
  readonly dir: string;
  readonly backup: Backup;
  readonly source: ContentSource;
  close(): void;
}

export async function openSource(options: SourceOptions): Promise<OpenedSource> {
  if ((options.snapshot === undefined) === (options.backup === undefined)) throw new UsageError('give exactly one of --snapshot ID or --backup DIR');
  const dir = options.snapshot !== undefined ? resolveSnapshot(options.snapshot, options.udid) : resolveBackupDir(options.backup as string, options.udid);
  const password = manifestIsEncrypted(dir)
    ? await readPassword({ ...(options.passwordFile ? { file: options.passwordFile } : {}), env: 'LIFEBOAT_PASSWORD', prompt: 'Backup password: ' })
    : undefined;
  const backup = await openBackup(dir, password !== undefined ? { password } : {});
  const source = new ContentSource(backup);
  return {
    dir,
    backup,
    source,
    close() {
      source.close();
      backup.close();
    },
  };
}
