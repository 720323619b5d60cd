/**
 * Contacts from HomeDomain Library/AddressBook/AddressBook.sqlitedb (+ AddressBookImages.sqlitedb).
 *
 * Nouns: a *person* is an ABPerson row; its phones, e-mails, URLs and addresses are ABMultiValue rows
 * (property 3 phone, 4 e-mail, 5 address, 22 URL) whose `label` points at ABMultiValueLabel.ROWID —
 * labels look like "_$!<Mobile>!$_" and are shown as "Mobile"; address parts are ABMultiValueEntry rows
 * keyed through ABMultiValueEntryKey. Photos are JPEGs in ABFullSizeImage (or ABThumbnailImage) by
 * record_id. Birthday is Apple seconds stored as text. Schema facts: iLEAPP addressBook.py, MVT
 * contacts.py; people are read one at a time (iterate), images only when asked for.
 */
import type { ContentSource, Db } from '../source.js';
import { columnsOf, schemaError, tableExists } from '../source.js';
import { fromAppleSeconds } from '../common/dates.js';

export const ADDRESSBOOK = { domain: 'HomeDomain', path: 'Library/AddressBook/AddressBook.sqlitedb' } as const;
export const ADDRESSBOOK_IMAGES = { domain: 'HomeDomain', path: 'Library/AddressBook/AddressBookImages.sqlitedb' } as const;

const PHONE = 3;
const EMAIL = 4;
const ADDRESS = 5;
const URL_PROPERTY = 22;
/** A contact photo larger than this is skipped (real ones are tens to hundreds of KB). */
const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

export interface LabeledValue {
  readonly label?: string;
  readonly value: string;
}

export interface PostalAddress {
  readonly label?: string;
  readonly street?: string;
  readonly city?: string;
  readonly state?: string;
  readonly postalCode?: string;
  readonly country?: string;
}

export interface Contact {
  readonly id: number;
  readonly first?: string;
  readonly middle?: string;
  readonly last?: string;
  readonly prefix?: string;
  readonly suffix?: string;
  readonly nickname?: string;
  readonly organization?: string;
  readonly department?: string;
  readonly jobTitle?: string;
  readonly note?: string;
  readonly birthday?: Date;
  readonly created?: Date;
  readonly modified?: Date;
  readonly phones: readonly LabeledValue[];
  readonly emails: readonly LabeledValue[];
  readonly urls: readonly LabeledValue[];
  readonly addresses: readonly PostalAddress[];
}

/** "_$!<Mobile>!$_" → "Mobile"; custom labels stay as typed. */
export function cleanLabel(label: string | null | undefined): string | undefined {
  if (!label) return undefined;
  const m = /^_\$!<(.*)>!\$_$/.exec(label);
  return m ? m[1] : label;
}

