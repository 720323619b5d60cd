/**
 * Retention with restic's `forget` semantics, so people who know restic get what they expect.
 *
 * Nouns: a *rule* keeps the newest snapshot of each time *bucket* (hour, day, ISO week, month, year)
 * for the newest N buckets that contain snapshots; `last` keeps the N newest snapshots outright.
 * A snapshot is kept when any rule keeps it; everything else is forgotten. A count of -1 means
 * "every bucket". Buckets are computed in UTC unless a time zone is given, so a policy behaves the
 * same on every machine (restic uses the snapshot's own zone; with one machine they coincide).
 */
import type { RetentionSettings } from '../config/schema.js';

/** The same shape the config file holds (src/config/schema.ts), so a policy passes straight through. */
export type RetentionPolicy = RetentionSettings;

export interface Dated {
  readonly id: string;
  readonly time: Date;
}

export interface RetentionDecision<T extends Dated> {
  readonly keep: Array<{ snapshot: T; reasons: string[] }>;
  readonly forget: T[];
}

type Rule = 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
const RULES: readonly Rule[] = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'];

interface Parts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
}

function parts(time: Date, timeZone: string | undefined): Parts {
  if (!timeZone) return { year: time.getUTCFullYear(), month: time.getUTCMonth() + 1, day: time.getUTCDate(), hour: time.getUTCHours() };
  const fields = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', hourCycle: 'h23' })
      .formatToParts(time)
      .map((p) => [p.type, p.value]),
  );
  return { year: Number(fields['year']), month: Number(fields['month']), day: Number(fields['day']), hour: Number(fields['hour']) };
}

/** ISO 8601 week-numbering year and week of a calendar date. */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7; // Monday = 1 … Sunday = 7
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
  const weekYear = date.getUTCFullYear();
  const firstDay = Date.UTC(weekYear, 0, 1);
  const week = Math.ceil(((date.getTime() - firstDay) / 86_400_000 + 1) / 7);
  return { year: weekYear, week };
}

function bucket(rule: Rule, time: Date, timeZone: string | undefined): string {
  const p = parts(time, timeZone);
  switch (rule) {
    case 'hourly':
      return `${p.year}-${p.month}-${p.day}-${p.hour}`;
    case 'daily':
      return `${p.year}-${p.month}-${p.day}`;
    case 'weekly': {
      const w = isoWeek(p.year, p.month, p.day);
      return `${w.year}-W${w.week}`;
    }
    case 'monthly':
      return `${p.year}-${p.month}`;
    case 'yearly':
      return `${p.year}`;
    default:
      return '';
  }
}

export function validatePolicy(policy: RetentionPolicy): string[] {
  const problems: string[] = [];
  for (const rule of RULES) {
    const n = policy[rule];
    if (n !== undefined && (!Number.isInteger(n) || n < -1)) problems.push(`keep-${rule} must be a whole number ≥ 0 (or -1 for all), not ${n}`);
  }
  return problems;
}

export function isEmptyPolicy(policy: RetentionPolicy): boolean {
  return RULES.every((rule) => policy[rule] === undefined || policy[rule] === 0);
}

/** Decides what a policy keeps. An empty policy keeps everything (forgetting all is never implied). */
export function applyRetention<T extends Dated>(snapshots: readonly T[], policy: RetentionPolicy, timeZone?: string): RetentionDecision<T> {
  const newestFirst = [...snapshots].sort((a, b) => b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : -1));
  if (isEmptyPolicy(policy)) return { keep: newestFirst.map((snapshot) => ({ snapshot, reasons: ['no policy'] })), forget: [] };
  const remaining = new Map<Rule, number>(RULES.map((rule) => [rule, policy[rule] ?? 0]));
  const lastBucket = new Map<Rule, string>();
  const keep: Array<{ snapshot: T; reasons: string[] }> = [];
  const forget: T[] = [];
  for (const snapshot of newestFirst) {
    const reasons: string[] = [];
    for (const rule of RULES) {
      const left = remaining.get(rule) ?? 0;
      if (left === 0) continue;
      const key = rule === 'last' ? snapshot.id : bucket(rule, snapshot.time, timeZone);
      if (rule !== 'last' && lastBucket.get(rule) === key) continue;
      lastBucket.set(rule, key);
      if (left > 0) remaining.set(rule, left - 1);
      reasons.push(rule === 'last' ? 'last snapshot' : `${rule} snapshot`);
    }
    if (reasons.length > 0) keep.push({ snapshot, reasons });
    else forget.push(snapshot);
  }
  return { keep, forget };
}
