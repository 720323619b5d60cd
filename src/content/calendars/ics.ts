/**
 * iCalendar (RFC 5545) from calendar events: one VCALENDAR per calendar, one VEVENT per event. Timed
 * events are written in UTC (DTSTART:…Z), all-day events as DATE values; text is escaped and folded.
 */
import { escapeText, foldLine } from '../common/folding.js';
import type { CalendarEvent } from './reader.js';

export function icsStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function icsDate(date: Date): string {
  return date.toISOString().slice(0, 10).replace(/-/g, '');
}

export function icsHeader(calendarName: string): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Lifeboat//iPhone backup export//EN', 'CALSCALE:GREGORIAN', `X-WR-CALNAME:${escapeText(calendarName)}`].map(foldLine).join('');
}

export const ICS_FOOTER = 'END:VCALENDAR\r\n';

export function vevent(e: CalendarEvent, stamp: Date): string {
  const lines = ['BEGIN:VEVENT', `UID:${escapeText(e.uid)}`, `DTSTAMP:${icsStamp(stamp)}`];
  if (e.start) lines.push(e.allDay ? `DTSTART;VALUE=DATE:${icsDate(e.start)}` : `DTSTART:${icsStamp(e.start)}`);
  if (e.end && e.start && e.end.getTime() > e.start.getTime()) lines.push(e.allDay ? `DTEND;VALUE=DATE:${icsDate(e.end)}` : `DTEND:${icsStamp(e.end)}`);
  lines.push(`SUMMARY:${escapeText(e.title)}`);
  if (e.location) lines.push(`LOCATION:${escapeText(e.location)}`);
  if (e.notes) lines.push(`DESCRIPTION:${escapeText(e.notes)}`);
  if (e.url && /^https?:\/\//i.test(e.url)) lines.push(`URL:${e.url.replace(/[\r\n]/g, '')}`);
  if (e.created) lines.push(`CREATED:${icsStamp(e.created)}`);
  if (e.modified) lines.push(`LAST-MODIFIED:${icsStamp(e.modified)}`);
  lines.push('END:VEVENT');
  return lines.map(foldLine).join('');
}
