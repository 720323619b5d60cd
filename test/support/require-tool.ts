/**
 * Gate for tests that shell out to an external tool (plistutil, sqlite3, …).
 *
 * On a developer laptop a missing tool skips the test with a note; in CI (CI=true) a missing tool fails
 * it, because a silently skipped cross-check is a check that never runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

const found = new Map<string, boolean>();

/** True when `name` is on PATH; otherwise skips `t` (or fails it when CI=true) and returns false. */
export function requireTool(t: TestContext, name: string): boolean {
  let present = found.get(name);
  if (present === undefined) {
    present = spawnSync('which', [name], { stdio: 'ignore' }).status === 0;
    found.set(name, present);
  }
  if (present) return true;
  if (process.env['CI'] === 'true') assert.fail(`required tool "${name}" is not installed (CI=true, so this fails instead of skipping)`);
  t.skip(`${name} is not installed`);
  return false;
}
