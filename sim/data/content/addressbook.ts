/**
 * HomeDomain Library/AddressBook/AddressBook.sqlitedb and AddressBookImages.sqlitedb — Contacts.
 *
 * Schema: ABPerson with the column set of iOS 12+ (First, Last, Middle, FirstPhonetic, …, Organization,
 * Department, Note, Kind, Birthday, JobTitle, Nickname, Prefix, Suffix, FirstSort, LastSort,
 * CreationDate, ModificationDate, CompositeNameFallback, External*, StoreID, DisplayName,
 * FirstSortSection, LastSortSection, *SortLanguageIndex, PersonLink, ImageURI, IsPreferredName, guid,
 * PhonemeData — as listed by public AddressBook converters and queried by iLEAPP addressBook.py);
 * ABMultiValue(UID, record_id, property, identifier, label, value, guid) with property 3 phone, 4 e-mail,
 * 5 address; ABMultiValueLabel(value) joined on its ROWID; ABMultiValueEntry/-Key for address parts;
 * ABGroup, ABGroupMembers, ABStore. Images: ABThumbnailImage(record_id, format, data) and
 * ABFullSizeImage(record_id, data) holding JPEGs. Dates are seconds since 2001 (CreationDate INTEGER,
 * Birthday a decimal string, as iOS stores them). DEFAULT (ab_generate_guid()) is left out: that SQL
 * function only exists inside Contacts.
 */
import { exifTiff } from '../formats/tiff.js';
import { jpegImage } from '../formats/jpeg.js';
import { pointUuid } from '../prng.js';
import { appleSeconds } from '../time.js';
import type { WorldContext } from '../world/context.js';
import { contacts, displayName, LABEL_HOME, LABEL_IPHONE, LABEL_MOBILE, LABEL_WORK, type Contact } from '../world/people.js';
import { build, type Db } from './sqlite.js';

export const ADDRESSBOOK_SCHEMA = `
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Middle TEXT, FirstPhonetic TEXT, MiddlePhonetic TEXT, LastPhonetic TEXT, Organization TEXT, Department TEXT, Note TEXT, Kind INTEGER, Birthday TEXT, JobTitle TEXT, Nickname TEXT, Prefix TEXT, Suffix TEXT, FirstSort TEXT, LastSort TEXT, CreationDate INTEGER, ModificationDate INTEGER, CompositeNameFallback TEXT, ExternalIdentifier TEXT, ExternalModificationTag TEXT, ExternalUUID TEXT, StoreID INTEGER, DisplayName TEXT, ExternalRepresentation BLOB, FirstSortSection TEXT, LastSortSection TEXT, FirstSortLanguageIndex INTEGER DEFAULT 2147483647, LastSortLanguageIndex INTEGER DEFAULT 2147483647, PersonLink INTEGER DEFAULT -1, ImageURI TEXT, IsPreferredName INTEGER DEFAULT 1, guid TEXT, PhonemeData TEXT, AlternateBirthday TEXT, MapsData TEXT, FirstPronunciation TEXT, MiddlePronunciation TEXT, LastPronunciation TEXT, OrganizationPhonetic TEXT, OrganizationPronunciation TEXT, PreviousFamilyName TEXT, PreferredLikenessSource TEXT, PreferredPersonaIdentifier TEXT, PreferredChannel TEXT, DowntimeWhitelist TEXT, ImageType TEXT, ImageHash BLOB, MemojiMetadata BLOB, WallpaperURI TEXT, UNIQUE(guid));
CREATE TABLE ABStore (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT, Type INTEGER, ConstraintsPath TEXT, ExternalModificationTag TEXT, ExternalSyncTag TEXT, AccountID INTEGER, Enabled INTEGER, SyncData BLOB, MeIdentifier INTEGER, Capabilities INTEGER, LastSyncDate INTEGER, guid TEXT, UNIQUE(guid));
CREATE TABLE ABAccount (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, AccountIdentifier TEXT, DefaultSourceID INTEGER);
CREATE TABLE ABGroup (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT, StoreID INTEGER, ExternalModificationTag TEXT, ExternalRepresentation BLOB, ExternalUUID TEXT, guid TEXT, UNIQUE(guid));
CREATE TABLE ABGroupMembers (UID INTEGER PRIMARY KEY, group_id INTEGER, member_type INTEGER, member_id INTEGER, UNIQUE(group_id, member_type, member_id));
CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER, label INTEGER, value TEXT, guid TEXT, UNIQUE(guid));
CREATE TABLE ABMultiValueLabel (value TEXT, UNIQUE(value));
CREATE TABLE ABMultiValueEntry (parent_id INTEGER, key INTEGER, value TEXT, UNIQUE(parent_id, key));
CREATE TABLE ABMultiValueEntryKey (value TEXT, UNIQUE(value));
CREATE TABLE ABPersonChanges (record INTEGER, type INTEGER, Sequence_Number INTEGER, ExternalIdentifier TEXT, StoreID INTEGER, ImageChanged INTEGER, guid TEXT);
CREATE INDEX ABMultiValueRecordIDIndex ON ABMultiValue(record_id);
CREATE INDEX ABPersonStoreIDIndex ON ABPerson(StoreID);
CREATE INDEX ABMultiValueEntryParentIDIndex ON ABMultiValueEntry(parent_id);
`;

