/**
 * Turns the character data of XML plist scalar elements into values: `<integer>`, `<real>`, `<date>`
 * and `<data>`. Each function returns the value, or a string naming what is wrong (the caller adds the
 * location), so this module stays free of cursor state.
 *
 * Accepted spellings, chosen to read everything CoreFoundation and libplist write:
 * - integer: optional sign, then decimal digits or `0x` hex (libplist accepts hex); -2^63..2^64-1.
 * - real: decimal/exponent forms, and `nan`, `inf`, `infinity` with optional sign, any case
 *   (CoreFoundation and libplist write `nan`, `+infinity`, `-infinity`).
 * - date: `YYYY-MM-DDTHH:MM:SSZ`, optionally with fractional seconds, which newer writers emit.
 * - data: base64 with any XML whitespace between characters; padding may be omitted.
 * Surrounding whitespace is ignored for all four.
 */
import { PlistReal } from './types.js';

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
const INTEGER = /^([+-]?)(?:0[xX]0*([0-9A-Fa-f]+)|0*(\d+))$/;
const REAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const XML_SPACE = /[ \t\r\n]+/g;

export function parseInteger(raw: string): number | bigint | string {
  const text = raw.trim();
  // Length caps before every pattern keep a hostile megabyte of digits from costing more than a glance.
  const match = text.length <= 100 ? INTEGER.exec(text) : null;
  if (!match) return `"${preview(text)}" is not an integer`;
  const negative = match[1] === '-';
  const hex = match[2];
  const decimal = match[3];
  // Leading zeros are stripped by the pattern; longer digit strings cannot be in range, and refusing them
  // up front keeps a hostile megabyte of digits from reaching BigInt.
  if (hex !== undefined ? hex.length > 16 : decimal!.length > 20) return `integer "${preview(text)}" is out of range`;
  if (decimal !== undefined && decimal.length <= 15) return negative ? 0 - Number(decimal) : Number(decimal); // 0 - 0 is +0
  let value = BigInt(hex !== undefined ? `0x${hex}` : decimal!);
  if (negative) value = -value;
  if (value < INT64_MIN || value > UINT64_MAX) return `integer "${preview(text)}" is outside -2^63..2^64-1`;
  return value >= -BigInt(Number.MAX_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

export function parseReal(raw: string, preserveRealType: boolean): number | PlistReal | string {
  const text = raw.trim();
  let value: number;
  switch (text.toLowerCase()) {
    case 'nan':
    case '+nan':
    case '-nan':
      value = NaN;
      break;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      value = Infinity;
      break;
    case '-inf':
    case '-infinity':
      value = -Infinity;
      break;
    default:
      if (text.length > 1100 || !REAL.test(text)) return `"${preview(text)}" is not a real number`;
      value = Number(text);
  }
  return preserveRealType && Number.isInteger(value) ? new PlistReal(value) : value;
}

export function parseDate(raw: string): Date | string {
  const text = raw.trim();
  const match = text.length <= 64 ? DATE.exec(text) : null;
  if (!match) return `"${preview(text)}" is not a date of the form YYYY-MM-DDTHH:MM:SSZ`;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return `date "${text}" has a field out of range`;
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  if (date.getUTCDate() !== day) return `date "${text}" names a day its month does not have`;
  return date;
}

export function parseData(raw: string): Buffer | string {
  const text = raw.replace(XML_SPACE, '');
  const unpadded = text.length % 4;
  if (!BASE64.test(text) || unpadded === 1 || (unpadded !== 0 && text.endsWith('='))) {
    return 'data is not valid base64';
  }
  return Buffer.from(text, 'base64');
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
