/**
 * HomeDomain Library/Safari/History.db and Bookmarks.db.
 *
 * History schema: history_items(id, url UNIQUE, domain_expansion, visit_count, daily_visit_counts …),
 * history_visits(id, history_item → history_items.id, visit_time seconds since 2001 REAL, title,
 * load_successful, redirect_source/redirect_destination → history_visits.id …), history_tombstones,
 * metadata, history_client_versions, history_event_listeners, history_events — as in a real iOS 11.2
 * store (richinfante/iphonebackuptools schemas/webhistory/webhistory_11.2.sql) and read by MVT
 * safari_history.py / iLEAPP safariHistory.py. Bookmarks schema: bookmarks(id, special_id, parent,
 * type 0 leaf / 1 folder, title, url, num_children, editable, deletable, hidden, order_index,
 * external_uuid, …) with the Root → BookmarksBar / BookmarksMenu / com.apple.ReadingList folders Safari
 * creates (iLEAPP safariBookmarks.py reads title, url, hidden).
 */
import { Rng } from '../prng.js';
import { appleSeconds } from '../time.js';
import type { WorldContext } from '../world/context.js';
import { safariBookmarks, safariHistory } from '../world/misc.js';
import { build } from './sqlite.js';

export const HISTORY_SCHEMA = `
CREATE TABLE history_items (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE, domain_expansion TEXT NULL, visit_count INTEGER NOT NULL, daily_visit_counts BLOB NOT NULL, weekly_visit_counts BLOB NULL, autocomplete_triggers BLOB NULL, should_recompute_derived_visit_counts INTEGER NOT NULL, visit_count_score INTEGER NOT NULL);
CREATE TABLE history_visits (id INTEGER PRIMARY KEY AUTOINCREMENT, history_item INTEGER NOT NULL REFERENCES history_items(id) ON DELETE CASCADE, visit_time REAL NOT NULL, title TEXT NULL, load_successful BOOLEAN NOT NULL DEFAULT 1, http_non_get BOOLEAN NOT NULL DEFAULT 0, synthesized BOOLEAN NOT NULL DEFAULT 0, redirect_source INTEGER NULL UNIQUE REFERENCES history_visits(id) ON DELETE CASCADE, redirect_destination INTEGER NULL UNIQUE REFERENCES history_visits(id) ON DELETE CASCADE, origin INTEGER NOT NULL DEFAULT 0, generation INTEGER NOT NULL DEFAULT 0, attributes INTEGER NOT NULL DEFAULT 0, score INTEGER NOT NULL DEFAULT 0);
CREATE TABLE history_tombstones (id INTEGER PRIMARY KEY AUTOINCREMENT, start_time REAL NOT NULL, end_time REAL NOT NULL, url TEXT, generation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE metadata (key TEXT NOT NULL UNIQUE, value);
CREATE TABLE history_client_versions (client_version INTEGER PRIMARY KEY, last_seen REAL NOT NULL);
CREATE TABLE history_event_listeners (listener_name TEXT PRIMARY KEY NOT NULL UNIQUE, last_seen REAL NOT NULL);
CREATE TABLE history_events (id INTEGER PRIMARY KEY AUTOINCREMENT, event_type TEXT NOT NULL, event_time REAL NOT NULL, pending_listeners TEXT NOT NULL, value BLOB);
CREATE INDEX history_items__domain_expansion ON history_items (domain_expansion);
CREATE INDEX history_visits__last_visit ON history_visits (history_item, visit_time DESC, synthesized ASC);
CREATE INDEX history_visits__origin ON history_visits (origin, generation);
CREATE INDEX history_tombstones__generation ON history_tombstones (generation);
CREATE INDEX history_tombstones__end_time ON history_tombstones (end_time);
`;