export const ADDRESSBOOK_IMAGES_SCHEMA = `
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE ABThumbnailImage (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, record_id INTEGER, format INTEGER, derived_from_format INTEGER, data BLOB, crop_x INTEGER, crop_y INTEGER, crop_width INTEGER, crop_height INTEGER, UNIQUE(record_id,format));
CREATE TABLE ABFullSizeImage (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, record_id INTEGER, crop_x INTEGER, crop_y INTEGER, crop_width INTEGER, crop_height INTEGER, data BLOB, UNIQUE(record_id));
`;

export const PROPERTY_PHONE = 3;
export const PROPERTY_EMAIL = 4;

/** A small JPEG portrait for contact images (thumbnail 120 px, full size 600 px). */
export function contactJpeg(ctx: WorldContext, c: Pick<Contact, 'created'>, size: number): Buffer {
  const local = ctx.clock.exif(c.created);
  return jpegImage(size, size, exifTiff({ make: 'Apple', model: ctx.identity.marketingName, software: ctx.iosVersion, dateTime: local.dateTime, offset: local.offset, subSec: '000', width: size, height: size }));
}

export class AddressBookWriter {
  private readonly insertPerson;
  private readonly insertValue;
  private readonly labelId;
  private readonly insertLabel;

  constructor(
    private readonly db: Db,
    private readonly ctx: WorldContext,
  ) {
    this.insertPerson = db.prepare(`INSERT INTO ABPerson (First, Last, Organization, Department, Note, Kind, Birthday, JobTitle, FirstSort, LastSort,
      CreationDate, ModificationDate, CompositeNameFallback, StoreID, DisplayName, FirstSortSection, LastSortSection, FirstSortLanguageIndex,
      LastSortLanguageIndex, PersonLink, IsPreferredName, guid, ImageURI) VALUES (@first, @last, @org, NULL, @note, @kind, @birthday, @job, @firstSort,
      @lastSort, @created, @modified, @composite, 1, '', @firstSection, @lastSection, 0, 0, -1, 1, @guid, @imageUri)`);
    this.insertValue = db.prepare('INSERT INTO ABMultiValue (record_id, property, identifier, label, value, guid) VALUES (?, ?, ?, ?, ?, ?)');
    this.labelId = db.prepare<[string], { id: number }>('SELECT ROWID AS id FROM ABMultiValueLabel WHERE value = ?');
    this.insertLabel = db.prepare('INSERT OR IGNORE INTO ABMultiValueLabel (value) VALUES (?)');
  }

  private label(value: string): number {
    this.insertLabel.run(value);
    return this.labelId.get(value)?.id ?? 0;
  }

