/**
 * Doctor and alerts: the daemon's alert history and a test message per notification channel.
 *   GET  /api/alerts                 recent alerts (empty without a daemon: alerts are the daemon's)
 *   POST /api/alerts/test {channel}  send a test through desktop, webhook or email
 */
import type { DashboardContext } from '../context.js';
import type { AlertChannel } from '../daemon-port.js';
import { WebError } from '../errors.js';
import type { Router } from '../http.js';

const CHANNELS: readonly AlertChannel[] = ['desktop', 'webhook', 'email'];

export function registerDoctorRoutes(router: Router, ctx: DashboardContext): void {
  router.add('GET', '/api/alerts', () => ({ daemon: ctx.daemon !== undefined, alerts: ctx.daemon?.alerts.list(100) ?? [], runs: ctx.daemon?.history.list({ limit: 50 }) ?? [] }));

  router.add('POST', '/api/alerts/test', async ({ body }) => {
    const channel = (await body())['channel'];
    if (typeof channel !== 'string' || !(CHANNELS as readonly string[]).includes(channel)) throw new WebError(400, `"channel" is one of ${CHANNELS.join(', ')}`);
    if (!ctx.daemon) throw new WebError(409, 'alerts are sent by the daemon: start it with `lifeboat daemon` to test a channel', 'WEB_NO_DAEMON');
    await ctx.daemon.alerts.testSend(channel as AlertChannel);
    return { sent: true, channel };
  });
}
