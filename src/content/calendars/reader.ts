/**
 * Calendar events from HomeDomain Library/Calendar/Calendar.sqlitedb.
 *
 * Nouns: an *event* is a CalendarItem row with entity_type 2 (reminders are 3); start_date/end_date are
 * Apple seconds; all_day events are stored as floating dates (start_tz "_float") at UTC midnight;
 * calendar_id → Calendar (title), location_id → Location (title, address). Facts: MVT calendar.py,
 * iLEAPP calendarAll.py. Read with one iterator.
 */
import { fromAppleSeconds } from '../common/dates.js';
import { columnsOf, schemaError, tableExists, type ContentSource } from '../source.js';
import type { Db } from '../source.js';

export const CALENDAR_DB = { domain: 'HomeDomain', path: 'Library/Calendar/Calendar.sqlitedb' } as const;

export interface CalendarEvent {
  readonly id: number;
  readonly uid: string;
  readonly title: string;
  readonly calendar: string;
  readonly start?: Date;
  readonly end?: Date;
  readonly allDay: boolean;
  readonly timeZone?: string;
  readonly location?: string;
  readonly notes?: string;
  readonly url?: string;
  readonly created?: Date;
  readonly modified?: Date;
}

export class CalendarReader {
  private constructor(private readonly db: Db) {}

  static async open(source: ContentSource): Promise<CalendarReader | undefined> {
    const db = await source.database(CALENDAR_DB.domain, CALENDAR_DB.path);
    return db && tableExists(db, 'CalendarItem') ? new CalendarReader(db) : undefined;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM CalendarItem WHERE entity_type = 2 OR entity_type IS NULL').get() as { n: number }).n;
  }

  *events(): Generator<CalendarEvent> {
    const cols = columnsOf(this.db, 'CalendarItem');
    const opt = (name: string): string => (cols.has(name) ? `i.${name}` : `NULL AS ${name}`);
    const hasLocation = tableExists(this.db, 'Location');
    let statement;
    try {
      statement = this.db.prepare(
        `SELECT i.ROWID AS id, i.summary, i.start_date, i.end_date, i.all_day, ${opt('start_tz')}, ${opt('description')}, ${opt('url')}, ${opt('UUID')},
         ${opt('unique_identifier')}, ${opt('creation_date')}, ${opt('last_modified')}, c.title AS calendar
         ${hasLocation ? ', l.title AS location_title, l.address AS location_address' : ', NULL AS location_title, NULL AS location_address'}
         FROM CalendarItem i LEFT JOIN Calendar c ON c.ROWID = i.calendar_id ${hasLocation ? 'LEFT JOIN Location l ON l.ROWID = i.location_id' : ''}
         WHERE i.entity_type = 2 OR i.entity_type IS NULL ORDER BY i.start_date, i.ROWID`,
      );
    } catch (error) {
      throw schemaError('Calendar.sqlitedb', error);
    }
    for (const r of statement.iterate() as Iterable<Record<string, unknown>>) {
      const s = (k: string): string | undefined => (typeof r[k] === 'string' && r[k] !== '' ? (r[k] as string) : undefined);
      const location = s('location_title') ?? s('location_address');
      yield {
        id: Number(r['id']),
        uid: s('unique_identifier') ?? s('UUID') ?? `lifeboat-event-${String(r['id'])}`,
        title: s('summary') ?? '',
        calendar: s('calendar') ?? 'Calendar',
        start: fromAppleSeconds(r['start_date']),
        end: fromAppleSeconds(r['end_date']),
        allDay: Number(r['all_day'] ?? 0) === 1,
        ...(s('start_tz') && s('start_tz') !== '_float' ? { timeZone: s('start_tz') } : {}),
        ...(location ? { location } : {}),
        ...(s('description') ? { notes: s('description') } : {}),
        ...(s('url') ? { url: s('url') } : {}),
        created: fromAppleSeconds(r['creation_date']),
        modified: fromAppleSeconds(r['last_modified']),
      };
    }
  }
}
