/**
 * HomeDomain Library/Calendar/Calendar.sqlitedb — Calendar.
 *
 * Schema: the iOS tables Store, Calendar, CalendarItem, Location, Participant, Identity, Alarm,
 * Recurrence, ExceptionDate with the column lists of a real iOS 11.2 store (richinfante/iphonebackuptools
 * schemas/calendars/calendars_11.2.sql; newer iOS adds columns, never removes these). CalendarItem rows
 * with entity_type 2 are events; start_date/end_date/creation_date/last_modified are seconds since 2001
 * (REAL); start_tz is the IANA zone, "_float" for all-day events; location_id → Location.ROWID;
 * calendar_id → Calendar.ROWID (MVT calendar.py and iLEAPP calendarAll.py query these).
 */
import { Rng } from '../prng.js';
import { appleSeconds } from '../time.js';
import type { WorldContext } from '../world/context.js';
import { calendarEvents } from '../world/misc.js';
import { build } from './sqlite.js';

const CALENDAR_ITEM_COLUMNS = [
  'summary TEXT', 'location_id INTEGER', 'client_location_id INTEGER', 'description TEXT', 'start_date REAL', 'start_tz TEXT', 'end_date REAL',
  'end_tz TEXT', 'all_day INTEGER', 'calendar_id INTEGER', 'orig_item_id INTEGER', 'orig_date REAL', 'organizer_id INTEGER', 'self_attendee_id INTEGER',
  'status INTEGER', 'invitation_status INTEGER', 'availability INTEGER', 'privacy_level INTEGER', 'url TEXT', 'last_modified REAL', 'sequence_num INTEGER',
  'birthday_id INTEGER', 'modified_properties INTEGER', 'external_tracking_status INTEGER', 'external_id TEXT', 'external_mod_tag TEXT',
  'unique_identifier TEXT', 'external_schedule_id TEXT', 'external_rep BLOB', 'response_comment TEXT', 'last_synced_response_comment TEXT',
  'hidden INTEGER', 'has_recurrences INTEGER', 'has_attendees INTEGER', 'UUID TEXT', 'entity_type INTEGER', 'priority INTEGER', 'due_date REAL',
  'due_tz TEXT', 'due_all_day INTEGER', 'completion_date REAL', 'creation_date REAL', 'action TEXT', 'app_link BLOB', 'display_order INTEGER',
  'created_by_id INTEGER', 'modified_by_id INTEGER', 'shared_item_created_date REAL', 'shared_item_created_tz TEXT', 'shared_item_modified_date REAL',
  'shared_item_modified_tz TEXT', 'invitation_changed_properties INTEGER', 'default_alarm_removed INTEGER', 'phantom_master INTEGER',
  'participation_status_modified_date REAL', 'calendar_scale TEXT', 'travel_time INTEGER', 'travel_advisory_behavior INTEGER', 'start_location_id INTEGER',
  'suggested_event_info_id INTEGER', 'first_alert_date REAL', 'proposed_start_date REAL', 'can_forward INTEGER', 'location_prediction_state INTEGER',
  'fired_ttl INTEGER', 'disallow_propose_new_time INTEGER', 'structured_data BLOB', 'local_structured_data BLOB', 'junk_status INTEGER',
  'conference_url TEXT',
];