export function displayName(c: Pick<Contact, 'first' | 'middle' | 'last' | 'organization' | 'nickname'>, fallback = 'No name'): string {
  const name = [c.first, c.middle, c.last].filter((s) => s).join(' ');
  return name || c.organization || c.nickname || fallback;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export class ContactsReader {
  private constructor(
    private readonly db: Db,
    private readonly images: Db | undefined,
  ) {}

  static async open(source: ContentSource): Promise<ContactsReader | undefined> {
    const db = await source.database(ADDRESSBOOK.domain, ADDRESSBOOK.path);
    if (db === undefined || !tableExists(db, 'ABPerson')) return undefined;
    return new ContactsReader(db, await source.database(ADDRESSBOOK_IMAGES.domain, ADDRESSBOOK_IMAGES.path).catch(() => undefined));
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM ABPerson').get() as { n: number }).n;
  }

  *contacts(): Generator<Contact> {
    const cols = columnsOf(this.db, 'ABPerson');
    const pick = (name: string): string => (cols.has(name) ? name : `NULL AS ${name}`);
    const fields = ['First', 'Middle', 'Last', 'Prefix', 'Suffix', 'Nickname', 'Organization', 'Department', 'JobTitle', 'Note', 'Birthday', 'CreationDate', 'ModificationDate'];
    let people;
    let values;
    let parts;
    try {
      people = this.db.prepare(`SELECT ROWID AS id, ${fields.map(pick).join(', ')} FROM ABPerson ORDER BY ROWID`);
      values = this.db.prepare(
        `SELECT v.UID AS uid, v.property, v.value, l.value AS label FROM ABMultiValue v LEFT JOIN ABMultiValueLabel l ON l.ROWID = v.label
         WHERE v.record_id = ? ORDER BY v.property, v.identifier, v.UID`,
      );
      parts = tableExists(this.db, 'ABMultiValueEntry')
        ? this.db.prepare('SELECT k.value AS key, e.value FROM ABMultiValueEntry e JOIN ABMultiValueEntryKey k ON k.ROWID = e.key WHERE e.parent_id = ?')
        : undefined;
    } catch (error) {
      throw schemaError('AddressBook.sqlitedb', error);
    }
    for (const row of people.iterate() as Iterable<Record<string, unknown>>) {
      const id = Number(row['id']);
      const phones: LabeledValue[] = [];
      const emails: LabeledValue[] = [];
      const urls: LabeledValue[] = [];
      const addresses: PostalAddress[] = [];
      for (const v of values.all(id) as { uid: number; property: number; value: unknown; label: string | null }[]) {
        const label = cleanLabel(v.label);
        const value = str(v.value);
        const labeled = (list: LabeledValue[]): void => {
          if (value) list.push(label ? { label, value } : { value });
        };
        if (v.property === PHONE) labeled(phones);
        else if (v.property === EMAIL) labeled(emails);
        else if (v.property === URL_PROPERTY) labeled(urls);
        else if (v.property === ADDRESS && parts) {
          const p = new Map((parts.all(v.uid) as { key: string; value: string }[]).map((e) => [e.key, e.value]));
          addresses.push({ ...(label ? { label } : {}), street: p.get('Street'), city: p.get('City'), state: p.get('State'), postalCode: p.get('ZIP'), country: p.get('Country') });
        }
      }
      const birthday = fromAppleSeconds(row['Birthday']);
      yield {
        id,
        first: str(row['First']),
        middle: str(row['Middle']),
        last: str(row['Last']),
        prefix: str(row['Prefix']),
        suffix: str(row['Suffix']),
        nickname: str(row['Nickname']),
        organization: str(row['Organization']),
        department: str(row['Department']),
        jobTitle: str(row['JobTitle']),
        note: str(row['Note']),
        ...(birthday ? { birthday } : {}),
        created: fromAppleSeconds(row['CreationDate']),
        modified: fromAppleSeconds(row['ModificationDate']),
        phones,
        emails,
        urls,
        addresses,
      };
    }
  }

  /** The person's photo (full size when there is one, else the thumbnail); JPEG bytes. */
  image(id: number): Buffer | undefined {
    if (!this.images) return undefined;
    for (const table of ['ABFullSizeImage', 'ABThumbnailImage']) {
      if (!tableExists(this.images, table)) continue;
      const row = this.images.prepare(`SELECT data FROM ${table} WHERE record_id = ? AND length(data) <= ? LIMIT 1`).get(id, MAX_IMAGE_BYTES) as { data: unknown } | undefined;
      if (row && Buffer.isBuffer(row.data) && row.data.length > 0) return row.data;
    }
    return undefined;
  }
}

/** Digits a phone number is matched on: the last 10, so "+1 (206) 555-0123" = "2065550123". */
export function phoneKey(value: string): string {
  return value.replace(/\D/g, '').slice(-10);
}

/** handle id (phone or e-mail) → display name, for labelling messages and calls. */
export async function contactNames(source: ContentSource): Promise<(handle: string) => string | undefined> {
  const reader = await ContactsReader.open(source).catch(() => undefined);
  const names = new Map<string, string>();
  if (reader) {
    for (const c of reader.contacts()) {
      const name = displayName(c, '');
      if (!name) continue;
      for (const p of c.phones) if (phoneKey(p.value).length >= 7) names.set(`tel:${phoneKey(p.value)}`, name);
      for (const e of c.emails) names.set(`mail:${e.value.toLowerCase()}`, name);
    }
  }
  return (handle) => (handle.includes('@') ? names.get(`mail:${handle.toLowerCase()}`) : names.get(`tel:${phoneKey(handle)}`));
}
