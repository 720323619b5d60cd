/**
 * Camera-roll items and message attachments: metadata by index, and the bytes of their heads.
 *
 * Nouns: a *photo* (photo or video) is camera-roll item i, captured at a time increasing with i (IMG
 * numbers grow with time, as on a phone), stored as Media/DCIM/<100+⌊i/1000⌋>APPLE/IMG_nnnn.EXT; an
 * *attachment* is message attachment i stored as Library/SMS/Attachments/xx/yy/<GUID>/<name> in
 * MediaDomain. A *version* counts content changes (0 = as generated; churn and edits bump it), which
 * changes the size slightly and the pool offset. Items added by mutate() carry their own capture time
 * (`at`) instead of the timeline's.
 */
import { exifTiff } from '../formats/tiff.js';
import { heicHead, movieHead } from '../formats/isobmff.js';
import { jpegImage } from '../formats/jpeg.js';
import { cafHead, pdfHead } from '../formats/misc.js';
import type { BulkContent } from '../pool.js';
import { pointHash, pointUnit, pointUuid } from '../prng.js';
import type { WorldContext } from './context.js';
import { attachmentMessage, isFromMe, messageDate } from './messages.js';

export type PhotoKind = 'heic' | 'jpg' | 'mov';

export interface PhotoDef {
  readonly index: number;
  readonly kind: PhotoKind;
  readonly fileName: string;
  /** Photos.sqlite ZDIRECTORY, e.g. "DCIM/100APPLE". */
  readonly directory: string;
  /** CameraRollDomain relative path: "Media/" + directory + "/" + fileName. */
  readonly relativePath: string;
  readonly uti: string;
  readonly captured: number;
  readonly width: number;
  readonly height: number;
  readonly duration: number;
  readonly location?: { readonly latitude: number; readonly longitude: number };
  readonly favorite: boolean;
}

const PHOTO_SPAN_MS = 3 * 365 * 86_400_000;
const PHOTO_WEIGHT: Record<PhotoKind, number> = { heic: 1, jpg: 1.15, mov: 6 };
const PHOTO_MIN_BYTES: Record<PhotoKind, number> = { heic: 8192, jpg: 65536, mov: 8192 };
const CITIES = [
  [47.6062, -122.3321],
  [37.7749, -122.4194],
  [40.7128, -74.006],
  [51.5072, -0.1276],
  [48.8566, 2.3522],
  [35.6762, 139.6503],
] as const;

export function photoFolder(i: number): number {
  return 100 + Math.floor(i / 1000);
}

export function photoNumber(i: number): number {
  return (i % 9999) + 1;
}

export function photoKind(ctx: WorldContext, i: number): PhotoKind {
  const u = pointUnit(ctx.key, i, 400);
  return u < 0.7 ? 'heic' : u < 0.88 ? 'jpg' : 'mov';
}

export function photoFileName(kind: PhotoKind, i: number): string {
  const ext = kind === 'heic' ? 'HEIC' : kind === 'jpg' ? 'JPG' : 'MOV';
  return `IMG_${String(photoNumber(i)).padStart(4, '0')}.${ext}`;
}

/** Photos.sqlite ZUUID of photo i (kept out of photoAt: listing does not need it). */
export function photoUuid(ctx: WorldContext, i: number): string {
  return pointUuid(ctx.key, i, 408);
}

export function photoCaptured(ctx: WorldContext, i: number): number {
  const P = Math.max(1, ctx.plan.photos);
  return Math.round(ctx.now - PHOTO_SPAN_MS + ((i + 0.05 + 0.9 * pointUnit(ctx.key, i, 401)) * PHOTO_SPAN_MS) / P);
}

/** Just what a listing needs: path and capture time. */
export function photoListing(ctx: WorldContext, i: number, at?: number): { path: string; captured: number } {
  return { path: `Media/DCIM/${photoFolder(i)}APPLE/${photoFileName(photoKind(ctx, i), i)}`, captured: at ?? photoCaptured(ctx, i) };
}

export function photoAt(ctx: WorldContext, i: number, at?: number): PhotoDef {
  const kind = photoKind(ctx, i);
  const captured = at ?? photoCaptured(ctx, i);
  const portrait = pointUnit(ctx.key, i, 402) < 0.35;
  const [width, height] = kind === 'mov' ? (pointUnit(ctx.key, i, 403) < 0.5 ? [1920, 1080] : [3840, 2160]) : portrait ? [3024, 4032] : [4032, 3024];
  const city = CITIES[ctx.key % CITIES.length] ?? CITIES[0];
  const located = pointUnit(ctx.key, i, 404) < 0.6;
  const directory = `DCIM/${photoFolder(i)}APPLE`;
  const fileName = photoFileName(kind, i);
  return {
    index: i,
    kind,
    fileName,
    directory,
    relativePath: `Media/${directory}/${fileName}`,
    uti: kind === 'heic' ? 'public.heic' : kind === 'jpg' ? 'public.jpeg' : 'com.apple.quicktime-movie',
    captured,
    width,
    height,
    duration: kind === 'mov' ? 3 + (pointHash(ctx.key, i, 405) % 88) : 0,
    ...(located
      ? { location: { latitude: city[0] + (pointUnit(ctx.key, i, 406) - 0.5) * 0.1, longitude: city[1] + (pointUnit(ctx.key, i, 407) - 0.5) * 0.1 } }
      : {}),
    favorite: pointUnit(ctx.key, i, 409) < 0.05,
  };
}