export const CALENDAR_SCHEMA = `
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE Store (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, default_alarm_offset INTEGER, type INTEGER, constraint_path TEXT, disabled INTEGER, external_id TEXT, persistent_id TEXT, flags INTEGER, creator_bundle_id TEXT, creator_code_signing_identity TEXT, only_creator_can_modify INTEGER, external_mod_tag TEXT, preferred_event_private_value INTEGER, strictest_event_private_value INTEGER, last_sync_error INTEGER, last_sync_start REAL, last_sync_end REAL);
CREATE TABLE Calendar (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, store_id INTEGER, title TEXT, flags INTEGER, color TEXT, symbolic_color_name TEXT, color_is_display INTEGER, type TEXT, supported_entity_types INTEGER, external_id TEXT, external_mod_tag TEXT, external_id_tag TEXT, external_rep BLOB, display_order INTEGER, UUID TEXT, shared_owner_name TEXT, shared_owner_address TEXT, sharing_status INTEGER, sharing_invitation_response INTEGER, published_URL TEXT, is_published INTEGER, invitation_status INTEGER, sync_token TEXT, self_identity_id INTEGER, self_identity_email TEXT, self_identity_phone_number TEXT, owner_identity_id INTEGER, owner_identity_email TEXT, owner_identity_phone_number TEXT, notes TEXT, bulk_requests BLOB, subcal_account_id TEXT, push_key TEXT, digest BLOB);
CREATE TABLE CalendarItem (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, ${CALENDAR_ITEM_COLUMNS.join(', ')});
CREATE TABLE Location (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, address TEXT, latitude INTEGER, longitude INTEGER, reference_frame INTEGER, address_book_id TEXT, mapkit_handle BLOB, radius INTEGER, routing TEXT, derived_from TEXT, item_owner_id INTEGER, alarm_owner_id INTEGER);
CREATE TABLE Participant (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, entity_type INTEGER, type INTEGER, status INTEGER, pending_status INTEGER, role INTEGER, identity_id INTEGER, owner_id INTEGER, external_rep BLOB, UUID TEXT, email TEXT, phone_number TEXT, is_self INTEGER, comment TEXT, schedule_agent INTEGER, flags INTEGER, last_modified REAL, proposed_start_date REAL, invited_by TEXT, proposed_start_date_status INTEGER, comment_last_modified REAL);
CREATE TABLE Identity (display_name TEXT, address TEXT, first_name TEXT, last_name TEXT, UNIQUE (display_name, address, first_name, last_name));
CREATE TABLE Alarm (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, trigger_date REAL, trigger_interval INTEGER, type INTEGER, calendaritem_owner_id INTEGER, calendar_owner_id INTEGER, external_id TEXT, external_mod_tag TEXT, external_id_tag TEXT, external_rep BLOB, UUID TEXT, proximity INTEGER, disabled INTEGER, location_id INTEGER, acknowledgedDate REAL, default_alarm INTEGER, orig_alarm_id INTEGER);
CREATE TABLE Recurrence (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, frequency INTEGER, interval INTEGER, week_start INTEGER, count INTEGER, cached_end_date REAL, cached_end_date_tz TEXT, end_date REAL, specifier TEXT, by_month_months INTEGER, owner_id INTEGER, external_id TEXT, external_mod_tag TEXT, external_id_tag TEXT, external_rep BLOB, UUID TEXT);
CREATE TABLE ExceptionDate (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, date REAL, owner_id INTEGER);
CREATE INDEX CalendarItemCalendarId on CalendarItem(calendar_id);
CREATE INDEX CalendarItemStartDate on CalendarItem(start_date);
CREATE INDEX CalendarItemUUID on CalendarItem(UUID);
CREATE INDEX CalendarUUID on Calendar(UUID);
`;

export function buildCalendar(ctx: WorldContext, path: string): void {
  build(path, CALENDAR_SCHEMA, (db) => {
    const rng = new Rng(ctx.seed, 'calendar-db');
    db.prepare(`INSERT INTO Store (name, type, disabled, flags, persistent_id) VALUES ('Default', 0, 0, 0, ?)`).run(rng.uuid());
    db.prepare(`INSERT INTO Store (name, type, disabled, flags, persistent_id, external_id) VALUES ('iCloud', 2, 0, 0, ?, ?)`).run(rng.uuid(), rng.uuid());
    const calendar = db.prepare(`INSERT INTO Calendar (store_id, title, flags, color, symbolic_color_name, color_is_display, type, supported_entity_types,
      display_order, UUID, self_identity_email) VALUES (2, ?, 0, ?, ?, 0, 'caldav', 4, ?, ?, ?)`);
    const ids = {
      Home: Number(calendar.run('Home', '#1BADF8', 'blue', 0, rng.uuid(), ctx.owner.email).lastInsertRowid),
      Work: Number(calendar.run('Work', '#FF9500', 'orange', 1, rng.uuid(), ctx.owner.email).lastInsertRowid),
    };
    const location = db.prepare('INSERT INTO Location (title, address, item_owner_id) VALUES (?, ?, ?)');
    const setLocation = db.prepare('UPDATE CalendarItem SET location_id = ? WHERE ROWID = ?');
    const item = db.prepare(`INSERT INTO CalendarItem (summary, start_date, start_tz, end_date, end_tz, all_day, calendar_id, status, invitation_status,
      availability, privacy_level, last_modified, sequence_num, hidden, has_recurrences, has_attendees, UUID, unique_identifier, entity_type, priority,
      creation_date, default_alarm_removed, phantom_master, can_forward, junk_status) VALUES (@summary, @start, @tz, @end, @tz, @allDay, @calendar, 0, 0, 0, 0,
      @created, 0, 0, 0, 0, @uuid, @uid, 2, 0, @created, 0, 0, 1, 0)`);
    for (const e of calendarEvents(ctx)) {
      const row = item.run({
        summary: e.title,
        start: appleSeconds(e.start),
        end: appleSeconds(e.end),
        tz: e.allDay ? '_float' : ctx.clock.timeZone,
        allDay: e.allDay ? 1 : 0,
        calendar: ids[e.calendar],
        created: appleSeconds(e.created),
        uuid: e.uuid,
        uid: `${e.uuid.toLowerCase()}@icloud.example`,
      });
      if (e.location) {
        const loc = location.run(e.location, e.location, row.lastInsertRowid);
        setLocation.run(loc.lastInsertRowid, row.lastInsertRowid);
      }
    }
  });
}
