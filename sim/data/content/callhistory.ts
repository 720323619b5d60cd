/**
 * HomeDomain Library/CallHistoryDB/CallHistory.storedata — the Phone app's recents (a Core Data store).
 *
 * Schema: ZCALLRECORD with the iOS 11.2 columns (richinfante/iphonebackuptools
 * schemas/calls/calls_11.2.sql) plus later additions (ZJUNKCONFIDENCE, ZHASMESSAGE, ZPARTICIPANT_GROUP_UUID
 * …), ZCALLDBPROPERTIES, ZHANDLE, Z_PRIMARYKEY, Z_METADATA. ZDATE is seconds since 2001, ZDURATION
 * seconds (float), ZORIGINATED 1 = outgoing, ZANSWERED 1 = answered, ZCALLTYPE 1 phone / 8 FaceTime
 * video / 16 FaceTime audio, ZADDRESS the number — stored as a BLOB of UTF-8 bytes, as MVT calls.py
 * expects (it decodes bytes) and iLEAPP callHistory.py selects (MVT and iLEAPP read these columns).
 */
import { pointUuid } from '../prng.js';
import { appleSeconds } from '../time.js';
import type { WorldContext } from '../world/context.js';
import { calls } from '../world/misc.js';
import { build, CORE_DATA_TABLES, coreDataMetadata, coreDataTable } from './sqlite.js';

export const CALLHISTORY_SCHEMA =
  coreDataTable('ZCALLDBPROPERTIES', ['Z_PK INTEGER PRIMARY KEY', 'Z_ENT INTEGER', 'Z_OPT INTEGER', 'ZTIMER_ALL FLOAT', 'ZTIMER_INCOMING FLOAT', 'ZTIMER_LAST FLOAT', 'ZTIMER_LIFETIME FLOAT', 'ZTIMER_OUTGOING FLOAT']) +
  coreDataTable('ZCALLRECORD', [
    'Z_PK INTEGER PRIMARY KEY', 'Z_ENT INTEGER', 'Z_OPT INTEGER', 'ZANSWERED INTEGER', 'ZCALL_CATEGORY INTEGER', 'ZCALLTYPE INTEGER',
    'ZDISCONNECTED_CAUSE INTEGER', 'ZFACE_TIME_DATA INTEGER', 'ZHANDLE_TYPE INTEGER', 'ZNUMBER_AVAILABILITY INTEGER', 'ZORIGINATED INTEGER',
    'ZREAD INTEGER', 'ZJUNKCONFIDENCE INTEGER', 'ZJUNKIDENTIFICATIONCATEGORY INTEGER', 'ZHASMESSAGE INTEGER', 'ZVERIFICATIONSTATUS INTEGER',
    'ZDATE TIMESTAMP', 'ZDURATION FLOAT', 'ZDEVICE_ID VARCHAR', 'ZISO_COUNTRY_CODE VARCHAR', 'ZLOCATION VARCHAR', 'ZNAME VARCHAR',
    'ZSERVICE_PROVIDER VARCHAR', 'ZUNIQUE_ID VARCHAR', 'ZPARTICIPANT_GROUP_UUID BLOB', 'ZLOCAL_PARTICIPANT_UUID BLOB',
    'ZOUTGOING_LOCAL_PARTICIPANT_UUID BLOB', 'ZADDRESS BLOB',
  ]) +
  coreDataTable('ZHANDLE', ['Z_PK INTEGER PRIMARY KEY', 'Z_ENT INTEGER', 'Z_OPT INTEGER', 'ZTYPE INTEGER', 'ZNORMALIZEDVALUE VARCHAR', 'ZVALUE VARCHAR']) +
  'CREATE TABLE Z_2REMOTEPARTICIPANTHANDLES ( Z_2REMOTEPARTICIPANTCALLS INTEGER, Z_4REMOTEPARTICIPANTHANDLES INTEGER, PRIMARY KEY (Z_2REMOTEPARTICIPANTCALLS, Z_4REMOTEPARTICIPANTHANDLES) );\n' +
  'CREATE INDEX Z_CallRecord_date ON ZCALLRECORD (ZDATE COLLATE BINARY ASC);\n' +
  CORE_DATA_TABLES;

