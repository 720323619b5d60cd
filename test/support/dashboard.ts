/**
 * A dashboard (src/web) on a private LIFEBOAT_HOME, talking to a virtual iPhone over the harness's
 * usbmuxd socket, with the USB phone paired — what the web tests start from.
 */
import { startDashboard, type Dashboard, type DashboardOptions } from '../../src/web/server.js';
import { withSimAndHome, type SimHarness } from './sim-harness.js';

export interface DashboardFixture {
  readonly sim: SimHarness;
  readonly home: string;
  readonly dashboard: Dashboard;
  readonly udid: string;
  /** fetch against the dashboard with the token in the Authorization header. */
  api(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startDashboardFixture(options: { seed?: string; devices?: number; dashboard?: Partial<DashboardOptions> } = {}): Promise<DashboardFixture> {
  return withSimAndHome('lifeboat-web-home-', { devices: options.devices ?? 1, autoTrust: true, seed: options.seed ?? 'web-1' }, async (sim, home, closeSimAndHome) => {
    const udid = sim.usbUdid;
    await sim.pair(udid);
    const dashboard = await startDashboard({ env: { ...process.env, LIFEBOAT_HOME: home, LIFEBOAT_CONFIG: '' }, mux: sim.mux, ...options.dashboard });
    return {
      sim,
      home,
      dashboard,
      udid,
      api: (path, init = {}) => fetch(`${dashboard.origin}${path}`, { ...init, headers: { Authorization: `Bearer ${dashboard.token}`, ...(init.headers as Record<string, string> | undefined) } }),
      async close() {
        await dashboard.close();
        await closeSimAndHome();
      },
    };
  });
}

/** Waits until `check` returns a value (polling a real condition, bounded). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
