/**
 * AppDomainGroup-group.com.apple.notes NoteStore.sqlite — Notes (a Core Data store), iOS 18 layout.
 *
 * Schema: accounts, folders and notes are rows of ZICCLOUDSYNCINGOBJECT told apart by Z_ENT; a note's
 * body is ZICNOTEDATA.ZDATA (gzip-compressed protobuf, formats/protobuf.ts) linked by ZICNOTEDATA.ZNOTE.
 * Columns follow what threeplanetssoftware/apple_cloud_notes_parser and iLEAPP notes.py read, with the
 * iOS 16+ placement: note → account in ZACCOUNT7, note creation date in ZCREATIONDATE3, modification
 * in ZMODIFICATIONDATE1, title ZTITLE1, folder title ZTITLE2, folder → account in ZOWNER. The parser's
 * version probe sees ZUNAPPLIEDENCRYPTEDRECORDDATA / ZGENERATION / ZACCOUNT6 and classifies the store as
 * iOS 18. Dates are seconds since 2001.
 */
import { noteData } from '../formats/protobuf.js';
import { Rng } from '../prng.js';
import { appleSeconds } from '../time.js';
import type { WorldContext } from '../world/context.js';
import { NOTE_FOLDERS, notes } from '../world/misc.js';
import { build, CORE_DATA_TABLES, coreDataMetadata, coreDataTable } from './sqlite.js';

const OBJECT_COLUMNS = [
  'Z_PK INTEGER PRIMARY KEY', 'Z_ENT INTEGER', 'Z_OPT INTEGER', 'ZCRYPTOITERATIONCOUNT INTEGER', 'ZISPASSWORDPROTECTED INTEGER', 'ZMARKEDFORDELETION INTEGER',
  'ZMINIMUMSUPPORTEDNOTESVERSION INTEGER', 'ZNEEDSINITIALFETCHFROMCLOUD INTEGER', 'ZNEEDSTOBEFETCHEDFROMCLOUD INTEGER', 'ZACCOUNTTYPE INTEGER',
  'ZFOLDERTYPE INTEGER', 'ZCUSTOMNOTESORTTYPEVALUE INTEGER', 'ZISPINNED INTEGER', 'ZHASCHECKLIST INTEGER', 'ZHASCHECKLISTINPROGRESS INTEGER',
  'ZHASEMPHASIS INTEGER', 'ZHASSYSTEMTEXTATTACHMENTS INTEGER', 'ZISSYSTEMPAPER INTEGER', 'ZNOTEHASCHANGES INTEGER', 'ZPAPERSTYLETYPE INTEGER',
  'ZACCOUNT2 INTEGER', 'ZACCOUNT3 INTEGER', 'ZACCOUNT4 INTEGER', 'ZACCOUNT5 INTEGER', 'ZACCOUNT6 INTEGER', 'ZACCOUNT7 INTEGER', 'ZACCOUNT8 INTEGER',
  'ZACCOUNTDATA INTEGER', 'ZFOLDER INTEGER', 'ZNOTE INTEGER', 'ZNOTEDATA INTEGER', 'ZOWNER INTEGER', 'ZPARENT INTEGER', 'ZMEDIA INTEGER',
  'ZATTACHMENT1 INTEGER', 'ZCREATIONDATE TIMESTAMP', 'ZCREATIONDATE1 TIMESTAMP', 'ZCREATIONDATE3 TIMESTAMP', 'ZMODIFICATIONDATE TIMESTAMP',
  'ZMODIFICATIONDATE1 TIMESTAMP', 'ZLASTOPENEDDATE TIMESTAMP', 'ZLASTVIEWEDMODIFICATIONDATE TIMESTAMP', 'ZFILESIZE INTEGER', 'ZHEIGHT FLOAT',
  'ZWIDTH FLOAT', 'ZIDENTIFIER VARCHAR', 'ZNAME VARCHAR', 'ZTITLE VARCHAR', 'ZTITLE1 VARCHAR', 'ZTITLE2 VARCHAR', 'ZSNIPPET VARCHAR',
  'ZWIDGETSNIPPET VARCHAR', 'ZPASSWORDHINT VARCHAR', 'ZFILENAME VARCHAR', 'ZTYPEUTI VARCHAR', 'ZTYPEUTI1 VARCHAR', 'ZURLSTRING VARCHAR',
  'ZUSERTITLE VARCHAR', 'ZALTTEXT VARCHAR', 'ZTOKENCONTENTIDENTIFIER VARCHAR', 'ZUSERRECORDNAME VARCHAR', 'ZACCOUNTNAMEFORACCOUNTLISTSORTING VARCHAR',
  'ZSMARTFOLDERQUERYJSON VARCHAR', 'ZGENERATION VARCHAR', 'ZGENERATION1 VARCHAR', 'ZFALLBACKIMAGEGENERATION VARCHAR', 'ZFALLBACKPDFGENERATION VARCHAR',
  'ZPAPERBUNDLEGENERATION VARCHAR', 'ZENCRYPTEDVALUESJSON BLOB', 'ZCRYPTOSALT BLOB', 'ZCRYPTOTAG BLOB', 'ZCRYPTOVERIFIER BLOB', 'ZCRYPTOWRAPPEDKEY BLOB',
  'ZCRYPTOINITIALIZATIONVECTOR BLOB', 'ZASSETCRYPTOINITIALIZATIONVECTOR BLOB', 'ZASSETCRYPTOTAG BLOB', 'ZFALLBACKIMAGECRYPTOINITIALIZATIONVECTOR BLOB',
  'ZFALLBACKIMAGECRYPTOTAG BLOB', 'ZMERGEABLEDATA BLOB', 'ZMERGEABLEDATA1 BLOB', 'ZSERVERRECORDDATA BLOB', 'ZSERVERSHAREDATA BLOB',
  'ZUNAPPLIEDENCRYPTEDRECORDDATA BLOB',
];

