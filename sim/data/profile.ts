/**
 * Data profiles: how much the virtual phone holds, and the *plan* derived from it.
 *
 * Nouns: a *profile* is the caller's wish {files, bytes}; the *plan* turns it into item counts per data
 * type and mean sizes. *Structured* files (SQLite databases, plists) exist on every phone and grow
 * slowly with the profile; *bulk* files (camera roll, message attachments, app documents) make up the
 * rest of the file count and almost all the bytes. Counts of personal items grow with the square root
 * of the profile so a 100,000-file phone has a believable address book rather than 30,000 contacts.
 */
import { SimDataError } from './errors.js';

export type { DataProfile } from './types.js';
import type { DataProfile } from './types.js';

export const DEFAULT_PROFILE: DataProfile = { files: 300, bytes: 20_000_000 };

/** Regular files every phone has whatever the profile (databases, plists); kept in step with layout.ts. */
export const STRUCTURED_FILE_COUNT = 48;

export interface Plan {
  readonly profile: DataProfile;
  readonly photos: number;
  readonly attachments: number;
  /** Documents per app-document family (layout.ts DOC_FAMILIES order). */
  readonly docs: readonly number[];
  readonly messages: number;
  readonly chats: number;
  readonly contacts: number;
  readonly events: number;
  readonly notes: number;
  readonly calls: number;
  readonly historyItems: number;
  readonly bookmarks: number;
  readonly healthSamples: number;
  readonly keychainItems: number;
  readonly wifiNetworks: number;
  readonly albums: number;
  /** Bytes of one unit of size weight (see media.ts weights) per bulk family. */
  readonly photoUnitBytes: number;
  readonly attachmentUnitBytes: number;
  readonly docUnitBytes: number;
}

/** Mean size weight of a camera-roll item (70 % HEIC ×1, 18 % JPEG ×1.15, 12 % MOV ×6). */
export const PHOTO_MEAN_WEIGHT = 0.7 * 1 + 0.18 * 1.15 + 0.12 * 6;
/** Mean size weight of a message attachment (see media.ts ATTACHMENT_KINDS). */
export const ATTACHMENT_MEAN_WEIGHT = 0.35 + 0.3 + 0.1 * 5 + 0.1 * 0.8 + 0.15 * 0.3;
/** Mean size weight of an app document (see layout.ts DOC_FAMILIES kinds). */
export const DOC_MEAN_WEIGHT = 1;

export function validateProfile(profile: DataProfile): DataProfile {
  const ok = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
  if (!ok(profile.files) || !ok(profile.bytes)) {
    throw new SimDataError(`data profile ${JSON.stringify(profile)} needs whole, non-negative files and bytes`, {
      code: 'SIM_DATA_BAD_PROFILE',
      hint: 'e.g. { files: 300, bytes: 20000000 } (the default) or { files: 100000, bytes: 5e9 }',
    });
  }
  return { files: profile.files, bytes: profile.bytes };
}

/** `docFamilyWeights`: the share of app documents each document family gets (sums to 1). */
export function makePlan(profile: DataProfile, docFamilyWeights: readonly number[]): Plan {
  const { files, bytes } = validateProfile(profile);
  const scale = Math.max(1, files / DEFAULT_PROFILE.files);
  const root = Math.sqrt(scale);
  const bulk = Math.max(0, files - STRUCTURED_FILE_COUNT);
  const photos = Math.round(bulk * 0.6);
  const attachments = Math.round(bulk * 0.1);
  const docTotal = bulk - photos - attachments;
  const docs = splitCounts(docTotal, docFamilyWeights);
  const contacts = Math.min(2500, Math.round(45 * root));
  const messages = Math.max(Math.round(240 * root), attachments * 3);
  const healthSamples = Math.round(400 * root);
  const structuredBytes = 400_000 + messages * 450 + photos * 900 + contacts * 700 + healthSamples * 200;
  const bulkBytes = Math.max(bulk * 4096, bytes - structuredBytes);
  const share = (weight: number, count: number): number => (count > 0 ? bulkBytes * weight : 0);
  // Bytes go where the files are: without photos their share moves to documents.
  const photoBytes = share(0.78, photos);
  const attachmentBytes = share(0.08, attachments);
  const docBytes = bulkBytes - photoBytes - attachmentBytes;
  return {
    profile: { files, bytes },
    photos,
    attachments,
    docs,
    messages,
    chats: clamp(Math.round(10 * scale ** 0.35), 8, 60),
    contacts,
    events: Math.round(30 * root),
    notes: Math.round(12 * scale ** 0.4),
    calls: Math.round(60 * root),
    historyItems: Math.round(60 * root),
    bookmarks: 12 + Math.round(3 * root),
    healthSamples,
    keychainItems: Math.round(40 * scale ** 0.25),
    wifiNetworks: Math.min(12, 6 + Math.round(Math.log2(scale))),
    albums: 4,
    photoUnitBytes: photos > 0 ? photoBytes / (photos * PHOTO_MEAN_WEIGHT) : 0,
    attachmentUnitBytes: attachments > 0 ? attachmentBytes / (attachments * ATTACHMENT_MEAN_WEIGHT) : 0,
    docUnitBytes: docTotal > 0 ? docBytes / (docTotal * DOC_MEAN_WEIGHT) : 0,
  };
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

/** Splits `total` by weights with largest-remainder rounding, so the parts always sum to `total`. */
function splitCounts(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0) || 1;
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    out[i] = (out[i] ?? 0) + 1;
    left--;
  }
  return out;
}
