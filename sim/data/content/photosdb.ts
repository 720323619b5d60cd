/**
 * CameraRollDomain Media/PhotoData/Photos.sqlite — the Photos library (a Core Data store), iOS 18 layout.
 *
 * Schema: ZASSET (iOS 14+; ZGENERICASSET before) with ZDIRECTORY, ZFILENAME, ZDATECREATED (seconds
 * since 2001), ZKIND (0 photo, 1 video), ZUNIFORMTYPEIDENTIFIER, ZWIDTH/ZHEIGHT, ZDURATION, ZLATITUDE/
 * ZLONGITUDE (-180 when unknown), ZUUID, ZTRASHEDSTATE, ZADDITIONALATTRIBUTES → ZADDITIONALASSETATTRIBUTES
 * (ZORIGINALFILENAME, ZEXIFTIMESTAMPSTRING, ZTIMEZONENAME/-OFFSET …) and ZEXTENDEDATTRIBUTES (camera
 * make/model); albums are ZGENERICALBUM rows (ZKIND 2 = user album) joined to assets through Z_30ASSETS
 * (Z_30ALBUMS, Z_3ASSETS) and to the album list through Z_29ALBUMLISTS — the iOS 18 table names
 * iLEAPP's Ph0xx Photos.sqlite queries use. The file of an asset is CameraRollDomain
 * "Media/" + ZDIRECTORY + "/" + ZFILENAME.
 */
import { pointHash, pointUuid } from '../prng.js';
import { appleSeconds } from '../time.js';
import type { WorldContext } from '../world/context.js';
import { photoAt, photoSize, photoUuid, type PhotoDef } from '../world/media.js';
import { build, CORE_DATA_TABLES, coreDataMetadata, coreDataTable, insertStatement, type Db } from './sqlite.js';

const ASSET_COLUMNS = [
  'Z_PK INTEGER PRIMARY KEY', 'Z_ENT INTEGER', 'Z_OPT INTEGER', 'ZACTIVELIBRARYSCOPEPARTICIPATIONSTATE INTEGER', 'ZAVALANCHEKIND INTEGER',
  'ZBUNDLESCOPE INTEGER', 'ZCLOUDLOCALSTATE INTEGER', 'ZCLOUDPLACEHOLDERKIND INTEGER', 'ZCOMPLETE INTEGER', 'ZFAVORITE INTEGER',
  'ZHASADJUSTMENTS INTEGER', 'ZHEIGHT INTEGER', 'ZHIDDEN INTEGER', 'ZISRECENTLYSAVED INTEGER', 'ZKIND INTEGER', 'ZKINDSUBTYPE INTEGER',
  'ZORIENTATION INTEGER', 'ZPLAYBACKSTYLE INTEGER', 'ZSAVEDASSETTYPE INTEGER', 'ZSYNDICATIONSTATE INTEGER', 'ZTRASHEDSTATE INTEGER',
  'ZVISIBILITYSTATE INTEGER', 'ZWIDTH INTEGER', 'ZADDITIONALATTRIBUTES INTEGER', 'ZEXTENDEDATTRIBUTES INTEGER', 'ZMASTER INTEGER', 'ZMOMENT INTEGER',
  'ZTRASHEDBYPARTICIPANT INTEGER', 'ZADDEDDATE TIMESTAMP', 'ZADJUSTMENTTIMESTAMP TIMESTAMP', 'ZANALYSISSTATEMODIFICATIONDATE TIMESTAMP',
  'ZDATECREATED TIMESTAMP', 'ZDURATION FLOAT', 'ZFACEAREAPOINTS INTEGER', 'ZLASTSHAREDDATE TIMESTAMP', 'ZLATITUDE FLOAT', 'ZLONGITUDE FLOAT',
  'ZMODIFICATIONDATE TIMESTAMP', 'ZSORTTOKEN FLOAT', 'ZTRASHEDDATE TIMESTAMP', 'ZVIDEOCPDURATIONVALUE INTEGER', 'ZCLOUDASSETGUID VARCHAR',
  'ZDIRECTORY VARCHAR', 'ZFILENAME VARCHAR', 'ZORIGINALCOLORSPACE VARCHAR', 'ZUNIFORMTYPEIDENTIFIER VARCHAR', 'ZUUID VARCHAR', 'ZLOCATIONDATA BLOB',
];

