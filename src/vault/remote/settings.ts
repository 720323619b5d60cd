/**
 * A configured remote, resolved to what restic needs: the repository address, the file holding its
 * password, and the extra environment (S3 credentials, SSL_CERT_FILE) from the remote's env file.
 *
 * Nouns: a *remote* is a name in config.json (`remotes.<name>`) pointing at a restic *repository*.
 * Its password lives in a file of its own, mode 0600, by default `<config dir>/remotes/<name>.password`;
 * it reaches restic through RESTIC_PASSWORD_FILE — never argv, never a log line.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { LifeboatConfig, RemoteSettings } from '../../config/schema.js';
import { writePrivateFileAtomically } from '../../util/private-file.js';
import { RemoteError } from './errors.js';

export const REMOTE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** restic backends addressed as `<scheme>:…`; anything else is a local path. */
const SCHEMES = ['s3', 'sftp', 'rest', 'b2', 'azure', 'gs', 'swift', 'rclone', 'local'];

export interface ResolvedRemote {
  readonly name: string;
  /** The repository as restic takes it (RESTIC_REPOSITORY). */
  readonly repository: string;
  readonly passwordFile: string;
  readonly envFile: string | undefined;
  readonly settings: RemoteSettings;
}

export function defaultPasswordFile(configFile: string, name: string): string {
  return join(dirname(configFile), 'remotes', `${name}.password`);
}

/** A URL as given by a person, normalised: local paths become absolute (restic resolves them against its cwd). */
export function normaliseRepositoryUrl(url: string, cwd: string = process.cwd()): string {
  const trimmed = url.trim();
  if (trimmed.length === 0) throw new RemoteError('the repository URL is empty', { code: 'REMOTE_BAD_URL', hint: 'Give a local path, s3:https://host/bucket or sftp:user@host:/path.' });
  const scheme = /^([a-z0-9]+):/.exec(trimmed)?.[1];
  if (scheme && SCHEMES.includes(scheme)) {
    if (scheme === 's3' && !/^s3:(https?:\/\/[^/]+\/[^/]|[^/]+\/[^/])/.test(trimmed)) {
      throw new RemoteError(`"${trimmed}" is not an S3 repository address`, { code: 'REMOTE_BAD_URL', hint: 'Write it as s3:https://host[:port]/bucket[/prefix] (or s3:s3.amazonaws.com/bucket).' });
    }
    return trimmed;
  }
  if (scheme && !isAbsolute(trimmed) && trimmed.includes('://')) {
    throw new RemoteError(`unknown repository type "${scheme}:" in "${trimmed}"`, { code: 'REMOTE_BAD_URL', hint: `Use a local path or one of ${SCHEMES.map((s) => `${s}:`).join(' ')}.` });
  }
  return resolve(cwd, trimmed);
}

export function resolveRemote(config: LifeboatConfig, configFile: string, name: string): ResolvedRemote {
  const settings = config.remotes[name];
  if (!settings) {
    const known = Object.keys(config.remotes);
    throw new RemoteError(`no remote named "${name}"`, {
      code: 'REMOTE_UNKNOWN',
      hint: known.length > 0 ? `Configured remotes: ${known.join(', ')}.` : 'Add one with `lifeboat remote add NAME URL`.',
    });
  }
  return {
    name,
    repository: settings.url,
    passwordFile: settings.passwordFile ?? defaultPasswordFile(configFile, name),
    envFile: settings.envFile,
    settings,
  };
}

/** The one remote when no name is given, or a clear error naming the choices. */
export function onlyRemoteName(config: LifeboatConfig): string {
  const names = Object.keys(config.remotes);
  if (names.length === 1) return names[0]!;
  throw new RemoteError(names.length === 0 ? 'no remote is configured' : `several remotes are configured (${names.join(', ')}): name one`, {
    code: names.length === 0 ? 'REMOTE_UNKNOWN' : 'USAGE',
    hint: names.length === 0 ? 'Add one with `lifeboat remote add NAME URL`.' : 'Give the remote\'s name.',
  });
}

/**
 * KEY=VALUE lines (`#` comments, blank lines, optional `export `, optional quotes): the environment a
 * remote needs, e.g. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / SSL_CERT_FILE. Values are secrets
 * and never appear in errors.
 */
export function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RemoteError(`cannot read the remote's env file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { code: 'REMOTE_ENV_FILE', hint: 'Create it (KEY=VALUE lines) or fix the path in the config.' });
  }
  const env: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new RemoteError(`${path} line ${index + 1}: expected KEY=VALUE`, { code: 'REMOTE_ENV_FILE', hint: 'One KEY=VALUE per line; # starts a comment.' });
    let value = match[2]!;
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    env[match[1]!] = value;
  });
  return env;
}

/** Writes the password to a 0600 file atomically (temp, fsync, rename). */
export function writePasswordFile(path: string, password: string): void {
  writePrivateFileAtomically(path, password);
}

export function removePasswordFile(path: string): void {
  if (existsSync(path)) rmSync(path, { force: true });
}
