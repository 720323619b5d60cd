/**
 * Remotes for the dashboard's tests: a configured remote with its password file and an initialised
 * restic repository (through src/vault/remote, as `lifeboat remote add` does), and a finished
 * dashboard backup to have something to copy.
 */
import { writeFileSync } from 'node:fs';
import { updateConfig } from '../../src/config/config.js';
import type { RemoteSettings } from '../../src/config/schema.js';
import { defaultPasswordFile, openOrInitRepository, resolveRemote, writePasswordFile } from '../../src/vault/remote/index.js';
import { waitFor, type DashboardFixture } from './dashboard.js';

/** Adds remote `name` → `url` to the dashboard's config; `init` creates the repository with `password`. */
export async function addRemote(fx: DashboardFixture, name: string, url: string, password: string, options: { envFile?: string; init?: boolean; syncAfterBackup?: boolean } = {}): Promise<void> {
  const configFile = fx.dashboard.context.configFile;
  const settings: RemoteSettings = { url, ...(options.envFile ? { envFile: options.envFile } : {}) };
  const config = updateConfig((c) => ({
    ...c,
    remotes: { ...c.remotes, [name]: settings },
    ...(options.syncAfterBackup ? { defaults: { ...c.defaults, syncRemotes: [...c.defaults.syncRemotes, name] } } : {}),
  }), configFile);
  writePasswordFile(defaultPasswordFile(configFile, name), password);
  if (options.init !== false) await openOrInitRepository(resolveRemote(config, configFile, name));
}

/** Overwrites a remote's password file (to test a wrong password). */
export function setRemotePassword(fx: DashboardFixture, name: string, password: string): void {
  writeFileSync(defaultPasswordFile(fx.dashboard.context.configFile, name), password, { mode: 0o600 });
}

/** Backs the fixture's phone up through the dashboard's API and returns the new snapshot id. */
export async function backUpThroughDashboard(fx: DashboardFixture): Promise<string> {
  const start = await fx.api(`/api/devices/${fx.udid}/backup`, { method: 'POST' });
  if (start.status !== 200) throw new Error(`Back Up Now answered ${start.status}: ${await start.text()}`);
  const { job } = (await start.json()) as { job: { id: number } };
  const done = await waitFor('the backup to end', () => fx.dashboard.context.jobs.list().find((j) => j.id === job.id && j.state !== 'running'), 240_000);
  if (done.state !== 'done' || !done.snapshot) throw new Error(`the backup failed: ${JSON.stringify(done.error)}`);
  return done.snapshot;
}
