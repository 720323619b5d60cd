/**
 * The BackupKeyBag of Manifest.plist: parsing and serialising its TLV form.
 *
 * Nouns: the *keybag* is a sequence of *records* — 4-byte ASCII tag, 4-byte big-endian length, value
 * (4-byte values are big-endian integers). The first records describe the *bag* (VERS version, TYPE
 * 1 = backup, UUID, HMCK wrapped HMAC key, WRAP, SALT + ITER for PBKDF2-SHA1, and since iOS 10.2 DPSL +
 * DPIC for the PBKDF2-SHA256 pre-round, DPWT). Every later UUID opens a *class block* holding one
 * data-protection class: CLAS number, WRAP mask (1 = device UID key, 2 = backup password), KTYP (0 AES),
 * WPKY (the RFC 3394-wrapped 32-byte *class key*), PBKY for asymmetric classes.
 *
 * Blocks are recognised by tag, never by position (real bags list classes 11→1, others 1→11). Bounds are
 * strict because the bag is read before any password check: lengths must fit, integers are exactly 4
 * bytes, nothing repeats, sizes and counts are capped. Unknown tags are kept (in order) and ignored.
 * keybag-unlock.ts turns a password into class keys and creates new bags.
 */
import { FORMAT_CODES, FormatError } from './errors.js';

export const KEYBAG_TYPE_BACKUP = 1;
/** Class-block WRAP bits. */
export const WRAP_DEVICE = 1;
export const WRAP_PASSCODE = 2;

/** Real bags are ~1.4 KB; anything near this cap is not a backup keybag. */
const MAX_KEYBAG_BYTES = 64 * 1024;
const MAX_CLASSES = 64;
const INT_TAGS = new Set(['VERS', 'TYPE', 'WRAP', 'ITER', 'DPWT', 'DPIC', 'CLAS', 'KTYP']);
const CLASS_TAGS = new Set(['CLAS', 'WRAP', 'KTYP', 'WPKY', 'PBKY']);

export interface KeybagClass {
  readonly uuid: Buffer;
  /** CLAS & 0xF: 1 NSFileProtectionComplete … 4 None, 6–11 keychain classes. */
  readonly protectionClass: number;
  readonly wrap: number;
  readonly keyType: number;
  /** WPKY: the wrapped class key. */
  readonly wrappedKey?: Buffer;
  readonly publicKey?: Buffer;
}

export interface Keybag {
  readonly version?: number;
  /** TYPE with its flag bits (0x40000000 "UID plus") masked off. */
  readonly type?: number;
  readonly uuid?: Buffer;
  readonly hmck?: Buffer;
  readonly wrap?: number;
  readonly salt?: Buffer;
  readonly iterations?: number;
  readonly dpwt?: number;
  /** DPIC / DPSL: the PBKDF2-SHA256 pre-round of iOS ≥ 10.2 bags. */
  readonly dpIterations?: number;
  readonly dpSalt?: Buffer;
  readonly classes: readonly KeybagClass[];
  /** Records with tags this module does not know, in order. */
  readonly unknown: readonly { readonly tag: string; readonly value: Buffer }[];
}

type MutableClass = { -readonly [K in keyof KeybagClass]?: KeybagClass[K] } & { uuid: Buffer };

export function parseKeybag(bytes: Uint8Array): Keybag {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length === 0) throw bad('the keybag is empty');
  if (data.length > MAX_KEYBAG_BYTES) throw bad(`the keybag is ${data.length} bytes (more than ${MAX_KEYBAG_BYTES})`);
  const bag: Record<string, number | Buffer> = {};
  const classes: MutableClass[] = [];
  const unknown: { tag: string; value: Buffer }[] = [];
  let current: MutableClass | undefined;
  let offset = 0;
  while (offset < data.length) {
    if (data.length - offset < 8) throw bad(`a record header at byte ${offset} is cut off (${data.length - offset} bytes left)`);
    const tag = data.toString('latin1', offset, offset + 4);
    if (!/^[A-Z0-9]{4}$/.test(tag)) throw bad(`byte ${offset} holds no record tag (${JSON.stringify(tag)})`);
    const length = data.readUInt32BE(offset + 4);
    const start = offset + 8;
    if (length > data.length - start) throw bad(`${tag} at byte ${offset} claims ${length} bytes but only ${data.length - start} remain`);
    const value = data.subarray(start, start + length);
    offset = start + length;
    if (INT_TAGS.has(tag) && length !== 4) throw bad(`${tag} at byte ${start - 8} is ${length} bytes, expected a 4-byte integer`);
    const field: number | Buffer = INT_TAGS.has(tag) ? value.readUInt32BE(0) : Buffer.from(value);
    if (tag === 'UUID') {
      if (length !== 16) throw bad(`UUID at byte ${start - 8} is ${length} bytes, expected 16`);
      if (bag['UUID'] === undefined) bag['UUID'] = field;
      else {
        if (classes.length >= MAX_CLASSES) throw bad(`more than ${MAX_CLASSES} class blocks`);
        current = { uuid: field as Buffer };
        classes.push(current);
      }
    } else if (current !== undefined && CLASS_TAGS.has(tag)) {
      setClassField(current, tag, field, classes.length);
    } else if (CLASS_TAGS.has(tag) && tag !== 'WRAP') {
      throw bad(`${tag} at byte ${start - 8} is outside any class block`);
    } else if (isBagTag(tag)) {
      if (bag[tag] !== undefined) throw bad(`${tag} appears twice at bag level`);
      bag[tag] = field;
    } else {
      unknown.push({ tag, value: field as Buffer });
    }
  }
  return assemble(bag, classes, unknown);
}

