/**
 * GET /api/devices — one card per device: what the phone says now (model, iOS, connection, battery,
 * storage, encryption, trust) for connected phones, what the vault knows (last successful backup,
 * snapshots, disk used) for every phone ever backed up, the policy's thresholds, the daemon's plan
 * (next run, what it waits for) when a daemon runs, and the job running now.
 * POST /api/devices/:udid/backup — Back Up Now (through the daemon when there is one).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePolicy } from '../../config/schema.js';
import { listDeviceSummaries, type DeviceSummary } from '../../protocol/host/inventory.js';
import { normalizeUdid } from '../../protocol/host/select-device.js';
import { describeError } from '../../util/errors.js';
import type { LocalSnapshotStore } from '../../vault/local-store.js';
import { vaultUsage } from '../../vault/usage.js';
import type { DashboardContext } from '../context.js';
import type { DaemonDeviceStatus } from '../daemon-port.js';
import { WebError } from '../errors.js';
import { backupHealth } from '../health.js';
import type { Router } from '../http.js';
import type { JobView } from '../jobs.js';

export function vaultDevices(store: LocalSnapshotStore): string[] {
  const dir = join(store.root, 'devices');
  return existsSync(dir) ? readdirSync(dir).filter((name) => /^[0-9A-Fa-f-]{24,40}$/.test(name)).sort() : [];
}

/** Disk use per device, recomputed only when the device's latest snapshot changes (it walks every file). */
const usageCache = new Map<string, { latest: string | undefined; bytes: number }>();

function diskBytes(store: LocalSnapshotStore, udid: string, latest: string | undefined): number {
  const key = `${store.root}\0${udid}`;
  const cached = usageCache.get(key);
  if (cached && cached.latest === latest) return cached.bytes;
  const bytes = vaultUsage(store, [udid]).diskBytes;
  usageCache.set(key, { latest, bytes });
  return bytes;
}

export interface DeviceCard {
  readonly udid: string;
  readonly name?: string;
  readonly label?: string;
  readonly model?: string;
  readonly productVersion?: string;
  readonly connected: boolean;
  readonly connections: readonly string[];
  readonly trust?: string;
  readonly battery?: DeviceSummary['battery'];
  readonly phoneStorage?: DeviceSummary['storage'];
  readonly encryption?: boolean;
  readonly problem?: string;
  readonly hint?: string;
  readonly lastSuccessAt?: string;
  readonly lastSnapshot?: string;
  readonly snapshots: number;
  readonly vaultBytes: number;
  readonly health: 'green' | 'amber' | 'red';
  readonly intervalHours: number;
  readonly staleAfterHours: number;
  readonly automatic: boolean;
  readonly daemon?: Pick<DaemonDeviceStatus, 'state' | 'nextRunAt' | 'waitingFor' | 'lastError' | 'lastAttemptAt'>;
  readonly job?: JobView;
}

