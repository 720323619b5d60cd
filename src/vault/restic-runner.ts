/**
 * Running restic, for both repositories Lifeboat keeps: a remote's (remote/restic.ts) and the local
 * history of a vault on a disk without hard links (restic-history.ts).
 *
 * The repository goes in RESTIC_REPOSITORY and the password in RESTIC_PASSWORD_FILE, so neither appears
 * in argv (visible to every user in the process list) nor in our logs; inherited RESTIC_* / Lifeboat
 * password variables are dropped so a stray RESTIC_PASSWORD in the caller's environment can never
 * override the repository's own password. Times are given and read in UTC (TZ=UTC), so `--time` and
 * retention buckets mean the same thing on every machine. `LIFEBOAT_RESTIC` names another restic binary
 * (tests wrap the real one to inspect argv).
 *
 * What went wrong is told as a ResticFailure; each caller says it in its own domain's error (a remote's
 * codes and hints are not a local history's).
 */
import { spawn, spawnSync } from 'node:child_process';

const DROPPED_ENV = /^(RESTIC_(PASSWORD|PASSWORD_FILE|PASSWORD_COMMAND|REPOSITORY|REPOSITORY_FILE|KEY_HINT)|LIFEBOAT_(REMOTE_)?PASSWORD|LIFEBOAT_NEW_PASSWORD)$/;
/** A failing restic can be chatty; the end of stderr is what explains the failure. */
const STDERR_KEPT = 64 * 1024;
/** `snapshots --json` of a long history, collected whole (spawnSync needs a bound). */
const STDOUT_MAX = 256 * 1024 * 1024;

export interface ResticRepository {
  /** As restic takes it: a local path or `<backend>:…`. */
  readonly repository: string;
  readonly passwordFile: string;
  /** More environment (a remote's env file: S3 credentials, SSL_CERT_FILE); password variables in it are ignored. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ResticRun {
  /** Everything restic printed, or with `onJson`, only the lines that were not JSON. */
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
  /** Exit codes that are not failures (restic backup's 3: snapshot made, some files unreadable). */
  readonly acceptExitCodes?: readonly number[];
}

export interface AsyncResticOptions extends ResticOptions {
  readonly signal?: AbortSignal;
}

export type ResticFailure =
  | { readonly kind: 'missing'; readonly binary: string }
  | { readonly kind: 'cannot-start'; readonly error: Error }
  | { readonly kind: 'aborted'; readonly reason: unknown }
  | { readonly kind: 'failed'; readonly exitCode: number | null; readonly signal: string | null; readonly stderr: string };

/** The caller's error for a failure of the operation `what`. */
export type ResticFailureMapper = (failure: ResticFailure, what: string) => Error;

export function resticBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env['LIFEBOAT_RESTIC'] || 'restic';
}

/** The environment restic runs with for `repo` (the password itself is never read here). */
export function resticEnvironment(repo: ResticRepository, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) if (!DROPPED_ENV.test(key) && value !== undefined) env[key] = value;
  for (const [key, value] of Object.entries(repo.env ?? {})) if (!DROPPED_ENV.test(key)) env[key] = value;
  env['RESTIC_REPOSITORY'] = repo.repository;
  env['RESTIC_PASSWORD_FILE'] = repo.passwordFile;
  env['TZ'] = 'UTC';
  // Status lines of `backup --json`: a few per second is plenty for a progress bar (restic's default is 60).
  env['RESTIC_PROGRESS_FPS'] = env['RESTIC_PROGRESS_FPS'] ?? '4';
  return env;
}

/** The stderr lines worth showing: restic's "Fatal:" and error lines first, else the last few; credentials masked. */
export function resticErrorDetail(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const fatal = lines.filter((l) => /^Fatal:|error/i.test(l));
  return redact((fatal.length > 0 ? fatal : lines).slice(-3).join(' / ')).slice(0, 600);
}

