/**
 * Running restic for one remote. The repository goes in RESTIC_REPOSITORY and the password in
 * RESTIC_PASSWORD_FILE, so neither appears in argv (visible to every user in the process list) nor in
 * our logs; inherited RESTIC_* / Lifeboat password variables are dropped so a stray RESTIC_PASSWORD in
 * the caller's environment can never override the remote's own password.
 *
 * Times are given and read in UTC (TZ=UTC), so `--time` and retention buckets mean the same thing on
 * every machine. `LIFEBOAT_RESTIC` names another restic binary (tests wrap the real one to inspect argv).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { RemoteError, resticFailure, saysLocked } from './errors.js';
import { readEnvFile, type ResolvedRemote } from './settings.js';

const DROPPED_ENV = /^(RESTIC_(PASSWORD|PASSWORD_FILE|PASSWORD_COMMAND|REPOSITORY|REPOSITORY_FILE|KEY_HINT)|LIFEBOAT_(REMOTE_)?PASSWORD|LIFEBOAT_NEW_PASSWORD)$/;

export interface ResticRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface ResticOptions {
  /** Names the operation in errors ("sync to offsite"). */
  readonly what: string;
  readonly cwd?: string;
  /** Each stdout line that parses as JSON goes here instead of being collected. */
  readonly onJson?: (message: Record<string, unknown>) => void;
  readonly signal?: AbortSignal;
  /** Exit codes that are not failures (restic backup's 3: snapshot made, some files unreadable). */
  readonly acceptExitCodes?: readonly number[];
}

export function resticBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env['LIFEBOAT_RESTIC'] || 'restic';
}

/** The environment restic runs with for `remote` (the password itself is never read here). */
export function resticEnvironment(remote: ResolvedRemote, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  try {
    accessSync(remote.passwordFile, constants.R_OK);
  } catch {
    throw new RemoteError(`the password file of remote "${remote.name}" (${remote.passwordFile}) cannot be read`, {
      code: 'REMOTE_NO_PASSWORD',
      hint: 'Put the repository password in that file (mode 0600), or remove the remote and add it again.',
    });
  }
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) if (!DROPPED_ENV.test(key) && value !== undefined) env[key] = value;
  if (remote.envFile) for (const [key, value] of Object.entries(readEnvFile(remote.envFile))) if (!DROPPED_ENV.test(key)) env[key] = value;
  env['RESTIC_REPOSITORY'] = remote.repository;
  env['RESTIC_PASSWORD_FILE'] = remote.passwordFile;
  env['TZ'] = 'UTC';
  // Status lines of `backup --json`: a few per second is plenty for a progress bar (restic's default is 60).
  env['RESTIC_PROGRESS_FPS'] = env['RESTIC_PROGRESS_FPS'] ?? '4';
  return env;
}

export function runRestic(remote: ResolvedRemote, args: readonly string[], options: ResticOptions): Promise<ResticRun> {
  const env = resticEnvironment(remote);
  return new Promise((resolvePromise, reject) => {
    if (options.signal?.aborted) return reject(abortError(options.what, options.signal));
    const child = spawn(resticBinary(), [...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (!options.onJson) {
        stdout += chunk;
        return;
      }
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        handleLine(line);
      }
    });
    const handleLine = (line: string): void => {
      const trimmed = line.trim();
      if (!trimmed.startsWith('{')) {
        if (trimmed) stdout += `${trimmed}\n`;
        return;
      }
      try {
        options.onJson?.(JSON.parse(trimmed) as Record<string, unknown>);
      } catch {
        stdout += `${trimmed}\n`;
      }
    };
    child.stderr.on('data', (chunk: string) => {
      // Bounded: a failing restic can be chatty; the end is what explains the failure.
      stderr = (stderr + chunk).slice(-64 * 1024);
    });
    // SIGINT, not SIGTERM: restic removes its lock on SIGINT, so an abort leaves no stale lock behind.
    const onAbort = (): void => {
      child.kill('SIGINT');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (error.code === 'ENOENT') {
        reject(new RemoteError(`restic is not installed (looked for "${resticBinary()}")`, { code: 'REMOTE_NO_RESTIC', hint: 'Install it: `sudo apt install restic` (Debian/Ubuntu), `brew install restic` (macOS), or see restic.net.' }));
      } else reject(new RemoteError(`${options.what}: cannot start restic: ${error.message}`, { code: 'REMOTE_FAILED', cause: error }));
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (pending) handleLine(pending);
      if (options.signal?.aborted) return reject(abortError(options.what, options.signal));
      const exitCode = code ?? -1;
      if (exitCode === 0 || options.acceptExitCodes?.includes(exitCode)) return resolvePromise({ stdout, stderr, exitCode });
      reject(resticFailure(options.what, code, signal, stderr));
    });
  });
}

function abortError(what: string, signal: AbortSignal): RemoteError {
  const reason: unknown = signal.reason;
  return new RemoteError(`${what}: stopped${reason instanceof Error ? ` (${reason.message})` : ''}`, { code: 'REMOTE_INTERRUPTED', retryable: true, hint: 'Run it again; a sync resumes where it stopped.' });
}

/**
 * Runs restic; when the repository is locked, asks restic to remove *stale* locks (those whose process
 * is gone, e.g. after kill -9, or older than 30 minutes) and tries once more. A live lock stays.
 */
export async function runResticUnlocking(remote: ResolvedRemote, args: readonly string[], options: ResticOptions): Promise<ResticRun> {
  // An accepted non-zero exit (check's 1) may still be a lock conflict: that is never a result.
  const attempt = async (): Promise<ResticRun> => {
    const run = await runRestic(remote, args, options);
    if (run.exitCode !== 0 && saysLocked(run.stderr)) throw resticFailure(options.what, run.exitCode, null, run.stderr);
    return run;
  };
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof RemoteError) || error.code !== 'REMOTE_LOCKED') throw error;
    await runRestic(remote, ['unlock'], { what: `${options.what} (removing stale locks)`, ...(options.signal ? { signal: options.signal } : {}) });
    return attempt();
  }
}
