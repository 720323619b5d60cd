/**
 * Health samples from HealthDomain Health/healthdb_secure.sqlite (with healthdb.sqlite for source
 * names) and their CSV export. Health is only in encrypted backups: an iPhone leaves HealthDomain out
 * of unencrypted ones.
 *
 * Nouns: a *sample* is a samples row (data_id, start_date, end_date, data_type — Apple seconds) with
 * its value in quantity_samples (quantity in HealthKit's canonical unit, original_unit → unit_strings)
 * or category_samples (value); objects.provenance → data_provenances.source_id → healthdb.sqlite
 * sources.name. Heart rate is stored per second and shown per minute. Facts: iLEAPP health.py.
 */
import { join } from 'node:path';
import { CsvWriter } from '../common/csv.js';
import { fromAppleSeconds } from '../common/dates.js';
import type { ExportMeter } from '../common/progress.js';
import { schemaError, tableExists, type ContentSource, type Db } from '../source.js';

export const HEALTH_DOMAIN = 'HealthDomain';
export const HEALTH_SECURE_DB = { domain: HEALTH_DOMAIN, path: 'Health/healthdb_secure.sqlite' } as const;
export const HEALTH_DB = { domain: HEALTH_DOMAIN, path: 'Health/healthdb.sqlite' } as const;

/** samples.data_type → name and display unit (HealthKit identifiers as iLEAPP maps them). */
export const HEALTH_TYPES: Readonly<Record<number, { name: string; unit?: string; scale?: number }>> = {
  2: { name: 'Height', unit: 'm' },
  3: { name: 'Body mass', unit: 'kg' },
  5: { name: 'Heart rate', unit: 'count/min', scale: 60 },
  7: { name: 'Steps', unit: 'count' },
  8: { name: 'Walking + running distance', unit: 'm' },
  9: { name: 'Basal energy burned', unit: 'kcal' },
  10: { name: 'Active energy burned', unit: 'kcal' },
  12: { name: 'Flights climbed', unit: 'count' },
  63: { name: 'Sleep analysis' },
  70: { name: 'Apple stand hour' },
};

export interface HealthSample {
  readonly dataType: number;
  readonly type: string;
  readonly start?: Date;
  readonly end?: Date;
  readonly value?: number;
  readonly category?: number;
  readonly unit?: string;
  readonly source?: string;
}

export async function openHealth(source: ContentSource): Promise<Db | undefined> {
  const db = await source.database(HEALTH_SECURE_DB.domain, HEALTH_SECURE_DB.path);
  return db && tableExists(db, 'samples') ? db : undefined;
}

export function countHealth(db: Db): { samples: number; byType: Record<string, number> } {
  const rows = db.prepare('SELECT data_type AS type, count(*) AS n FROM samples GROUP BY data_type ORDER BY data_type').all() as { type: number; n: number }[];
  return { samples: rows.reduce((s, r) => s + r.n, 0), byType: Object.fromEntries(rows.map((r) => [String(r.type), r.n])) };
}

export async function* healthSamples(source: ContentSource, db: Db): AsyncGenerator<HealthSample> {
  const names = new Map<number, string>();
  const main = await source.database(HEALTH_DB.domain, HEALTH_DB.path).catch(() => undefined);
  if (main && tableExists(main, 'sources')) for (const s of main.prepare('SELECT ROWID AS id, name FROM sources').all() as { id: number; name: string | null }[]) if (s.name) names.set(s.id, s.name);
  const has = (t: string): boolean => tableExists(db, t);
  let statement;
  try {
    statement = db.prepare(
      `SELECT s.data_type AS type, s.start_date AS start, s.end_date AS end,
       ${has('quantity_samples') ? 'q.quantity' : 'NULL'} AS quantity, ${has('category_samples') ? 'c.value' : 'NULL'} AS category,
       ${has('unit_strings') && has('quantity_samples') ? 'u.unit_string' : 'NULL'} AS unit, ${has('data_provenances') && has('objects') ? 'p.source_id' : 'NULL'} AS source
       FROM samples s
       ${has('quantity_samples') ? 'LEFT JOIN quantity_samples q ON q.data_id = s.data_id' : ''}
       ${has('category_samples') ? 'LEFT JOIN category_samples c ON c.data_id = s.data_id' : ''}
       ${has('unit_strings') && has('quantity_samples') ? 'LEFT JOIN unit_strings u ON u.ROWID = q.original_unit' : ''}
       ${has('data_provenances') && has('objects') ? 'LEFT JOIN objects o ON o.data_id = s.data_id LEFT JOIN data_provenances p ON p.ROWID = o.provenance' : ''}
       ORDER BY s.start_date, s.data_id`,
    );
  } catch (error) {
    throw schemaError('healthdb_secure.sqlite', error);
  }
  for (const r of statement.iterate() as Iterable<Record<string, unknown>>) {
    const dataType = Number(r['type']);
    const known = HEALTH_TYPES[dataType];
    const quantity = typeof r['quantity'] === 'number' ? r['quantity'] * (known?.scale ?? 1) : undefined;
    yield {
      dataType,
      type: known?.name ?? `type ${dataType}`,
      start: fromAppleSeconds(r['start']),
      end: fromAppleSeconds(r['end']),
      ...(quantity !== undefined ? { value: quantity, unit: known?.unit ?? (typeof r['unit'] === 'string' ? r['unit'] : '') } : {}),
      ...(typeof r['category'] === 'number' ? { category: r['category'] } : {}),
      ...(typeof r['source'] === 'number' && names.has(r['source']) ? { source: names.get(r['source']) } : {}),
    };
  }
}

export async function exportHealth(source: ContentSource, out: string, meter: ExportMeter): Promise<{ samples: number } | undefined> {
  const db = await openHealth(source);
  if (!db) return undefined;
  const csv = await CsvWriter.create(join(out, 'health-samples.csv'), ['type', 'data_type', 'start', 'end', 'value', 'unit', 'category_value', 'source']);
  let samples = 0;
  try {
    for await (const s of healthSamples(source, db)) {
      await csv.row([s.type, s.dataType, s.start, s.end, s.value, s.unit, s.category, s.source]);
      samples++;
      meter.add(1);
    }
    await csv.close();
  } catch (error) {
    csv.destroy();
    throw error;
  }
  return { samples };
}
