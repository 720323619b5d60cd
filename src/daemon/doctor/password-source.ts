/**
 * Where Lifeboat finds the backup password of encrypted backups when nobody is there to type it (the
 * daemon, verify, doctor): LIFEBOAT_PASSWORD, then the file LIFEBOAT_PASSWORD_FILE names, then the file
 * `backup-password` beside the config. The password itself is never logged or shown; `source` says where
 * it came from, in words.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface BackupPassword {
  readonly value: string;
  /** "LIFEBOAT_PASSWORD" or "the file /path" — safe to show. */
  readonly source: string;
}

/** The password file Lifeboat reads by default: `<config dir>/backup-password`. */
export function defaultPasswordFile(configPath: string): string {
  return join(dirname(configPath), 'backup-password');
}

function readPasswordFile(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    return text.length > 0 ? text : undefined;
  } catch {
    return undefined;
  }
}

export function findBackupPassword(env: NodeJS.ProcessEnv, configPath: string): BackupPassword | undefined {
  const fromEnv = env['LIFEBOAT_PASSWORD'];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: 'LIFEBOAT_PASSWORD' };
  const named = env['LIFEBOAT_PASSWORD_FILE'];
  if (named) {
    const value = readPasswordFile(named);
    if (value !== undefined) return { value, source: `the file ${named}` };
  }
  const file = defaultPasswordFile(configPath);
  const value = readPasswordFile(file);
  return value === undefined ? undefined : { value, source: `the file ${file}` };
}
