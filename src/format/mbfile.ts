/**
 * The MBFile record: the `file` column of Manifest.db's Files table.
 *
 * Nouns: an *MBFile* is an NSKeyedArchiver archive (a binary plist) of one Objective-C object of class
 * `MBFile` describing one file, directory or symlink: its POSIX metadata (mode, owner, inode, times in
 * Unix seconds), its plaintext *size*, its data-protection *class*, and — in encrypted backups, regular
 * files only — its *encryption key*: 4 bytes little-endian protection class followed by the 40-byte
 * RFC 3394 wrapping of the file's own 32-byte AES key. *Digest* (20 raw bytes, presumably SHA-1 of the
 * content) and *ExtendedAttributes* (a nested binary plist {xattr name → data}) are optional.
 *
 * The decoder resolves everything by UID (never by position) and checks every type, because a
 * Manifest.db can come from anywhere; a bad record is FORMAT_CORRUPT. The encoder lists fields in the
 * order the device's archiver emits objects: `[$null, MBFile, RelativePath, (Target), (Digest),
 * (EncryptionKey, NSMutableData class), (ExtendedAttributes), MBFile class]`.
 */
import {
  decodeKeyedArchive,
  encodeBinaryPlist,
  encodeKeyedArchive,
  KeyedObject,
  nsMutableData,
  parseBinaryPlist,
  type KeyedValue,
  type PlistDict,
} from '../plist/index.js';
import { FORMAT_CODES, FormatError } from './errors.js';
import { encodeMbFileFast, fastEncodable } from './mbfile-fast.js';

/** What Files.flags says a row is; the same information as `mode & S_IFMT`. */
export const MANIFEST_FLAGS = { file: 1, directory: 2, symlink: 4 } as const;
export type FileKind = 'file' | 'directory' | 'symlink' | 'other';

const S_IFMT = 0o170000;
const KIND_BY_TYPE_BITS: ReadonlyMap<number, FileKind> = new Map([
  [0o100000, 'file'],
  [0o040000, 'directory'],
  [0o120000, 'symlink'],
]);

/** Bytes of the EncryptionKey field: LE32 class + 40-byte wrapped 256-bit key. */
const ENCRYPTION_KEY_BYTES = 44;
/** MBFile blobs are ~0.5–2 KB; photo xattrs push a few to tens of KB. The cap stops a hostile row early. */
const BLOB_LIMITS = { maxBytes: 4 * 1024 * 1024, maxObjects: 100_000, maxDepth: 32 };

export interface MbFile {
  readonly relativePath: string;
  /** Plaintext length in bytes (0 for directories and symlinks). */
  readonly size: number;
  /** POSIX st_mode, type bits included. */
  readonly mode: number;
  /** Signed: -2 (nobody) occurs. */
  readonly userId: number;
  readonly groupId: number;
  /** A bigint only when it does not fit a double exactly. */
  readonly inode: number | bigint;
  /** Unix epoch seconds. */
  readonly birth: number;
  readonly lastModified: number;
  readonly lastStatusChange: number;
  /** MBFile's own Flags (0; 128 seen, meaning unknown) — unrelated to Files.flags. */
  readonly flags: number;
  readonly protectionClass: number;
  /** Symlinks: the absolute device path the link points at. */
  readonly target?: string;
  /** The 40-byte wrapped per-file key, class prefix removed (encrypted backups, regular files). */
  readonly encryptionKey?: Buffer;
  /** The class whose key unwraps `encryptionKey` (the LE32 prefix; equals protectionClass in practice). */
  readonly encryptionKeyClass?: number;
  readonly digest?: Buffer;
  readonly extendedAttributes?: ReadonlyMap<string, Buffer>;
}

/** Input to encodeMbFile: metadata that defaults sensibly is optional. */
export type MbFileInput = Pick<MbFile, 'relativePath' | 'mode'> & Partial<Omit<MbFile, 'relativePath' | 'mode'>>;

export function fileKindOfMode(mode: number): FileKind {
  return KIND_BY_TYPE_BITS.get(mode & S_IFMT) ?? 'other';
}

export function fileKind(file: Pick<MbFile, 'mode'>): FileKind {
  return fileKindOfMode(file.mode);
}

/** Files.flags for a mode; 0 for kinds the format has no flag for (sockets, fifos). */
export function manifestFlagsOfMode(mode: number): number {
  const kind = fileKindOfMode(mode);
  return kind === 'other' ? 0 : MANIFEST_FLAGS[kind];
}

export function encodeMbFile(file: MbFileInput): Buffer {
  checkEncodable(file);
  // Performance: the common record (no Target, Digest or xattrs) takes a path ~8× faster that writes
  // the very same bytes (mbfile-fast.ts; the test suite compares both).
  if (fastEncodable(file)) return encodeMbFileFast(file);
  return encodeMbFileGeneric(file);
}

/** The general encoder (and the reference the fast path is tested against). */
export function encodeMbFileGeneric(file: MbFileInput): Buffer {
  checkEncodable(file);
  let encryptionKey: KeyedObject | undefined;
  if (file.encryptionKey !== undefined) {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(file.encryptionKeyClass ?? file.protectionClass ?? 0);
    encryptionKey = nsMutableData(Buffer.concat([prefix, file.encryptionKey]));
  }
  const xattrs = file.extendedAttributes;
  const fields: Record<string, KeyedValue> = {
    RelativePath: file.relativePath,
    Target: file.target,
    Digest: file.digest,
    EncryptionKey: encryptionKey,
    ExtendedAttributes: xattrs === undefined ? undefined : encodeBinaryPlist(Object.fromEntries(xattrs)),
    LastModified: file.lastModified ?? 0,
    Flags: file.flags ?? 0,
    GroupID: file.groupId ?? 0,
    LastStatusChange: file.lastStatusChange ?? 0,
    Birth: file.birth ?? 0,
    Size: file.size ?? 0,
    InodeNumber: file.inode ?? 0,
    Mode: file.mode,
    UserID: file.userId ?? 0,
    ProtectionClass: file.protectionClass ?? 0,
  };
  return encodeBinaryPlist(encodeKeyedArchive(new KeyedObject('MBFile', fields)));
}

