/**
 * Settings: the config file, edited through src/config's updateConfig (validated before it is
 * written, atomically; a wrong field comes back as a 400 naming it).
 *   GET  /api/settings                         the config, its path, and every known device's policy
 *   POST /api/settings/defaults   {policy}     the policy every device starts from
 *   POST /api/settings/devices/:udid {settings} one device's overrides (label, interval, window …)
 *   POST /api/settings/alerts     {alerts}     notification channels
 *   POST /api/settings/remotes/:name {remote | remove: true}
 * Remote and SMTP passwords live in files the config only names; they never pass through here.
 */
import { updateConfig } from '../../config/config.js';
import { resolvePolicy, type DevicePolicy, type DeviceSettings, type LifeboatConfig } from '../../config/schema.js';
import type { DashboardContext } from '../context.js';
import { WebError } from '../errors.js';
import type { Router } from '../http.js';
import { vaultDevices } from './devices.js';
import { withoutCredentials } from './remotes.js';
import { checkUdid } from './snapshots.js';

function objectField(body: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = body[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WebError(400, `"${name}" must be an object`);
  return value as Record<string, unknown>;
}

export function settingsView(ctx: DashboardContext, config: LifeboatConfig = ctx.config()): Record<string, unknown> {
  const udids = [...new Set([...Object.keys(config.devices), ...vaultDevices(ctx.store())])].sort();
  return {
    configFile: ctx.configFile,
    // A repository URL may carry credentials (rest:https://user:secret@host): the page sees the address only.
    config: { ...config, remotes: Object.fromEntries(Object.entries(config.remotes).map(([name, r]) => [name, { ...r, url: withoutCredentials(r.url) }])) },
    devices: udids.map((udid) => ({ udid, label: config.devices[udid]?.label ?? null, overrides: config.devices[udid] ?? {}, policy: resolvePolicy(config, udid) })),
  };
}

export function registerSettingsRoutes(router: Router, ctx: DashboardContext): void {
  const save = (change: (config: LifeboatConfig) => LifeboatConfig): Record<string, unknown> => {
    const saved = updateConfig(change, ctx.configFile);
    ctx.onConfigSaved(saved);
    return settingsView(ctx, saved);
  };

  router.add('GET', '/api/settings', () => settingsView(ctx));

  router.add('POST', '/api/settings/defaults', async ({ body }) => {
    const policy = objectField(await body(), 'policy') as unknown as Partial<DevicePolicy>;
    return save((c) => ({ ...c, defaults: { ...c.defaults, ...policy, conditions: { ...c.defaults.conditions, ...(policy.conditions ?? {}) } } }));
  });

  router.add('POST', '/api/settings/devices/:udid', async ({ params, body }) => {
    const udid = checkUdid(params['udid']);
    const settings = objectField(await body(), 'settings') as unknown as DeviceSettings;
    return save((c) => {
      const devices = { ...c.devices };
      if (Object.keys(settings).length === 0) delete devices[udid];
      else devices[udid] = settings;
      return { ...c, devices };
    });
  });

  router.add('POST', '/api/settings/alerts', async ({ body }) => {
    const alerts = objectField(await body(), 'alerts') as unknown as LifeboatConfig['alerts'];
    return save((c) => ({ ...c, alerts }));
  });

  router.add('POST', '/api/settings/remotes/:name', async ({ params, body }) => {
    const name = params['name'] as string;
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$/.test(name)) throw new WebError(400, 'a remote name is letters, digits, - and _');
    const b = await body();
    return save((c) => {
      const remotes = { ...c.remotes };
      if (b['remove'] === true) delete remotes[name];
      else remotes[name] = objectField(b, 'remote') as unknown as LifeboatConfig['remotes'][string];
      return { ...c, remotes };
    });
  });
}