const ATTRIBUTE_COLUMNS = [
  'Z_PK INTEGER PRIMARY KEY', 'Z_ENT INTEGER', 'Z_OPT INTEGER', 'ZEMBEDDEDTHUMBNAILHEIGHT INTEGER', 'ZEMBEDDEDTHUMBNAILLENGTH INTEGER',
  'ZEMBEDDEDTHUMBNAILOFFSET INTEGER', 'ZEMBEDDEDTHUMBNAILWIDTH INTEGER', 'ZORIGINALFILESIZE INTEGER', 'ZORIGINALHEIGHT INTEGER',
  'ZORIGINALORIENTATION INTEGER', 'ZORIGINALWIDTH INTEGER', 'ZPLAYCOUNT INTEGER', 'ZREVERSELOCATIONDATAISVALID INTEGER', 'ZSHARECOUNT INTEGER',
  'ZSHARETYPE INTEGER', 'ZSHIFTEDLOCATIONISVALID INTEGER', 'ZTIMEZONEOFFSET INTEGER', 'ZINFERREDTIMEZONEOFFSET INTEGER', 'ZVIEWCOUNT INTEGER',
  'ZASSET INTEGER', 'ZSCENEANALYSISTIMESTAMP TIMESTAMP', 'ZADJUSTEDFINGERPRINT VARCHAR', 'ZADJUSTEDSTABLEHASH VARCHAR', 'ZCREATORBUNDLEID VARCHAR',
  'ZEDITORBUNDLEID VARCHAR', 'ZEXIFTIMESTAMPSTRING VARCHAR', 'ZIMPORTEDBYBUNDLEIDENTIFIER VARCHAR', 'ZIMPORTEDBYDISPLAYNAME VARCHAR',
  'ZMASTERFINGERPRINT VARCHAR', 'ZORIGINALFILENAME VARCHAR', 'ZORIGINALSTABLEHASH VARCHAR', 'ZPUBLICGLOBALUUID VARCHAR', 'ZSYNDICATIONIDENTIFIER VARCHAR',
  'ZTIMEZONENAME VARCHAR', 'ZTITLE VARCHAR', 'ZACCESSIBILITYDESCRIPTION VARCHAR', 'ZREVERSELOCATIONDATA BLOB',
];

const EXTENDED_COLUMNS = [
  'Z_PK INTEGER PRIMARY KEY', 'Z_ENT INTEGER', 'Z_OPT INTEGER', 'ZFLASHFIRED INTEGER', 'ZISO INTEGER', 'ZASSET INTEGER', 'ZAPERTURE FLOAT',
  'ZEXPOSUREBIAS FLOAT', 'ZFOCALLENGTH FLOAT', 'ZLATITUDE FLOAT', 'ZLONGITUDE FLOAT', 'ZSHUTTERSPEED FLOAT', 'ZDATECREATED TIMESTAMP',
  'ZCAMERAMAKE VARCHAR', 'ZCAMERAMODEL VARCHAR', 'ZLENSMODEL VARCHAR',
];

const ALBUM_COLUMNS = [
  'Z_PK INTEGER PRIMARY KEY', 'Z_ENT INTEGER', 'Z_OPT INTEGER', 'ZCACHEDCOUNT INTEGER', 'ZCACHEDPHOTOSCOUNT INTEGER', 'ZCACHEDVIDEOSCOUNT INTEGER',
  'ZKIND INTEGER', 'ZPENDINGITEMSCOUNT INTEGER', 'ZTRASHEDSTATE INTEGER', 'ZUNSEENASSETSCOUNT INTEGER', 'ZPARENTFOLDER INTEGER',
  'ZCREATIONDATE TIMESTAMP', 'ZENDDATE TIMESTAMP', 'ZSTARTDATE TIMESTAMP', 'ZTRASHEDDATE TIMESTAMP', 'ZCLOUDGUID VARCHAR', 'ZIMPORTSESSIONID VARCHAR',
  'ZTITLE VARCHAR', 'ZUUID VARCHAR',
];

