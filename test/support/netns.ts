/**
 * Running a test file inside a private network namespace, so the multicast (mDNS) of Wi-Fi tests never
 * reaches a real network: run normally, the file re-runs itself under `unshare -n` (root) or
 * `unshare -rn`, with LIFEBOAT_TEST_NETNS=<mode> telling the inner run which tests to define.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';
import { requireTool } from './require-tool.js';
import { run } from './sim-harness.js';

/** The mode of this run: undefined outside the namespace. */
export const NETNS_MODE = process.env['LIFEBOAT_TEST_NETNS'];

/** Only loopback, up, with multicast on and 224.0.0.0/4 routed to it (where the virtual iPhones advertise). */
export const LOOPBACK_ONLY = 'ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo';

/** Re-runs `file` (a compiled test file) in a new network namespace prepared by `setup` (shell), with LIFEBOAT_TEST_NETNS=mode. */
export async function runInNamespace(t: TestContext, file: string, mode: string, setup: string): Promise<void> {
  if (!requireTool(t, 'unshare') || !requireTool(t, 'ip')) return;
  const flags = process.getuid?.() === 0 ? ['-n'] : ['-r', '-n'];
  if (spawnSync('unshare', [...flags, 'true']).status !== 0) {
    if (process.env['CI'] === 'true') assert.fail('cannot create a network namespace (unshare -n), and CI=true');
    t.skip('this machine does not allow creating network namespaces');
    return;
  }
  // The inner run reports as plain TAP, not to this test runner (which it would do with NODE_TEST_CONTEXT).
  const { NODE_TEST_CONTEXT: _context, ...outer } = process.env;
  const script = `${setup} && exec "$0" --test-reporter=tap "$1"`;
  const result = await run('unshare', [...flags, 'sh', '-c', script, process.execPath, file], { ...outer, LIFEBOAT_TEST_NETNS: mode }, 900_000);
  if (result.code !== 0 || !/^# fail 0$/m.test(result.stdout)) assert.fail(`the tests failed in the namespace:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /^# pass [1-9]\d*$/m);
}
