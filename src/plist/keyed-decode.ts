/**
 * Reads NSKeyedArchiver archives (already parsed from plist form) into plain JS values.
 *
 * Nouns: the *archive* is a dict with `$archiver`, `$version`, `$top` and `$objects`; an *entry* is
 * one element of `$objects`, and a *UID* (PlistUid) is an index into `$objects` — entry 0 is the
 * string `$null`, meaning nil. A *classed object* is an entry dict whose `$class` UID points at a *class
 * entry* `{ $classname, $classes }`. A *field* is any other key of a classed object; its value is inline
 * (numbers, booleans, inline data) or a UID.
 *
 * Decoding: Foundation value classes become JS values — NSArray/NSSet family → array,
 * NSDictionary → plain object, NSString → string, NSData → Buffer, NSDate → Date; any other class
 * becomes `{ $class: 'Name', ...decoded fields }`. Each entry is decoded once and the result reused, so
 * the work is linear in the archive even when entries are shared; containers are registered before
 * their children are decoded, so a legitimate cycle (a child pointing back at its parent) comes out as
 * a cyclic JS graph instead of recursing forever. A cycle that cannot be built that way (an NSString
 * whose text is itself) and nesting beyond maxDepth are PlistErrors, as are dangling UIDs.
 */
import { PlistError } from './errors.js';
import type { PlistDict, PlistLimits, PlistValue } from './types.js';
import { APPLE_EPOCH_OFFSET_SECONDS, PlistReal, PlistUid, resolveLimits } from './types.js';

const ARRAY_CLASSES = new Set(['NSArray', 'NSMutableArray', 'NSSet', 'NSMutableSet', 'NSOrderedSet', 'NSMutableOrderedSet']);
const DICT_CLASSES = new Set(['NSDictionary', 'NSMutableDictionary']);

export function decodeKeyedArchive(archive: PlistValue, options?: { readonly limits?: Partial<PlistLimits> }): unknown {
  const limits = resolveLimits(options);
  if (!isDict(archive)) throw fail('the archive is not a dict');
  const archiver = archive['$archiver'];
  if (archiver !== undefined && archiver !== 'NSKeyedArchiver') throw fail(`$archiver is ${JSON.stringify(archiver)}, not "NSKeyedArchiver"`);
  const objects = archive['$objects'];
  const top = archive['$top'];
  if (!Array.isArray(objects)) throw fail('$objects is missing or not an array');
  if (!isDict(top) || !(top['root'] instanceof PlistUid)) throw fail('$top.root is missing or not a UID');
  return new KeyedDecoder(objects, limits).resolve(top['root'].value, 0, '$top.root');
}

class KeyedDecoder {
  private readonly decoded = new Map<number, unknown>();
  private readonly inProgress = new Set<number>();
  private readonly classNames = new Map<number, string>();

  constructor(
    private readonly objects: readonly PlistValue[],
    private readonly limits: PlistLimits,
  ) {}

  /** The decoded value of entry `index`; `where` names the referring field for messages. */
  resolve(index: number, depth: number, where: string): unknown {
    if (this.decoded.has(index)) return this.decoded.get(index);
    const entry = this.objects[index];
    if (entry === undefined) throw fail(`UID ${index} at ${where} points past $objects (${this.objects.length} entries)`);
    if (depth > this.limits.maxDepth) throw fail(`nesting deeper than ${this.limits.maxDepth} at ${where}`);
    if (this.inProgress.has(index)) throw fail(`$objects[${index}] refers to itself through ${where}`);
    this.inProgress.add(index);
    const value = this.entry(entry, index, depth);
    this.inProgress.delete(index);
    this.decoded.set(index, value);
    return value;
  }

