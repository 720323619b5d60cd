/**
 * Shared fixtures for the format tests (not part of the public API).
 *
 * Nouns: a *tree snapshot* is every path under a directory with its size, mtime and SHA-256 — two equal
 * snapshots prove nothing in the folder was created, removed, modified or touched; the *test device* is
 * a fixed identity for synthetic backups; *fast keybag options* keep PBKDF2 at a few rounds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { FormatError, type FormatErrorCode } from './errors.js';
import type { CreateKeybagOptions } from './keybag-unlock.js';
import type { DeviceIdentity } from './writer.js';

export const FAST_KEYBAG: CreateKeybagOptions = { iterations: 3, dpIterations: 5 };

export const TEST_DEVICE: DeviceIdentity = {
  deviceName: 'Lifeboat Test iPhone',
  productType: 'iPhone14,2',
  productVersion: '17.4.1',
  buildVersion: '21E236',
  serialNumber: 'F2LTEST0001',
  udid: '00008101-0010541A1130001E',
  imei: '350000000000001',
};

/** test/fixtures/format/, resolved from dist/src/format where the compiled tests run. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../../test/fixtures/format/${name}`, import.meta.url));
}

/** A fresh temp directory removed when the test ends. */
export function tempDir(t: TestContext, label = 'format'): string {
  const dir = mkdtempSync(join(tmpdir(), `lifeboat-${label}-test-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TreeEntry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: string;
}

/** Every path under `dir` (directories included, with their mtimes) → size, mtime, content hash. */
export function snapshotTree(dir: string): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  const walk = (path: string, rel: string): void => {
    const st = lstatSync(path);
    const sha256 = st.isFile() ? createHash('sha256').update(readFileSync(path)).digest('hex') : '';
    out.set(rel || '.', { size: st.isDirectory() ? 0 : st.size, mtimeMs: st.mtimeMs, sha256 });
    if (st.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name), rel ? `${rel}/${name}` : name);
  };
  walk(dir, '');
  return out;
}

/** Asserts that `run` throws (or rejects with) a FormatError with `code`; returns it. */
export async function expectFormatError(run: () => unknown, code: FormatErrorCode, message?: RegExp): Promise<FormatError> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof FormatError)) {
    assert.fail(`expected FormatError ${code}, got ${caught instanceof Error ? `${caught.constructor.name}: ${caught.message}` : String(caught)}`);
  }
  assert.equal(caught.code, code, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

/** True when `name` runs; otherwise skips `t` (fails under CI=true, where a skipped cross-check is a bug). */
export function haveTool(t: TestContext, name: string, args: readonly string[] = ['--version']): boolean {
  const ok = spawnSync(name, args, { stdio: 'ignore' }).status === 0;
  if (ok) return true;
  if (process.env['CI'] === 'true') assert.fail(`required tool "${name}" is not installed (CI=true)`);
  t.skip(`${name} is not installed`);
  return false;
}

/** Deterministic bytes for content checks. */
export function patternBytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}