export const PHOTOS_SCHEMA =
  coreDataTable('ZASSET', ASSET_COLUMNS) +
  coreDataTable('ZADDITIONALASSETATTRIBUTES', ATTRIBUTE_COLUMNS) +
  coreDataTable('ZEXTENDEDATTRIBUTES', EXTENDED_COLUMNS) +
  coreDataTable('ZGENERICALBUM', ALBUM_COLUMNS) +
  coreDataTable('ZALBUMLIST', ['Z_PK INTEGER PRIMARY KEY', 'Z_ENT INTEGER', 'Z_OPT INTEGER', 'ZIDENTIFIER INTEGER', 'ZNEEDSREORDERINGNUMBER INTEGER', 'ZUUID VARCHAR']) +
  coreDataTable('ZCLOUDMASTER', ['Z_PK INTEGER PRIMARY KEY', 'Z_ENT INTEGER', 'Z_OPT INTEGER', 'ZCLOUDLOCALSTATE INTEGER', 'ZCREATIONDATE TIMESTAMP', 'ZCLOUDMASTERGUID VARCHAR', 'ZORIGINALFILENAME VARCHAR', 'ZUNIFORMTYPEIDENTIFIER VARCHAR']) +
  coreDataTable('ZMOMENT', ['Z_PK INTEGER PRIMARY KEY', 'Z_ENT INTEGER', 'Z_OPT INTEGER', 'ZCACHEDCOUNT INTEGER', 'ZAPPROXIMATELATITUDE FLOAT', 'ZAPPROXIMATELONGITUDE FLOAT', 'ZENDDATE TIMESTAMP', 'ZSTARTDATE TIMESTAMP', 'ZTITLE VARCHAR', 'ZSUBTITLE VARCHAR', 'ZUUID VARCHAR']) +
  'CREATE TABLE Z_30ASSETS ( Z_30ALBUMS INTEGER, Z_3ASSETS INTEGER, Z_FOK_3ASSETS INTEGER, PRIMARY KEY (Z_30ALBUMS, Z_3ASSETS) );\n' +
  'CREATE TABLE Z_29ALBUMLISTS ( Z_29ALBUMS INTEGER, Z_2ALBUMLISTS INTEGER, Z_FOK_29ALBUMS INTEGER, PRIMARY KEY (Z_29ALBUMS, Z_2ALBUMLISTS) );\n' +
  'CREATE INDEX Z_30ASSETS_Z_3ASSETS_INDEX ON Z_30ASSETS (Z_3ASSETS, Z_30ALBUMS);\n' +
  'CREATE INDEX ZASSET_ZDIRECTORY_ZFILENAME ON ZASSET (ZDIRECTORY, ZFILENAME);\n' +
  'CREATE INDEX ZASSET_ZDATECREATED ON ZASSET (ZDATECREATED);\n' +
  'CREATE INDEX ZADDITIONALASSETATTRIBUTES_ZASSET_INDEX ON ZADDITIONALASSETATTRIBUTES (ZASSET);\n' +
  CORE_DATA_TABLES;

const ENT = { attributes: 1, albumList: 2, asset: 3, cloudMaster: 4, extended: 5, moment: 6, genericAlbum: 29, album: 30, folder: 31 } as const;
const ENTITIES = [
  { ent: ENT.attributes, name: 'AdditionalAssetAttributes' },
  { ent: ENT.albumList, name: 'AlbumList' },
  { ent: ENT.asset, name: 'Asset' },
  { ent: ENT.cloudMaster, name: 'CloudMaster' },
  { ent: ENT.extended, name: 'ExtendedAttributes' },
  { ent: ENT.moment, name: 'Moment' },
  { ent: ENT.genericAlbum, name: 'GenericAlbum' },
  { ent: ENT.album, name: 'Album', super: ENT.genericAlbum },
  { ent: ENT.folder, name: 'Folder', super: ENT.genericAlbum },
];

export const ALBUM_TITLES = ['Vacation', 'Family', 'Recipes', 'Favorites to print'] as const;
const ROOT_FOLDER_PK = 1;

/** The user album (0-based) photo i belongs to, if any: about one photo in ten per album. */
export function photoAlbum(ctx: WorldContext, i: number): number | undefined {
  const slot = pointHash(ctx.key, i, 640) % 10;
  return slot < Math.min(ALBUM_TITLES.length, ctx.plan.albums) ? slot : undefined;
}

export class PhotosWriter {
  private readonly asset;
  private readonly attributes;
  private readonly extended;
  private readonly member;

