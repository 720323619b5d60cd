/**
 * Opening the dashboard in the user's browser without putting the token on a command line (where
 * every user of the machine can read it in the process list): the URL goes into a small page in a
 * private folder (mkdtemp, mode 0700; the file 0600) that redirects to it, and only that file's path
 * is handed to the platform's opener (xdg-open, open, start). The file is removed a minute later.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function opener(platform: NodeJS.Platform): [string, string[]] {
  if (platform === 'darwin') return ['open', []];
  if (platform === 'win32') return ['cmd', ['/c', 'start', '""']];
  return ['xdg-open', []];
}

/** Best effort: returns false when no opener could be started (then the printed URL is the way in). */
export function openInBrowser(url: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-open-'));
  const file = join(dir, 'open-dashboard.html');
  const escaped = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  writeFileSync(file, `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${escaped}"><title>Lifeboat</title>\n`, { mode: 0o600 });
  setTimeout(() => rmSync(dir, { recursive: true, force: true }), 60_000).unref();
  const [command, args] = opener(platform);
  return new Promise((resolve) => {
    try {
      const child = spawn(command, [...args, file], { stdio: 'ignore', detached: true });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
