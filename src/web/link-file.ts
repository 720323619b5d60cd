/**
 * Where a background dashboard's link (with its key) is kept: a file only its owner can read, written
 * atomically — logs (journald, launchd) get only the file's path, never the key itself.
 */
import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DASHBOARD_LINK_FILE = 'dashboard-url';

export function writeDashboardLink(dataHome: string, url: string): string {
  const file = join(dataHome, DASHBOARD_LINK_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${url}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return file;
}
