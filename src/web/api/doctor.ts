/**
 * Doctor and alerts:
 *   GET  /api/doctor                 diagnose() now: findings per device (and the host) with their fixes
 *   GET  /api/alerts                 recent alerts and runs (empty without a daemon: alerts are the daemon's)
 *   POST /api/alerts/test {channel}  send a test through desktop, webhook or email
 */
import { diagnose } from '../../daemon/doctor/index.js';
import type { DashboardContext } from '../context.js';
import type { AlertChannel } from '../daemon-port.js';
import { WebError } from '../errors.js';
import type { Router } from '../http.js';
import { vaultDevices } from './devices.js';

const CHANNELS: readonly AlertChannel[] = ['desktop', 'webhook', 'email'];
/** A phone that does not answer within this is itself a finding; the page should not hang on it. */
const PROBE_TIMEOUT_MS = 10_000;

export function registerDoctorRoutes(router: Router, ctx: DashboardContext): void {
  router.add('GET', '/api/doctor', async () => {
    const config = ctx.config();
    const findings = await diagnose({ config, env: ctx.env, mux: ctx.mux, now: ctx.now, configPath: ctx.configFile, probeTimeoutMs: PROBE_TIMEOUT_MS });
    const store = ctx.store();
    const names = new Map<string, string>();
    for (const udid of vaultDevices(store)) {
      const name = config.devices[udid]?.label ?? store.latest(udid)?.meta?.deviceName;
      if (name) names.set(udid, name);
    }
    for (const status of ctx.daemon?.devices() ?? []) if (status.name && !names.has(status.udid)) names.set(status.udid, status.name);
    return { checkedAt: ctx.now().toISOString(), findings, devices: [...names].map(([udid, name]) => ({ udid, name })) };
  });

  router.add('GET', '/api/alerts', () => ({ daemon: ctx.daemon !== undefined, alerts: ctx.daemon?.alerts.list(100) ?? [], runs: ctx.daemon?.history.list({ limit: 50 }) ?? [] }));

  router.add('POST', '/api/alerts/test', async ({ body }) => {
    const channel = (await body())['channel'];
    if (typeof channel !== 'string' || !(CHANNELS as readonly string[]).includes(channel)) throw new WebError(400, `"channel" is one of ${CHANNELS.join(', ')}`);
    if (!ctx.daemon) throw new WebError(409, 'alerts are sent by the daemon: start it with `lifeboat daemon` to test a channel', 'WEB_NO_DAEMON');
    await ctx.daemon.alerts.testSend(channel as AlertChannel);
    return { sent: true, channel };
  });
}
