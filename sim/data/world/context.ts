/**
 * The *world*: who and what the virtual phone's owner has — derived from (seed, identity, plan) only.
 *
 * Nouns: the *context* bundles what every generator needs (seed, its 32-bit key for point hashes, the
 * plan, the reference time, the device's local clock, the owner). Generators are pure functions of the
 * context (and an item index where items are numerous), so the database builders, the bulk-file
 * families and truth() all see exactly the same people, messages and photos without sharing state.
 */
import type { DeviceIdentity } from '../../model/identity.js';
import { seedKey } from '../prng.js';
import type { Plan } from '../profile.js';
import { LocalClock, referenceTime } from '../time.js';

export interface Owner {
  readonly first: string;
  readonly last: string;
  /** E.164, e.g. "+12065550123". */
  readonly phone: string;
  readonly email: string;
}

export interface WorldContext {
  readonly seed: string;
  readonly key: number;
  readonly identity: DeviceIdentity;
  readonly plan: Plan;
  /** The phone's "now" (Unix ms); generated content lies before it. */
  readonly now: number;
  readonly clock: LocalClock;
  readonly owner: Owner;
  /** The iOS version EXIF "Software" and app metadata name, e.g. "18.6". */
  readonly iosVersion: string;
}

export function makeContext(seed: string, identity: DeviceIdentity, plan: Plan, iosVersion = '18.6'): WorldContext {
  const first = /^(.+?)['’]s /.exec(identity.deviceName)?.[1] ?? 'Alex';
  const digits = (identity.phoneNumber ?? '+1 (206) 555-0100').replace(/[^\d]/g, '');
  const phone = `+${digits.length === 10 ? `1${digits}` : digits}`;
  return {
    seed,
    key: seedKey(seed, 'world'),
    identity,
    plan,
    now: referenceTime(seed),
    clock: new LocalClock(identity.timeZone),
    owner: { first, last: 'Rivera', phone, email: `${first.toLowerCase()}.rivera@example.com` },
    iosVersion,
  };
}

/** "+12065550123" → "(206) 555-0123", the way Contacts shows and stores a US number. */
export function formatUsPhone(e164: string): string {
  const d = e164.replace(/^\+1/, '');
  return d.length === 10 ? `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}` : e164;
}
