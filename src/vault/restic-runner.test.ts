/** The one restic runner, against the real restic: both ways of running it, secrets, JSON lines, failures. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recordingRestic } from '../../test/support/recording-restic.js';
import { requireTool } from '../../test/support/require-tool.js';
import { runRestic, runResticSync, type ResticFailure, type ResticRepository } from './restic-runner.js';

const PASSWORD = 'runner-test-secret-7c1e';

class Failed extends Error {
  constructor(readonly failure: ResticFailure, readonly what: string) {
    super(`${what}: ${failure.kind}`);
  }
}
const toError = (failure: ResticFailure, what: string): Error => new Failed(failure, what);

function failureOf(error: unknown): ResticFailure {
  assert.ok(error instanceof Failed, `expected a mapped failure, got ${String(error)}`);
  return error.failure;
}

describe('restic runner', () => {
  const work = mkdtempSync(join(tmpdir(), 'lifeboat-restic-runner-'));
  const source = join(work, 'source');
  const repo: ResticRepository = { repository: join(work, 'repo'), passwordFile: join(work, 'password') };
  const saved = { ...process.env };
  const restic = recordingRestic(work);
  let present = false;

  before(() => {
    present = execFileSync('sh', ['-c', 'command -v restic || true'], { encoding: 'utf8' }).trim() !== '';
    if (!present) return;
    writeFileSync(repo.passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    mkdirSync(source);
    for (let i = 0; i < 20; i++) writeFileSync(join(source, `file-${i}.bin`), Buffer.alloc(4096 + i, i));
    process.env['LIFEBOAT_RESTIC'] = restic.path;
    process.env['RESTIC_CACHE_DIR'] = join(work, 'cache');
    // Strays that must not win over the repository's own password file.
    process.env['RESTIC_PASSWORD'] = 'a stray password';
    process.env['RESTIC_REPOSITORY'] = join(work, 'elsewhere');
  });

  after(() => {
    for (const key of ['LIFEBOAT_RESTIC', 'RESTIC_CACHE_DIR', 'RESTIC_PASSWORD', 'RESTIC_REPOSITORY']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('runs synchronously and in the background with the same result, JSON lines parsed, the password only in a file', async (t) => {
    if (!requireTool(t, 'restic') || !present) return;
    runResticSync(repo, ['init'], { what: 'init' }, toError);

    const syncMessages: Array<Record<string, unknown>> = [];
    const made = runResticSync(repo, ['backup', '--json', '--host', 'test', '.'], { what: 'backup', cwd: source, onJson: (m) => syncMessages.push(m) }, toError);
    const syncSummary = syncMessages.find((m) => m['message_type'] === 'summary');
    assert.ok(syncSummary, 'the summary line reached onJson');
    assert.equal(syncSummary['files_new'], 20);
    assert.equal(made.stdout.includes('"message_type"'), false, 'JSON lines are not collected as text');

    const asyncMessages: Array<Record<string, unknown>> = [];
    await runRestic(repo, ['backup', '--json', '--host', 'test', '.'], { what: 'backup again', cwd: source, onJson: (m) => asyncMessages.push(m) }, toError);
    const asyncSummary = asyncMessages.find((m) => m['message_type'] === 'summary');
    assert.ok(asyncSummary);
    assert.equal(asyncSummary['files_unmodified'], 20, 'the second backup found every file unchanged');

    const listed = JSON.parse(runResticSync(repo, ['snapshots', '--json'], { what: 'list' }, toError).stdout) as Array<{ id: string }>;
    const listedAsync = JSON.parse((await runRestic(repo, ['snapshots', '--json'], { what: 'list' }, toError)).stdout) as Array<{ id: string }>;
    assert.equal(listed.length, 2);
    assert.deepEqual(listedAsync.map((s) => s.id), listed.map((s) => s.id));
    assert.ok(listed.some((s) => s.id.startsWith(syncSummary['snapshot_id'] as string)));

    const calls = restic.calls();
    assert.ok(!calls.includes(PASSWORD), 'the password is in no argv and no environment variable');
    assert.ok(!calls.includes('a stray password'), 'a stray RESTIC_PASSWORD is dropped');
    assert.ok(calls.includes(`ENV RESTIC_PASSWORD_FILE=${repo.passwordFile}`));
    assert.ok(calls.includes(`ENV RESTIC_REPOSITORY=${repo.repository}`));
    for (const line of calls.split('\n').filter((l) => l.startsWith('ARGV'))) assert.ok(!line.includes(repo.repository), `no repository in argv: ${line}`);
  });

  it('tells failures apart: restic\'s own (with its stderr), a missing binary, an abort', async (t) => {
    if (!requireTool(t, 'restic') || !present) return;
    const wrong = { ...repo, passwordFile: join(work, 'wrong-password') };
    writeFileSync(wrong.passwordFile, 'not it\n', { mode: 0o600 });
    let failure = failureOf(await runRestic(wrong, ['snapshots'], { what: 'list' }, toError).catch((e: unknown) => e));
    assert.equal(failure.kind, 'failed');
    assert.match(failure.kind === 'failed' ? failure.stderr : '', /wrong password/);
    assert.throws(() => runResticSync(wrong, ['snapshots'], { what: 'list' }, toError), (e) => failureOf(e).kind === 'failed');

    process.env['LIFEBOAT_RESTIC'] = join(work, 'no-such-restic');
    try {
      failure = failureOf(await runRestic(repo, ['snapshots'], { what: 'list' }, toError).catch((e: unknown) => e));
      assert.deepEqual(failure, { kind: 'missing', binary: join(work, 'no-such-restic') });
      assert.throws(() => runResticSync(repo, ['snapshots'], { what: 'list' }, toError), (e) => failureOf(e).kind === 'missing');
    } finally {
      process.env['LIFEBOAT_RESTIC'] = restic.path;
    }

    const controller = new AbortController();
    const running = runRestic(repo, ['backup', '--json', '.'], { what: 'backup', cwd: source, signal: controller.signal, onJson: () => controller.abort(new Error('asked to stop')) }, toError);
    failure = failureOf(await running.catch((e: unknown) => e));
    assert.equal(failure.kind, 'aborted');
  });
});
