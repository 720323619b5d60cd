/**
 * Export of Safari: bookmarks.html and history.html (readable pages, links only for http(s) URLs),
 * bookmarks.csv, history.csv (one row per page with visit count and last visit) and visits.csv (one row
 * per visit).
 */
import { join } from 'node:path';
import { CsvWriter } from '../common/csv.js';
import { link, PAGE_END, pageStart, text } from '../common/html.js';
import type { ExportMeter } from '../common/progress.js';
import { TextSink } from '../common/sink.js';
import type { ContentSource } from '../source.js';
import { bookmarks, historyItems, historyVisits, openBookmarks, openHistory } from './reader.js';

export const SAFARI_FORMATS = ['html', 'csv'] as const;
export type SafariFormat = (typeof SAFARI_FORMATS)[number];

export async function exportSafari(source: ContentSource, out: string, formats: ReadonlySet<SafariFormat>, meter: ExportMeter): Promise<{ history: number; bookmarks: number } | undefined> {
  const history = await openHistory(source);
  const marks = await openBookmarks(source);
  if (!history && !marks) return undefined;
  const result = { history: 0, bookmarks: 0 };
  const sinks: { destroy(): void }[] = [];
  try {
    if (marks) {
      const html = formats.has('html') ? await TextSink.open(join(out, 'bookmarks.html')) : undefined;
      const csv = formats.has('csv') ? await CsvWriter.create(join(out, 'bookmarks.csv'), ['folder', 'title', 'url', 'reading_list']) : undefined;
      for (const s of [html, csv]) if (s) sinks.push(s);
      await html?.write(`${pageStart('Safari bookmarks')}<table>\n<tr><th>Bookmark</th><th>Folder</th></tr>\n`);
      for (const b of bookmarks(marks)) {
        await html?.write(`<tr><td>${link(b.url, b.title || b.url)}<br/><span class="meta">${text(b.url)}</span></td><td>${text(b.folder)}</td></tr>\n`);
        await csv?.row([b.folder, b.title, b.url, b.readingList]);
        if (!b.readingList) result.bookmarks++;
        meter.add(1);
      }
      await html?.write(`</table>\n${PAGE_END}`);
      await html?.close();
      await csv?.close();
    }
    if (history) {
      const html = formats.has('html') ? await TextSink.open(join(out, 'history.html')) : undefined;
      const csv = formats.has('csv') ? await CsvWriter.create(join(out, 'history.csv'), ['url', 'title', 'visit_count', 'last_visit']) : undefined;
      for (const s of [html, csv]) if (s) sinks.push(s);
      await html?.write(`${pageStart('Safari history')}<table>\n<tr><th>Page</th><th>Visits</th><th>Last visit</th></tr>\n`);
      for (const h of historyItems(history)) {
        await html?.write(`<tr><td>${link(h.url, h.title || h.url)}<br/><span class="meta">${text(h.url)}</span></td><td>${h.visitCount}</td><td>${text(h.lastVisit?.toISOString() ?? '')}</td></tr>\n`);
        await csv?.row([h.url, h.title, h.visitCount, h.lastVisit]);
        result.history++;
        meter.add(1);
      }
      await html?.write(`</table>\n${PAGE_END}`);
      await html?.close();
      await csv?.close();
      if (formats.has('csv')) {
        const visits = await CsvWriter.create(join(out, 'visits.csv'), ['time', 'url', 'title']);
        sinks.push(visits);
        for (const v of historyVisits(history)) await visits.row([v.time, v.url, v.title]);
        await visits.close();
      }
    }
  } catch (error) {
    for (const s of sinks) s.destroy();
    throw error;
  }
  return result;
}
