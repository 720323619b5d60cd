/**
 * Notes from AppDomainGroup-group.com.apple.notes NoteStore.sqlite (iOS 9+ Core Data store).
 *
 * Nouns: accounts, folders and notes are all rows of ZICCLOUDSYNCINGOBJECT; a *note* is a row with a
 * ZICNOTEDATA (ZICNOTEDATA.ZNOTE = its Z_PK); its folder is ZFOLDER → the folder row. Column suffixes
 * move between iOS versions (title ZTITLE1 or ZTITLE, folder title ZTITLE2 or ZTITLE, created
 * ZCREATIONDATE3/1/—, modified ZMODIFICATIONDATE1/—), so each is picked by what exists — as
 * apple_cloud_notes_parser and iLEAPP notes.py do. Password-protected notes are encrypted with the
 * note password and are listed without a body; notes marked for deletion are skipped.
 */
import { fromAppleSeconds } from '../common/dates.js';
import { columnsOf, schemaError, tableExists, type ContentSource, type Db } from '../source.js';
import { decodeNoteBody, type NoteBody } from './body.js';

export const NOTES_DB = { domain: 'AppDomainGroup-group.com.apple.notes', path: 'NoteStore.sqlite' } as const;

export interface Note {
  readonly id: number;
  readonly title: string;
  readonly folder: string;
  readonly created?: Date;
  readonly modified?: Date;
  readonly locked: boolean;
  /** Undefined when locked or when the body cannot be decoded. */
  readonly body?: NoteBody;
  readonly pinned: boolean;
}

export class NotesReader {
  private constructor(private readonly db: Db) {}

  static async open(source: ContentSource): Promise<NotesReader | undefined> {
    const db = await source.database(NOTES_DB.domain, NOTES_DB.path);
    return db && tableExists(db, 'ZICCLOUDSYNCINGOBJECT') && tableExists(db, 'ZICNOTEDATA') ? new NotesReader(db) : undefined;
  }

  private where(cols: Set<string>): string {
    return cols.has('ZMARKEDFORDELETION') ? 'AND (n.ZMARKEDFORDELETION IS NULL OR n.ZMARKEDFORDELETION = 0)' : '';
  }

  count(): number {
    const cols = columnsOf(this.db, 'ZICCLOUDSYNCINGOBJECT');
    return (this.db.prepare(`SELECT count(*) AS n FROM ZICNOTEDATA d JOIN ZICCLOUDSYNCINGOBJECT n ON n.Z_PK = d.ZNOTE WHERE 1 ${this.where(cols)}`).get() as { n: number }).n;
  }

  *notes(): Generator<Note> {
    const cols = columnsOf(this.db, 'ZICCLOUDSYNCINGOBJECT');
    const first = (alias: string, names: string[]): string => {
      const present = names.filter((n) => cols.has(n)).map((n) => `${alias}.${n}`);
      return present.length === 0 ? 'NULL' : present.length === 1 ? (present[0] as string) : `COALESCE(${present.join(', ')})`;
    };
    let statement;
    try {
      statement = this.db.prepare(
        `SELECT n.Z_PK AS id, ${first('n', ['ZTITLE1', 'ZTITLE'])} AS title, ${first('f', ['ZTITLE2', 'ZTITLE'])} AS folder,
         ${first('n', ['ZCREATIONDATE3', 'ZCREATIONDATE1', 'ZCREATIONDATE'])} AS created, ${first('n', ['ZMODIFICATIONDATE1', 'ZMODIFICATIONDATE'])} AS modified,
         ${first('n', ['ZISPASSWORDPROTECTED'])} AS locked, ${first('n', ['ZISPINNED'])} AS pinned, d.ZDATA AS data
         FROM ZICNOTEDATA d JOIN ZICCLOUDSYNCINGOBJECT n ON n.Z_PK = d.ZNOTE
         LEFT JOIN ZICCLOUDSYNCINGOBJECT f ON f.Z_PK = ${cols.has('ZFOLDER') ? 'n.ZFOLDER' : 'NULL'}
         WHERE 1 ${this.where(cols)} ORDER BY n.Z_PK`,
      );
    } catch (error) {
      throw schemaError('NoteStore.sqlite', error);
    }
    for (const r of statement.iterate() as Iterable<Record<string, unknown>>) {
      const locked = Number(r['locked'] ?? 0) === 1;
      let body: NoteBody | undefined;
      if (!locked && Buffer.isBuffer(r['data'])) {
        try {
          body = decodeNoteBody(r['data']);
        } catch {
          body = undefined;
        }
      }
      const title = typeof r['title'] === 'string' && r['title'] !== '' ? r['title'] : (body?.text.split('\n')[0] ?? 'Untitled');
      yield {
        id: Number(r['id']),
        title,
        folder: typeof r['folder'] === 'string' && r['folder'] !== '' ? r['folder'] : 'Notes',
        created: fromAppleSeconds(r['created']),
        modified: fromAppleSeconds(r['modified']),
        locked,
        ...(body ? { body } : {}),
        pinned: Number(r['pinned'] ?? 0) === 1,
      };
    }
  }
}
