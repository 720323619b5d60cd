/**
 * What both encoders share: deciding which plist type a JS value becomes, and refusing values that have
 * no plist form.
 *
 * Nouns: a *kind* is the plist type a value maps to (see the table in types.ts); the *walk* is one
 * encoder's depth-first trip through the value tree; the walk's *path* (segments such as `Files`, `3`)
 * names the element being visited, so an error can say exactly which key holds the bad value; the
 * *ancestors* are the containers currently open on the walk — meeting one again is a cycle, which would
 * otherwise recurse forever.
 */
import { PlistError, formatPath } from './errors.js';
import type { PlistDict, PlistValue } from './types.js';
import { DEFAULT_PLIST_LIMITS, PlistReal, PlistUid } from './types.js';

export type PlistKind = 'string' | 'int' | 'real' | 'bool' | 'date' | 'data' | 'uid' | 'array' | 'dict';

export const INT64_MIN = -(2n ** 63n);
export const UINT64_MAX = 2n ** 64n - 1n;

export class EncodeWalk {
  readonly path: (string | number)[] = [];
  private readonly ancestors = new Set<object>();

  constructor(private readonly format: string) {}

  error(message: string): PlistError {
    return new PlistError(`${this.format}: cannot encode ${message}`, { path: formatPath(this.path) });
  }

  /** Marks a container as open; throws on a cycle or on nesting deeper than the parse limit. */
  enter(container: object): void {
    if (this.ancestors.has(container)) throw this.cycle();
    this.checkDepth(this.ancestors.size);
    this.ancestors.add(container);
  }

  /** Throws when a container at `depth` open ancestors would nest deeper than parsers accept. */
  checkDepth(depth: number): void {
    if (depth >= DEFAULT_PLIST_LIMITS.maxDepth) {
      throw this.error(`nesting deeper than ${DEFAULT_PLIST_LIMITS.maxDepth}, which parsers would refuse`);
    }
  }

  cycle(): PlistError {
    return this.error('a container that contains itself (cycle)');
  }

  leave(container: object): void {
    this.ancestors.delete(container);
  }

  /** The plist kind of `value`, or a PlistError naming the path when it has none. */
  kindOf(value: unknown): PlistKind {
    switch (typeof value) {
      case 'string':
        return 'string';
      case 'boolean':
        return 'bool';
      case 'bigint':
        if (value < INT64_MIN || value > UINT64_MAX) throw this.error(`integer ${value}: outside -2^63..2^64-1`);
        return 'int';
      case 'number':
        if (!Number.isInteger(value)) return 'real'; // includes NaN and ±Infinity
        if (!Number.isSafeInteger(value) && (value < -(2 ** 63) || value >= 2 ** 64)) {
          throw this.error(`integer ${value}: outside -2^63..2^64-1 (wrap it in PlistReal to write a real)`);
        }
        return 'int';
      case 'object':
        return this.objectKind(value);
      default:
        throw this.error(`a value of type ${typeof value}`);
    }
  }

  private objectKind(value: object | null): PlistKind {
    if (value === null) throw this.error('null (plists have no null)');
    if (Array.isArray(value)) return 'array';
    if (value instanceof Uint8Array) return 'data';
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw this.error('an invalid Date');
      return 'date';
    }
    if (value instanceof PlistReal) {
      if (typeof value.value !== 'number') throw this.error('a PlistReal whose value is not a number');
      return 'real';
    }
    if (value instanceof PlistUid) {
      // CoreFoundation UIDs are 32-bit, and libplist refuses wider ones.
      if (!Number.isInteger(value.value) || value.value < 0 || value.value > 0xffffffff) {
        throw this.error(`UID ${String(value.value)}: not an integer in 0..2^32-1`);
      }
      return 'uid';
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return 'dict';
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    throw this.error(`an object of class ${typeof name === 'string' ? name : 'unknown'}`);
  }
}

/** Integers as the encoders want them: a number when exact, else a bigint. */
export function normalizeInt(value: number | bigint): number | bigint {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : BigInt(value);
  return value >= -BigInt(Number.MAX_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** A dict's entries in insertion order (JS lists integer-like keys first; that is the one exception). */
export function dictEntries(dict: PlistDict): [string, PlistValue][] {
  return Object.entries(dict);
}

export function realValue(value: number | PlistReal): number {
  return typeof value === 'number' ? value : value.value;
}
