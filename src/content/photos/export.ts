/**
 * Export of photos and videos: the originals as the backup holds them, each file's modification time
 * set to its capture time, plus photos.csv (one row per library asset, whether its original is in the
 * backup or not) and albums.csv (album, file).
 *
 * Layout: <DCIM folder>/<file name> (e.g. 100APPLE/IMG_0001.HEIC), names sanitised. Without a
 * Photos.sqlite the DCIM files are exported with their own file times. Files stream one at a time.
 */
import { join } from 'node:path';
import { CsvWriter } from '../common/csv.js';
import { copyEntry } from '../common/copy.js';
import type { ExportMeter } from '../common/progress.js';
import { mkdirInside, safeName } from '../common/safe-path.js';
import type { ContentSource } from '../source.js';
import { CAMERA_ROLL, PhotosReader } from './reader.js';

export interface PhotosExportResult {
  readonly assets: number;
  readonly copied: number;
  /** Assets the library lists whose original is not in the backup (iCloud Photos). */
  readonly notInBackup: number;
  readonly bytes: number;
}

export async function exportPhotos(source: ContentSource, out: string, meter: ExportMeter): Promise<PhotosExportResult | undefined> {
  const reader = await PhotosReader.open(source);
  if (!reader) return exportDcimFiles(source, out, meter);
  const result = { assets: 0, copied: 0, notInBackup: 0, bytes: 0 };
  const csv = await CsvWriter.create(join(out, 'photos.csv'), ['file', 'original_name', 'kind', 'captured', 'width', 'height', 'duration_s', 'latitude', 'longitude', 'favorite', 'recently_deleted', 'albums', 'in_backup']);
  const albums = await CsvWriter.create(join(out, 'albums.csv'), ['album', 'file']);
  try {
    for (const asset of reader.assets()) {
      result.assets++;
      const entry = source.entry(CAMERA_ROLL, asset.relativePath);
      const folder = safeName(asset.directory.split('/').pop() ?? '', 'photos');
      const file = `${folder}/${safeName(asset.fileName, `asset-${asset.id}`)}`;
      if (entry) {
        const dir = await mkdirInside(out, [folder]);
        const bytes = await copyEntry(source, entry, join(dir, safeName(asset.fileName, `asset-${asset.id}`)), asset.captured);
        result.copied++;
        result.bytes += bytes;
        meter.add(1, bytes);
      } else {
        result.notInBackup++;
        meter.add(1);
      }
      await csv.row([file, asset.originalFileName, asset.kind, asset.captured, asset.width, asset.height, asset.kind === 'video' ? asset.durationSeconds : '',
        asset.latitude, asset.longitude, asset.favorite, asset.trashed, asset.albums.join('; '), entry !== undefined]);
      for (const album of asset.albums) await albums.row([album, file]);
    }
    await csv.close();
    await albums.close();
  } catch (error) {
    csv.destroy();
    albums.destroy();
    throw error;
  }
  return result;
}

async function exportDcimFiles(source: ContentSource, out: string, meter: ExportMeter): Promise<PhotosExportResult | undefined> {
  const result = { assets: 0, copied: 0, notInBackup: 0, bytes: 0 };
  for (const entry of source.backup.files({ domain: CAMERA_ROLL, pathPrefix: 'Media/DCIM/' })) {
    if (entry.kind !== 'file') continue;
    const parts = entry.relativePath.split('/');
    const dir = await mkdirInside(out, [safeName(parts.at(-2) ?? 'DCIM')]);
    const bytes = await copyEntry(source, entry, join(dir, safeName(parts.at(-1) ?? '', 'file')));
    result.assets++;
    result.copied++;
    result.bytes += bytes;
    meter.add(1, bytes);
  }
  return result.assets === 0 ? undefined : result;
}
