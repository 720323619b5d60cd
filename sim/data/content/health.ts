/**
 * HealthDomain Health/healthdb.sqlite (sources, devices) and Health/healthdb_secure.sqlite (samples).
 *
 * Schema (column names as iLEAPP health.py joins them): samples(data_id, start_date, end_date,
 * data_type) ⨝ quantity_samples(data_id, quantity, original_quantity, original_unit) or
 * category_samples(data_id, value) ⨝ objects(data_id, uuid, provenance, type, creation_date) ⨝
 * data_provenances(ROWID, origin_product_type, origin_build, local_product_type, local_build, source_id,
 * device_id, source_version, tz_name …) → healthdb.sqlite sources(ROWID, uuid, bundle_id, name …) and
 * source_devices(ROWID, name, manufacturer, model, hardware, software, localIdentifier …); plus
 * metadata_keys/metadata_values, workouts, workout_activities, workout_statistics, unit_strings.
 * Dates are seconds since 2001; heart rate is stored in count/s (readers multiply by 60).
 */
import { Rng } from '../prng.js';
import { appleSeconds } from '../time.js';
import type { WorldContext } from '../world/context.js';
import { healthSamples } from '../world/misc.js';
import { build } from './sqlite.js';

export const HEALTHDB_SCHEMA = `
CREATE TABLE sources (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, uuid BLOB UNIQUE NOT NULL, bundle_id TEXT, name TEXT, source_options INTEGER, local_device INTEGER, product_type TEXT, deleted INTEGER, mod_date REAL, provenance INTEGER, sync_anchor INTEGER, owning_app_bundle_id TEXT);
CREATE TABLE source_devices (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, uuid BLOB UNIQUE NOT NULL, name TEXT, manufacturer TEXT, model TEXT, hardware TEXT, firmware TEXT, software TEXT, localIdentifier TEXT, FDAUDI TEXT, creation_date REAL, sync_provenance INTEGER, sync_identity INTEGER);
CREATE TABLE key_value (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, category INTEGER NOT NULL, domain TEXT NOT NULL, key TEXT NOT NULL, value, provenance INTEGER NOT NULL, mod_date REAL NOT NULL, UNIQUE(category, domain, key));
`;

export const HEALTHDB_SECURE_SCHEMA = `
CREATE TABLE objects (data_id INTEGER PRIMARY KEY AUTOINCREMENT, uuid BLOB UNIQUE, provenance INTEGER NOT NULL, type INTEGER, creation_date REAL);
CREATE TABLE samples (data_id INTEGER PRIMARY KEY, start_date REAL, end_date REAL, data_type INTEGER);
CREATE TABLE quantity_samples (data_id INTEGER PRIMARY KEY, quantity REAL, original_quantity REAL, original_unit INTEGER);
CREATE TABLE category_samples (data_id INTEGER PRIMARY KEY, value INTEGER);
CREATE TABLE quantity_sample_series (data_id INTEGER PRIMARY KEY, count INTEGER NOT NULL DEFAULT 0, insertion_era INTEGER, hfd_key INTEGER UNIQUE NOT NULL, series_location INTEGER NOT NULL);
CREATE TABLE data_provenances (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, sync_provenance INTEGER NOT NULL, origin_product_type TEXT NOT NULL, origin_build TEXT NOT NULL, local_product_type TEXT NOT NULL, local_build TEXT NOT NULL, source_id INTEGER NOT NULL, device_id INTEGER NOT NULL, contributor_id INTEGER NOT NULL DEFAULT 0, source_version TEXT NOT NULL, tz_name TEXT NOT NULL, origin_major_version INTEGER NOT NULL, origin_minor_version INTEGER NOT NULL, origin_patch_version INTEGER NOT NULL, derived_flags INTEGER NOT NULL DEFAULT 0);
CREATE TABLE metadata_keys (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE);
CREATE TABLE metadata_values (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, key_id INTEGER, object_id INTEGER, value_type INTEGER NOT NULL DEFAULT 0, string_value TEXT, numerical_value REAL, date_value REAL, data_value BLOB);
CREATE TABLE unit_strings (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, unit_string TEXT UNIQUE);
CREATE TABLE workouts (data_id INTEGER PRIMARY KEY, total_distance REAL, goal_type INTEGER, goal REAL, total_energy_burned REAL, total_basal_energy_burned REAL, total_flights_climbed INTEGER, total_w_steps REAL, condenser_version INTEGER, condenser_date REAL);
CREATE TABLE workout_activities (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, uuid BLOB UNIQUE NOT NULL, owner_id INTEGER NOT NULL, is_primary_activity INTEGER NOT NULL, activity_type INTEGER NOT NULL, location_type INTEGER NOT NULL, swimming_location_type INTEGER NOT NULL, lap_length BLOB, start_date REAL NOT NULL, end_date REAL NOT NULL, duration REAL NOT NULL, metadata BLOB);
CREATE TABLE workout_statistics (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, workout_activity_id INTEGER NOT NULL, data_type INTEGER NOT NULL, quantity REAL NOT NULL, min REAL, max REAL);
CREATE INDEX samples_type_anchor ON samples (data_type, data_id);
CREATE INDEX samples_type_start_end ON samples (data_type, start_date, end_date);
CREATE INDEX metadata_values_object_id ON metadata_values (object_id);
`;

