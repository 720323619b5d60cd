/**
 * Deciding when a device is backed up: the policy (src/config/schema.ts) applied to what the device
 * reports now and what happened before.
 *
 * Nouns: *due* = time since the last success ≥ intervalHours (a device never backed up is due at
 * once), pushed back by the *backoff* after failures; the *window* is the daily quiet window automatic
 * backups must start in; *conditions* are iCloud-like requirements read from the device (readings).
 * The result is a *plan*: run now, or the reasons it waits and when it is next expected to run.
 */
import type { DevicePolicy, TimeWindow } from '../config/schema.js';

/** What the device says about itself right now (absent: the device does not report it). */
export interface DeviceReadings {
  readonly name?: string;
  /** How the daemon reached it: a cable, usbmuxd's network path, or directly over Wi-Fi (TCP). */
  readonly connection: 'usb' | 'network' | 'wifi';
  readonly batteryPercent?: number;
  readonly charging?: boolean;
  readonly externalPower?: boolean;
  /** Screen locked with a passcode (lockdown's PasswordProtected). */
  readonly locked?: boolean;
  readonly lowPowerMode?: boolean;
  readonly onWifi?: boolean;
  /** Backups will be encrypted (com.apple.mobile.backup WillEncrypt). */
  readonly willEncrypt?: boolean;
  /** Bytes of user data on the phone (an upper bound for a first backup). */
  readonly usedDataBytes?: number;
}

export interface History {
  readonly lastSuccessAt?: Date;
  readonly lastFailureAt?: Date;
  /** Consecutive failures since the last success. */
  readonly failures: number;
  /** Set when the device was re-attached after the last failure: the retry need not wait. */
  readonly reattachedSinceFailure?: boolean;
}

export interface Plan {
  readonly runNow: boolean;
  readonly waitingFor: string[];
  readonly nextRunAt?: Date;
  /** True once the interval (and backoff) has passed: conditions are worth reading. */
  readonly due: boolean;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const RETRY_BASE_MS = 5 * MINUTE;
export const RETRY_MAX_MS = 6 * HOUR;

/** Wait before retry number `failures` (1 → 5 min, 2 → 10 min, … capped at 6 h). */
export function backoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(RETRY_BASE_MS * 2 ** Math.min(failures - 1, 20), RETRY_MAX_MS);
}

function minutesOf(text: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return 0;
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Whether `at` (host local time) is inside the window; a window whose end is before its start crosses midnight. */
export function insideWindow(window: TimeWindow, at: Date): boolean {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const now = at.getHours() * 60 + at.getMinutes();
  if (start === end) return true;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** The next moment at or after `from` that is inside the window. */
export function nextWindowStart(window: TimeWindow, from: Date): Date {
  if (insideWindow(window, from)) return from;
  const start = minutesOf(window.start);
  const candidate = new Date(from);
  candidate.setHours(Math.floor(start / 60), start % 60, 0, 0);
  if (candidate.getTime() <= from.getTime()) candidate.setDate(candidate.getDate() + 1);
  return candidate;
}

/** When the device becomes due by time alone (interval after the last success, then the backoff). */
export function dueAt(policy: DevicePolicy, history: History, now: Date): Date {
  let at = history.lastSuccessAt ? history.lastSuccessAt.getTime() + policy.intervalHours * HOUR : now.getTime();
  if (history.failures > 0 && history.lastFailureAt && !history.reattachedSinceFailure) {
    at = Math.max(at, history.lastFailureAt.getTime() + backoffMs(history.failures));
  }
  return new Date(at);
}

/** Reasons the device's conditions do not hold (empty: they hold). Only what the device reports is judged. */
export function unmetConditions(policy: DevicePolicy, readings: DeviceReadings): string[] {
  const c = policy.conditions;
  const reasons: string[] = [];
  if (c.requirePower && readings.externalPower === false && readings.charging !== true) reasons.push('not charging or plugged in');
  if (c.requireUsbOrWifi && readings.connection !== 'usb' && readings.onWifi === false) reasons.push('not on Wi-Fi');
  if (c.requireLocked && readings.locked === false) reasons.push('not locked');
  if (c.skipInLowPowerMode && readings.lowPowerMode === true) reasons.push('Low Power Mode is on');
  if (c.minBatteryPercent > 0 && readings.batteryPercent !== undefined && readings.batteryPercent < c.minBatteryPercent) {
    reasons.push(`battery at ${readings.batteryPercent}% (needs ${c.minBatteryPercent}%)`);
  }
  return reasons;
}

/**
 * The plan for one attached device. `readings` may be absent when the device is not due (they are
 * only read when they matter, to leave the phone alone).
 */
export function planDevice(policy: DevicePolicy, history: History, now: Date, readings?: DeviceReadings): Plan {
  if (!policy.automatic) return { runNow: false, due: false, waitingFor: ['automatic backups are off for this device'] };
  const at = dueAt(policy, history, now);
  const window = policy.window;
  if (at.getTime() > now.getTime()) {
    const next = window ? nextWindowStart(window, at) : at;
    const reason = history.failures > 0 && !history.reattachedSinceFailure && history.lastFailureAt && at.getTime() > (history.lastSuccessAt?.getTime() ?? 0) + policy.intervalHours * HOUR
      ? `retrying after ${history.failures} failure${history.failures === 1 ? '' : 's'}`
      : 'next backup not due yet';
    return { runNow: false, due: false, waitingFor: [reason], nextRunAt: next };
  }
  if (window && !insideWindow(window, now)) {
    return { runNow: false, due: true, waitingFor: [`outside the backup window ${window.start}–${window.end}`], nextRunAt: nextWindowStart(window, now) };
  }
  if (!readings) return { runNow: false, due: true, waitingFor: ['reading the device'], nextRunAt: now };
  const unmet = unmetConditions(policy, readings);
  if (unmet.length > 0) return { runNow: false, due: true, waitingFor: unmet };
  return { runNow: true, due: true, waitingFor: [], nextRunAt: now };
}