  private entry(entry: PlistValue, index: number, depth: number): unknown {
    if (entry === '$null') return null;
    const at = `$objects[${index}]`;
    if (!isDict(entry)) return this.field(entry, depth, at);
    const classRef = entry['$class'];
    if (classRef === undefined) return this.fields(entry, {}, index, depth, at);
    if (!(classRef instanceof PlistUid)) throw fail(`${at}.$class is not a UID`);
    const className = this.className(classRef.value, at);
    const named = `${at} (${className})`;
    if (ARRAY_CLASSES.has(className)) {
      const items = entry['NS.objects'];
      if (!Array.isArray(items)) throw fail(`${named}: NS.objects is not an array`);
      const out: unknown[] = [];
      this.decoded.set(index, out);
      items.forEach((item, i) => out.push(this.field(item, depth, `${named}.NS.objects[${i}]`)));
      return out;
    }
    if (DICT_CLASSES.has(className)) return this.dictionary(entry, index, depth, named);
    switch (className) {
      case 'NSString':
      case 'NSMutableString': {
        const text = this.field(entry['NS.string'], depth, `${named}.NS.string`);
        if (typeof text !== 'string') throw fail(`${named}: NS.string is not a string`);
        return text;
      }
      case 'NSData':
      case 'NSMutableData': {
        const data = this.field(entry['NS.data'], depth, `${named}.NS.data`);
        if (!(data instanceof Uint8Array)) throw fail(`${named}: NS.data is not data`);
        return data;
      }
      case 'NSDate': {
        const raw = entry['NS.time'];
        const time = raw instanceof PlistReal ? raw.value : raw;
        const date = new Date(Math.round(((time as number) + APPLE_EPOCH_OFFSET_SECONDS) * 1000));
        if (typeof time !== 'number' || Number.isNaN(date.getTime())) throw fail(`${named}: NS.time is not a usable number`);
        return date;
      }
    }
    const { $class: _ignored, ...rest } = entry;
    return this.fields(rest, { $class: className }, index, depth, named);
  }

  private dictionary(entry: PlistDict, index: number, depth: number, named: string): Record<string, unknown> {
    const keys = entry['NS.keys'];
    const values = entry['NS.objects'];
    if (!Array.isArray(keys) || !Array.isArray(values) || keys.length !== values.length) {
      throw fail(`${named}: NS.keys and NS.objects are not arrays of equal length`);
    }
    const out: Record<string, unknown> = {};
    this.decoded.set(index, out);
    keys.forEach((keyRef, i) => {
      const key = this.field(keyRef, depth, `${named}.NS.keys[${i}]`);
      if (typeof key !== 'string' && typeof key !== 'number') throw fail(`${named}: key ${i} is not a string`);
      define(out, String(key), this.field(values[i], depth, `${named}.NS.objects[${i}]`));
    });
    return out;
  }

  /** Decodes every field of `source` into `out`, registering `out` first so back-references find it. */
  private fields(source: PlistDict, out: Record<string, unknown>, index: number, depth: number, at: string): Record<string, unknown> {
    this.decoded.set(index, out);
    for (const [key, value] of Object.entries(source)) define(out, key, this.field(value, depth, `${at}.${key}`));
    return out;
  }

  /** A field value: UIDs are followed, inline arrays and dicts are decoded element-wise. */
  private field(value: PlistValue | undefined, depth: number, at: string): unknown {
    if (value === undefined) return undefined;
    if (value instanceof PlistUid) return this.resolve(value.value, depth + 1, at);
    if (depth > this.limits.maxDepth) throw fail(`nesting deeper than ${this.limits.maxDepth} at ${at}`);
    if (Array.isArray(value)) return value.map((item, i) => this.field(item, depth + 1, `${at}[${i}]`));
    if (isDict(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) define(out, key, this.field(item, depth + 1, `${at}.${key}`));
      return out;
    }
    return value;
  }

  private className(index: number, at: string): string {
    const known = this.classNames.get(index);
    if (known !== undefined) return known;
    const entry = this.objects[index];
    const name = isDict(entry) ? entry['$classname'] : undefined;
    if (typeof name !== 'string') throw fail(`${at}.$class (UID ${index}) is not a class entry with a $classname`);
    this.classNames.set(index, name);
    return name;
  }
}

function isDict(value: PlistValue | undefined): value is PlistDict {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Sets an own property even for the key `__proto__`. */
function define(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function fail(message: string): PlistError {
  return new PlistError(`keyed archive: ${message}`);
}