  constructor(
    private readonly db: Db,
    private readonly ctx: WorldContext,
  ) {
    this.asset = insertStatement(db, `INSERT INTO ZASSET (Z_PK, Z_ENT, Z_OPT, ZACTIVELIBRARYSCOPEPARTICIPATIONSTATE, ZAVALANCHEKIND, ZBUNDLESCOPE, ZCLOUDLOCALSTATE,
      ZCLOUDPLACEHOLDERKIND, ZCOMPLETE, ZFAVORITE, ZHASADJUSTMENTS, ZHEIGHT, ZHIDDEN, ZISRECENTLYSAVED, ZKIND, ZKINDSUBTYPE, ZORIENTATION, ZPLAYBACKSTYLE,
      ZSAVEDASSETTYPE, ZSYNDICATIONSTATE, ZTRASHEDSTATE, ZVISIBILITYSTATE, ZWIDTH, ZADDITIONALATTRIBUTES, ZEXTENDEDATTRIBUTES, ZADDEDDATE, ZDATECREATED,
      ZDURATION, ZLATITUDE, ZLONGITUDE, ZMODIFICATIONDATE, ZSORTTOKEN, ZVIDEOCPDURATIONVALUE, ZDIRECTORY, ZFILENAME, ZORIGINALCOLORSPACE,
      ZUNIFORMTYPEIDENTIFIER, ZUUID) VALUES (@pk, ${ENT.asset}, 4, 0, 0, 0, 0, 0, 1, @favorite, 0, @height, 0, 0, @kind, @subtype, 1, @playback, 3, 0, 0, 0,
      @width, @pk, @pk, @added, @created, @duration, @lat, @lon, @modified, @created, @cpDuration, @directory, @fileName, 'Display P3', @uti, @uuid)`);
    this.attributes = insertStatement(db, `INSERT INTO ZADDITIONALASSETATTRIBUTES (Z_PK, Z_ENT, Z_OPT, ZORIGINALFILESIZE, ZORIGINALHEIGHT, ZORIGINALORIENTATION,
      ZORIGINALWIDTH, ZPLAYCOUNT, ZREVERSELOCATIONDATAISVALID, ZSHARECOUNT, ZSHIFTEDLOCATIONISVALID, ZTIMEZONEOFFSET, ZINFERREDTIMEZONEOFFSET, ZVIEWCOUNT,
      ZASSET, ZCREATORBUNDLEID, ZEXIFTIMESTAMPSTRING, ZIMPORTEDBYBUNDLEIDENTIFIER, ZIMPORTEDBYDISPLAYNAME, ZMASTERFINGERPRINT, ZORIGINALFILENAME,
      ZORIGINALSTABLEHASH, ZTIMEZONENAME) VALUES (@pk, ${ENT.attributes}, 1, @size, @height, 1, @width, 0, 0, 0, 0, @offset, @offset, @views, @pk,
      'com.apple.camera', @exif, 'com.apple.camera', 'Camera', @fingerprint, @fileName, @fingerprint, @tzName)`);
    this.extended = insertStatement(db, `INSERT INTO ZEXTENDEDATTRIBUTES (Z_PK, Z_ENT, Z_OPT, ZFLASHFIRED, ZISO, ZASSET, ZAPERTURE, ZFOCALLENGTH, ZLATITUDE, ZLONGITUDE,
      ZSHUTTERSPEED, ZDATECREATED, ZCAMERAMAKE, ZCAMERAMODEL, ZLENSMODEL) VALUES (@pk, ${ENT.extended}, 1, 0, @iso, @pk, 1.78, 6.86, @lat, @lon, 0.008,
      @created, 'Apple', @model, @lens)`);
    this.member = db.prepare('INSERT INTO Z_30ASSETS (Z_30ALBUMS, Z_3ASSETS, Z_FOK_3ASSETS) VALUES (?, ?, ?)');
  }

  /** Adds photo p as asset `pk` (album membership only for generated photos). */
  add(pk: number, p: PhotoDef, size: number, album?: number): void {
    const local = this.ctx.clock.exif(p.captured);
    const created = appleSeconds(p.captured);
    const lat = p.location?.latitude ?? -180;
    const lon = p.location?.longitude ?? -180;
    this.asset({
      pk,
      favorite: p.favorite ? 1 : 0,
      height: p.height,
      width: p.width,
      kind: p.kind === 'mov' ? 1 : 0,
      subtype: p.kind === 'mov' ? 0 : 2,
      playback: p.kind === 'mov' ? 4 : 1,
      added: created + 5,
      created,
      duration: p.duration,
      lat,
      lon,
      modified: created + 60,
      cpDuration: Math.round(p.duration * 600),
      directory: p.directory,
      fileName: p.fileName,
      uti: p.uti,
      uuid: photoUuid(this.ctx, p.index),
    });
    this.attributes({
      pk,
      size,
      height: p.height,
      width: p.width,
      offset: local.offsetMinutes * 60,
      views: pointHash(this.ctx.key, p.index, 641) % 20,
      exif: local.dateTime,
      fingerprint: pointUuid(this.ctx.key, p.index, 642).replace(/-/g, '').slice(0, 28),
      fileName: p.fileName,
      tzName: this.ctx.clock.gmtName(p.captured),
    });
    this.extended({ pk, iso: 32 + (pointHash(this.ctx.key, p.index, 643) % 800), lat, lon, created, model: this.ctx.identity.marketingName, lens: `${this.ctx.identity.marketingName} back camera 6.86mm f/1.78` });
    if (album !== undefined) this.member.run(ROOT_FOLDER_PK + 1 + album, pk, pk);
  }