export const BOOKMARKS_SCHEMA = `
CREATE TABLE bookmarks (id INTEGER PRIMARY KEY, special_id INTEGER DEFAULT 0, parent INTEGER, type INTEGER, title TEXT, url TEXT, num_children INTEGER DEFAULT 0, editable INTEGER DEFAULT 1, deletable INTEGER DEFAULT 1, hidden INTEGER DEFAULT 0, hidden_ancestor_count INTEGER DEFAULT 0, order_index INTEGER NOT NULL, external_uuid TEXT, read INTEGER DEFAULT NULL, last_modified REAL DEFAULT NULL, server_id TEXT, sync_key TEXT, sync_data BLOB, added INTEGER DEFAULT 1, deleted INTEGER DEFAULT 0, extra_attributes BLOB DEFAULT NULL, local_attributes BLOB DEFAULT NULL, fetched_icon BOOL DEFAULT 0, icon BLOB DEFAULT NULL, dav_generation INTEGER DEFAULT 0, locally_added BOOL DEFAULT 0, archive_status INTEGER DEFAULT 0, syncable BOOL DEFAULT 1, web_filter_status INTEGER DEFAULT 0, modified_attributes UNSIGNED BIG INT DEFAULT 0);
CREATE TABLE bookmark_title_words (id INTEGER PRIMARY KEY, bookmark_id INTEGER NOT NULL REFERENCES bookmarks(id) ON DELETE CASCADE, word TEXT, word_index INTEGER);
CREATE TABLE generations (generation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE sync_properties (key TEXT PRIMARY KEY, value TEXT);
CREATE INDEX parent_index ON bookmarks (parent, order_index);
CREATE INDEX special_id_index ON bookmarks (special_id);
CREATE INDEX external_uuid_index ON bookmarks (external_uuid);
`;

function domainExpansion(url: string): string | null {
  const host = /^https?:\/\/([^/]+)/.exec(url)?.[1];
  return host ? host.replace(/^www\./, '').split('.').slice(0, -1).join('.') || null : null;
}

export function buildHistory(ctx: WorldContext, path: string): void {
  build(path, HISTORY_SCHEMA, (db) => {
    const item = db.prepare(`INSERT INTO history_items (url, domain_expansion, visit_count, daily_visit_counts, should_recompute_derived_visit_counts,
      visit_count_score) VALUES (?, ?, ?, ?, 0, ?)`);
    const visit = db.prepare('INSERT INTO history_visits (history_item, visit_time, title, load_successful, origin, generation) VALUES (?, ?, ?, 1, 0, 1)');
    for (const h of safariHistory(ctx)) {
      const counts = Buffer.alloc(4);
      counts.writeUInt32LE(h.visits.length, 0);
      const id = item.run(h.url, domainExpansion(h.url), h.visits.length, counts, h.visits.length * 100).lastInsertRowid;
      for (const t of h.visits) visit.run(id, appleSeconds(t), h.title);
    }
    db.prepare(`INSERT INTO metadata (key, value) VALUES ('version', 20)`).run();
  });
}

export function buildBookmarks(ctx: WorldContext, path: string): void {
  build(path, BOOKMARKS_SCHEMA, (db) => {
    const rng = new Rng(ctx.seed, 'bookmarks');
    const insert = db.prepare(`INSERT INTO bookmarks (id, special_id, parent, type, title, url, num_children, editable, deletable, hidden, order_index,
      external_uuid, last_modified) VALUES (@id, @special, @parent, @type, @title, @url, @children, @editable, @editable, @hidden, @order, @uuid, @modified)`);
    const all = safariBookmarks(ctx);
    const modified = appleSeconds(ctx.now - 86_400_000);
    const folder = (id: number, special: number, parent: number | null, title: string, order: number, children: number, hidden = 0): void => {
      insert.run({ id, special, parent, type: 1, title, url: null, children, editable: special ? 0 : 1, hidden, order, uuid: rng.uuid(), modified });
    };
    folder(0, 0, null, 'Root', 0, 3);
    folder(1, 1, 0, 'BookmarksBar', 0, all.length);
    folder(2, 2, 0, 'BookmarksMenu', 1, 0);
    folder(3, 3, 0, 'com.apple.ReadingList', 2, 0, 1);
    all.forEach((b, k) => insert.run({ id: 10 + k, special: 0, parent: 1, type: 0, title: b.title, url: b.url, children: 0, editable: 1, hidden: 0, order: k, uuid: rng.uuid(), modified }));
    db.prepare('INSERT INTO generations (generation) VALUES (1)').run();
  });
}