const ENTITIES = [
  { ent: 1, name: 'CallDBProperties' },
  { ent: 2, name: 'CallRecord' },
  { ent: 3, name: 'EmergencyMediaItem' },
  { ent: 4, name: 'Handle' },
];

export function buildCallHistory(ctx: WorldContext, path: string): void {
  build(path, CALLHISTORY_SCHEMA, (db) => {
    const all = calls(ctx);
    const insert = db.prepare(`INSERT INTO ZCALLRECORD (Z_PK, Z_ENT, Z_OPT, ZANSWERED, ZCALL_CATEGORY, ZCALLTYPE, ZDISCONNECTED_CAUSE, ZFACE_TIME_DATA, ZHANDLE_TYPE,
      ZNUMBER_AVAILABILITY, ZORIGINATED, ZREAD, ZJUNKCONFIDENCE, ZJUNKIDENTIFICATIONCATEGORY, ZHASMESSAGE, ZVERIFICATIONSTATUS, ZDATE, ZDURATION, ZDEVICE_ID,
      ZISO_COUNTRY_CODE, ZLOCATION, ZNAME, ZSERVICE_PROVIDER, ZUNIQUE_ID, ZADDRESS) VALUES (?, 2, 1, ?, ?, ?, ?, NULL, 2, 0, ?, 1, 0, 0, 0, 0, ?, ?, NULL, 'us', ?, NULL, ?, ?, ?)`);
    const handle = db.prepare(`INSERT INTO ZHANDLE (Z_PK, Z_ENT, Z_OPT, ZTYPE, ZNORMALIZEDVALUE, ZVALUE) VALUES (?, 4, 1, 2, ?, ?)`);
    const link = db.prepare('INSERT INTO Z_2REMOTEPARTICIPANTHANDLES (Z_2REMOTEPARTICIPANTCALLS, Z_4REMOTEPARTICIPANTHANDLES) VALUES (?, ?)');
    const handles = new Map<string, number>();
    all.forEach((c, k) => {
      const pk = k + 1;
      const facetime = c.callType !== 1;
      insert.run(pk, c.answered ? 1 : 0, facetime ? 2 : 1, c.callType, c.answered ? 0 : 6, c.outgoing ? 1 : 0, appleSeconds(c.date), c.duration,
        c.address.startsWith('+1') ? 'United States' : 'Unknown', facetime ? 'com.apple.FaceTime' : 'com.apple.Telephony', c.uuid, Buffer.from(c.address, 'utf8'));
      let h = handles.get(c.address);
      if (h === undefined) {
        h = handles.size + 1;
        handles.set(c.address, h);
        handle.run(h, c.address, c.address);
      }
      link.run(pk, h);
    });
    db.prepare('INSERT INTO ZCALLDBPROPERTIES (Z_PK, Z_ENT, Z_OPT, ZTIMER_ALL, ZTIMER_INCOMING, ZTIMER_LAST, ZTIMER_LIFETIME, ZTIMER_OUTGOING) VALUES (1, 1, 1, ?, ?, ?, ?, ?)').run(
      all.reduce((s, c) => s + c.duration, 0),
      all.filter((c) => !c.outgoing).reduce((s, c) => s + c.duration, 0),
      all[all.length - 1]?.duration ?? 0,
      all.reduce((s, c) => s + c.duration, 0),
      all.filter((c) => c.outgoing).reduce((s, c) => s + c.duration, 0),
    );
    coreDataMetadata(db, ENTITIES, pointUuid(ctx.key, 1, 620), (ent) => (ent === 1 ? 1 : ent === 2 ? all.length : ent === 4 ? handles.size : 0));
  });
}