export const NOTESTORE_SCHEMA =
  coreDataTable('ZICCLOUDSYNCINGOBJECT', OBJECT_COLUMNS) +
  coreDataTable('ZICNOTEDATA', ['Z_PK INTEGER PRIMARY KEY', 'Z_ENT INTEGER', 'Z_OPT INTEGER', 'ZNOTE INTEGER', 'ZCRYPTOINITIALIZATIONVECTOR BLOB', 'ZCRYPTOTAG BLOB', 'ZDATA BLOB']) +
  'CREATE INDEX ZICCLOUDSYNCINGOBJECT_ZFOLDER_INDEX ON ZICCLOUDSYNCINGOBJECT (ZFOLDER);\n' +
  'CREATE INDEX ZICCLOUDSYNCINGOBJECT_ZNOTEDATA_INDEX ON ZICCLOUDSYNCINGOBJECT (ZNOTEDATA);\n' +
  'CREATE INDEX ZICNOTEDATA_ZNOTE_INDEX ON ZICNOTEDATA (ZNOTE);\n' +
  CORE_DATA_TABLES;

const ENT = { cloudObject: 3, account: 14, folder: 15, note: 12, noteData: 19 } as const;
const ENTITIES = [
  { ent: ENT.cloudObject, name: 'ICCloudSyncingObject' },
  { ent: ENT.note, name: 'ICNote', super: ENT.cloudObject },
  { ent: ENT.account, name: 'ICAccount', super: ENT.cloudObject },
  { ent: ENT.folder, name: 'ICFolder', super: ENT.cloudObject },
  { ent: ENT.noteData, name: 'ICNoteData' },
];

export function buildNoteStore(ctx: WorldContext, path: string): void {
  build(path, NOTESTORE_SCHEMA, (db) => {
    const rng = new Rng(ctx.seed, 'notestore');
    const obj = db.prepare(`INSERT INTO ZICCLOUDSYNCINGOBJECT (Z_PK, Z_ENT, Z_OPT, ZIDENTIFIER, ZNAME, ZACCOUNTTYPE, ZUSERRECORDNAME,
      ZACCOUNTNAMEFORACCOUNTLISTSORTING, ZTITLE2, ZOWNER, ZFOLDERTYPE, ZMARKEDFORDELETION, ZISPASSWORDPROTECTED, ZCREATIONDATE1, ZMINIMUMSUPPORTEDNOTESVERSION)
      VALUES (@pk, @ent, 1, @id, @name, @type, @user, @sort, @title, @owner, @folderType, 0, 0, @created, 0)`);
    const created = appleSeconds(ctx.now - 900 * 86_400_000);
    obj.run({ pk: 1, ent: ENT.account, id: rng.uuid(), name: 'iCloud', type: 1, user: `_${rng.bytes(16).toString('hex')}`, sort: 'iCloud', title: null, owner: null, folderType: null, created });
    const folders = new Map<string, number>();
    [...NOTE_FOLDERS, 'Recently Deleted'].forEach((title, k) => {
      const pk = 2 + k;
      folders.set(title, pk);
      obj.run({ pk, ent: ENT.folder, id: rng.uuid(), name: null, type: null, user: null, sort: null, title, owner: 1, folderType: title === 'Recently Deleted' ? 1 : 0, created });
    });
    const note = db.prepare(`INSERT INTO ZICCLOUDSYNCINGOBJECT (Z_PK, Z_ENT, Z_OPT, ZIDENTIFIER, ZTITLE1, ZSNIPPET, ZFOLDER, ZNOTEDATA, ZACCOUNT7, ZCREATIONDATE3,
      ZMODIFICATIONDATE1, ZLASTVIEWEDMODIFICATIONDATE, ZISPASSWORDPROTECTED, ZMARKEDFORDELETION, ZISPINNED, ZHASCHECKLIST, ZNOTEHASCHANGES, ZPAPERSTYLETYPE,
      ZMINIMUMSUPPORTEDNOTESVERSION, ZWIDGETSNIPPET) VALUES (@pk, ${ENT.note}, 3, @id, @title, @snippet, @folder, @data, 1, @created, @modified, @modified, 0, 0,
      @pinned, 0, 0, 0, 0, @snippet)`);
    const data = db.prepare(`INSERT INTO ZICNOTEDATA (Z_PK, Z_ENT, Z_OPT, ZNOTE, ZDATA) VALUES (?, ${ENT.noteData}, 1, ?, ?)`);
    const all = notes(ctx);
    const firstNote = 2 + NOTE_FOLDERS.length + 1;
    all.forEach((n, k) => {
      const pk = firstNote + k;
      const lines = n.text.split('\n');
      note.run({
        pk,
        id: n.uuid,
        title: n.title,
        snippet: lines.slice(1).join(' ').slice(0, 100),
        folder: folders.get(n.folder) ?? 2,
        data: k + 1,
        created: appleSeconds(n.created),
        modified: appleSeconds(n.modified),
        pinned: n.pinned ? 1 : 0,
      });
      data.run(k + 1, pk, noteData(n.text));
    });
    coreDataMetadata(db, ENTITIES, rng.uuid(), (ent) =>
      ent === ENT.cloudObject ? firstNote + all.length - 1 : ent === ENT.noteData ? all.length : 0,
    );
  });
}
