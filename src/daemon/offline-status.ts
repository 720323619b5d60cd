/**
 * `lifeboat status` when no daemon runs: each device's last successful backup (from the run history,
 * else the newest snapshot in the vault) and when the next automatic backup would be due — with the
 * plain warning that nothing is automatic until the daemon runs.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePolicy, type LifeboatConfig } from '../config/schema.js';
import { LocalSnapshotStore } from '../vault/local-store.js';
import { HistoryDb } from './history.js';
import type { DeviceStatus } from './types.js';

const HOUR = 3_600_000;

export function offlineStatus(options: { config: LifeboatConfig; dataHome: string; vaultRoot: string; now?: Date }): DeviceStatus[] {
  const { config } = options;
  const dbPath = join(options.dataHome, 'history.db');
  const db = existsSync(dbPath) ? HistoryDb.open(dbPath, { readonly: true }) : undefined;
  try {
    const store = new LocalSnapshotStore(options.vaultRoot);
    const vaultDevices = existsSync(join(options.vaultRoot, 'devices'))
      ? readdirSync(join(options.vaultRoot, 'devices')).filter((n) => /^[0-9A-Fa-f-]{24,40}$/.test(n))
      : [];
    const udids = [...new Set([...Object.keys(config.devices), ...(db?.devices() ?? []), ...vaultDevices])].sort();
    return udids.map((udid) => {
      const policy = resolvePolicy(config, udid);
      const success = db?.lastSuccess(udid);
      const last = db?.lastRun(udid);
      const latest = store.list(udid).at(-1);
      const lastSuccessAt = success?.endedAt ?? latest?.meta?.createdAt;
      const failed = last?.result === 'failure';
      const name = config.devices[udid]?.label ?? latest?.meta?.deviceName;
      const next = policy.automatic ? (lastSuccessAt ? new Date(new Date(lastSuccessAt).getTime() + policy.intervalHours * HOUR) : options.now ?? new Date()) : undefined;
      return {
        udid,
        ...(name ? { name } : {}),
        attached: false,
        ...(lastSuccessAt ? { lastSuccessAt } : {}),
        ...(success?.snapshotId ?? latest?.id ? { lastSnapshotId: (success?.snapshotId ?? latest?.id) as string } : {}),
        ...(last ? { lastAttemptAt: last.startedAt } : {}),
        ...(failed && last?.error ? { lastError: last.error } : {}),
        ...(next ? { nextRunAt: next.toISOString() } : {}),
        state: failed ? 'failed' : 'idle',
        waitingFor: ['the daemon is not running (start `lifeboat daemon`)'],
        staleAfterHours: policy.staleAfterHours,
        failures: db?.consecutiveFailures(udid) ?? 0,
      } satisfies DeviceStatus;
    });
  } finally {
    db?.close();
  }
}
