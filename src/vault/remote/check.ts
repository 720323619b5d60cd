/**
 * `restic check` of a remote: the repository's structure (indexes, trees, every referenced pack
 * present), and with readData every byte of every pack downloaded and checked against its hash.
 * A repository with errors is a result (ok: false, with restic's lines), not an exception; an
 * unreachable server or a wrong password is an exception.
 */
import { configPath } from '../../config/config.js';
import type { LifeboatConfig } from '../../config/schema.js';
import { resticFailure } from './errors.js';
import { runResticUnlocking } from './restic.js';
import { resolveRemote } from './settings.js';

export interface CheckRemoteOptions {
  readonly config: LifeboatConfig;
  readonly configFile?: string;
  readonly name: string;
  readonly readData?: boolean;
  readonly signal?: AbortSignal;
}

export interface CheckRemoteResult {
  readonly remote: string;
  readonly ok: boolean;
  readonly readData: boolean;
  /** restic's error lines when not ok. */
  readonly problems: string[];
  readonly seconds: number;
}

const NOISE = /^(using temporary cache|create exclusive lock|load indexes|check all packs|check snapshots|read all data|\[\d+:\d+\]|no errors were found|successfully removed|Load\(<)/i;

export async function checkRemote(options: CheckRemoteOptions): Promise<CheckRemoteResult> {
  const started = Date.now();
  const remote = resolveRemote(options.config, options.configFile ?? configPath(), options.name);
  const what = `checking remote "${remote.name}"`;
  const run = await runResticUnlocking(remote, ['check', ...(options.readData ? ['--read-data'] : [])], {
    what,
    acceptExitCodes: [1],
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const damaged = /repository contains errors/i.test(run.stderr);
  if (run.exitCode !== 0 && !damaged) throw resticFailure(what, run.exitCode, null, run.stderr);
  const problems = damaged
    ? `${run.stdout}\n${run.stderr}`
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0 && !NOISE.test(l) && !/^Fatal: repository contains errors/.test(l))
    : [];
  return { remote: remote.name, ok: !damaged, readData: options.readData ?? false, problems, seconds: (Date.now() - started) / 1000 };
}
