/**
 * The smaller personal data sets: calendar events, notes, calls, Safari history and bookmarks, Health
 * samples, keychain items and known Wi-Fi networks. Each is a plain array generated from the context;
 * they are small (hundreds to a few thousand items even for a 100,000-file phone).
 */
import { EVENT_TITLES, NOTE_TOPICS, PLACES, SITES, WIFI_SSIDS } from '../names.js';
import { Rng } from '../prng.js';
import type { WorldContext } from './context.js';
import { contactAt } from './people.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface EventDef {
  readonly title: string;
  readonly calendar: 'Home' | 'Work';
  readonly start: number;
  readonly end: number;
  readonly allDay: boolean;
  readonly location?: string;
  readonly uuid: string;
  readonly created: number;
}

export function calendarEvents(ctx: WorldContext): EventDef[] {
  const rng = new Rng(ctx.seed, 'calendar');
  const out: EventDef[] = [];
  for (let i = 0; i < ctx.plan.events; i++) {
    const allDay = rng.chance(0.12);
    const dayStart = Math.floor((ctx.now - 180 * DAY + rng.below(240) * DAY) / DAY) * DAY;
    // Timed events start on the hour in local time; all-day events span whole UTC days, as Calendar stores floating dates.
    const start = allDay ? dayStart : dayStart + (8 + rng.below(11)) * HOUR - ctx.clock.offsetMinutes(dayStart) * 60_000;
    const end = allDay ? start + DAY : start + (1 + rng.below(3)) * 30 * 60_000;
    const location = rng.chance(0.5) ? rng.pick(PLACES) : undefined;
    out.push({
      title: rng.pick(EVENT_TITLES),
      calendar: rng.chance(0.4) ? 'Work' : 'Home',
      start,
      end,
      allDay,
      ...(location === undefined ? {} : { location }),
      uuid: rng.uuid(),
      created: Math.min(start, ctx.now) - rng.below(30) * DAY,
    });
  }
  return out.sort((a, b) => a.start - b.start);
}

export interface NoteDef {
  readonly title: string;
  /** The whole note text as Notes stores it: the title is its first line. */
  readonly text: string;
  readonly folder: string;
  readonly created: number;
  readonly modified: number;
  readonly pinned: boolean;
  readonly uuid: string;
}

export const NOTE_FOLDERS = ['Notes', 'Personal', 'Work'] as const;

export function notes(ctx: WorldContext): NoteDef[] {
  const rng = new Rng(ctx.seed, 'notes');
  const out: NoteDef[] = [];
  for (let i = 0; i < ctx.plan.notes; i++) {
    const topic = NOTE_TOPICS[i % NOTE_TOPICS.length] ?? { title: 'Note', lines: ['…'] };
    const round = Math.floor(i / NOTE_TOPICS.length);
    const title = round === 0 ? topic.title : `${topic.title} ${round + 1}`;
    const created = ctx.now - rng.below(700) * DAY - rng.below(86_400) * 1000;
    const modified = Math.min(ctx.now - HOUR, created + rng.below(60) * DAY);
    out.push({
      title,
      text: [title, ...topic.lines].join('\n'),
      folder: rng.pick(NOTE_FOLDERS),
      created,
      modified,
      pinned: rng.chance(0.15),
      uuid: rng.uuid(),
    });
  }
  return out;
}

export interface CallDef {
  readonly address: string;
  readonly date: number;
  readonly duration: number;
  readonly outgoing: boolean;
  readonly answered: boolean;
  readonly callType: 1 | 8 | 16;
  readonly uuid: string;
}

export function calls(ctx: WorldContext): CallDef[] {
  const rng = new Rng(ctx.seed, 'calls');
  const out: CallDef[] = [];
  for (let i = 0; i < ctx.plan.calls; i++) {
    const partner = Math.floor(Math.abs(rng.float() ** 2.2) * Math.max(1, ctx.plan.contacts));
    const known = rng.chance(0.9);
    const address = known ? (contactAt(ctx, partner).phones[0]?.e164 ?? '+12065550100') : `+1${rng.pick(['206', '425', '800'])}5550${100 + rng.below(100)}`;
    const outgoing = rng.chance(0.45);
    const answered = outgoing ? rng.chance(0.85) : rng.chance(0.7);
    out.push({
      address,
      date: ctx.now - rng.below(365) * DAY - rng.below(86_400) * 1000,
      duration: answered ? Math.round(5 + rng.float() ** 2 * 1800) : 0,
      outgoing,
      answered,
      callType: rng.chance(0.8) ? 1 : rng.chance(0.5) ? 8 : 16,
      uuid: rng.uuid(),
    });
  }
  return out.sort((a, b) => a.date - b.date);
}

