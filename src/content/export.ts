/**
 * `lifeboat export`: exports the chosen data types of one backup, each into its own folder under the
 * output root (messages/, photos/, contacts/ …), with progress events.
 *
 * Nouns: a *data type* is one of DATA_TYPES; its *formats* are what it can be written as (messages:
 * html, csv, json; contacts: vcf, vcf4, csv; …; photos are always the original files). A format list
 * given by the user applies to every type that supports one of them; a type that supports none is a
 * usage error rather than a silent skip. A type the backup does not hold is reported, not an error.
 */
import { rmdir } from 'node:fs/promises';
import { exportApps, APP_FORMATS } from './apps/apps.js';
import { exportCalendars, CALENDAR_FORMATS } from './calendars/export.js';
import { exportCalls } from './calls/calls.js';
import { ExportMeter, type ExportListener } from './common/progress.js';
import { mkdirInside, prepareOutputRoot } from './common/safe-path.js';
import { CONTACT_FORMATS, exportContacts } from './contacts/export.js';
import { exportDevice } from './device/device.js';
import { ContentError } from './errors.js';
import { exportHealth } from './health/health.js';
import { exportMessages, MESSAGE_FORMATS } from './messages/export.js';
import { exportNotes, NOTE_FORMATS } from './notes/export.js';
import { exportPhotos } from './photos/export.js';
import { exportSafari, SAFARI_FORMATS } from './safari/export.js';
import type { ContentSource } from './source.js';
import { exportWifi, WIFI_FORMATS } from './wifi/wifi.js';

export const DATA_TYPES = ['messages', 'photos', 'contacts', 'calendars', 'notes', 'calls', 'safari', 'health', 'wifi', 'apps', 'device'] as const;
export type DataType = (typeof DATA_TYPES)[number];

export const FORMATS: Readonly<Record<DataType, readonly string[]>> = {
  messages: MESSAGE_FORMATS,
  photos: ['original'],
  contacts: CONTACT_FORMATS,
  calendars: CALENDAR_FORMATS,
  notes: NOTE_FORMATS,
  calls: ['csv'],
  safari: SAFARI_FORMATS,
  health: ['csv'],
  wifi: WIFI_FORMATS,
  apps: APP_FORMATS,
  device: ['json'],
};

export interface ExportOptions {
  readonly what: readonly DataType[];
  /** Formats asked for; undefined = every format of each type. */
  readonly formats?: readonly string[];
  readonly out: string;
  readonly onEvent?: ExportListener;
}

export interface TypeResult {
  readonly type: DataType;
  readonly exported: boolean;
  /** Why nothing was exported (the backup does not hold it). */
  readonly reason?: string;
  readonly folder?: string;
  readonly formats: readonly string[];
  readonly counts?: Readonly<Record<string, unknown>>;
}

export function parseDataTypes(text: string): DataType[] {
  const list = text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const all = list.includes('all') ? [...DATA_TYPES] : list;
  for (const t of all) if (!(DATA_TYPES as readonly string[]).includes(t)) throw new ContentError('CONTENT_UNAVAILABLE', `unknown data type "${t}"; choose from ${DATA_TYPES.join(', ')} (or all)`);
  return [...new Set(all as DataType[])];
}

/** The formats of `type` to write; throws when the user asked only for formats it does not have. */
export function formatsFor(type: DataType, requested: readonly string[] | undefined): string[] {
  const supported = FORMATS[type];
  if (requested === undefined || supported.length === 1) return [...supported];
  const chosen = supported.filter((f) => requested.includes(f));
  if (chosen.length === 0) throw new ContentError('CONTENT_UNAVAILABLE', `${type} can be exported as ${supported.join(', ')}, not ${requested.join(', ')}`);
  return chosen;
}

export async function exportContent(source: ContentSource, options: ExportOptions): Promise<TypeResult[]> {
  const plan = options.what.map((type) => ({ type, formats: formatsFor(type, options.formats) }));
  await prepareOutputRoot(options.out);
  const results: TypeResult[] = [];
  for (const { type, formats } of plan) {
    options.onEvent?.({ type: 'step', step: type, message: `Exporting ${type}` });
    const folder = await mkdirInside(options.out, [type]);
    const meter = new ExportMeter(options.onEvent, type, undefined);
    const set = new Set(formats);
    const counts = await exportOne(source, type, folder, set, meter);
    meter.emit(true);
    if (counts === undefined) {
      const reason = type === 'health' && !source.encrypted ? 'Health is only in encrypted backups' : `this backup holds no ${type}`;
      await rmdir(folder).catch(() => undefined); // only removes it while still empty
      results.push({ type, exported: false, reason, formats });
    } else results.push({ type, exported: true, folder, formats, counts });
  }
  return results;
}

async function exportOne(source: ContentSource, type: DataType, out: string, formats: Set<string>, meter: ExportMeter): Promise<Record<string, unknown> | undefined> {
  const f = formats as Set<never>;
  switch (type) {
    case 'messages':
      return exportMessages(source, out, f, meter) as Promise<Record<string, unknown> | undefined>;
    case 'photos':
      return exportPhotos(source, out, meter) as Promise<Record<string, unknown> | undefined>;
    case 'contacts':
      return exportContacts(source, out, f, meter);
    case 'calendars':
      return exportCalendars(source, out, f, meter);
    case 'notes':
      return exportNotes(source, out, f, meter);
    case 'calls':
      return exportCalls(source, out, meter);
    case 'safari':
      return exportSafari(source, out, f, meter);
    case 'health':
      return exportHealth(source, out, meter);
    case 'wifi':
      return exportWifi(source, out, f, meter);
    case 'apps':
      return exportApps(source, out, f, meter);
    case 'device':
      return { ...(await exportDevice(source, out)) };
  }
}
