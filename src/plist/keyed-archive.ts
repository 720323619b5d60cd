/**
 * NSKeyedArchiver support: writing archives (here) and reading them (keyed-decode.ts, re-exported).
 *
 * Nouns (see keyed-decode.ts for the archive layout): a *KeyedObject* is an instance of a named
 * Objective-C class whose *fields* are encoded under string keys; its *class chain* is the `$classes`
 * list (the class and its superclasses). A field value is either *inline* — stored in the object's own
 * dict, as `encodeInt64:forKey:`, `encodeBool:forKey:`, `encodeDouble:forKey:` and `encodeBytes:…`
 * do — or an *object* stored as its own `$objects` entry and referenced by UID, as `encodeObject:forKey:`
 * does:
 *
 *   number / bigint / boolean / PlistReal → inline (integers as integers, other numbers as reals)
 *   KeyedInline(v)                         → inline, verbatim (e.g. the NS.data bytes of NSMutableData)
 *   string                                 → NSString entry (a plain string in $objects)
 *   Uint8Array                             → NSData entry (plain data in $objects)
 *   Date                                   → NSDate object; arrays → NSArray; plain objects → NSDictionary
 *   KeyedObject                            → a classed object; null → `$null`; undefined → field omitted
 *
 * Entry order imitates NSKeyedArchiver — an object's slot is reserved, its fields are encoded (appending
 * their entries), then its class entry is appended if new — so a Finder-style Manifest.db MBFile record
 * comes out as `[$null, MBFile, RelativePath, EncryptionKey, NSMutableData class, MBFile class]`.
 * The same JS object met twice is archived once, so shared and cyclic KeyedObject graphs work.
 */
import { PlistError } from './errors.js';
import type { PlistDict, PlistValue } from './types.js';
import { APPLE_EPOCH_OFFSET_SECONDS, DEFAULT_PLIST_LIMITS, PlistReal, PlistUid } from './types.js';

export { decodeKeyedArchive } from './keyed-decode.js';

export type KeyedValue =
  | number
  | bigint
  | boolean
  | PlistReal
  | string
  | Uint8Array
  | Date
  | KeyedObject
  | KeyedInline
  | null
  | undefined
  | readonly KeyedValue[]
  | { readonly [key: string]: KeyedValue };

export class KeyedObject {
  constructor(
    readonly className: string,
    readonly fields: { readonly [key: string]: KeyedValue },
    readonly classChain: readonly string[] = [className, 'NSObject'],
  ) {}
}

/** A field value written into the object's own dict exactly as given. */
export class KeyedInline {
  constructor(readonly value: PlistValue) {}
}

/** An NSMutableData object, the form MBFile's EncryptionKey takes (class-prefixed wrapped key bytes). */
export function nsMutableData(bytes: Uint8Array): KeyedObject {
  return new KeyedObject('NSMutableData', { 'NS.data': new KeyedInline(bytes) }, ['NSMutableData', 'NSData', 'NSObject']);
}

export function encodeKeyedArchive(root: KeyedObject): PlistDict {
  const archiver = new KeyedArchiver();
  const rootUid = archiver.object(root, 0, 'root');
  return { $version: 100000, $archiver: 'NSKeyedArchiver', $top: { root: rootUid }, $objects: archiver.objects };
}

class KeyedArchiver {
  readonly objects: PlistValue[] = ['$null'];
  private readonly seen = new Map<unknown, PlistUid>();
  private readonly classes = new Map<string, PlistUid>();

  /** Archives a value that must live in $objects and returns its UID. */
  object(value: KeyedValue, depth: number, where: string): PlistUid {
    if (value === null) return new PlistUid(0);
    if (depth > DEFAULT_PLIST_LIMITS.maxDepth) throw fail(`nesting deeper than ${DEFAULT_PLIST_LIMITS.maxDepth}`, where);
    const known = this.seen.get(value);
    if (known !== undefined) return known;
    if (typeof value === 'string' || value instanceof Uint8Array) return this.remember(value, this.add(value));
    // NSNumber inside a collection: a plain number entry.
    if (typeof value === 'boolean' || typeof value === 'bigint' || typeof value === 'number' || value instanceof PlistReal) {
      return this.add(this.field(value, depth, where));
    }
    if (value instanceof Date) {
      const time = value.getTime();
      if (Number.isNaN(time)) throw fail('an invalid Date', where);
      return this.classed(value, { 'NS.time': new PlistReal(time / 1000 - APPLE_EPOCH_OFFSET_SECONDS) }, 'NSDate', ['NSDate', 'NSObject'], depth, where);
    }
    if (value instanceof KeyedObject) return this.classed(value, value.fields, value.className, value.classChain, depth, where);
    if (Array.isArray(value)) {
      const items = value as readonly KeyedValue[];
      return this.classed(value, { 'NS.objects': items }, 'NSArray', ['NSArray', 'NSObject'], depth, where, true);
    }
    if (isPlainObject(value)) {
      const entries = Object.entries(value);
      const fields = { 'NS.keys': entries.map(([k]) => k), 'NS.objects': entries.map(([, v]) => v) };
      return this.classed(value, fields, 'NSDictionary', ['NSDictionary', 'NSObject'], depth, where, true);
    }
    throw fail(`${describe(value)} cannot be an archived object`, where);
  }

  /**
   * Reserves `value`'s slot, encodes its fields, then appends its class. `listFields` marks NS.objects /
   * NS.keys, whose elements are each archived as objects (the collection form), not inlined.
   */
  private classed(
    value: object,
    fields: { readonly [key: string]: KeyedValue },
    className: string,
    classChain: readonly string[],
    depth: number,
    where: string,
    listFields = false,
  ): PlistUid {
    const dict: PlistDict = {};
    const uid = this.remember(value, this.add(dict));
    for (const [key, field] of Object.entries(fields)) {
      if (field === undefined) continue;
      if (key === '$class') throw fail('"$class" is reserved for the class reference', `${where}.${key}`);
      const at = `${where}.${key}`;
      dict[key] =
        listFields && Array.isArray(field)
          ? (field as readonly KeyedValue[]).map((item, i) => this.object(item ?? null, depth + 1, `${at}[${i}]`))
          : this.field(field, depth + 1, at);
    }
    dict['$class'] = this.classRef(className, classChain);
    return uid;
  }

  /** A field value: inline when it is a scalar, otherwise a UID to its own entry. */
  private field(value: KeyedValue, depth: number, where: string): PlistValue {
    if (value instanceof KeyedInline) return value.value;
    if (value instanceof PlistReal) return value;
    switch (typeof value) {
      case 'boolean':
      case 'bigint':
        return value;
      case 'number':
        return Number.isInteger(value) ? value : new PlistReal(value);
    }
    return this.object(value, depth, where);
  }

  private classRef(className: string, classChain: readonly string[]): PlistUid {
    let uid = this.classes.get(className);
    if (uid === undefined) {
      uid = this.add({ $classes: [...classChain], $classname: className });
      this.classes.set(className, uid);
    }
    return uid;
  }

  private add(entry: PlistValue): PlistUid {
    this.objects.push(entry);
    return new PlistUid(this.objects.length - 1);
  }

  private remember(value: unknown, uid: PlistUid): PlistUid {
    this.seen.set(value, uid);
    return uid;
  }
}

function isPlainObject(value: unknown): value is { readonly [key: string]: KeyedValue } {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  return value instanceof PlistUid ? 'a PlistUid' : `a value of type ${typeof value}`;
}

function fail(message: string, where: string): PlistError {
  return new PlistError(`keyed archive: cannot encode ${message}`, { path: where });
}