  /** Removes the asset stored at Media/<directory>/<fileName>; returns whether one was there. */
  remove(directory: string, fileName: string): boolean {
    const row = this.db.prepare<[string, string], { Z_PK: number }>('SELECT Z_PK FROM ZASSET WHERE ZDIRECTORY = ? AND ZFILENAME = ?').get(directory, fileName);
    if (!row) return false;
    this.db.prepare('DELETE FROM Z_30ASSETS WHERE Z_3ASSETS = ?').run(row.Z_PK);
    this.db.prepare('DELETE FROM ZADDITIONALASSETATTRIBUTES WHERE ZASSET = ?').run(row.Z_PK);
    this.db.prepare('DELETE FROM ZEXTENDEDATTRIBUTES WHERE ZASSET = ?').run(row.Z_PK);
    this.db.prepare('DELETE FROM ZASSET WHERE Z_PK = ?').run(row.Z_PK);
    return true;
  }
}

export function buildPhotosDb(ctx: WorldContext, path: string): void {
  build(path, PHOTOS_SCHEMA, (db) => {
    const album = db.prepare(`INSERT INTO ZGENERICALBUM (Z_PK, Z_ENT, Z_OPT, ZCACHEDCOUNT, ZKIND, ZPENDINGITEMSCOUNT, ZTRASHEDSTATE, ZUNSEENASSETSCOUNT,
      ZPARENTFOLDER, ZCREATIONDATE, ZTITLE, ZUUID) VALUES (?, ?, 1, ?, ?, 0, 0, 0, ?, ?, ?, ?)`);
    const created = appleSeconds(ctx.now - 800 * 86_400_000);
    const albums = Math.min(ALBUM_TITLES.length, ctx.plan.albums);
    album.run(ROOT_FOLDER_PK, ENT.folder, albums, 3999, null, created, null, pointUuid(ctx.key, 0, 644));
    db.prepare(`INSERT INTO ZALBUMLIST (Z_PK, Z_ENT, Z_OPT, ZIDENTIFIER, ZNEEDSREORDERINGNUMBER, ZUUID) VALUES (1, ${ENT.albumList}, 1, 1, 0, ?)`).run(pointUuid(ctx.key, 1, 644));
    const listed = db.prepare('INSERT INTO Z_29ALBUMLISTS (Z_29ALBUMS, Z_2ALBUMLISTS, Z_FOK_29ALBUMS) VALUES (?, 1, ?)');
    const counts = new Array<number>(albums).fill(0);
    for (let i = 0; i < ctx.plan.photos; i++) {
      const a = photoAlbum(ctx, i);
      if (a !== undefined) counts[a] = (counts[a] ?? 0) + 1;
    }
    for (let a = 0; a < albums; a++) {
      album.run(ROOT_FOLDER_PK + 1 + a, ENT.album, counts[a] ?? 0, 2, ROOT_FOLDER_PK, created, ALBUM_TITLES[a] ?? `Album ${a}`, pointUuid(ctx.key, 2 + a, 644));
      listed.run(ROOT_FOLDER_PK + 1 + a, a);
    }
    const writer = new PhotosWriter(db, ctx);
    for (let i = 0; i < ctx.plan.photos; i++) writer.add(i + 1, photoAt(ctx, i), photoSize(ctx, i, 0), photoAlbum(ctx, i));
    const maxPk = ctx.plan.photos;
    coreDataMetadata(db, ENTITIES, pointUuid(ctx.key, 9, 644), (ent) =>
      ent === ENT.asset || ent === ENT.attributes || ent === ENT.extended ? maxPk : ent === ENT.genericAlbum ? 1 + albums : ent === ENT.albumList ? 1 : 0,
    );
  });
}
