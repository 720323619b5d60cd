/**
 * Installed third-party apps and the documents they keep.
 *
 * Nouns: an *app* has an AppDomain-<bundle id> container, optional AppDomainGroup-<group id> shared
 * containers and AppDomainPlugin-<extension id> containers; a *document family* is one place where an
 * app keeps many user files (Dropbox offline files, WhatsApp media, Instagram drafts…). Documents j of a
 * family live in folders of 500 and are named by j, so a path alone tells which document it is.
 * iTunesMetadata is the binary plist the App Store writes next to an app (keys as in real
 * iTunesMetadata.plist files: itemId, itemName, bundleVersion, softwareVersionBundleId,
 * com.apple.iTunesStore.downloadInfo …); ApplicationSINF is an opaque `sinf` box (frma/schm/schi)
 * standing in for the FairPlay signature.
 */
import { createHash } from 'node:crypto';
import { encodeBinaryPlist } from '../../../src/plist/index.js';
import { box, movieHead } from '../formats/isobmff.js';
import { jpegImage } from '../formats/jpeg.js';
import { dataHead, pdfHead } from '../formats/misc.js';
import { exifTiff } from '../formats/tiff.js';
import type { BulkContent } from '../pool.js';
import { pointHash, pointUnit } from '../prng.js';
import type { InstalledApp } from '../types.js';
import type { WorldContext } from './context.js';

export interface AppDef {
  readonly bundleId: string;
  readonly name: string;
  readonly version: string;
  readonly shortVersion: string;
  readonly itemId: number;
  readonly artist: string;
  readonly genre: string;
  readonly groups: readonly string[];
  readonly plugins: readonly string[];
}

export const APPS: readonly AppDef[] = [
  { bundleId: 'com.burbn.instagram', name: 'Instagram', version: '368.0.0.41.96', shortVersion: '368.0', itemId: 389801252, artist: 'Instagram, Inc.', genre: 'Photo & Video', groups: ['group.com.burbn.instagram'], plugins: [] },
  { bundleId: 'com.getdropbox.Dropbox', name: 'Dropbox', version: '412.2.2', shortVersion: '412.2.2', itemId: 327630330, artist: 'Dropbox, Inc.', genre: 'Productivity', groups: ['group.com.getdropbox.Dropbox'], plugins: ['com.getdropbox.Dropbox.FileProvider'] },
  { bundleId: 'com.google.Maps', name: 'Google Maps', version: '6.139.1', shortVersion: '6.139.1', itemId: 585027354, artist: 'Google LLC', genre: 'Navigation', groups: [], plugins: [] },
  { bundleId: 'com.spotify.client', name: 'Spotify', version: '9.0.32.624', shortVersion: '9.0.32', itemId: 324684580, artist: 'Spotify', genre: 'Music', groups: ['group.com.spotify.client'], plugins: [] },
  { bundleId: 'net.whatsapp.WhatsApp', name: 'WhatsApp', version: '25.10.72', shortVersion: '25.10.72', itemId: 310633997, artist: 'WhatsApp Inc.', genre: 'Social Networking', groups: ['group.net.whatsapp.WhatsApp.shared'], plugins: ['net.whatsapp.WhatsApp.ServiceExtension'] },
  { bundleId: 'org.mozilla.ios.Firefox', name: 'Firefox', version: '136.1', shortVersion: '136.1', itemId: 989804926, artist: 'Mozilla', genre: 'Productivity', groups: ['group.org.mozilla.ios.Firefox'], plugins: [] },
];

export function appDomains(app: AppDef): string[] {
  return [`AppDomain-${app.bundleId}`, ...app.groups.map((g) => `AppDomainGroup-${g}`), ...app.plugins.map((p) => `AppDomainPlugin-${p}`)];
}

export function installedApps(ctx: WorldContext): InstalledApp[] {
  return APPS.map((app) => ({
    bundleId: app.bundleId,
    name: app.name,
    version: app.version,
    shortVersion: app.shortVersion,
    domains: appDomains(app),
    iTunesMetadata: iTunesMetadata(ctx, app),
    applicationSinf: applicationSinf(ctx, app),
  }));
}

