/**
 * Validation of config.json: every field is checked and every problem is reported with its path, so
 * one run shows all the mistakes. Missing sections take their defaults; unknown keys are errors (a
 * misspelt key silently ignored is how a backup policy ends up not doing what its owner wrote).
 */
import { DEFAULT_CONFIG, type AlertSettings, type BackupConditions, type DaemonSettings, type DevicePolicy, type DeviceSettings, type EmailChannel, type LifeboatConfig, type RemoteSettings, type RetentionSettings, type TimeWindow, type WebhookChannel } from './schema.js';

type Problems = string[];
type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(value: Obj, allowed: readonly string[], at: string, problems: Problems): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) problems.push(`${at}${key}: unknown setting`);
}

function num(value: unknown, at: string, problems: Problems, min: number, max = Number.MAX_SAFE_INTEGER, integer = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    problems.push(`${at}: expected ${integer ? 'a whole number' : 'a number'} from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`);
    return undefined;
  }
  return value;
}

function bool(value: unknown, at: string, problems: Problems): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') {
    problems.push(`${at}: expected true or false`);
    return undefined;
  }
  return value;
}

function str(value: unknown, at: string, problems: Problems, pattern?: RegExp, what = 'a string'): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || (pattern && !pattern.test(value))) {
    problems.push(`${at}: expected ${what}`);
    return undefined;
  }
  return value;
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const RETENTION_KEYS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

function retention(value: unknown, at: string, problems: Problems): RetentionSettings | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return void problems.push(`${at}: expected an object`);
  checkKeys(value, RETENTION_KEYS, `${at}.`, problems);
  const out: Record<string, number | undefined> = {};
  // -1 keeps every bucket, as in restic.
  for (const key of RETENTION_KEYS) out[key] = num(value[key], `${at}.${key}`, problems, -1, 1_000_000, true);
  return defined(out) as RetentionSettings;
}

const CONDITION_KEYS = ['requirePower', 'requireUsbOrWifi', 'requireLocked', 'skipInLowPowerMode', 'minBatteryPercent'] as const;

function conditions(value: unknown, at: string, problems: Problems): Partial<BackupConditions> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return void problems.push(`${at}: expected an object`);
  checkKeys(value, CONDITION_KEYS, `${at}.`, problems);
  return defined({
    requirePower: bool(value['requirePower'], `${at}.requirePower`, problems),
    requireUsbOrWifi: bool(value['requireUsbOrWifi'], `${at}.requireUsbOrWifi`, problems),
    requireLocked: bool(value['requireLocked'], `${at}.requireLocked`, problems),
    skipInLowPowerMode: bool(value['skipInLowPowerMode'], `${at}.skipInLowPowerMode`, problems),
    minBatteryPercent: num(value['minBatteryPercent'], `${at}.minBatteryPercent`, problems, 0, 100),
  });
}

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

function window(value: unknown, at: string, problems: Problems): TimeWindow | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return void problems.push(`${at}: expected {"start": "HH:MM", "end": "HH:MM"}`);
  checkKeys(value, ['start', 'end'], `${at}.`, problems);
  const start = str(value['start'], `${at}.start`, problems, CLOCK, 'a time "HH:MM"');
  const end = str(value['end'], `${at}.end`, problems, CLOCK, 'a time "HH:MM"');
  if (value['start'] === undefined || value['end'] === undefined) problems.push(`${at}: needs both start and end`);
  return start && end ? { start, end } : undefined;
}

const POLICY_KEYS = ['automatic', 'intervalHours', 'staleAfterHours', 'conditions', 'window', 'retention', 'verifyAfterBackup', 'syncRemotes', 'wantEncryption'] as const;

