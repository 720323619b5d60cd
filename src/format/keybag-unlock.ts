/**
 * Backup password → class keys, and the reverse: creating a new backup keybag.
 *
 * Nouns: the *derived key* (KEK) is PBKDF2-HMAC-SHA1(k1, SALT, ITER, 32) where k1 is
 * PBKDF2-HMAC-SHA256(password, DPSL, DPIC, 32) when the bag has DPSL/DPIC (iOS ≥ 10.2), else the UTF-8
 * password itself. *Unlocking* unwraps the WPKY of every class whose WRAP has the password bit; the
 * results are the *class keys* that in turn unwrap ManifestKey and each file's key. Classes whose WRAP
 * also has the device bit are *device-bound*: their unwrap proves the password but what comes out is
 * still encrypted with the iPhone's UID key, so they are reported, not returned.
 *
 * The KDF costs ~10 M SHA-256 rounds (seconds), so it runs on libuv's thread pool (crypto.pbkdf2), never
 * on the event loop, and the derived key is returned so a session can cache it and skip the KDF next
 * time (unlockKeybagWithKey). A hostile bag could ask for 2^32 rounds; `maxIterations` bounds that.
 */
import { createCipheriv, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { AES_KEY_BYTES, randomAesKey, tryUnwrapKey, wrapKey, ZERO_IV } from './aes.js';
import { FORMAT_CODES, FormatError } from './errors.js';
import { encodeKeybag, KEYBAG_TYPE_BACKUP, parseKeybag, WRAP_DEVICE, WRAP_PASSCODE, type Keybag, type KeybagClass } from './keybag.js';

const pbkdf2Async = promisify(pbkdf2);

/** Real bags (iOS ≥ 10.2): DPIC 10,000,000 and ITER 10,000. */
export const REAL_DP_ITERATIONS = 10_000_000;
export const REAL_ITERATIONS = 10_000;
/** Five times the real cost; more than this is refused rather than burning minutes of CPU. */
export const DEFAULT_MAX_ITERATIONS = 50_000_000;

export interface KdfOptions {
  readonly maxIterations?: number;
}

export interface UnlockedKeybag {
  /** Cache this (in memory only) to unlock again without the KDF. */
  readonly derivedKey: Buffer;
  /** Class number → 32-byte class key, for every password-only (WRAP 2) class. */
  readonly classKeys: ReadonlyMap<number, Buffer>;
  /** Classes that also need the device's UID key (WRAP 3); unusable off the device. */
  readonly deviceBoundClasses: readonly number[];
}

export async function deriveKeybagKey(bag: Keybag, password: string | Uint8Array, options: KdfOptions = {}): Promise<Buffer> {
  const max = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  const { salt, iterations, dpSalt, dpIterations } = bag;
  if (salt === undefined || iterations === undefined) throw bad('it has no SALT/ITER, so it is not protected by a backup password');
  if ((dpSalt === undefined) !== (dpIterations === undefined)) throw bad('it has only one of DPSL and DPIC');
  for (const [name, count] of [['ITER', iterations], ['DPIC', dpIterations]] as const) {
    if (count === undefined) continue;
    if (count < 1) throw bad(`${name} is 0`);
    if (count > max) {
      throw new FormatError(FORMAT_CODES.BAD_KEYBAG, `BackupKeyBag: ${name} asks for ${count} PBKDF2 rounds (limit ${max})`, {
        hint: 'Real backups use 10,000,000 and 10,000; raise maxIterations only for a backup you trust.',
        file: 'Manifest.plist',
      });
    }
  }
  const secret = typeof password === 'string' ? Buffer.from(password, 'utf8') : Buffer.from(password);
  const first = dpSalt !== undefined && dpIterations !== undefined ? await pbkdf2Async(secret, dpSalt, dpIterations, AES_KEY_BYTES, 'sha256') : secret;
  return pbkdf2Async(first, salt, iterations, AES_KEY_BYTES, 'sha1');
}

/** Unlocks with an already derived key (no KDF). Throws FORMAT_WRONG_PASSWORD when it does not fit. */
export function unlockKeybagWithKey(bag: Keybag, derivedKey: Uint8Array): UnlockedKeybag {
  if (derivedKey.length !== AES_KEY_BYTES) throw new RangeError(`a derived key is ${AES_KEY_BYTES} bytes (got ${derivedKey.length})`);
  const candidates = bag.classes.filter((c) => (c.wrap & WRAP_PASSCODE) !== 0);
  if (candidates.length === 0) throw bad('no class key is protected by the backup password (no WRAP 2 class)');
  const classKeys = new Map<number, Buffer>();
  const deviceBound: number[] = [];
  const failed: number[] = [];
  for (const c of candidates) {
    if (c.wrappedKey === undefined) throw bad(`class ${c.protectionClass} has WRAP ${c.wrap} but no WPKY`);
    const key = tryUnwrapKey(derivedKey, c.wrappedKey);
    if (key === undefined) failed.push(c.protectionClass);
    else if ((c.wrap & WRAP_DEVICE) !== 0) deviceBound.push(c.protectionClass);
    else classKeys.set(c.protectionClass, key);
  }
  if (failed.length === candidates.length) {
    throw new FormatError(FORMAT_CODES.WRONG_PASSWORD, 'the backup password is wrong (no class key unwraps with it)', {
      hint: 'This is the password set in Finder/iTunes/Apple Devices ("Encrypt local backup"), not the iPhone passcode.',
    });
  }
  // Some unwrap, some do not: the password is right and the bag itself is damaged.
  if (failed.length > 0) throw bad(`class keys ${failed.join(', ')} do not unwrap although others do`);
  return { derivedKey: Buffer.from(derivedKey), classKeys, deviceBoundClasses: deviceBound };
}

/** Password (or a cached derived key) → class keys. `bag` may be the raw BackupKeyBag bytes. */
export async function unlockKeybag(
  bag: Keybag | Uint8Array,
  password: string | { readonly derivedKey: Uint8Array },
  options: KdfOptions = {},
): Promise<UnlockedKeybag> {
  const parsed = bag instanceof Uint8Array ? parseKeybag(bag) : bag;
  const derivedKey = typeof password === 'string' ? await deriveKeybagKey(parsed, password, options) : password.derivedKey;
  return unlockKeybagWithKey(parsed, derivedKey);
}

export interface CreateKeybagOptions {
  /** PBKDF2-SHA1 rounds (ITER); default 10,000 as iOS. */
  readonly iterations?: number;
  /** PBKDF2-SHA256 rounds (DPIC); default 10,000,000 as iOS; 0 makes a pre-10.2 bag without DPSL/DPIC. */
  readonly dpIterations?: number;
  /** Class numbers in block order; default 11 → 1 as real encrypted-backup bags. */
  readonly classes?: readonly number[];
  /** Classes to mark WRAP 3 (device-bound, like ThisDeviceOnly keychain classes); default none. */
  readonly deviceBoundClasses?: readonly number[];
  /** The simulated device UID key that device-bound class keys are pre-encrypted with. */
  readonly deviceKey?: Uint8Array;
  /** VERS; default 5 as seen in real bags. */
  readonly version?: number;
}

export interface CreatedKeybag {
  /** The BackupKeyBag value for Manifest.plist. */
  readonly bytes: Buffer;
  readonly keybag: Keybag;
  /** Every class key (the device's view, device-bound classes included). */
  readonly classKeys: ReadonlyMap<number, Buffer>;
  readonly derivedKey: Buffer;
}

/** Creates a backup keybag as an iPhone does when "Encrypt local backup" is set: random class keys. */
export async function createBackupKeybag(password: string, options: CreateKeybagOptions = {}): Promise<CreatedKeybag> {
  const iterations = options.iterations ?? REAL_ITERATIONS;
  const dpIterations = options.dpIterations ?? REAL_DP_ITERATIONS;
  const classes = options.classes ?? [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  const deviceBound = new Set(options.deviceBoundClasses ?? []);
  const deviceKey = options.deviceKey ?? randomAesKey();
  const skeleton: Keybag = {
    version: options.version ?? 5,
    type: KEYBAG_TYPE_BACKUP,
    uuid: randomBytes(16),
    wrap: 0,
    salt: randomBytes(20),
    iterations,
    dpwt: dpIterations > 0 ? 1 : undefined,
    dpIterations: dpIterations > 0 ? dpIterations : undefined,
    dpSalt: dpIterations > 0 ? randomBytes(20) : undefined,
    classes: [],
    unknown: [],
  };
  const derivedKey = await deriveKeybagKey(skeleton, password, { maxIterations: Math.max(iterations, dpIterations) });
  const classKeys = new Map<number, Buffer>();
  const blocks: KeybagClass[] = classes.map((protectionClass) => {
    const key = randomAesKey();
    classKeys.set(protectionClass, key);
    const bound = deviceBound.has(protectionClass);
    const inner = bound ? encryptWithDeviceKey(deviceKey, key) : key;
    return { uuid: randomBytes(16), protectionClass, wrap: bound ? WRAP_DEVICE | WRAP_PASSCODE : WRAP_PASSCODE, keyType: 0, wrappedKey: wrapKey(derivedKey, inner) };
  });
  // HMCK: a wrapped random HMAC key, as in device-made bags; readers do not use it.
  const keybag: Keybag = { ...skeleton, hmck: wrapKey(derivedKey, randomAesKey()), classes: blocks };
  const clean = Object.fromEntries(Object.entries(keybag).filter(([, v]) => v !== undefined)) as unknown as Keybag;
  return { bytes: encodeKeybag(clean), keybag: clean, classKeys, derivedKey };
}

function encryptWithDeviceKey(deviceKey: Uint8Array, key: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-cbc', deviceKey, ZERO_IV).setAutoPadding(false);
  return Buffer.concat([cipher.update(key), cipher.final()]);
}

function bad(message: string): FormatError {
  return new FormatError(FORMAT_CODES.BAD_KEYBAG, `BackupKeyBag: ${message}`, { file: 'Manifest.plist' });
}
