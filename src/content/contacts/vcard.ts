/**
 * vCard 3.0 (RFC 2426) and 4.0 (RFC 6350) from Contacts, one card per person, photos embedded.
 *
 * 3.0 writes PHOTO;ENCODING=b;TYPE=JPEG:<base64>, 4.0 writes PHOTO:data:image/jpeg;base64,<…>; labels
 * become TYPE parameters where vCard has one (cell, home, work, iphone → cell, main → voice) and stay in
 * an item label otherwise. All text is escaped and folded (common/folding.ts).
 */
import { escapeText, foldLine } from '../common/folding.js';
import { displayName, type Contact, type LabeledValue } from './reader.js';

export type VCardVersion = '3.0' | '4.0';

const TEL_TYPES: Readonly<Record<string, string>> = { mobile: 'cell', iphone: 'cell', home: 'home', work: 'work', main: 'voice', 'home fax': 'fax', 'work fax': 'fax', pager: 'pager' };
const EMAIL_TYPES: Readonly<Record<string, string>> = { home: 'home', work: 'work' };

function typeParam(value: LabeledValue, table: Readonly<Record<string, string>>, version: VCardVersion, extra?: string): string {
  const types = [extra, value.label ? table[value.label.toLowerCase()] : undefined].filter((t): t is string => t !== undefined);
  if (types.length === 0) return '';
  return version === '3.0' ? `;TYPE=${types.map((t) => t.toUpperCase()).join(',')}` : `;TYPE=${types.length === 1 ? types[0] : `"${types.join(',')}"`}`;
}

function ymd(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function vcard(c: Contact, version: VCardVersion, photo?: Buffer): string {
  const lines: string[] = ['BEGIN:VCARD', `VERSION:${version}`];
  const e = escapeText;
  lines.push(`FN:${e(displayName(c))}`);
  lines.push(`N:${[c.last, c.first, c.middle, c.prefix, c.suffix].map((p) => e(p ?? '')).join(';')}`);
  if (c.nickname) lines.push(`NICKNAME:${e(c.nickname)}`);
  if (c.organization || c.department) lines.push(`ORG:${e(c.organization ?? '')}${c.department ? `;${e(c.department)}` : ''}`);
  if (c.jobTitle) lines.push(`TITLE:${e(c.jobTitle)}`);
  if (c.birthday) lines.push(`BDAY:${version === '3.0' ? ymd(c.birthday) : ymd(c.birthday).replace(/-/g, '')}`);
  if (version === '4.0' && !c.first && !c.last && c.organization) lines.push('KIND:org');
  for (const p of c.phones) lines.push(`TEL${typeParam(p, TEL_TYPES, version, version === '3.0' ? 'voice' : undefined)}:${e(p.value)}`);
  for (const m of c.emails) lines.push(`EMAIL${typeParam(m, EMAIL_TYPES, version, version === '3.0' ? 'internet' : undefined)}:${e(m.value)}`);
  for (const u of c.urls) lines.push(`URL:${e(u.value)}`);
  for (const a of c.addresses) {
    const type = a.label && EMAIL_TYPES[a.label.toLowerCase()] ? (version === '3.0' ? `;TYPE=${a.label.toUpperCase()}` : `;TYPE=${a.label.toLowerCase()}`) : '';
    lines.push(`ADR${type}:;;${[a.street, a.city, a.state, a.postalCode, a.country].map((p) => e(p ?? '')).join(';')}`);
  }
  if (c.note) lines.push(`NOTE:${e(c.note)}`);
  if (photo && photo.length > 0) {
    lines.push(version === '3.0' ? `PHOTO;ENCODING=b;TYPE=JPEG:${photo.toString('base64')}` : `PHOTO:data:image/jpeg;base64,${photo.toString('base64')}`);
  }
  if (c.modified) lines.push(`REV:${c.modified.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`);
  lines.push('END:VCARD');
  return lines.map(foldLine).join('');
}