function policyFields(value: Obj, at: string, problems: Problems): DeviceSettings {
  const remotes = value['syncRemotes'];
  let syncRemotes: string[] | undefined;
  if (remotes !== undefined) {
    if (!Array.isArray(remotes) || remotes.some((r) => typeof r !== 'string' || r.length === 0)) problems.push(`${at}syncRemotes: expected a list of remote names`);
    else syncRemotes = remotes as string[];
  }
  return defined({
    automatic: bool(value['automatic'], `${at}automatic`, problems),
    intervalHours: num(value['intervalHours'], `${at}intervalHours`, problems, 0.001),
    staleAfterHours: num(value['staleAfterHours'], `${at}staleAfterHours`, problems, 0.001),
    conditions: conditions(value['conditions'], `${at}conditions`, problems),
    window: window(value['window'], `${at}window`, problems),
    retention: retention(value['retention'], `${at}retention`, problems),
    verifyAfterBackup: bool(value['verifyAfterBackup'], `${at}verifyAfterBackup`, problems),
    syncRemotes,
    wantEncryption: bool(value['wantEncryption'], `${at}wantEncryption`, problems),
  });
}

function defaults(value: unknown, problems: Problems): DevicePolicy {
  if (value === undefined) return DEFAULT_CONFIG.defaults;
  if (!isObject(value)) {
    problems.push('defaults: expected an object');
    return DEFAULT_CONFIG.defaults;
  }
  checkKeys(value, POLICY_KEYS, 'defaults.', problems);
  const fields = policyFields(value, 'defaults.', problems);
  const base = DEFAULT_CONFIG.defaults;
  return { ...base, ...fields, conditions: { ...base.conditions, ...fields.conditions }, retention: fields.retention ?? base.retention };
}

const UDID = /^[0-9A-Fa-f-]{20,64}$/;

function devices(value: unknown, problems: Problems): Record<string, DeviceSettings> {
  if (value === undefined) return {};
  if (!isObject(value)) return (problems.push('devices: expected an object keyed by UDID'), {});
  const out: Record<string, DeviceSettings> = {};
  for (const [udid, entry] of Object.entries(value)) {
    if (!UDID.test(udid)) problems.push(`devices.${udid}: not a device UDID`);
    if (!isObject(entry)) {
      problems.push(`devices.${udid}: expected an object`);
      continue;
    }
    checkKeys(entry, [...POLICY_KEYS, 'label'], `devices.${udid}.`, problems);
    const label = str(entry['label'], `devices.${udid}.label`, problems);
    out[udid] = defined({ ...policyFields(entry, `devices.${udid}.`, problems), label });
  }
  return out;
}

const REMOTE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function remotes(value: unknown, problems: Problems): Record<string, RemoteSettings> {
  if (value === undefined) return {};
  if (!isObject(value)) return (problems.push('remotes: expected an object keyed by name'), {});
  const out: Record<string, RemoteSettings> = {};
  for (const [name, entry] of Object.entries(value)) {
    const at = `remotes.${name}`;
    if (!REMOTE_NAME.test(name)) problems.push(`${at}: a remote name is letters, digits, "_", "." and "-"`);
    if (!isObject(entry)) {
      problems.push(`${at}: expected an object`);
      continue;
    }
    checkKeys(entry, ['url', 'passwordFile', 'retention', 'envFile'], `${at}.`, problems);
    const url = str(entry['url'], `${at}.url`, problems);
    if (entry['url'] === undefined) problems.push(`${at}.url: required`);
    const settings = defined({
      url,
      passwordFile: str(entry['passwordFile'], `${at}.passwordFile`, problems),
      retention: retention(entry['retention'], `${at}.retention`, problems),
      envFile: str(entry['envFile'], `${at}.envFile`, problems),
    });
    if (url) out[name] = settings as RemoteSettings;
  }
  return out;
}

