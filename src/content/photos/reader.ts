/**
 * The Photos library from CameraRollDomain Media/PhotoData/Photos.sqlite, and which originals the
 * backup really holds.
 *
 * Nouns: an *asset* is a ZASSET row (ZGENERICASSET before iOS 14): a photo (ZKIND 0) or video (1) whose
 * original is CameraRollDomain "Media/" + ZDIRECTORY + "/" + ZFILENAME; ZDATECREATED is the capture time
 * (Apple seconds), ZTRASHEDSTATE 1 = in Recently Deleted. An *album* is a ZGENERICALBUM row of ZKIND 2
 * (a user album); membership is a Core Data join table named Z_<n>ASSETS with columns Z_<n>ALBUMS and
 * Z_<m>ASSETS, whose numbers change between iOS versions, so it is found by shape. With iCloud Photos
 * (optimise storage) the library lists assets whose originals are not in the backup at all. Facts:
 * iLEAPP photosMetadata.py / Ph* queries.
 */
import { fromAppleSeconds } from '../common/dates.js';
import { columnsOf, schemaError, tableExists, type ContentSource, type Db } from '../source.js';

export const PHOTOS_DB = { domain: 'CameraRollDomain', path: 'Media/PhotoData/Photos.sqlite' } as const;
export const CAMERA_ROLL = 'CameraRollDomain';

export interface PhotoAsset {
  readonly id: number;
  readonly directory: string;
  readonly fileName: string;
  /** CameraRollDomain relative path of the original. */
  readonly relativePath: string;
  readonly kind: 'photo' | 'video';
  readonly uti?: string;
  readonly captured?: Date;
  readonly width?: number;
  readonly height?: number;
  readonly durationSeconds?: number;
  readonly latitude?: number;
  readonly longitude?: number;
  readonly favorite: boolean;
  readonly trashed: boolean;
  readonly originalFileName?: string;
  readonly albums: readonly string[];
}

interface AlbumJoin {
  readonly table: string;
  readonly albumColumn: string;
  readonly assetColumn: string;
}

