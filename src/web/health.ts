/**
 * How a device's last successful backup looks against its policy — the colour of its card.
 *
 * green: backed up within the planned interval (plus an hour of grace, since a run takes time);
 * amber: overdue for its planned backup but not yet stale; red: never backed up, or older than the
 * staleness threshold (the point at which the daemon alerts).
 */
export type BackupHealth = 'green' | 'amber' | 'red';

export interface HealthPolicy {
  readonly intervalHours: number;
  readonly staleAfterHours: number;
}

const HOUR = 3_600_000;

export function backupHealth(lastSuccessAt: string | undefined, policy: HealthPolicy, now: Date): BackupHealth {
  if (!lastSuccessAt) return 'red';
  const age = now.getTime() - new Date(lastSuccessAt).getTime();
  if (!Number.isFinite(age) || age > policy.staleAfterHours * HOUR) return 'red';
  if (age > Math.min(policy.intervalHours + 1, policy.staleAfterHours) * HOUR) return 'amber';
  return 'green';
}
