/**
 * Safari history (HomeDomain Library/Safari/History.db) and bookmarks (Library/Safari/Bookmarks.db).
 *
 * Nouns: a *history item* is a history_items row (url, visit_count) whose visits are history_visits rows
 * (visit_time Apple seconds, title); its title is that of the latest visit. A *bookmark* is a bookmarks
 * row of type 0 (type 1 = folder) that is not hidden; its *folder* is the chain of parent titles below
 * the root, where "BookmarksBar" is shown as Favorites and "com.apple.ReadingList" as Reading List.
 * Newer iOS also keeps per-profile History.db files in the Safari app container; those are not read
 * yet. Facts: MVT safari_history.py, iLEAPP safariHistory.py / safariBookmarks.py.
 */
import { fromAppleSeconds } from '../common/dates.js';
import { schemaError, tableExists, type ContentSource, type Db } from '../source.js';

export const HISTORY_DB = { domain: 'HomeDomain', path: 'Library/Safari/History.db' } as const;
export const BOOKMARKS_DB = { domain: 'HomeDomain', path: 'Library/Safari/Bookmarks.db' } as const;

export interface HistoryItem {
  readonly url: string;
  readonly title: string;
  readonly visitCount: number;
  readonly lastVisit?: Date;
}

export interface Bookmark {
  readonly title: string;
  readonly url: string;
  readonly folder: string;
  readonly readingList: boolean;
}

const FOLDER_NAMES: Readonly<Record<string, string>> = { BookmarksBar: 'Favorites', BookmarksMenu: 'Bookmarks', 'com.apple.ReadingList': 'Reading List' };

export async function openHistory(source: ContentSource): Promise<Db | undefined> {
  const db = await source.database(HISTORY_DB.domain, HISTORY_DB.path);
  return db && tableExists(db, 'history_items') && tableExists(db, 'history_visits') ? db : undefined;
}

export async function openBookmarks(source: ContentSource): Promise<Db | undefined> {
  const db = await source.database(BOOKMARKS_DB.domain, BOOKMARKS_DB.path);
  return db && tableExists(db, 'bookmarks') ? db : undefined;
}

export function* historyItems(db: Db): Generator<HistoryItem> {
  let statement;
  try {
    statement = db.prepare(
      `SELECT i.url, i.visit_count AS visits, (SELECT v.title FROM history_visits v WHERE v.history_item = i.id ORDER BY v.visit_time DESC LIMIT 1) AS title,
       (SELECT max(v.visit_time) FROM history_visits v WHERE v.history_item = i.id) AS last FROM history_items i ORDER BY last DESC, i.id`,
    );
  } catch (error) {
    throw schemaError('History.db', error);
  }
  for (const r of statement.iterate() as Iterable<{ url: unknown; visits: unknown; title: unknown; last: unknown }>) {
    if (typeof r.url !== 'string') continue;
    yield { url: r.url, title: typeof r.title === 'string' ? r.title : '', visitCount: Number(r.visits ?? 0), lastVisit: fromAppleSeconds(r.last) };
  }
}

export function* historyVisits(db: Db): Generator<{ url: string; title: string; time?: Date }> {
  const statement = db.prepare('SELECT i.url, v.title, v.visit_time AS time FROM history_visits v JOIN history_items i ON i.id = v.history_item ORDER BY v.visit_time, v.id');
  for (const r of statement.iterate() as Iterable<{ url: unknown; title: unknown; time: unknown }>) {
    if (typeof r.url === 'string') yield { url: r.url, title: typeof r.title === 'string' ? r.title : '', time: fromAppleSeconds(r.time) };
  }
}

export function countHistory(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM history_items').get() as { n: number }).n;
}

export function* bookmarks(db: Db): Generator<Bookmark> {
  let folders: Map<number, { parent: number | null; title: string }>;
  let statement;
  try {
    folders = new Map(
      (db.prepare('SELECT id, parent, title FROM bookmarks WHERE type = 1').all() as { id: number; parent: number | null; title: string | null }[]).map((f) => [f.id, { parent: f.parent, title: f.title ?? '' }]),
    );
    statement = db.prepare('SELECT title, url, parent, hidden FROM bookmarks WHERE type = 0 ORDER BY parent, order_index, id');
  } catch (error) {
    throw schemaError('Bookmarks.db', error);
  }
  const pathOf = (id: number | null): string[] => {
    const names: string[] = [];
    for (let at = id, hops = 0; at !== null && hops < 64; hops++) {
      const f = folders.get(at);
      if (!f || f.parent === null) break;
      names.unshift(FOLDER_NAMES[f.title] ?? f.title);
      at = f.parent;
    }
    return names;
  };
  for (const r of statement.iterate() as Iterable<{ title: unknown; url: unknown; parent: number | null; hidden: number | null }>) {
    if (typeof r.url !== 'string') continue;
    const path = pathOf(r.parent);
    const readingList = path[0] === 'Reading List';
    if (r.hidden === 1 && !readingList) continue;
    yield { title: typeof r.title === 'string' ? r.title : r.url, url: r.url, folder: path.join(' / '), readingList };
  }
}

export function countBookmarks(db: Db): number {
  let n = 0;
  for (const b of bookmarks(db)) if (!b.readingList) n++;
  return n;
}
