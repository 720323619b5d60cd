/**
 * Where Lifeboat keeps its data: LIFEBOAT_HOME when set, otherwise the platform's data directory
 * (XDG_DATA_HOME or ~/.local/share on Linux, ~/Library/Application Support on macOS, %LOCALAPPDATA%
 * on Windows), in a "lifeboat" folder.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function dataHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const explicit = env['LIFEBOAT_HOME'];
  if (explicit) return explicit;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Lifeboat');
  if (platform === 'win32') return join(env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'Lifeboat');
  return join(env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'lifeboat');
}

/** The local snapshot store's root. */
export function vaultRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataHome(env), 'vault');
}
