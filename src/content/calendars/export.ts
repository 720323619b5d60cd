/**
 * Export of Calendars: <calendar name>.ics per calendar (events streamed into the file of their
 * calendar; a phone has a handful of calendars, so a handful of files stay open) and events.csv.
 */
import { join } from 'node:path';
import { CsvWriter } from '../common/csv.js';
import type { ExportMeter } from '../common/progress.js';
import { safeName, UniqueNames } from '../common/safe-path.js';
import { TextSink } from '../common/sink.js';
import type { ContentSource } from '../source.js';
import { ICS_FOOTER, icsHeader, vevent } from './ics.js';
import { CalendarReader } from './reader.js';

export const CALENDAR_FORMATS = ['ics', 'csv'] as const;
export type CalendarFormat = (typeof CALENDAR_FORMATS)[number];

/** More calendars than this share one "Other calendars.ics" (bounds open files on a hostile backup). */
const MAX_OPEN_CALENDARS = 64;

export async function exportCalendars(source: ContentSource, out: string, formats: ReadonlySet<CalendarFormat>, meter: ExportMeter): Promise<{ events: number; calendars: string[] } | undefined> {
  const reader = await CalendarReader.open(source);
  if (!reader) return undefined;
  const files = new Map<string, TextSink>();
  const names = new UniqueNames();
  const csv = formats.has('csv') ? await CsvWriter.create(join(out, 'events.csv'), ['calendar', 'title', 'start', 'end', 'all_day', 'location', 'notes']) : undefined;
  const stamp = new Date();
  let events = 0;
  try {
    for (const e of reader.events()) {
      if (formats.has('ics')) {
        const key = files.has(e.calendar) || files.size < MAX_OPEN_CALENDARS ? e.calendar : 'Other calendars';
        let sink = files.get(key);
        if (!sink) {
          sink = await TextSink.open(join(out, names.take(`${safeName(key, 'Calendar')}.ics`)));
          files.set(key, sink);
          await sink.write(icsHeader(key));
        }
        await sink.write(vevent(e, stamp));
      }
      await csv?.row([e.calendar, e.title, e.start, e.end, e.allDay, e.location, e.notes]);
      events++;
      meter.add(1);
    }
    for (const sink of files.values()) {
      await sink.write(ICS_FOOTER);
      await sink.close();
    }
    await csv?.close();
  } catch (error) {
    for (const sink of files.values()) sink.destroy();
    csv?.destroy();
    throw error;
  }
  return { events, calendars: [...files.keys()] };
}
