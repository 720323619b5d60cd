/**
 * GET /api/events — Server-Sent Events: every job's progress (backups, restores and remote work run
 * here), and, with a daemon, its device status, progress, runs and alerts; without one, `devices` when
 * a phone is plugged in or pulled out (device-events.ts). Pages listen to one stream and redraw
 * what changed; a comment line every 15 s keeps proxies and idle timers from closing it.
 */
import type { DashboardContext } from '../context.js';
import type { Router } from '../http.js';
import type { JobView } from '../jobs.js';

const HEARTBEAT_MS = 15_000;

export function registerEventRoutes(router: Router, ctx: DashboardContext): void {
  router.add('GET', '/api/events', ({ req, res }) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    const send = (event: string, data: unknown): void => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    send('hello', { jobs: ctx.jobs.list(), daemon: ctx.daemon !== undefined });
    const onJob = (job: JobView): void => send('job', job);
    ctx.jobs.on('job', onJob);
    const daemon = ctx.daemon;
    const onStatus = (value: unknown): void => send('status', value);
    const onProgress = (value: unknown): void => send('progress', value);
    const onRun = (value: unknown): void => send('run', value);
    const onAlert = (value: unknown): void => send('alert', value);
    daemon?.on('status', onStatus).on('progress', onProgress).on('run', onRun).on('alert', onAlert);
    const stopDevices = daemon ? undefined : ctx.deviceEvents.subscribe((change) => send('devices', change));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const stop = (): void => {
      clearInterval(heartbeat);
      ctx.jobs.off('job', onJob);
      stopDevices?.();
      daemon?.off('status', onStatus).off('progress', onProgress).off('run', onRun).off('alert', onAlert);
    };
    req.on('close', stop);
    res.on('error', stop);
    return undefined;
  });
}