function webhooks(value: unknown, problems: Problems): WebhookChannel[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return (problems.push('alerts.webhooks: expected a list'), []);
  const out: WebhookChannel[] = [];
  value.forEach((entry: unknown, index) => {
    const at = `alerts.webhooks.${index}`;
    if (!isObject(entry)) return void problems.push(`${at}: expected {"url": "https://…"}`);
    checkKeys(entry, ['url', 'name'], `${at}.`, problems);
    const url = str(entry['url'], `${at}.url`, problems, /^https?:\/\/\S+$/, 'an http(s) URL');
    const name = str(entry['name'], `${at}.name`, problems);
    if (url) out.push(defined({ url, name }));
  });
  return out;
}

function email(value: unknown, problems: Problems): EmailChannel | undefined {
  if (value === undefined) return undefined;
  const at = 'alerts.email';
  if (!isObject(value)) return void problems.push(`${at}: expected an object`);
  checkKeys(value, ['host', 'port', 'secure', 'from', 'to', 'user', 'passwordFile'], `${at}.`, problems);
  const host = str(value['host'], `${at}.host`, problems);
  const port = num(value['port'] ?? 587, `${at}.port`, problems, 1, 65535, true);
  const from = str(value['from'], `${at}.from`, problems, /@/, 'an email address');
  const to = value['to'];
  const recipients = Array.isArray(to) && to.length > 0 && to.every((t) => typeof t === 'string' && t.includes('@')) ? (to as string[]) : undefined;
  if (!recipients) problems.push(`${at}.to: expected a list of email addresses`);
  if (!host || !from || !recipients || port === undefined) return undefined;
  return defined({
    host,
    port,
    secure: bool(value['secure'], `${at}.secure`, problems) ?? port === 465,
    from,
    to: recipients,
    user: str(value['user'], `${at}.user`, problems),
    passwordFile: str(value['passwordFile'], `${at}.passwordFile`, problems),
  });
}

function alerts(value: unknown, problems: Problems): AlertSettings {
  if (value === undefined) return DEFAULT_CONFIG.alerts;
  if (!isObject(value)) return (problems.push('alerts: expected an object'), DEFAULT_CONFIG.alerts);
  checkKeys(value, ['desktop', 'webhooks', 'email'], 'alerts.', problems);
  return defined({
    desktop: bool(value['desktop'], 'alerts.desktop', problems) ?? DEFAULT_CONFIG.alerts.desktop,
    webhooks: webhooks(value['webhooks'], problems),
    email: email(value['email'], problems),
  });
}

function daemon(value: unknown, problems: Problems): DaemonSettings {
  if (value === undefined) return DEFAULT_CONFIG.daemon;
  if (!isObject(value)) return (problems.push('daemon: expected an object'), DEFAULT_CONFIG.daemon);
  checkKeys(value, ['maxParallel', 'dashboardPort'], 'daemon.', problems);
  return {
    maxParallel: num(value['maxParallel'], 'daemon.maxParallel', problems, 1, 64, true) ?? DEFAULT_CONFIG.daemon.maxParallel,
    dashboardPort: num(value['dashboardPort'], 'daemon.dashboardPort', problems, 0, 65535, true) ?? DEFAULT_CONFIG.daemon.dashboardPort,
  };
}

/** A validated config, or undefined when it is not an object at all; problems are appended. */
export function validateConfig(raw: unknown, problems: Problems): LifeboatConfig | undefined {
  if (!isObject(raw)) {
    problems.push('expected a JSON object');
    return undefined;
  }
  checkKeys(raw, ['version', 'vaultPath', 'defaults', 'devices', 'remotes', 'alerts', 'daemon'], '', problems);
  if (raw['version'] !== undefined && raw['version'] !== 1) problems.push('version: this Lifeboat understands version 1');
  return defined({
    version: 1 as const,
    vaultPath: str(raw['vaultPath'], 'vaultPath', problems),
    defaults: defaults(raw['defaults'], problems),
    devices: devices(raw['devices'], problems),
    remotes: remotes(raw['remotes'], problems),
    alerts: alerts(raw['alerts'], problems),
    daemon: daemon(raw['daemon'], problems),
  });
}