function findAlbumJoin(db: Db): AlbumJoin | undefined {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'Z_[0-9]*ASSETS'").all() as { name: string }[]).map((r) => r.name);
  for (const table of tables) {
    const cols = [...columnsOf(db, table)];
    const albumColumn = cols.find((c) => /^Z_\d+ALBUMS$/.test(c));
    const assetColumn = cols.find((c) => /^Z_\d+ASSETS$/.test(c));
    if (albumColumn && assetColumn) return { table, albumColumn, assetColumn };
  }
  return undefined;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export class PhotosReader {
  private constructor(
    private readonly db: Db,
    private readonly assetTable: string,
  ) {}

  static async open(source: ContentSource): Promise<PhotosReader | undefined> {
    const db = await source.database(PHOTOS_DB.domain, PHOTOS_DB.path);
    if (db === undefined) return undefined;
    const table = tableExists(db, 'ZASSET') ? 'ZASSET' : tableExists(db, 'ZGENERICASSET') ? 'ZGENERICASSET' : undefined;
    return table ? new PhotosReader(db, table) : undefined;
  }

  count(): { photos: number; videos: number } {
    const rows = this.db.prepare(`SELECT ZKIND AS kind, count(*) AS n FROM ${this.assetTable} WHERE ZTRASHEDSTATE IS NOT 1 GROUP BY ZKIND`).all() as { kind: number; n: number }[];
    return { photos: rows.filter((r) => r.kind !== 1).reduce((s, r) => s + r.n, 0), videos: rows.find((r) => r.kind === 1)?.n ?? 0 };
  }

  /** User albums with their asset counts. */
  albums(): { title: string; count: number }[] {
    const join = findAlbumJoin(this.db);
    if (!join || !tableExists(this.db, 'ZGENERICALBUM')) return [];
    return this.db
      .prepare(`SELECT a.ZTITLE AS title, (SELECT count(*) FROM ${join.table} j WHERE j.${join.albumColumn} = a.Z_PK) AS count FROM ZGENERICALBUM a
                WHERE a.ZKIND = 2 AND a.ZTITLE IS NOT NULL AND a.ZTRASHEDSTATE IS NOT 1 ORDER BY a.Z_PK`)
      .all() as { title: string; count: number }[];
  }

  *assets(): Generator<PhotoAsset> {
    const cols = columnsOf(this.db, this.assetTable);
    const opt = (name: string): string => (cols.has(name) ? `a.${name}` : `NULL AS ${name}`);
    const hasAttributes = tableExists(this.db, 'ZADDITIONALASSETATTRIBUTES') && columnsOf(this.db, 'ZADDITIONALASSETATTRIBUTES').has('ZORIGINALFILENAME');
    const join = findAlbumJoin(this.db);
    let statement;
    let albums;
    try {
      statement = this.db.prepare(
        `SELECT a.Z_PK AS id, a.ZDIRECTORY AS directory, a.ZFILENAME AS fileName, a.ZKIND AS kind, ${opt('ZUNIFORMTYPEIDENTIFIER')}, ${opt('ZDATECREATED')},
         ${opt('ZWIDTH')}, ${opt('ZHEIGHT')}, ${opt('ZDURATION')}, ${opt('ZLATITUDE')}, ${opt('ZLONGITUDE')}, ${opt('ZFAVORITE')}, ${opt('ZTRASHEDSTATE')}
         ${hasAttributes ? ', (SELECT x.ZORIGINALFILENAME FROM ZADDITIONALASSETATTRIBUTES x WHERE x.ZASSET = a.Z_PK) AS original' : ', NULL AS original'}
         FROM ${this.assetTable} a ORDER BY a.ZDATECREATED, a.Z_PK`,
      );
      albums =
        join && tableExists(this.db, 'ZGENERICALBUM')
          ? this.db.prepare(`SELECT g.ZTITLE AS title FROM ${join.table} j JOIN ZGENERICALBUM g ON g.Z_PK = j.${join.albumColumn} WHERE j.${join.assetColumn} = ? AND g.ZKIND = 2 AND g.ZTITLE IS NOT NULL`)
          : undefined;
    } catch (error) {
      throw schemaError('Photos.sqlite', error);
    }
    for (const r of statement.iterate() as Iterable<Record<string, unknown>>) {
      if (typeof r['directory'] !== 'string' || typeof r['fileName'] !== 'string') continue;
      const lat = num(r['ZLATITUDE']);
      const lon = num(r['ZLONGITUDE']);
      // -180 is how Photos marks "no location".
      const located = lat !== undefined && lon !== undefined && lat !== -180 && lon !== -180;
      const id = Number(r['id']);
      yield {
        id,
        directory: r['directory'],
        fileName: r['fileName'],
        relativePath: `Media/${r['directory']}/${r['fileName']}`,
        kind: Number(r['kind']) === 1 ? 'video' : 'photo',
        ...(typeof r['ZUNIFORMTYPEIDENTIFIER'] === 'string' ? { uti: r['ZUNIFORMTYPEIDENTIFIER'] } : {}),
        captured: fromAppleSeconds(r['ZDATECREATED']),
        width: num(r['ZWIDTH']),
        height: num(r['ZHEIGHT']),
        durationSeconds: num(r['ZDURATION']),
        ...(located ? { latitude: lat, longitude: lon } : {}),
        favorite: Number(r['ZFAVORITE'] ?? 0) === 1,
        trashed: Number(r['ZTRASHEDSTATE'] ?? 0) === 1,
        ...(typeof r['original'] === 'string' ? { originalFileName: r['original'] } : {}),
        albums: albums ? (albums.all(id) as { title: string }[]).map((a) => a.title) : [],
      };
    }
  }
}