function iTunesMetadata(ctx: WorldContext, app: AppDef): Buffer {
  const purchased = new Date(ctx.now - (30 + (pointHash(ctx.key, app.itemId, 500) % 900)) * 86_400_000);
  const dsid = 10_000_000_000 + (pointHash(ctx.key, 1, 501) % 1_000_000_000);
  return Buffer.from(
    encodeBinaryPlist({
      artistName: app.artist,
      bundleShortVersionString: app.shortVersion,
      bundleVersion: app.version,
      'com.apple.iTunesStore.downloadInfo': {
        accountInfo: { AppleID: ctx.owner.email, DSPersonID: dsid, FirstName: ctx.owner.first, LastName: ctx.owner.last },
        purchaseDate: purchased.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
      genre: app.genre,
      isFirstParty: false,
      itemId: app.itemId,
      itemName: app.name,
      kind: 'software',
      playlistName: app.artist,
      purchaseDate: purchased,
      releaseDate: new Date(ctx.now - 60 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      softwareVersionBundleId: app.bundleId,
      softwareVersionExternalIdentifier: 800_000_000 + (pointHash(ctx.key, app.itemId, 502) % 100_000_000),
      'is-purchased-redownload': true,
    }),
  );
}

function applicationSinf(ctx: WorldContext, app: AppDef): Buffer {
  const secret = createHash('sha256').update(`${ctx.seed}\0sinf\0${app.bundleId}`).digest();
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0, 0);
    return b;
  };
  return box(
    'sinf',
    box('frma', Buffer.from('game', 'latin1')),
    box('schm', u32(0), Buffer.from('itun', 'latin1'), u32(0)),
    box('schi', box('user', u32(pointHash(ctx.key, 2, 503))), box('key ', u32(5)), box('iviv', secret.subarray(0, 16)), box('name', Buffer.from(`${ctx.owner.first} ${ctx.owner.last}\0`, 'utf8')), box('priv', secret, secret.subarray(0, 8))),
    box('sign', createHash('sha256').update(secret).update(app.bundleId).digest().subarray(0, 16)),
  );
}

export interface DocKind {
  readonly ext: string;
  readonly share: number;
  readonly weight: number;
  readonly min: number;
}

export interface DocFamilyDef {
  readonly id: string;
  readonly domain: string;
  readonly root: string;
  readonly share: number;
  readonly kinds: readonly DocKind[];
  readonly fileName: (j: number, ext: string, created: number) => string;
  /** Recovers j from a file name. */
  readonly index: RegExp;
}

