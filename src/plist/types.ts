/**
 * The plist value model shared by the XML and binary codecs.
 *
 * Mapping (chosen so protocol code can type-check what the device sends):
 * - dict → plain object (`PlistDict`), keys in insertion order
 * - array → JS array
 * - string → string
 * - integer → `number` when it fits in ±2^53, otherwise `bigint` (64-bit and 128-bit unsigned values)
 * - real → `number`; encode a whole-number real with `new PlistReal(2)` because a bare `2` encodes as an
 *   integer (mobilebackup2's `SupportedProtocolVersions` must be reals)
 * - bool → boolean; date → `Date`; data → `Uint8Array` (a Buffer is one; the parsers return Buffers, always
 *   copies of the input); UID → `PlistUid` (encoders refuse values above 2^32-1,
 *   which CoreFoundation and libplist cannot read)
 */
export class PlistUid {
  constructor(readonly value: number) {}
}

/** Forces the real type on encode; parse returns plain numbers unless asked to preserve reals. */
export class PlistReal {
  constructor(readonly value: number) {}
}

export type PlistValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | Uint8Array
  | PlistUid
  | PlistReal
  | PlistValue[]
  | PlistDict;

export interface PlistDict {
  [key: string]: PlistValue;
}

/** Bounds that keep a hostile plist from exhausting memory or the stack. */
export interface PlistLimits {
  /** Largest input accepted, in bytes. */
  readonly maxBytes: number;
  /** Most objects (binary) or elements (XML) in one document. */
  readonly maxObjects: number;
  /** Deepest nesting of arrays and dicts. */
  readonly maxDepth: number;
}

export const DEFAULT_PLIST_LIMITS: PlistLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxObjects: 4_000_000,
  maxDepth: 256,
};

export interface ParseOptions {
  readonly limits?: Partial<PlistLimits>;
  /** Return whole-number reals as `PlistReal` so a round trip keeps their type (tests, tools). */
  readonly preserveRealType?: boolean;
}

/** Seconds from the Unix epoch to Apple's reference date (2001-01-01T00:00:00Z), the zero of plist dates. */
export const APPLE_EPOCH_OFFSET_SECONDS = 978_307_200;

/**
 * Fills unset limits from the defaults. A caller passing a nonsensical limit is a programming error, not
 * bad input, so that (and only that) raises a RangeError rather than a PlistError.
 */
export function resolveLimits(options?: ParseOptions): PlistLimits {
  const given = options?.limits ?? {};
  const pick = (name: keyof PlistLimits): number => {
    const value = given[name] ?? DEFAULT_PLIST_LIMITS[name];
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`plist limit ${name} must be a positive integer`);
    return value;
  };
  return { maxBytes: pick('maxBytes'), maxObjects: pick('maxObjects'), maxDepth: pick('maxDepth') };
}
