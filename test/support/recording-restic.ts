/**
 * A restic that records every argv and environment it is started with, then runs the real one: set
 * LIFEBOAT_RESTIC to `path`, and tests can prove where a password never goes.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RecordingRestic {
  /** The wrapper to put in LIFEBOAT_RESTIC. */
  readonly path: string;
  /** Everything restic was started with so far: `ARGV [a] [b]` lines, each followed by `ENV K=V` lines. */
  calls(): string;
}

export function recordingRestic(dir: string): RecordingRestic {
  const log = join(dir, 'restic-calls.log');
  const path = join(dir, 'restic-recording');
  const real = execFileSync('sh', ['-c', 'command -v restic || true'], { encoding: 'utf8' }).trim() || 'restic';
  writeFileSync(path, `#!/bin/sh\n{ printf 'ARGV'; for a in "$@"; do printf ' [%s]' "$a"; done; printf '\\n'; env | sed 's/^/ENV /'; } >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(path, 0o755);
  writeFileSync(log, '');
  return { path, calls: () => readFileSync(log, 'utf8') };
}