export function buildHealthDb(ctx: WorldContext, path: string): void {
  build(path, HEALTHDB_SCHEMA, (db) => {
    const rng = new Rng(ctx.seed, 'healthdb');
    const created = appleSeconds(ctx.now - 500 * 86_400_000);
    const source = db.prepare('INSERT INTO sources (uuid, bundle_id, name, source_options, local_device, product_type, deleted, mod_date, provenance) VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0)');
    source.run(rng.bytes(16), `com.apple.health.${rng.uuid()}`, ctx.identity.deviceName, 5, 1, ctx.identity.productType, created);
    source.run(rng.bytes(16), 'com.apple.Health', 'Health', 4, 0, null, created);
    const device = db.prepare('INSERT INTO source_devices (uuid, name, manufacturer, model, hardware, firmware, software, localIdentifier, creation_date, sync_provenance) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, 0)');
    device.run(rng.bytes(16), '__NONE__', null, null, null, null, null, created);
    device.run(rng.bytes(16), ctx.identity.deviceName, 'Apple Inc.', 'iPhone', ctx.identity.productType, ctx.iosVersion, rng.uuid(), created);
  });
}

export function buildHealthSecure(ctx: WorldContext, path: string): void {
  build(path, HEALTHDB_SECURE_SCHEMA, (db) => {
    const rng = new Rng(ctx.seed, 'healthdb-secure');
    db.prepare(`INSERT INTO data_provenances (sync_provenance, origin_product_type, origin_build, local_product_type, local_build, source_id, device_id,
      source_version, tz_name, origin_major_version, origin_minor_version, origin_patch_version) VALUES (0, ?, ?, ?, ?, 1, 2, ?, ?, ?, ?, 0)`).run(
      ctx.identity.productType, '22G86', ctx.identity.productType, '22G86', ctx.iosVersion, ctx.clock.timeZone, Number(ctx.iosVersion.split('.')[0] ?? 18), Number(ctx.iosVersion.split('.')[1] ?? 0));
    for (const unit of ['count', 'count/s', 'kg', 'm']) db.prepare('INSERT INTO unit_strings (unit_string) VALUES (?)').run(unit);
    const object = db.prepare('INSERT INTO objects (uuid, provenance, type, creation_date) VALUES (?, 1, 1, ?)');
    const sample = db.prepare('INSERT INTO samples (data_id, start_date, end_date, data_type) VALUES (?, ?, ?, ?)');
    const quantity = db.prepare('INSERT INTO quantity_samples (data_id, quantity, original_quantity, original_unit) VALUES (?, ?, ?, ?)');
    const category = db.prepare('INSERT INTO category_samples (data_id, value) VALUES (?, ?)');
    const unitOf: Record<number, number> = { 7: 1, 5: 2, 3: 3, 2: 4 };
    for (const s of healthSamples(ctx)) {
      const id = Number(object.run(rng.bytes(16), appleSeconds(s.end)).lastInsertRowid);
      sample.run(id, appleSeconds(s.start), appleSeconds(s.end), s.type);
      if (s.quantity !== undefined) quantity.run(id, s.quantity, s.quantity, unitOf[s.type] ?? 1);
      else category.run(id, s.category ?? 0);
    }
  });
}