function isBagTag(tag: string): boolean {
  return ['VERS', 'TYPE', 'HMCK', 'WRAP', 'SALT', 'ITER', 'DPWT', 'DPIC', 'DPSL'].includes(tag);
}

function setClassField(target: MutableClass, tag: string, field: number | Buffer, index: number): void {
  const key = { CLAS: 'protectionClass', WRAP: 'wrap', KTYP: 'keyType', WPKY: 'wrappedKey', PBKY: 'publicKey' }[tag] as keyof MutableClass;
  if (target[key] !== undefined) throw bad(`class block ${index} repeats ${tag}`);
  if (tag === 'WPKY') {
    const wrapped = field as Buffer;
    if (wrapped.length < 24 || wrapped.length > 64 || wrapped.length % 8 !== 0) throw bad(`class block ${index}: WPKY is ${wrapped.length} bytes, not an RFC 3394 wrapped key`);
  }
  (target as Record<string, unknown>)[key] = tag === 'CLAS' ? (field as number) & 0xf : field;
}

function assemble(bag: Record<string, number | Buffer>, classes: MutableClass[], unknown: Keybag['unknown']): Keybag {
  const num = (tag: string): number | undefined => bag[tag] as number | undefined;
  const buf = (tag: string, min: number, max: number): Buffer | undefined => {
    const value = bag[tag] as Buffer | undefined;
    if (value !== undefined && (value.length < min || value.length > max)) throw bad(`${tag} is ${value.length} bytes (expected ${min}–${max})`);
    return value;
  };
  const seen = new Set<number>();
  const out: KeybagClass[] = classes.map((c, i) => {
    if (c.protectionClass === undefined) throw bad(`class block ${i + 1} has no CLAS`);
    if (seen.has(c.protectionClass)) throw bad(`class ${c.protectionClass} appears twice`);
    seen.add(c.protectionClass);
    return { ...c, protectionClass: c.protectionClass, wrap: c.wrap ?? 0, keyType: c.keyType ?? 0 };
  });
  const type = num('TYPE');
  const result: Keybag = {
    version: num('VERS'),
    type: type === undefined ? undefined : type & 0x3fffffff,
    uuid: bag['UUID'] as Buffer | undefined,
    hmck: buf('HMCK', 0, 64),
    wrap: num('WRAP'),
    salt: buf('SALT', 1, 64),
    iterations: num('ITER'),
    dpwt: num('DPWT'),
    dpIterations: num('DPIC'),
    dpSalt: buf('DPSL', 1, 64),
    classes: out,
    unknown,
  };
  return Object.fromEntries(Object.entries(result).filter(([, v]) => v !== undefined)) as unknown as Keybag;
}

/** Serialises in the order of iOS-made bags: bag records, then one block per class in `classes` order. */
export function encodeKeybag(bag: Keybag): Buffer {
  const parts: Buffer[] = [];
  const put = (tag: string, value: number | Uint8Array | undefined): void => {
    if (value === undefined) return;
    const body = typeof value === 'number' ? u32(value) : Buffer.from(value);
    const header = Buffer.alloc(8);
    header.write(tag, 0, 'latin1');
    header.writeUInt32BE(body.length, 4);
    parts.push(header, body);
  };
  put('VERS', bag.version);
  put('TYPE', bag.type);
  put('UUID', bag.uuid);
  put('HMCK', bag.hmck);
  put('WRAP', bag.wrap);
  put('SALT', bag.salt);
  put('ITER', bag.iterations);
  put('DPWT', bag.dpwt);
  put('DPIC', bag.dpIterations);
  put('DPSL', bag.dpSalt);
  for (const c of bag.classes) {
    if (c.uuid.length !== 16) throw new RangeError('a class block UUID must be 16 bytes');
    put('UUID', c.uuid);
    put('CLAS', c.protectionClass);
    put('WRAP', c.wrap);
    put('KTYP', c.keyType);
    put('WPKY', c.wrappedKey);
    put('PBKY', c.publicKey);
  }
  for (const u of bag.unknown) put(u.tag, u.value);
  return Buffer.concat(parts);
}

function u32(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`keybag integer ${value} does not fit 32 bits`);
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

function bad(message: string): FormatError {
  return new FormatError(FORMAT_CODES.BAD_KEYBAG, `BackupKeyBag: ${message}`, { file: 'Manifest.plist' });
}
