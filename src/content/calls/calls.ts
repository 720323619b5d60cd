/**
 * Call history from HomeDomain Library/CallHistoryDB/CallHistory.storedata (a Core Data store) and its
 * CSV export.
 *
 * Nouns: a *call* is a ZCALLRECORD row: ZADDRESS (the number, stored as text or as UTF-8 bytes), ZDATE
 * (Apple seconds), ZDURATION (seconds), ZORIGINATED (1 outgoing), ZANSWERED, ZCALLTYPE (1 phone, 8
 * FaceTime video, 16 FaceTime audio, 0 third-party app), ZSERVICE_PROVIDER. Facts: MVT calls.py,
 * iLEAPP callHistory.py.
 */
import { join } from 'node:path';
import { CsvWriter } from '../common/csv.js';
import { fromAppleSeconds } from '../common/dates.js';
import type { ExportMeter } from '../common/progress.js';
import { contactNames } from '../contacts/reader.js';
import { columnsOf, schemaError, tableExists, type ContentSource, type Db } from '../source.js';

export const CALL_HISTORY_DB = { domain: 'HomeDomain', path: 'Library/CallHistoryDB/CallHistory.storedata' } as const;

export interface Call {
  readonly address: string;
  readonly date?: Date;
  readonly durationSeconds: number;
  readonly outgoing: boolean;
  readonly answered: boolean;
  readonly callType: number;
  readonly kind: string;
  readonly provider?: string;
  readonly location?: string;
}

const KINDS: Readonly<Record<number, string>> = { 0: 'app', 1: 'phone', 8: 'FaceTime video', 16: 'FaceTime audio' };

export async function openCalls(source: ContentSource): Promise<Db | undefined> {
  const db = await source.database(CALL_HISTORY_DB.domain, CALL_HISTORY_DB.path);
  return db && tableExists(db, 'ZCALLRECORD') ? db : undefined;
}

export function countCalls(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM ZCALLRECORD').get() as { n: number }).n;
}

export function* readCalls(db: Db): Generator<Call> {
  const cols = columnsOf(db, 'ZCALLRECORD');
  const opt = (name: string): string => (cols.has(name) ? name : `NULL AS ${name}`);
  let statement;
  try {
    statement = db.prepare(`SELECT ZADDRESS, ZDATE, ZDURATION, ZORIGINATED, ZANSWERED, ${opt('ZCALLTYPE')}, ${opt('ZSERVICE_PROVIDER')}, ${opt('ZLOCATION')} FROM ZCALLRECORD ORDER BY ZDATE, Z_PK`);
  } catch (error) {
    throw schemaError('CallHistory.storedata', error);
  }
  for (const r of statement.iterate() as Iterable<Record<string, unknown>>) {
    const raw = r['ZADDRESS'];
    const address = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
    const callType = Number(r['ZCALLTYPE'] ?? 1);
    yield {
      address,
      date: fromAppleSeconds(r['ZDATE']),
      durationSeconds: Number(r['ZDURATION'] ?? 0),
      outgoing: Number(r['ZORIGINATED'] ?? 0) === 1,
      answered: Number(r['ZANSWERED'] ?? 0) === 1,
      callType,
      kind: KINDS[callType] ?? `type ${callType}`,
      ...(typeof r['ZSERVICE_PROVIDER'] === 'string' ? { provider: r['ZSERVICE_PROVIDER'] } : {}),
      ...(typeof r['ZLOCATION'] === 'string' ? { location: r['ZLOCATION'] } : {}),
    };
  }
}

export async function exportCalls(source: ContentSource, out: string, meter: ExportMeter): Promise<{ calls: number } | undefined> {
  const db = await openCalls(source);
  if (!db) return undefined;
  const nameOf = await contactNames(source);
  const csv = await CsvWriter.create(join(out, 'calls.csv'), ['date', 'direction', 'answered', 'duration_s', 'number', 'name', 'kind', 'location', 'service']);
  let calls = 0;
  try {
    for (const c of readCalls(db)) {
      await csv.row([c.date, c.outgoing ? 'outgoing' : 'incoming', c.answered, Math.round(c.durationSeconds * 1000) / 1000, c.address, nameOf(c.address) ?? '', c.kind, c.location, c.provider]);
      calls++;
      meter.add(1);
    }
    await csv.close();
  } catch (error) {
    csv.destroy();
    throw error;
  }
  return { calls };
}
