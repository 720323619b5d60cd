/**
 * The shipped service definitions: the launchd agent is a valid plist that runs `lifeboat daemon` and
 * restarts it only after a crash; the systemd unit runs the same command, stops it with SIGTERM and
 * passes `systemd-analyze verify` where systemd is installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parsePlist } from '../src/plist/index.js';
import { requireTool } from './support/require-tool.js';

describe('contrib unit files', () => {
  it('launchd: a valid plist running `lifeboat daemon`, restarted only after a failure', () => {
    const plist = parsePlist(readFileSync('contrib/launchd/org.lifeboat.daemon.plist')) as Record<string, unknown>;
    assert.equal(plist['Label'], 'org.lifeboat.daemon');
    assert.deepEqual((plist['ProgramArguments'] as string[]).slice(1), ['daemon']);
    assert.match((plist['ProgramArguments'] as string[])[0]!, /\/lifeboat$/);
    assert.equal(plist['RunAtLoad'], true);
    assert.deepEqual(plist['KeepAlive'], { SuccessfulExit: false });
  });

  it('systemd: a user service running `lifeboat daemon` that systemd-analyze accepts', (t) => {
    const text = readFileSync('contrib/systemd/lifeboat.service', 'utf8');
    assert.match(text, /^ExecStart=.*lifeboat daemon$/m);
    assert.match(text, /^KillSignal=SIGTERM$/m);
    assert.match(text, /^WantedBy=default\.target$/m);
    if (!requireTool(t, 'systemd-analyze')) return;
    const result = spawnSync('systemd-analyze', ['verify', 'contrib/systemd/lifeboat.service'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr.trim(), '', result.stderr);
  });
});
