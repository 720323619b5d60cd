/**
 * Time on the virtual phone.
 *
 * Nouns: *Apple time* ("Mac absolute time", Core Data timestamps) counts seconds from 2001-01-01 UTC;
 * sms.db's message dates count *nanoseconds* from the same epoch (iOS 11+); file metadata uses Unix
 * seconds. The *reference time* is the phone's "now" for the generated content: a fixed instant derived
 * from the seed (never the wall clock), so the same seed gives the same databases on every run.
 * *Local time* is wall-clock time in the device's time zone, which EXIF DateTimeOriginal records (with
 * OffsetTimeOriginal saying how far it is from UTC).
 */
import { hash32 } from './prng.js';

export const APPLE_EPOCH_MS = 978_307_200_000;
const DAY_MS = 86_400_000;

/** Seconds since 2001-01-01 UTC (fractional), what Core Data and Calendar store. */
export function appleSeconds(unixMs: number): number {
  return (unixMs - APPLE_EPOCH_MS) / 1000;
}

/** Nanoseconds since 2001-01-01 UTC as sms.db stores them (exceeds 2^53, hence a bigint). */
export function appleNanos(unixMs: number, extraNanos = 0): bigint {
  return BigInt(Math.round(unixMs - APPLE_EPOCH_MS)) * 1_000_000n + BigInt(extraNanos);
}

export function unixSeconds(unixMs: number): number {
  return Math.floor(unixMs / 1000);
}

export function iso(unixMs: number): string {
  return new Date(unixMs).toISOString();
}

/** The phone's "now": a late-afternoon instant in the first half of 2025, fixed per seed. */
export function referenceTime(seed: string): number {
  const base = Date.UTC(2025, 0, 15, 1, 0, 0);
  return base + (hash32(seed, 7) % 150) * DAY_MS + (hash32(seed, 8) % 3600) * 1000;
}

/** Converts UTC instants to local wall time in one IANA zone; offsets are cached per UTC day. */
export class LocalClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /**
   * Minutes east of UTC on the UTC day of `unixMs`. Cached per day: on a DST switch day the value may
   * be an hour off for a few hours, but every consumer converts with this same function, so the EXIF
   * wall time plus its offset always names the true instant.
   */
  offsetMinutes(unixMs: number): number {
    const day = Math.floor(unixMs / DAY_MS);
    const cached = this.offsets.get(day);
    if (cached !== undefined) return cached;
    const probe = day * DAY_MS + DAY_MS / 2;
    const parts = this.format.formatToParts(new Date(probe));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? '0');
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    const offset = Math.round((asUtc - probe) / 60_000);
    this.offsets.set(day, offset);
    return offset;
  }

  /** EXIF form of the local wall time, "YYYY:MM:DD HH:MM:SS", and its offset "+HH:MM". */
  exif(unixMs: number): { dateTime: string; offset: string; offsetMinutes: number } {
    const offsetMinutes = this.offsetMinutes(unixMs);
    const local = new Date(Math.floor(unixMs / 1000) * 1000 + offsetMinutes * 60_000);
    const p = (n: number, w = 2): string => String(n).padStart(w, '0');
    const dateTime = `${p(local.getUTCFullYear(), 4)}:${p(local.getUTCMonth() + 1)}:${p(local.getUTCDate())} ${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}`;
    const sign = offsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(offsetMinutes);
    return { dateTime, offset: `${sign}${p(Math.floor(abs / 60))}:${p(abs % 60)}`, offsetMinutes };
  }

  /** Photos.sqlite's ZTIMEZONENAME form, e.g. "GMT-0700". */
  gmtName(unixMs: number): string {
    const m = this.offsetMinutes(unixMs);
    const abs = Math.abs(m);
    return `GMT${m < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  }
}