export async function deviceCards(ctx: DashboardContext): Promise<{ devices: DeviceCard[]; daemon: boolean; now: string; problem?: string }> {
  const config = ctx.config();
  const store = ctx.store();
  let summaries: DeviceSummary[] = [];
  let problem: string | undefined;
  try {
    summaries = await listDeviceSummaries(ctx.mux, ctx.pairStore);
  } catch (error) {
    // usbmuxd not running: the vault's devices are still worth showing.
    problem = `cannot reach usbmuxd: ${describeError(error)}`;
  }
  const statuses = new Map((ctx.daemon?.devices() ?? []).map((s) => [normalizeUdid(s.udid), s]));
  const inVault = vaultDevices(store);
  const byKey = new Map<string, string>();
  for (const udid of [...summaries.map((s) => s.udid), ...inVault, ...statuses.keys()]) {
    if (!byKey.has(normalizeUdid(udid))) byKey.set(normalizeUdid(udid), udid);
  }
  const now = ctx.now();
  const jobs = ctx.jobs.list();
  const devices = [...byKey.values()].map((udid): DeviceCard => {
    const key = normalizeUdid(udid);
    const summary = summaries.find((s) => normalizeUdid(s.udid) === key);
    const status = statuses.get(key);
    const vaultUdid = inVault.find((d) => normalizeUdid(d) === key);
    const snapshots = vaultUdid ? store.list(vaultUdid) : [];
    const latest = snapshots.at(-1);
    const policy = resolvePolicy(config, udid);
    const lastSuccessAt = latest?.meta?.createdAt ?? status?.lastSuccessAt;
    const job = [...jobs].reverse().find((j) => normalizeUdid(j.udid) === key);
    const label = config.devices[udid]?.label;
    const name = summary?.name ?? status?.name ?? latest?.meta?.deviceName;
    const productVersion = summary?.productVersion ?? latest?.meta?.productVersion;
    const encryption = summary?.backupEncryption ?? latest?.meta?.encrypted;
    return {
      udid,
      ...(name ? { name } : {}),
      ...(label ? { label } : {}),
      ...(summary?.model ? { model: summary.model } : {}),
      ...(productVersion ? { productVersion } : {}),
      connected: summary !== undefined,
      connections: summary?.connections ?? [],
      ...(summary ? { trust: summary.trust } : {}),
      ...(summary?.battery ? { battery: summary.battery } : {}),
      ...(summary?.storage ? { phoneStorage: summary.storage } : {}),
      ...(encryption !== undefined ? { encryption } : {}),
      ...(summary?.problem ? { problem: summary.problem } : {}),
      ...(summary?.hint ? { hint: summary.hint } : {}),
      ...(lastSuccessAt ? { lastSuccessAt } : {}),
      ...(latest ? { lastSnapshot: latest.id } : {}),
      snapshots: snapshots.length,
      vaultBytes: vaultUdid && snapshots.length > 0 ? diskBytes(store, vaultUdid, latest?.id) : 0,
      health: backupHealth(lastSuccessAt, policy, now),
      intervalHours: policy.intervalHours,
      staleAfterHours: policy.staleAfterHours,
      automatic: policy.automatic,
      ...(status
        ? {
            daemon: {
              state: status.state,
              waitingFor: status.waitingFor,
              ...(status.nextRunAt ? { nextRunAt: status.nextRunAt } : {}),
              ...(status.lastError ? { lastError: status.lastError } : {}),
              ...(status.lastAttemptAt ? { lastAttemptAt: status.lastAttemptAt } : {}),
            },
          }
        : {}),
      ...(job ? { job } : {}),
    };
  });
  return { devices, daemon: ctx.daemon !== undefined, now: now.toISOString(), ...(problem ? { problem } : {}) };
}

export function registerDeviceRoutes(router: Router, ctx: DashboardContext): void {
  router.add('GET', '/api/devices', () => deviceCards(ctx));
  router.add('GET', '/api/jobs', () => ({ jobs: ctx.jobs.list() }));
  router.add('POST', '/api/devices/:udid/backup', async ({ params, body }) => {
    const udid = params['udid'] as string;
    if (!/^[0-9A-Fa-f-]{24,40}$/.test(udid)) throw new WebError(400, `"${udid}" is not a device UDID`);
    const full = (await body())['full'] === true;
    if (ctx.daemon) {
      // The daemon runs it (its queue, its history, its alerts); progress arrives through its events.
      const daemon = ctx.daemon;
      const key = normalizeUdid(udid);
      const known = daemon.devices().find((d) => normalizeUdid(d.udid) === key);
      if (!known?.attached) throw new WebError(409, `the iPhone ${udid} is not connected`, 'DEVICE_NOT_CONNECTED', 'Connect the iPhone (cable or Wi-Fi sync) and unlock it.');
      // A failure is recorded in the daemon's history and status (and alerted); the page sees it as a 'run' event.
      void daemon.backupNow(known.udid).catch(() => undefined);
      return { started: true, via: 'daemon', run: daemon.running(known.udid) ?? null };
    }
    return { started: true, via: 'dashboard', job: ctx.jobs.startBackup(udid, { full }) };
  });
}
