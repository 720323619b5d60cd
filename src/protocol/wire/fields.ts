/**
 * Typed reads of plist dictionary fields. Everything a peer sends is untrusted, so protocol code never
 * casts: it asks for "the string Request" or "the optional unsigned integer Port" and gets a value of
 * that type or a ProtocolError naming the message and the field.
 */
import type { PlistDict, PlistValue } from '../../plist/index.js';
import { ProtocolError } from '../errors.js';
import { isPlistDict } from './plist-frame.js';

function bad(what: string, key: string, expected: string, value: PlistValue | undefined): ProtocolError {
  const got = value === undefined ? 'nothing' : describeType(value);
  return new ProtocolError(`${what}: field "${key}" must be ${expected}, got ${got}`, { code: 'PROTOCOL_BAD_FIELD' });
}

export function describeType(value: PlistValue): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'data';
  if (value instanceof Date) return 'a date';
  if (isPlistDict(value)) return 'a dictionary';
  return `a ${typeof value}`;
}

export function optionalString(dict: PlistDict, key: string, what: string): string | undefined {
  const value = dict[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw bad(what, key, 'a string', value);
  return value;
}

export function requireString(dict: PlistDict, key: string, what: string): string {
  const value = optionalString(dict, key, what);
  if (value === undefined) throw bad(what, key, 'a string', value);
  return value;
}

export function optionalUint(dict: PlistDict, key: string, what: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const value = dict[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw bad(what, key, `an integer from 0 to ${max}`, value);
  }
  return value;
}

export function requireUint(dict: PlistDict, key: string, what: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = optionalUint(dict, key, what, max);
  if (value === undefined) throw bad(what, key, 'an integer', value);
  return value;
}

export function optionalBool(dict: PlistDict, key: string, what: string): boolean | undefined {
  const value = dict[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw bad(what, key, 'a boolean', value);
  return value;
}

export function optionalData(dict: PlistDict, key: string, what: string): Uint8Array | undefined {
  const value = dict[key];
  if (value === undefined) return undefined;
  if (!(value instanceof Uint8Array)) throw bad(what, key, 'data', value);
  return value;
}

export function requireData(dict: PlistDict, key: string, what: string): Uint8Array {
  const value = optionalData(dict, key, what);
  if (value === undefined) throw bad(what, key, 'data', value);
  return value;
}

export function optionalDict(dict: PlistDict, key: string, what: string): PlistDict | undefined {
  const value = dict[key];
  if (value === undefined) return undefined;
  if (!isPlistDict(value)) throw bad(what, key, 'a dictionary', value);
  return value;
}

export function requireDict(dict: PlistDict, key: string, what: string): PlistDict {
  const value = optionalDict(dict, key, what);
  if (value === undefined) throw bad(what, key, 'a dictionary', value);
  return value;
}

export function optionalArray(dict: PlistDict, key: string, what: string): PlistValue[] | undefined {
  const value = dict[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw bad(what, key, 'an array', value);
  return value;
}
