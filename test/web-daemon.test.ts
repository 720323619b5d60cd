/**
 * The dashboard with a real daemon (as `lifeboat daemon` runs it): Back Up Now goes through the daemon
 * (its history records a manual run), its progress and the finished run reach the page over
 * Server-Sent Events, the device card carries the daemon's state, and the run appears in /api/alerts.
 * A phone that is not connected is refused with the reason.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.js';
import { startDaemon, testConfig, type DaemonHarness } from './support/daemon-harness.js';
import { startDashboardFixture, waitFor, type DashboardFixture } from './support/dashboard.js';
import { readEvents } from './support/sse.js';
import { startDashboard, type Dashboard } from '../src/web/server.js';

describe('web dashboard with the daemon', () => {
  let fx: DashboardFixture;
  let harness: DaemonHarness;
  let dashboard: Dashboard;
  const api = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${dashboard.origin}${path}`, { ...init, headers: { Authorization: `Bearer ${dashboard.token}` } });

  before(async () => {
    fx = await startDashboardFixture({ seed: 'web-daemon', devices: 2 });
    // One config file for both: automatic backups off, so only Back Up Now starts one.
    const configFile = join(fx.home, 'config.json');
    const config = testConfig({ automatic: false });
    writeFileSync(configFile, JSON.stringify(config));
    assert.deepEqual(loadConfig(configFile), config);
    harness = await startDaemon(fx.sim, { config, vaultRoot: join(fx.home, 'vault') });
    dashboard = await startDashboard({ env: { ...process.env, LIFEBOAT_HOME: fx.home, LIFEBOAT_CONFIG: '' }, mux: fx.sim.mux, daemon: harness.daemon });
  });
  after(async () => {
    await dashboard?.close();
    await harness?.close();
    await fx?.close();
  });

  it('backs up now through the daemon and streams its progress and run', async () => {
    const events = await api('/api/events');
    const seen: string[] = [];
    let finished: { result: string; snapshotId?: string; trigger: string } | undefined;
    const reading = readEvents(events, (type, data) => {
      seen.push(type);
      const run = data as { result: string; snapshotId?: string; trigger: string };
      if (type === 'run' && run.result !== 'running') finished = run;
      return finished !== undefined;
    });
    const start = await api(`/api/devices/${fx.udid}/backup`, { method: 'POST' });
    const body = (await start.json()) as { via: string };
    assert.equal(start.status, 200, JSON.stringify(body));
    assert.equal(body.via, 'daemon');
    await reading;
    assert.equal(finished?.result, 'success');
    assert.equal(finished?.trigger, 'manual');
    assert.ok(seen.includes('progress'), `progress events were streamed (saw ${[...new Set(seen)].join(', ')})`);
    assert.ok(seen.includes('status'));
    assert.equal(fx.dashboard.context.jobs.list().length + dashboard.context.jobs.list().length, 0, 'nothing ran outside the daemon');
    const snapshots = (await (await api(`/api/devices/${fx.udid}/snapshots`)).json()) as { snapshots: Array<{ id: string }> };
    assert.equal(snapshots.snapshots[0]?.id, finished?.snapshotId);
    const devices = (await (await api('/api/devices')).json()) as { daemon: boolean; devices: Array<{ udid: string; health: string; daemon?: { state: string } }> };
    assert.equal(devices.daemon, true);
    const card = devices.devices.find((d) => d.udid === fx.udid)!;
    assert.equal(card.health, 'green');
    assert.ok(card.daemon && ['idle', 'waiting'].includes(card.daemon.state), JSON.stringify(card.daemon));
    const alerts = await waitFor('the run in history', async () => ((await (await api('/api/alerts')).json()) as { runs: Array<{ snapshotId?: string }> }).runs.find((r) => r.snapshotId === finished?.snapshotId));
    assert.ok(alerts);
  });

  it('refuses Back Up Now for a phone that is not connected, saying so', async () => {
    const other = fx.sim.networkUdid!;
    fx.sim.set(other, 'plugged=false', 'wifi=false');
    await waitFor('the daemon to see it go', () => (harness.daemon.devices().find((d) => d.udid === other)?.attached === false ? true : undefined), 30_000);
    const r = await api(`/api/devices/${other}/backup`, { method: 'POST' });
    assert.equal(r.status, 409);
    assert.match(((await r.json()) as { error: { message: string } }).error.message, /not connected/);
  });
});
