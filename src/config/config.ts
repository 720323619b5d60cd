/**
 * Reading and writing config.json. Reading validates every field and names the one that is wrong
 * ("devices.0000….intervalHours: expected a number > 0"), so a typo never silently becomes a default.
 * Writing is atomic (temporary file, fsync, rename), so a crash never leaves half a config behind.
 *
 * Where it lives: LIFEBOAT_CONFIG when set; with LIFEBOAT_HOME, `<home>/config.json` (one folder holds a
 * whole installation — what tests and the demo use); otherwise the platform's config directory
 * (XDG_CONFIG_HOME or ~/.config/lifeboat on Linux; the data directory on macOS and Windows).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LifeboatError } from '../util/errors.js';
import { writePrivateFileAtomically } from '../util/private-file.js';
import { dataHome, vaultRoot } from './paths.js';
import { DEFAULT_CONFIG, type LifeboatConfig } from './schema.js';
import { validateConfig } from './validate.js';

export class ConfigError extends LifeboatError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { code: 'CONFIG_INVALID', hint: hint ?? 'Fix the file (or remove it to start from the defaults).', cause });
  }
}

export function configPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const explicit = env['LIFEBOAT_CONFIG'];
  if (explicit) return explicit;
  if (env['LIFEBOAT_HOME']) return join(env['LIFEBOAT_HOME'], 'config.json');
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') {
    return join(env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'lifeboat', 'config.json');
  }
  return join(dataHome(env, platform), 'config.json');
}

/** The configuration at `path` (defaults when the file does not exist). */
export function loadConfig(path: string = configPath()): LifeboatConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_CONFIG;
    throw new ConfigError(`cannot read the config ${path}: ${(error as Error).message}`, undefined, error);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`the config ${path} is not valid JSON: ${(error as Error).message}`, undefined, error);
  }
  const problems: string[] = [];
  const config = validateConfig(raw, problems);
  if (!config || problems.length > 0) throw new ConfigError(`the config ${path} is invalid: ${problems.join('; ')}`);
  return config;
}

/** Writes `config` to `path` atomically (after validating it, so a bad config is never written). */
export function saveConfig(config: LifeboatConfig, path: string = configPath()): void {
  const problems: string[] = [];
  validateConfig(config, problems);
  if (problems.length > 0) throw new ConfigError(`refusing to write an invalid config: ${problems.join('; ')}`);
  writePrivateFileAtomically(path, `${JSON.stringify(config, null, 2)}\n`);
}

/** Loads, applies `change`, validates and saves: the one way commands edit the config. */
export function updateConfig(change: (config: LifeboatConfig) => LifeboatConfig, path: string = configPath()): LifeboatConfig {
  const next = change(loadConfig(path));
  saveConfig(next, path);
  return next;
}

/** The local snapshot store's root: the config's vaultPath, else `<data home>/vault`. */
export function configuredVaultRoot(env: NodeJS.ProcessEnv = process.env): string {
  return loadConfig(configPath(env)).vaultPath ?? vaultRoot(env);
}
