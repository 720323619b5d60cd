/**
 * CSV as RFC 4180 writes it: a header row, CRLF line ends, and a field quoted (with doubled quotes)
 * whenever it holds a comma, quote, CR or LF or starts/ends with a space — so message texts with
 * line breaks survive a round trip through any spreadsheet or CSV library.
 */
import { TextSink } from './sink.js';

export type CsvValue = string | number | boolean | null | undefined | Date;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** A CSV file opened with its header; rows are streamed. */
export class CsvWriter {
  rows = 0;

  private constructor(private readonly sink: TextSink) {}

  static async create(path: string, header: readonly string[]): Promise<CsvWriter> {
    const sink = await TextSink.open(path);
    await sink.write(csvRow(header));
    return new CsvWriter(sink);
  }

  async row(values: readonly CsvValue[]): Promise<void> {
    this.rows++;
    await this.sink.write(csvRow(values));
  }

  close(): Promise<void> {
    return this.sink.close();
  }

  destroy(): void {
    this.sink.destroy();
  }
}

/** Parses CSV text (RFC 4180) into rows — for tests and for reading our own exports back. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c === '"') throw new Error(`CSV: stray quote at offset ${i}`);
    else field += c;
    i++;
  }
  if (quoted) throw new Error('CSV: unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