  /** Inserts a contact; returns its ABPerson ROWID. `salt` keeps GUIDs unique across mutations. */
  add(c: Contact, salt = 0): number {
    const sortKey = (s?: string): string | null => (s ? s.toUpperCase() : null);
    const info = this.insertPerson.run({
      first: c.first ?? null,
      last: c.last ?? null,
      org: c.organization ?? null,
      note: c.note ?? null,
      kind: c.first || c.last ? 0 : 1,
      birthday: c.birthday === undefined ? null : String(appleSeconds(c.birthday)),
      job: c.jobTitle ?? null,
      firstSort: sortKey(c.first ?? c.organization),
      lastSort: sortKey(c.last ?? c.organization),
      created: Math.floor(appleSeconds(c.created)),
      modified: Math.floor(appleSeconds(c.modified)),
      composite: c.first || c.last ? null : (c.organization ?? null),
      firstSection: (c.first ?? c.organization ?? '#').charAt(0).toUpperCase(),
      lastSection: (c.last ?? c.organization ?? '#').charAt(0).toUpperCase(),
      guid: `${pointUuid(this.ctx.key, c.index, 610 + salt)}:ABPerson`,
      imageUri: c.hasImage ? `file:///var/mobile/Library/AddressBook/Images/${c.index}` : null,
    });
    const rowid = Number(info.lastInsertRowid);
    c.phones.forEach((p, k) => this.insertValue.run(rowid, PROPERTY_PHONE, k, this.label(p.label), formatPhone(p.e164), pointUuid(this.ctx.key, c.index * 16 + k, 611 + salt)));
    c.emails.forEach((e, k) => this.insertValue.run(rowid, PROPERTY_EMAIL, k, this.label(e.label), e.address, pointUuid(this.ctx.key, c.index * 16 + k, 612 + salt)));
    return rowid;
  }
}

/** Contacts shows and stores US numbers formatted. */
export function formatPhone(e164: string): string {
  const d = e164.replace(/^\+1/, '');
  return d.length === 10 ? `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}` : e164;
}

export function buildAddressBook(ctx: WorldContext, path: string): void {
  build(path, ADDRESSBOOK_SCHEMA, (db) => {
    db.prepare(`INSERT INTO ABStore (Name, Type, Enabled, MeIdentifier, guid) VALUES ('iCloud', 2, 1, -1, ?)`).run(pointUuid(ctx.key, 1, 613));
    for (const label of [LABEL_MOBILE, LABEL_IPHONE, LABEL_HOME, LABEL_WORK]) db.prepare('INSERT INTO ABMultiValueLabel (value) VALUES (?)').run(label);
    for (const key of ['Street', 'State', 'ZIP', 'City', 'CountryCode', 'Country']) db.prepare('INSERT INTO ABMultiValueEntryKey (value) VALUES (?)').run(key);
    const writer = new AddressBookWriter(db, ctx);
    const all = contacts(ctx);
    for (const c of all) writer.add(c);
    const group = db.prepare(`INSERT INTO ABGroup (Name, StoreID, guid) VALUES ('Family', 1, ?)`).run(pointUuid(ctx.key, 2, 613));
    const member = db.prepare('INSERT INTO ABGroupMembers (group_id, member_type, member_id) VALUES (?, 0, ?)');
    for (let i = 0; i < Math.min(4, all.length); i++) member.run(group.lastInsertRowid, i + 1);
    db.prepare(`INSERT INTO _SqliteDatabaseProperties (key, value) VALUES ('__ABDataBaseVersion', '1100')`).run();
  });
}

export function buildAddressBookImages(ctx: WorldContext, path: string): void {
  build(path, ADDRESSBOOK_IMAGES_SCHEMA, (db) => {
    const thumb = db.prepare('INSERT INTO ABThumbnailImage (record_id, format, derived_from_format, data, crop_x, crop_y, crop_width, crop_height) VALUES (?, 0, 0, ?, 0, 0, 120, 120)');
    const full = db.prepare('INSERT INTO ABFullSizeImage (record_id, crop_x, crop_y, crop_width, crop_height, data) VALUES (?, 0, 0, 600, 600, ?)');
    contacts(ctx).forEach((c, k) => {
      if (!c.hasImage) return;
      thumb.run(k + 1, contactJpeg(ctx, c, 120));
      full.run(k + 1, contactJpeg(ctx, c, 600));
    });
  });
}

export { displayName };
