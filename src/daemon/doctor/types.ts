/**
 * The nouns of `lifeboat doctor` (shared with the daemon's alerts and the web dashboard).
 *
 * A *finding* is one thing doctor checked, with how bad it is (*severity*), what it means in plain
 * words and the exact next step. Severities, from harmless to blocking:
 *   ok       — the check passed (listed so a person sees what was checked);
 *   info     — worth knowing, nothing to do for backups to keep working;
 *   warning  — backups work now but will fail, be incomplete or be delayed unless someone acts;
 *   critical — backups cannot happen (or the data is at risk) until someone acts.
 * `id` is stable (scripts, the daemon's de-duplication and tests match on it); the text may change.
 */
import type { LifeboatConfig } from '../../config/schema.js';
import type { UsbmuxClient } from '../../protocol/usbmux/client.js';

export type Severity = 'ok' | 'info' | 'warning' | 'critical';

export interface Finding {
  /** Stable, e.g. 'not-trusted', 'battery-low', 'disk-too-small', 'last-backup-old'. */
  readonly id: string;
  readonly severity: Severity;
  /** Absent for host-wide findings. */
  readonly udid?: string;
  /** One line. */
  readonly title: string;
  /** Plain words. */
  readonly explanation: string;
  /** The exact next step (empty for 'ok'). */
  readonly fix: string;
}

export interface DiagnoseOptions {
  /** Only this device (and the host); default: every connected device and every device in the vault. */
  readonly udid?: string;
  readonly config: LifeboatConfig;
  /** LIFEBOAT_HOME, LIFEBOAT_PASSWORD, USBMUXD_SOCKET_ADDRESS, … (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  /** usbmuxd to ask (default: the one USBMUXD_SOCKET_ADDRESS in `env` names). */
  readonly mux?: UsbmuxClient;
  /**
   * When this computer is not paired, ask the iPhone once (it shows "Trust This Computer?"), so doctor
   * can tell "waiting for Trust" from "Don't Trust was tapped"; if Trust was already tapped the pairing
   * is saved. Off by default: the daemon must not pop dialogs by itself.
   */
  readonly attemptPairing?: boolean;
  /** Bound for each device probe (default 20 s): a device that does not answer in time is a finding. */
  readonly probeTimeoutMs?: number;
  /** Where the config was read from (to name the password file beside it). */
  readonly configPath?: string;
}

const RANK: Record<Severity, number> = { ok: 0, info: 1, warning: 2, critical: 3 };

export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** The worst severity among the findings ('ok' for none). */
export function worstSeverity(findings: readonly Pick<Finding, 'severity'>[]): Severity {
  let worst: Severity = 'ok';
  for (const finding of findings) if (RANK[finding.severity] > RANK[worst]) worst = finding.severity;
  return worst;
}

/** Causes in the order a person should fix them: reach the phone, get trusted, then the rest. */
const ORDER = [
  'usbmuxd-unreachable', 'no-device', 'not-connected', 'device-not-responding', 'device-unreachable',
  'not-paired', 'trust-pending', 'trust-denied', 'pairing-invalid', 'trusted', 'locked-since-restart', 'locked',
  'backup-running', 'encryption-password-wrong', 'encryption-misconfigured', 'encryption-password-unknown', 'backup-unreadable',
  'disk-too-small', 'device-storage-full', 'not-charging', 'battery-low', 'low-power-mode', 'not-on-wifi', 'not-same-network', 'wifi-sync-off',
  'ios-outdated', 'unencrypted', 'last-backup-old', 'backup-failed',
];

function order(id: string): number {
  const index = ORDER.indexOf(id);
  return index < 0 ? ORDER.length : index;
}

/** Host-wide first, then per device; within each, worst first, then in the order to fix them. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => (a.udid ?? '').localeCompare(b.udid ?? '') || RANK[b.severity] - RANK[a.severity] || order(a.id) - order(b.id) || a.id.localeCompare(b.id),
  );
}
