/**
 * Installed apps and their export (CSV, JSON), from what the host and the device wrote.
 *
 * Nouns: Info.plist "Applications" maps bundle id → {iTunesMetadata (a plist: itemName,
 * bundleShortVersionString, bundleVersion, artistName, genre, purchaseDate), ApplicationSINF,
 * PlaceholderIcon}; "Installed Applications" lists the bundle ids; Manifest.plist "Applications" maps
 * bundle id → {CFBundleVersion, Path}; an app's data is the AppDomain-<bundle id> domain of Manifest.db.
 * An app is listed when any of these names it. The app itself (its code) is never in a backup: it is
 * downloaded again from the App Store on restore.
 */
import { join } from 'node:path';
import { parsePlist, type PlistDict, type PlistValue } from '../../plist/index.js';
import { CsvWriter } from '../common/csv.js';
import type { ExportMeter } from '../common/progress.js';
import { writeTextFile } from '../common/sink.js';
import type { ContentSource } from '../source.js';

export interface InstalledApp {
  readonly bundleId: string;
  readonly name?: string;
  readonly version?: string;
  readonly shortVersion?: string;
  readonly developer?: string;
  readonly genre?: string;
  readonly purchased?: Date;
  readonly hasData: boolean;
}

const isDict = (v: PlistValue | undefined): v is PlistDict => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date) && Object.getPrototypeOf(v) === Object.prototype;
const str = (v: PlistValue | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

function metadata(bytes: PlistValue | undefined): PlistDict {
  if (!(bytes instanceof Uint8Array) || bytes.length > 4 * 1024 * 1024) return {};
  try {
    const value = parsePlist(bytes);
    return isDict(value) ? value : {};
  } catch {
    return {};
  }
}

/** Bundle ids that have an AppDomain-… in Manifest.db (one query per listed app, not a full scan). */
export function readApps(source: ContentSource): InstalledApp[] {
  const backup = source.backup;
  const infoApps = isDict(backup.info.raw['Applications']) ? backup.info.raw['Applications'] : {};
  const ids = new Set<string>([...backup.info.installedApplications, ...Object.keys(infoApps), ...backup.manifest.applications.keys()]);
  const apps: InstalledApp[] = [];
  for (const bundleId of [...ids].sort()) {
    const entry = infoApps[bundleId];
    const meta = metadata(isDict(entry) ? entry['iTunesMetadata'] : undefined);
    const manifest = backup.manifest.applications.get(bundleId);
    const purchased = meta['purchaseDate'];
    apps.push({
      bundleId,
      ...(str(meta['itemName']) ? { name: str(meta['itemName']) } : {}),
      version: str(meta['bundleVersion']) ?? manifest?.bundleVersion,
      ...(str(meta['bundleShortVersionString']) ? { shortVersion: str(meta['bundleShortVersionString']) } : {}),
      ...(str(meta['artistName']) ? { developer: str(meta['artistName']) } : {}),
      ...(str(meta['genre']) ? { genre: str(meta['genre']) } : {}),
      ...(purchased instanceof Date ? { purchased } : {}),
      hasData: backup.count({ domain: `AppDomain-${bundleId}` }) > 0,
    });
  }
  return apps;
}

export const APP_FORMATS = ['csv', 'json'] as const;
export type AppFormat = (typeof APP_FORMATS)[number];

export async function exportApps(source: ContentSource, out: string, formats: ReadonlySet<AppFormat>, meter: ExportMeter): Promise<{ apps: number }> {
  const apps = readApps(source);
  if (formats.has('csv')) {
    const csv = await CsvWriter.create(join(out, 'apps.csv'), ['bundle_id', 'name', 'version', 'short_version', 'developer', 'genre', 'purchased', 'data_in_backup']);
    for (const a of apps) await csv.row([a.bundleId, a.name, a.version, a.shortVersion, a.developer, a.genre, a.purchased, a.hasData]);
    await csv.close();
  }
  if (formats.has('json')) await writeTextFile(join(out, 'apps.json'), `${JSON.stringify({ apps }, null, 2)}\n`);
  meter.add(apps.length);
  return { apps: apps.length };
}
