/**
 * The shape of Lifeboat's configuration file (config.json) and its defaults.
 *
 * Nouns: a *policy* says when and how one device is backed up (interval, iCloud-like conditions, quiet
 * window, staleness threshold, retention, what to do after a backup); `defaults` applies to every
 * device and `devices[udid]` overrides parts of it. A *remote* is a restic repository that snapshots are
 * copied to; its password lives in a file of its own (never in this file, never in argv). *Alert
 * channels* are where the daemon says that something is wrong.
 *
 * Every field is optional in the file; `resolvePolicy` fills the gaps from the defaults, so a config
 * written by an older version keeps working.
 */

/** Kept snapshots, with restic's `forget` semantics (see src/vault/retention.ts). */
export interface RetentionSettings {
  readonly last?: number;
  readonly hourly?: number;
  readonly daily?: number;
  readonly weekly?: number;
  readonly monthly?: number;
  readonly yearly?: number;
}

/** Conditions that must hold before an automatic backup starts, like iCloud Backup's. */
export interface BackupConditions {
  /** Charging, or at least plugged in to power. */
  readonly requirePower: boolean;
  /** Connected over USB, or on Wi-Fi (a network device): never over cellular. */
  readonly requireUsbOrWifi: boolean;
  /** Screen locked, where the device reports it. */
  readonly requireLocked: boolean;
  /** Skip while Low Power Mode is on. */
  readonly skipInLowPowerMode: boolean;
  /** Battery at least this percentage (0 disables the floor). */
  readonly minBatteryPercent: number;
}

/** A daily window ("22:00"–"06:00" crosses midnight) in the host's local time. */
export interface TimeWindow {
  readonly start: string;
  readonly end: string;
}

export interface DevicePolicy {
  /** Automatic backups at all (false: only `lifeboat backup`). */
  readonly automatic: boolean;
  /** Hours after the last successful backup before the next automatic one. */
  readonly intervalHours: number;
  /** Hours without a successful backup before the daemon alerts. */
  readonly staleAfterHours: number;
  readonly conditions: BackupConditions;
  /** Automatic backups only start inside this window (absent: any time). */
  readonly window?: TimeWindow;
  readonly retention: RetentionSettings;
  /** Verify the new snapshot after each backup. */
  readonly verifyAfterBackup: boolean;
  /** Remotes (by name) to copy new snapshots to after each backup. */
  readonly syncRemotes: readonly string[];
  /** Alert when backups are unencrypted (Health data and saved passwords are then left out). */
  readonly wantEncryption: boolean;
}

export interface DeviceSettings extends Partial<Omit<DevicePolicy, 'conditions' | 'retention'>> {
  /** A name to show instead of the device's own. */
  readonly label?: string;
  readonly conditions?: Partial<BackupConditions>;
  readonly retention?: RetentionSettings;
}

export interface RemoteSettings {
  /** restic repository: a local path, `s3:…`, `sftp:…`, `rest:…`. */
  readonly url: string;
  /** File holding the repository password (mode 0600); default `<config dir>/remotes/<name>.password`. */
  readonly passwordFile?: string;
  /** Retention mirrored remotely (default: the device policies' retention). */
  readonly retention?: RetentionSettings;
  /** Environment for restic (e.g. AWS_ACCESS_KEY_ID); secrets belong in envFile, not here. */
  readonly envFile?: string;
}

export interface WebhookChannel {
  readonly url: string;
  /** Optional label shown in alert history. */
  readonly name?: string;
}

export interface EmailChannel {
  readonly host: string;
  readonly port: number;
  /** TLS from the start (port 465); otherwise STARTTLS when offered. */
  readonly secure: boolean;
  readonly from: string;
  readonly to: readonly string[];
  readonly user?: string;
  /** File holding the SMTP password. */
  readonly passwordFile?: string;
}

export interface AlertSettings {
  readonly desktop: boolean;
  readonly webhooks: readonly WebhookChannel[];
  readonly email?: EmailChannel;
}

export interface DaemonSettings {
  /** Devices backed up at the same time, at most. */
  readonly maxParallel: number;
  /** Port of the dashboard on 127.0.0.1 (0: any free port). */
  readonly dashboardPort: number;
}

export interface LifeboatConfig {
  readonly version: 1;
  /** Where snapshots live (default: `<data home>/vault`). */
  readonly vaultPath?: string;
  readonly defaults: DevicePolicy;
  readonly devices: Readonly<Record<string, DeviceSettings>>;
  readonly remotes: Readonly<Record<string, RemoteSettings>>;
  readonly alerts: AlertSettings;
  readonly daemon: DaemonSettings;
}

export const DEFAULT_POLICY: DevicePolicy = {
  automatic: true,
  intervalHours: 24,
  staleAfterHours: 72,
  conditions: { requirePower: true, requireUsbOrWifi: true, requireLocked: false, skipInLowPowerMode: true, minBatteryPercent: 20 },
  retention: { last: 3, daily: 14, weekly: 8, monthly: 12, yearly: 3 },
  verifyAfterBackup: true,
  syncRemotes: [],
  wantEncryption: true,
};

export const DEFAULT_CONFIG: LifeboatConfig = {
  version: 1,
  defaults: DEFAULT_POLICY,
  devices: {},
  remotes: {},
  alerts: { desktop: true, webhooks: [] },
  daemon: { maxParallel: 2, dashboardPort: 0 },
};

/** The effective policy of one device: the defaults with the device's overrides on top. */
export function resolvePolicy(config: LifeboatConfig, udid: string): DevicePolicy {
  const device = config.devices[udid] ?? {};
  const { label: _label, conditions, retention, ...rest } = device;
  return {
    ...config.defaults,
    ...rest,
    conditions: { ...config.defaults.conditions, ...conditions },
    retention: retention ?? config.defaults.retention,
  };
}
