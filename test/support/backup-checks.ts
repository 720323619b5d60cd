/**
 * Checks shared by the failure and hostile-device tests: what the phone holds versus what a snapshot
 * holds, byte-for-byte fingerprints of folders (without following symlinks), bounded waits.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { openBackup } from '../../src/format/index.js';
import { LifeboatError } from '../../src/util/errors.js';
import type { LocalSnapshotStore } from '../../src/vault/local-store.js';
import type { DeviceFileSystem } from '../../sim/data/index.js';

export async function sha256(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** domain/path → sha256 of every regular file the phone would back up (encrypted-only data when `encrypted`). */
export async function phoneFiles(fs: DeviceFileSystem, encrypted = false): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const file of fs.list()) {
    if (file.kind !== 'file' || (file.onlyInEncryptedBackup && !encrypted)) continue;
    out.set(`${file.domain}/${file.relativePath}`, await sha256(fs.open(file)));
  }
  return out;
}

/** domain/path → sha256 of every file in a Finder backup folder, read with the format reader. */
export async function backupFiles(deviceDir: string, password?: string): Promise<Map<string, string>> {
  const backup = await openBackup(deviceDir, password !== undefined ? { password } : {});
  const out = new Map<string, string>();
  try {
    for (const entry of backup.files()) {
      if (entry.flags === 1) out.set(`${entry.domain}/${entry.relativePath}`, await sha256(await backup.openFile(entry)));
    }
  } finally {
    backup.close();
  }
  return out;
}

/**
 * Every entry under `root` (relative path → type, mode and content hash or link target), never
 * following symlinks; `skip` leaves out subtrees (relative paths).
 */
export function fingerprint(root: string, skip: (relativePath: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(root)) return out;
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (skip(rel)) continue;
      const stat = lstatSync(path);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isSymbolicLink()) out.set(rel, `link ${readlinkSync(path)}`);
      else if (stat.isDirectory()) {
        out.set(rel, `dir ${mode}`);
        walk(path);
      } else if (stat.isFile()) out.set(rel, `file ${mode} ${stat.size} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
      else out.set(rel, `other ${mode}`);
    }
  };
  walk(root);
  return out;
}

/** Differences between two fingerprints, as readable lines ("+ new", "- gone", "~ changed"). */
export function fingerprintDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [path, value] of after) {
    const old = before.get(path);
    if (old === undefined) lines.push(`+ ${path}`);
    else if (old !== value) lines.push(`~ ${path}`);
  }
  for (const path of before.keys()) if (!after.has(path)) lines.push(`- ${path}`);
  return lines.sort();
}

/** The promise's outcome, or a test failure when it does not settle within `ms`. */
export async function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms (a hang)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `condition` holds, polling, for at most `ms`. */
export async function eventually(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Settles a promise into a value or the error it rejected with. */
export async function outcome<T>(promise: Promise<T>): Promise<{ value: T; error?: undefined } | { value?: undefined; error: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

/** Asserts a rejection is a LifeboatError whose message says what happened and whose hint says what to do. */
export function assertExplained(error: unknown, expected: { code: string; message: RegExp; hint: RegExp }): LifeboatError {
  assert.ok(error instanceof LifeboatError, `expected a LifeboatError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  assert.equal(error.code, expected.code, error.message);
  assert.match(error.message, expected.message);
  assert.match(error.message, /the previous backup is intact/);
  assert.ok(error.hint, `no hint on: ${error.message}`);
  assert.match(error.hint, expected.hint);
  return error;
}

/** What must hold after any failed backup: the last good snapshot is untouched and opens, nothing was left behind. */
export interface VaultState {
  readonly ids: string[];
  readonly lastPrint: Map<string, string>;
}

export function vaultState(store: LocalSnapshotStore, udid: string): VaultState {
  const ids = store.list(udid).map((s) => s.id);
  const last = store.latest(udid);
  assert.ok(last, 'a previous snapshot exists');
  return { ids, lastPrint: fingerprint(last.backupDir) };
}

export async function assertVaultIntact(store: LocalSnapshotStore, udid: string, before: VaultState): Promise<void> {
  assert.deepEqual(store.list(udid).map((s) => s.id), before.ids, 'no new snapshot (a staging folder never becomes one)');
  const last = store.latest(udid)!;
  assert.deepEqual(fingerprintDiff(before.lastPrint, fingerprint(last.backupDir)), [], 'the previous snapshot is byte-for-byte intact');
  const backup = await openBackup(last.deviceDir);
  try {
    assert.ok([...backup.files()].length > 0, 'the previous snapshot still opens and lists files');
  } finally {
    backup.close();
  }
  const staging = join(store.deviceRoot(udid), 'staging');
  assert.deepEqual(existsSync(staging) ? readdirSync(staging) : [], [], 'the staging folder was removed');
  assert.equal(existsSync(join(store.deviceRoot(udid), 'lock')), false, 'the device lock was released');
}