/** Credentials embedded in a URL (rest:https://user:secret@host) never reach a message. */
export function redact(text: string): string {
  return text.replace(/(\/\/[^/\s:@]+):[^/\s@]+@/g, '$1:***@');
}

/** Runs restic in the background; an aborted `signal` stops it with SIGINT, so restic removes its lock. */
export function runRestic(repo: ResticRepository, args: readonly string[], options: AsyncResticOptions, toError: ResticFailureMapper): Promise<ResticRun> {
  const env = resticEnvironment(repo);
  const binary = resticBinary(env);
  return new Promise((resolvePromise, reject) => {
    const fail = (failure: ResticFailure): void => reject(toError(failure, options.what));
    if (options.signal?.aborted) return fail({ kind: 'aborted', reason: options.signal.reason });
    const child = spawn(binary, [...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = new ResticOutput(options.onJson);
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    // A listener that throws (a progress renderer) ends the run with its error, not an uncaught exception.
    let listenerError: unknown;
    child.stdout.on('data', (chunk: string) => {
      if (listenerError !== undefined) return;
      try {
        stdout.push(chunk);
      } catch (error) {
        listenerError = error;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEPT);
    });
    const onAbort = (): void => {
      child.kill('SIGINT');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', onAbort);
      fail(error.code === 'ENOENT' ? { kind: 'missing', binary } : { kind: 'cannot-start', error });
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      let text = '';
      try {
        if (listenerError === undefined) text = stdout.end();
      } catch (error) {
        listenerError = error;
      }
      if (listenerError !== undefined) return reject(listenerError);
      if (options.signal?.aborted) return fail({ kind: 'aborted', reason: options.signal.reason });
      const outcome = finish(options, text, stderr, code, signal);
      if ('kind' in outcome) fail(outcome);
      else resolvePromise(outcome);
    });
  });
}

/** Runs restic and waits for it: for callers whose own work is synchronous (the local store's commit). */
export function runResticSync(repo: ResticRepository, args: readonly string[], options: ResticOptions, toError: ResticFailureMapper): ResticRun {
  const env = resticEnvironment(repo);
  const binary = resticBinary(env);
  const result = spawnSync(binary, [...args], { ...(options.cwd ? { cwd: options.cwd } : {}), env, encoding: 'utf8', maxBuffer: STDOUT_MAX });
  if (result.error) {
    const error = result.error as NodeJS.ErrnoException;
    throw toError(error.code === 'ENOENT' ? { kind: 'missing', binary } : { kind: 'cannot-start', error }, options.what);
  }
  const stdout = new ResticOutput(options.onJson);
  stdout.push(result.stdout);
  const outcome = finish(options, stdout.end(), result.stderr.slice(-STDERR_KEPT), result.status, result.signal);
  if ('kind' in outcome) throw toError(outcome, options.what);
  return outcome;
}

function finish(options: ResticOptions, stdout: string, stderr: string, code: number | null, signal: string | null): ResticRun | ResticFailure {
  const exitCode = code ?? -1;
  if (signal === null && (exitCode === 0 || options.acceptExitCodes?.includes(exitCode))) return { stdout, stderr, exitCode };
  return { kind: 'failed', exitCode: code, signal, stderr };
}

/** restic's stdout taken line by line: JSON lines go to `onJson`, the rest is kept as text. */
class ResticOutput {
  private text = '';
  private pending = '';

  constructor(private readonly onJson: ((message: Record<string, unknown>) => void) | undefined) {}

  push(chunk: string): void {
    if (!this.onJson) {
      this.text += chunk;
      return;
    }
    this.pending += chunk;
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      this.line(line);
    }
  }

  end(): string {
    if (this.pending) this.line(this.pending);
    this.pending = '';
    return this.text;
  }

  private line(line: string): void {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) {
      if (trimmed) this.text += `${trimmed}\n`;
      return;
    }
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      this.text += `${trimmed}\n`;
      return;
    }
    this.onJson?.(message);
  }
}