export interface HistoryItemDef {
  readonly url: string;
  readonly title: string;
  readonly visits: readonly number[];
}

export function safariHistory(ctx: WorldContext): HistoryItemDef[] {
  const rng = new Rng(ctx.seed, 'safari-history');
  const out: HistoryItemDef[] = [];
  for (let i = 0; i < ctx.plan.historyItems; i++) {
    const site = i < SITES.length ? SITES[i] : undefined;
    const url = site?.url ?? `https://www.example.com/articles/${1000 + i}`;
    const title = site?.title ?? `Article ${1000 + i} | Example News`;
    const visits: number[] = [];
    const n = 1 + Math.floor(rng.float() ** 3 * 12);
    for (let k = 0; k < n; k++) visits.push(ctx.now - rng.below(120) * DAY - rng.below(86_400) * 1000);
    out.push({ url, title, visits: visits.sort((a, b) => a - b) });
  }
  return out;
}

export interface BookmarkDef {
  readonly title: string;
  readonly url: string;
}

export function safariBookmarks(ctx: WorldContext): BookmarkDef[] {
  const out: BookmarkDef[] = [];
  for (let i = 0; i < ctx.plan.bookmarks; i++) {
    const site = SITES[(i * 7 + 3) % SITES.length];
    out.push(i < SITES.length && site ? { title: site.title, url: site.url } : { title: `Saved page ${i}`, url: `https://www.example.org/saved/${i}` });
  }
  return out;
}

/** HealthKit samples.data_type values (iLEAPP health.py: 2 height, 3 body mass, 5 heart rate, 7 steps, 63 sleep). */
export const HEALTH_TYPES = { height: 2, bodyMass: 3, heartRate: 5, steps: 7, sleep: 63 } as const;

export interface HealthSampleDef {
  readonly type: number;
  readonly start: number;
  readonly end: number;
  /** Quantity in HealthKit's canonical unit (count, count/s, kg, m); undefined for category samples. */
  readonly quantity?: number;
  readonly category?: number;
}

export function healthSamples(ctx: WorldContext): HealthSampleDef[] {
  const rng = new Rng(ctx.seed, 'health');
  const total = ctx.plan.healthSamples;
  const out: HealthSampleDef[] = [{ type: HEALTH_TYPES.height, start: ctx.now - 400 * DAY, end: ctx.now - 400 * DAY, quantity: 1.65 + rng.float() * 0.25 }];
  for (let i = 1; i < total; i++) {
    const t = ctx.now - ((total - i) * 120 * DAY) / total;
    const u = rng.float();
    if (u < 0.5) out.push({ type: HEALTH_TYPES.steps, start: t, end: t + 10 * 60_000, quantity: 50 + rng.below(1500) });
    else if (u < 0.85) out.push({ type: HEALTH_TYPES.heartRate, start: t, end: t, quantity: (55 + rng.below(60)) / 60 });
    else if (u < 0.97) out.push({ type: HEALTH_TYPES.sleep, start: t, end: t + (1 + rng.below(4)) * HOUR, category: 1 + rng.below(4) });
    else out.push({ type: HEALTH_TYPES.bodyMass, start: t, end: t, quantity: 60 + rng.float() * 25 });
  }
  return out;
}

export interface KeychainCounts {
  readonly genp: number;
  readonly inet: number;
  readonly cert: number;
  readonly keys: number;
}

export function keychainCounts(ctx: WorldContext): KeychainCounts {
  const n = ctx.plan.keychainItems;
  const inet = Math.round(n * 0.3);
  const cert = Math.max(1, Math.round(n * 0.05));
  const keys = Math.max(1, Math.round(n * 0.05));
  return { genp: Math.max(0, n - inet - cert - keys), inet, cert, keys };
}

export interface WifiNetworkDef {
  readonly ssid: string;
  readonly bssid: string;
  readonly added: number;
  readonly lastJoined: number;
}

export function wifiNetworks(ctx: WorldContext): WifiNetworkDef[] {
  const rng = new Rng(ctx.seed, 'wifi');
  const start = ctx.key % WIFI_SSIDS.length;
  const out: WifiNetworkDef[] = [];
  for (let i = 0; i < ctx.plan.wifiNetworks; i++) {
    const ssid = WIFI_SSIDS[(start + i) % WIFI_SSIDS.length] ?? `Network ${i}`;
    const mac = [(rng.below(64) << 2) | 2, ...Array.from({ length: 5 }, () => rng.below(256))].map((b) => b.toString(16).padStart(2, '0')).join(':');
    const added = ctx.now - (30 + rng.below(900)) * DAY;
    out.push({ ssid, bssid: mac, added, lastJoined: Math.min(ctx.now, added + rng.below(300) * DAY) });
  }
  return out;
}
