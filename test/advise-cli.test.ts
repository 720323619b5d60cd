/**
 * `lifeboat advise` as a user runs it: flags in, a recommendation out, and with --write a config that
 * loads and validates and keeps what advise does not decide. The interactive prompt is driven through
 * streams (it re-asks after a bad answer).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { askMissing } from '../src/cli/commands/advise.js';
import { loadConfig, saveConfig } from '../src/config/config.js';
import { DEFAULT_CONFIG, type DevicePolicy } from '../src/config/schema.js';
import type { AdviceAnswers, Recommendation } from '../src/daemon/advise/index.js';
import { lifeboat } from './support/sim-harness.js';

describe('lifeboat advise', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'lifeboat-advise-'));
    env = { ...process.env, LIFEBOAT_HOME: home };
    delete env['LIFEBOAT_CONFIG'];
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  const flags = ['--data-gb', '250', '--upgrade', 'yearly', '--os', 'linux', '--manual', 'none', '--sensitive', 'high', '--storage', 'local,external,s3', '--icloud-photos', 'on'];

  it('prints a recommendation with reasons and does not write without --write', async () => {
    const result = await lifeboat(['advise', ...flags], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /SCHEDULE: .*00:30 and 06:00/);
    assert.match(result.stdout, /why: /);
    assert.match(result.stdout, /ICLOUD-PHOTOS: .*NOT in any iPhone backup/);
    assert.match(result.stdout, /--write/);
    assert.equal(existsSync(join(home, 'config.json')), false);
  });

  it('--write --json saves a config that loads, validates and keeps the remotes already there', async () => {
    saveConfig({ ...DEFAULT_CONFIG, remotes: { offsite: { url: 's3:https://example.test/bucket/lifeboat' } }, defaults: { ...DEFAULT_CONFIG.defaults, syncRemotes: ['offsite'] } }, join(home, 'config.json'));
    const result = await lifeboat(['advise', ...flags, '--vault-path', join(home, 'external', 'lifeboat'), '--write', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout) as { answers: AdviceAnswers; recommendation: Recommendation; written: string };
    assert.equal(doc.written, join(home, 'config.json'));
    assert.deepEqual(doc.answers.storage, ['local', 'external', 's3']);
    assert.equal(doc.recommendation.vault, 'external');
    assert.equal(doc.recommendation.offsite, 's3');
    const config = loadConfig(doc.written);
    assert.equal(config.vaultPath, join(home, 'external', 'lifeboat'));
    const expected: DevicePolicy = { ...doc.recommendation.policy, syncRemotes: ['offsite'] };
    assert.deepEqual(config.defaults, expected);
    assert.equal(config.defaults.staleAfterHours, 48);
    assert.deepEqual(config.defaults.window, { start: '00:30', end: '06:00' });
    assert.deepEqual(Object.keys(config.remotes), ['offsite']);
  });

  it('without a terminal, missing answers are named (exit 2); bad ones name the flag', async () => {
    const missing = await lifeboat(['advise', '--os', 'mac'], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--data-gb.*--upgrade.*--manual.*--sensitive.*--storage/);
    const bad = await lifeboat(['advise', ...flags.slice(0, 4), '--os', 'amiga'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--os: "amiga" is not one of mac, windows, linux/);
  });

  it('asks on a terminal, re-asking after a bad answer', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    const answers: Partial<Record<keyof AdviceAnswers, unknown>> = { os: 'mac' };
    const asking = askMissing(answers as Parameters<typeof askMissing>[0], input, output);
    for (const line of ['lots', '120', '2', 'none', 'high', 'local nas', '3']) input.write(`${line}\n`);
    await asking;
    assert.deepEqual(answers, { os: 'mac', dataGb: 120, upgrade: 'few-years', manual: 'none', sensitivity: 'high', storage: ['local', 'nas'], icloudPhotos: 'unknown' });
    assert.match(shown, /How much data is on the iPhone/);
    assert.match(shown, /--data-gb: "lots" is not a size/);
    assert.doesNotMatch(shown, /Which computer/, 'answered questions are not asked again');
  });
});