function checkEncodable(file: MbFileInput): void {
  if (!Number.isInteger(file.mode) || file.mode < 0 || file.mode > 0xffff) throw new RangeError(`MBFile mode ${file.mode} is not a 16-bit mode`);
  if (file.size !== undefined && (!Number.isSafeInteger(file.size) || file.size < 0)) throw new RangeError(`MBFile size ${file.size} is invalid`);
  if (file.encryptionKey !== undefined && file.encryptionKey.length !== ENCRYPTION_KEY_BYTES - 4) {
    throw new RangeError(`MBFile encryptionKey must be the 40-byte wrapped key (got ${file.encryptionKey.length})`);
  }
}

/** Decodes and validates one `file` blob; `where` (e.g. the fileID) goes into error messages. */
export function decodeMbFile(blob: Uint8Array, where = 'MBFile'): MbFile {
  let root: unknown;
  try {
    root = decodeKeyedArchive(parseBinaryPlist(blob, { limits: BLOB_LIMITS }), { limits: BLOB_LIMITS });
  } catch (error) {
    throw corrupt(`${where}: not a keyed archive (${error instanceof Error ? error.message : String(error)})`, error);
  }
  if (!isRecord(root) || root['$class'] !== 'MBFile') throw corrupt(`${where}: the archive's root object is not an MBFile`);
  const r = new FieldReader(root, where);
  const mode = r.int('Mode', true);
  if (mode < 0 || mode > 0xffff) throw corrupt(`${where}: Mode ${mode} is not a 16-bit mode`);
  const size = r.int('Size', true);
  if (size < 0) throw corrupt(`${where}: Size ${size} is negative`);
  const out: { -readonly [K in keyof MbFile]: MbFile[K] } = {
    relativePath: r.string('RelativePath', true) ?? '',
    size,
    mode,
    userId: r.int('UserID'),
    groupId: r.int('GroupID'),
    inode: r.inode(),
    birth: r.int('Birth'),
    lastModified: r.int('LastModified'),
    lastStatusChange: r.int('LastStatusChange'),
    flags: r.int('Flags'),
    protectionClass: r.int('ProtectionClass'),
  };
  const target = r.string('Target', false);
  if (target !== undefined) out.target = target;
  const key = r.data('EncryptionKey');
  if (key !== undefined) {
    if (key.length !== ENCRYPTION_KEY_BYTES) throw corrupt(`${where}: EncryptionKey is ${key.length} bytes, expected ${ENCRYPTION_KEY_BYTES}`);
    out.encryptionKeyClass = key.readUInt32LE(0);
    out.encryptionKey = key.subarray(4);
  }
  const digest = r.data('Digest');
  if (digest !== undefined) out.digest = digest;
  const xattrs = r.data('ExtendedAttributes');
  if (xattrs !== undefined) out.extendedAttributes = decodeXattrs(xattrs, where);
  return out;
}

function decodeXattrs(bytes: Buffer, where: string): Map<string, Buffer> {
  let dict: unknown;
  try {
    dict = parseBinaryPlist(bytes, { limits: BLOB_LIMITS });
  } catch (error) {
    throw corrupt(`${where}: ExtendedAttributes is not a binary plist`, error);
  }
  if (!isRecord(dict)) throw corrupt(`${where}: ExtendedAttributes is not a dict`);
  const out = new Map<string, Buffer>();
  for (const [name, value] of Object.entries(dict)) {
    if (!(value instanceof Uint8Array)) throw corrupt(`${where}: extended attribute ${JSON.stringify(name)} is not data`);
    out.set(name, asBuffer(value));
  }
  return out;
}

/** Typed access to the decoded MBFile fields; absent optional numbers read as 0. */
class FieldReader {
  constructor(
    private readonly fields: Record<string, unknown>,
    private readonly where: string,
  ) {}

  int(key: string, required = false): number {
    const value = this.fields[key];
    if (value === undefined && !required) return 0;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw this.wrongType(key, value, 'an integer');
    return value;
  }

  inode(): number | bigint {
    const value = this.fields['InodeNumber'];
    if (value === undefined) return 0;
    if (typeof value === 'bigint' && value >= 0n) return value;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
    throw this.wrongType('InodeNumber', value, 'a non-negative integer');
  }

  string(key: string, required: boolean): string | undefined {
    const value = this.fields[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string') throw this.wrongType(key, value, 'a string');
    return value;
  }

  data(key: string): Buffer | undefined {
    const value = this.fields[key];
    if (value === undefined || value === null) return undefined;
    if (!(value instanceof Uint8Array)) throw this.wrongType(key, value, 'data');
    return asBuffer(value);
  }

  private wrongType(key: string, value: unknown, expected: string): FormatError {
    const got = value === undefined ? 'missing' : value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
    return corrupt(`${this.where}: ${key} should be ${expected}, but is ${got}`);
  }
}

function isRecord(value: unknown): value is PlistDict & Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function corrupt(message: string, cause?: unknown): FormatError {
  return new FormatError(FORMAT_CODES.CORRUPT, message, { cause, file: 'Manifest.db' });
}
