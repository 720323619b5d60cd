/**
 * Time bases found in iOS databases. *Apple seconds* ("Mac absolute time", Core Data timestamps) count
 * from 2001-01-01 UTC; sms.db counts *nanoseconds* from the same epoch since iOS 11 (seconds before),
 * so its values are told apart by magnitude; Unix seconds appear in file metadata. Values that are not
 * finite numbers, or land outside 1970–2200, are treated as unknown rather than trusted.
 */
export const APPLE_EPOCH_MS = 978_307_200_000;
const MAX_MS = Date.UTC(2200, 0, 1);

function checked(ms: number): Date | undefined {
  return Number.isFinite(ms) && ms >= 0 && ms < MAX_MS ? new Date(Math.round(ms)) : undefined;
}

export function fromAppleSeconds(value: unknown): Date | undefined {
  const n = typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return checked(APPLE_EPOCH_MS + n * 1000);
}

/** sms.db dates: nanoseconds (iOS ≥ 11) or seconds (older), since 2001; 0 means "never". */
export function fromAppleNanosOrSeconds(value: unknown): Date | undefined {
  if (value === null || value === undefined || value === 0 || value === 0n) return undefined;
  if (typeof value === 'bigint') {
    // Whole milliseconds, truncated: rounding would move a message at .9995 ms into the next one.
    if (value > 100_000_000_000n || value < -100_000_000_000n) return checked(APPLE_EPOCH_MS + Number(value / 1_000_000n));
    return checked(APPLE_EPOCH_MS + Number(value) * 1000);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return Math.abs(value) > 100_000_000_000 ? checked(APPLE_EPOCH_MS + Math.trunc(value / 1_000_000)) : checked(APPLE_EPOCH_MS + value * 1000);
}

export function isoOrEmpty(date: Date | undefined): string {
  return date === undefined ? '' : date.toISOString();
}