/** yyyymmdd of a Unix ms instant (UTC), without a Date object: listing calls this per document. */
function ymd(t: number): string {
  // Howard Hinnant's days → civil date.
  const z = Math.floor(t / 86_400_000) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`;
}
const six = (j: number): string => String(j).padStart(6, '0');

export const DOC_FAMILIES: readonly DocFamilyDef[] = [
  {
    id: 'dropbox', domain: 'AppDomain-com.getdropbox.Dropbox', root: 'Documents/Offline Files', share: 0.35,
    kinds: [{ ext: 'pdf', share: 0.5, weight: 1, min: 512 }, { ext: 'jpg', share: 0.3, weight: 1.2, min: 16384 }, { ext: 'zip', share: 0.2, weight: 2, min: 256 }],
    fileName: (j, ext) => `Document ${six(j)}.${ext}`, index: /^Document (\d{6,})\.\w+$/,
  },
  {
    id: 'whatsapp', domain: 'AppDomainGroup-group.net.whatsapp.WhatsApp.shared', root: 'Message/Media', share: 0.35,
    kinds: [{ ext: 'jpg', share: 0.6, weight: 0.6, min: 16384 }, { ext: 'mp4', share: 0.25, weight: 3, min: 512 }, { ext: 'opus', share: 0.15, weight: 0.2, min: 256 }],
    fileName: (j, ext, t) => `${ext === 'jpg' ? 'IMG' : ext === 'mp4' ? 'VID' : 'PTT'}-${ymd(t)}-WA${six(j)}.${ext}`, index: /-WA(\d{6,})\.\w+$/,
  },
  {
    id: 'instagram', domain: 'AppDomain-com.burbn.instagram', root: 'Documents/drafts', share: 0.1,
    kinds: [{ ext: 'jpg', share: 0.7, weight: 0.8, min: 16384 }, { ext: 'mp4', share: 0.3, weight: 3, min: 512 }],
    fileName: (j, ext) => `draft_${six(j)}.${ext}`, index: /^draft_(\d{6,})\.\w+$/,
  },
  {
    id: 'firefox', domain: 'AppDomain-org.mozilla.ios.Firefox', root: 'Documents/Downloads', share: 0.1,
    kinds: [{ ext: 'pdf', share: 1, weight: 1, min: 512 }],
    fileName: (j, ext) => `download-${six(j)}.${ext}`, index: /^download-(\d{6,})\.\w+$/,
  },
  {
    id: 'maps', domain: 'AppDomain-com.google.Maps', root: 'Documents/OfflineMaps', share: 0.1,
    kinds: [{ ext: 'dat', share: 1, weight: 1.5, min: 256 }],
    fileName: (j, ext) => `region-${six(j)}.${ext}`, index: /^region-(\d{6,})\.\w+$/,
  },
];

export const DOCS_PER_FOLDER = 500;
const DOC_SPAN_MS = 2 * 365 * 86_400_000;

export interface DocDef {
  readonly family: number;
  readonly index: number;
  readonly kind: DocKind;
  readonly folder: string;
  readonly relativePath: string;
  readonly created: number;
}

export function docFolder(fam: DocFamilyDef, folder: number): string {
  return `${fam.root}/${String(folder).padStart(3, '0')}`;
}

export function docAt(ctx: WorldContext, family: number, j: number, at?: number): DocDef {
  const fam = DOC_FAMILIES[family] ?? DOC_FAMILIES[0];
  if (!fam) throw new RangeError('no document families');
  const u = pointUnit(ctx.key ^ (family * 0x1000193), j, 510);
  let acc = 0;
  const kind = fam.kinds.find((k) => (acc += k.share) > u) ?? fam.kinds[fam.kinds.length - 1] ?? fam.kinds[0];
  if (!kind) throw new RangeError('document family without kinds');
  const count = Math.max(1, ctx.plan.docs[family] ?? 1);
  const created = at ?? Math.round(ctx.now - DOC_SPAN_MS + ((j + 0.5) * DOC_SPAN_MS) / count);
  const folder = docFolder(fam, Math.floor(j / DOCS_PER_FOLDER));
  return { family, index: j, kind, folder, relativePath: `${folder}/${fam.fileName(j, kind.ext, created)}`, created };
}

export function docSize(ctx: WorldContext, d: DocDef, v: number): number {
  const fam = DOC_FAMILIES[d.family];
  const mean = fam ? fam.kinds.reduce((s, k) => s + k.share * k.weight, 0) : 1;
  const spread = 0.6 + 0.8 * pointUnit(ctx.key ^ (d.family * 0x1000193), d.index, 520 + v);
  return Math.max(d.kind.min, Math.round((ctx.plan.docUnitBytes * d.kind.weight * spread) / mean));
}

export function docContent(ctx: WorldContext, d: DocDef, v: number, size: number): BulkContent {
  const label = d.relativePath.slice(d.relativePath.lastIndexOf('/') + 1);
  let header: Buffer;
  if (d.kind.ext === 'pdf') header = pdfHead(label, d.created);
  else if (d.kind.ext === 'jpg') {
    const local = ctx.clock.exif(d.created);
    header = jpegImage(1080, 1350, exifTiff({ make: 'Apple', model: ctx.identity.marketingName, software: ctx.iosVersion, dateTime: local.dateTime, offset: local.offset, subSec: '000', width: 1080, height: 1350 }));
  } else if (d.kind.ext === 'mp4') header = movieHead('mp4', d.created, 15, size);
  else if (d.kind.ext === 'zip') header = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0]), Buffer.from(label, 'utf8')]);
  else if (d.kind.ext === 'opus') header = Buffer.concat([Buffer.from('OggS\0\x02', 'latin1'), Buffer.alloc(20), Buffer.from('OpusHead', 'latin1')]);
  else header = dataHead('GMMAPv1\n', label);
  return { header, size, offset: pointHash(ctx.key ^ (d.family * 0x1000193), d.index, 530 + v) * 64 };
}