/** Size of photo i at version v: the plan's unit × the kind's weight × a per-item spread of 0.6…1.4. */
export function photoSize(ctx: WorldContext, i: number, v: number): number {
  const kind = photoKind(ctx, i);
  const spread = 0.6 + 0.8 * pointUnit(ctx.key, i, 410 + v);
  return Math.max(PHOTO_MIN_BYTES[kind], Math.round(ctx.plan.photoUnitBytes * PHOTO_WEIGHT[kind] * spread));
}

function exifFor(ctx: WorldContext, captured: number, width: number, height: number, location?: PhotoDef['location']): Buffer {
  const local = ctx.clock.exif(captured);
  return exifTiff({
    make: 'Apple',
    model: ctx.identity.marketingName,
    software: ctx.iosVersion,
    dateTime: local.dateTime,
    offset: local.offset,
    subSec: String(captured % 1000).padStart(3, '0'),
    width,
    height,
    ...(location ? { gps: location } : {}),
  });
}

export function photoContent(ctx: WorldContext, p: PhotoDef, v: number, size: number): BulkContent {
  let header: Buffer;
  if (p.kind === 'jpg') header = jpegImage(p.width, p.height, exifFor(ctx, p.captured, p.width, p.height, p.location));
  else if (p.kind === 'heic') header = heicHead(p.width, p.height, exifFor(ctx, p.captured, p.width, p.height, p.location), size);
  else header = movieHead('qt', p.captured, p.duration, size);
  return { header, size, offset: pointHash(ctx.key, p.index, 420 + v) * 64 };
}

export type AttachmentKind = 'heic' | 'jpeg' | 'mov' | 'pdf' | 'caf';

export interface AttachmentDef {
  readonly index: number;
  readonly guid: string;
  readonly kind: AttachmentKind;
  readonly transferName: string;
  /** MediaDomain relative path. */
  readonly relativePath: string;
  /** attachment.filename as sms.db stores it ("~/Library/SMS/Attachments/…"). */
  readonly filename: string;
  readonly mime: string;
  readonly uti: string;
  readonly created: number;
  readonly outgoing: boolean;
  readonly messageIndex: number;
}

const ATTACHMENT_WEIGHT: Record<AttachmentKind, number> = { heic: 1, jpeg: 1, mov: 5, pdf: 0.8, caf: 0.3 };
const ATTACHMENT_MIN_BYTES: Record<AttachmentKind, number> = { heic: 4096, jpeg: 16384, mov: 4096, pdf: 1024, caf: 1024 };
const ATTACHMENT_TYPES: Record<AttachmentKind, { mime: string; uti: string }> = {
  heic: { mime: 'image/heic', uti: 'public.heic' },
  jpeg: { mime: 'image/jpeg', uti: 'public.jpeg' },
  mov: { mime: 'video/quicktime', uti: 'com.apple.quicktime-movie' },
  pdf: { mime: 'application/pdf', uti: 'com.adobe.pdf' },
  caf: { mime: 'audio/x-caf', uti: 'com.apple.coreaudio-format' },
};

export function attachmentKind(ctx: WorldContext, i: number): AttachmentKind {
  const u = pointUnit(ctx.key, i, 430);
  return u < 0.35 ? 'heic' : u < 0.65 ? 'jpeg' : u < 0.75 ? 'mov' : u < 0.85 ? 'pdf' : 'caf';
}

export function attachmentDirs(i: number): [string, string] {
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  return [hex(i % 256), hex(Math.floor(i / 256) % 256)];
}

/** `override` gives added attachments (mutate) their own time, direction and message. */
export function attachmentAt(ctx: WorldContext, i: number, override?: { created: number; outgoing: boolean; messageIndex: number }): AttachmentDef {
  const kind = attachmentKind(ctx, i);
  const guid = pointUuid(ctx.key, i, 431);
  const number = String(1000 + (pointHash(ctx.key, i, 432) % 9000));
  const transferName =
    kind === 'caf' ? 'Audio Message.caf' : kind === 'pdf' ? `Document ${number}.pdf` : `IMG_${number}.${kind === 'mov' ? 'MOV' : kind}`;
  const [xx, yy] = attachmentDirs(i);
  const relativePath = `Library/SMS/Attachments/${xx}/${yy}/${guid}/${transferName}`;
  const messageIndex = override?.messageIndex ?? attachmentMessage(ctx, i);
  return {
    index: i,
    guid,
    kind,
    transferName,
    relativePath,
    filename: `~/${relativePath}`,
    ...ATTACHMENT_TYPES[kind],
    created: override?.created ?? messageDate(ctx, messageIndex),
    outgoing: override?.outgoing ?? isFromMe(ctx, messageIndex),
    messageIndex,
  };
}

export function attachmentSize(ctx: WorldContext, i: number, v: number): number {
  const kind = attachmentKind(ctx, i);
  const spread = 0.6 + 0.8 * pointUnit(ctx.key, i, 440 + v);
  return Math.max(ATTACHMENT_MIN_BYTES[kind], Math.round(ctx.plan.attachmentUnitBytes * ATTACHMENT_WEIGHT[kind] * spread));
}

export function attachmentContent(ctx: WorldContext, a: AttachmentDef, v: number, size: number): BulkContent {
  let header: Buffer;
  switch (a.kind) {
    case 'jpeg':
      header = jpegImage(1280, 960, exifFor(ctx, a.created, 1280, 960));
      break;
    case 'heic':
      header = heicHead(3024, 4032, exifFor(ctx, a.created, 3024, 4032), size);
      break;
    case 'mov':
      header = movieHead('qt', a.created, 5 + (a.index % 40), size);
      break;
    case 'pdf':
      header = pdfHead(a.transferName.replace(/\.pdf$/, ''), a.created);
      break;
    case 'caf':
      header = cafHead();
      break;
  }
  return { header, size, offset: pointHash(ctx.key, a.index, 450 + v) * 64 };
}
