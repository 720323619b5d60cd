/**
 * Who a virtual iPhone is: the fixed, per-device facts lockdown reports (UDID, serial, MACs, IMEI…).
 *
 * Nouns: the *ECID* (lockdown UniqueChipID) is the SoC's unique id; a *modern UDID* is
 * "<ChipID as 8 hex>-<ECID as 16 hex>", uppercase (real: ChipID 0x8110 + ECID 4015777412448286 →
 * "00008110-000E44540A2A801E"); a *legacy UDID* (A11 and older) is 40 lowercase hex, a SHA-1 over the
 * serial, ECID and MAC addresses. *DieID* equals the ECID on every dump we saw. An *identity* is
 * generated from (seed, index) with a hash PRNG, so a fleet is reproducible on any machine; it never
 * changes while the phone "lives" (state.ts holds what does change). Everything here is plain JSON.
 * Privacy: MACs are locally administered (bit 1 of the first octet set) so they cannot collide with
 * real hardware, and phone numbers use the NANP fiction range 555-0100…0199.
 */
import { createHash } from 'node:crypto';
import { LifeboatError } from '../../src/util/errors.js';
import { IPHONE_MODELS, hardwarePlatform, requireModel, usesModernUdid, type IPhoneModel } from './catalog.js';
import { HashRng } from './rng.js';

export interface DeviceIdentity {
  readonly udid: string;
  readonly serialNumber: string;
  readonly productType: string;
  readonly hardwareModel: string;
  readonly hardwarePlatform: string;
  readonly marketingName: string;
  readonly deviceClass: 'iPhone';
  readonly deviceName: string;
  readonly cpuArchitecture: 'arm64' | 'arm64e';
  readonly chipId: number;
  readonly boardId: number;
  /** ECID; also reported as DieID. Below 2^52, so a plain JS number is exact. */
  readonly uniqueChipID: number;
  readonly usbProductId: number;
  /** Lowercase "aa:bb:cc:dd:ee:ff". */
  readonly wifiAddress: string;
  readonly bluetoothAddress: string;
  readonly ethernetAddress?: string;
  readonly imei: string;
  readonly imei2?: string;
  /** MobileEquipmentIdentifier: the IMEI without its check digit, as real dumps show. */
  readonly meid?: string;
  readonly iccid?: string;
  readonly phoneNumber?: string;
  readonly mobileSubscriberCountryCode?: string;
  readonly mobileSubscriberNetworkCode?: string;
  readonly modelNumber: string;
  readonly regionInfo: string;
  readonly timeZone: string;
  readonly locale: string;
  readonly language: string;
  readonly uses24HourClock: boolean;
  readonly deviceColor: string;
  readonly mlbSerialNumber: string;
  readonly wirelessBoardSerialNumber: string;
  readonly basebandCertId: number;
  readonly basebandChipId?: number;
  /** Hex of the BasebandSerialNumber bytes (4 or 12 bytes depending on the modem). */
  readonly basebandSerialNumber: string;
  /** Hex of BasebandKeyHashInformation.SKeyHash (32 bytes). */
  readonly basebandKeyHash: string;
  readonly bootSessionId: string;
}

export interface GenerateOptions {
  /** Force a model (e.g. "iPhone10,3" for a legacy-UDID phone); otherwise one with a modern UDID is picked. */
  readonly productType?: string;
  readonly deviceName?: string;
  readonly timeZone?: string;
}

/** Apple's serial alphabet without vowels (serials avoid them, which also avoids O/0 and I/1 mix-ups). */
const SERIAL_ALPHABET = '0123456789BCDFGHJKLMNPQRSTVWXYZ';
const SERIAL_LETTERS = 'BCDFGHJKLMNPQRSTVWXYZ';
/** Legacy serials encode the production half-year (C = 2010 H1 … Z = 2019 H2, then wrap) and week. */
const YEAR_CODES = 'CDFGHJKLMNPQRSTVWXYZ';
const WEEK_CODES = '123456789CDFGHJKLMNPQRTVWXY';
/** Factory-code style prefixes of the kind seen on real legacy serials. */
const FACTORY_CODES = ['C39', 'DNP', 'F17', 'F2L', 'DX3', 'G6T', 'FK1'] as const;
const NAMES = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory', 'Niaj', 'Olivia', 'Peggy', 'Rupert', 'Sybil', 'Trent', 'Victor', 'Walter', 'Yasmin'] as const;
const AREA_CODES = ['206', '303', '312', '415', '512', '617'] as const;

const LEGACY_UDID = /^[0-9a-f]{40}$/i;
const MODERN_UDID = /^[0-9a-f]{8}-[0-9a-f]{16}$/i;
const USB_SERIAL_MODERN = /^[0-9a-f]{24}$/i;

export function isValidUdid(udid: string): boolean {
  return LEGACY_UDID.test(udid) || MODERN_UDID.test(udid);
}

/**
 * Canonical form of a UDID: legacy → lowercase, modern → uppercase with the dash. Also accepts the
 * 24-hex USB serial form of a modern UDID (usbmuxd inserts the dash after 8 characters).
 */
export function formatUdid(udid: string): string {
  const trimmed = udid.trim();
  if (LEGACY_UDID.test(trimmed)) return trimmed.toLowerCase();
  if (MODERN_UDID.test(trimmed)) return trimmed.toUpperCase();
  if (USB_SERIAL_MODERN.test(trimmed)) return `${trimmed.slice(0, 8)}-${trimmed.slice(8)}`.toUpperCase();
  throw new LifeboatError(`"${udid}" is not a UDID: expected 40 hex digits or 8 hex, a dash and 16 hex`, {
    code: 'SIM_BAD_UDID',
    hint: 'Copy the UDID from `idevice_id -l` or the device list',
  });
}

/** The modern UDID of a chip and ECID. */
export function modernUdid(chipId: number, ecid: number): string {
  return `${chipId.toString(16).padStart(8, '0')}-${ecid.toString(16).padStart(16, '0')}`.toUpperCase();
}

/** The USB iSerialNumber of a device: modern UDIDs without the dash, legacy unchanged. */
export function usbSerialNumber(udid: string): string {
  return formatUdid(udid).replace('-', '');
}

/** The Luhn check digit for a string of decimal digits (IMEI, ICCID). */
export function luhnCheckDigit(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let digit = Number(payload.charAt(payload.length - 1 - i));
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return String((10 - (sum % 10)) % 10);
}

export function isLuhnValid(digits: string): boolean {
  return /^\d{2,}$/.test(digits) && luhnCheckDigit(digits.slice(0, -1)) === digits.slice(-1);
}

/** Deterministic identity number `index` of the fleet `seed`. */
export function generateIdentity(seed: string, index: number, options: GenerateOptions = {}): DeviceIdentity {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`generateIdentity: index must be a non-negative integer, got ${index}`);
  const rng = new HashRng(seed, `identity/${index}`);
  const model = options.productType ? requireModel(options.productType) : rng.pick(IPHONE_MODELS.filter(usesModernUdid));

  // ECID: 4 bits 1..15 over 48 random bits, like real ones (0x000E44540A2A801E) and always < 2^52.
  const ecid = (1 + rng.below(15)) * 2 ** 48 + rng.bytes(6).readUIntBE(0, 6);
  const serialNumber = makeSerial(rng, model);
  const lanPrefix = laaPrefix(rng);
  const wifiAddress = mac(lanPrefix, rng);
  const bluetoothAddress = mac(lanPrefix, rng);
  const ethernetAddress = mac(lanPrefix, rng);
  const udid = usesModernUdid(model)
    ? modernUdid(model.chipId, ecid)
    : createHash('sha1').update(`${serialNumber}${ecid}${wifiAddress}${bluetoothAddress}`).digest('hex');

  const tac = `35${rng.digits(6)}`;
  const imeiBody = `${tac}${rng.digits(6)}`;
  const imei = imeiBody + luhnCheckDigit(imeiBody);
  const imei2Body = `${tac}${rng.digits(6)}`;
  const iccidBody = `8901260${rng.digits(12)}`;
  const cycle = Math.floor(index / NAMES.length);
  const name = NAMES[index % NAMES.length] ?? 'Alice';

  return {
    udid,
    serialNumber,
    productType: model.productType,
    hardwareModel: model.hardwareModel,
    hardwarePlatform: hardwarePlatform(model),
    marketingName: model.marketingName,
    deviceClass: 'iPhone',
    deviceName: options.deviceName ?? `${name}'s iPhone${cycle > 0 ? ` (${cycle + 1})` : ''}`,
    cpuArchitecture: model.cpuArchitecture,
    chipId: model.chipId,
    boardId: model.boardId,
    uniqueChipID: ecid,
    usbProductId: model.usbProductId,
    wifiAddress,
    bluetoothAddress,
    ethernetAddress,
    imei,
    imei2: imei2Body + luhnCheckDigit(imei2Body),
    meid: imeiBody,
    iccid: iccidBody + luhnCheckDigit(iccidBody),
    phoneNumber: `+1 (${rng.pick(AREA_CODES)}) 555-01${rng.digits(2)}`,
    mobileSubscriberCountryCode: '310',
    mobileSubscriberNetworkCode: '260',
    modelNumber: `M${rng.chars(SERIAL_ALPHABET, 3)}3`,
    regionInfo: 'LL/A',
    timeZone: options.timeZone ?? 'America/Los_Angeles',
    locale: 'en_US',
    language: 'en',
    uses24HourClock: false,
    deviceColor: '1',
    mlbSerialNumber: `${rng.pick(FACTORY_CODES)}${rng.digits(4)}${rng.chars(SERIAL_ALPHABET, 10)}`,
    wirelessBoardSerialNumber: rng.bytes(6).toString('hex').toUpperCase(),
    basebandCertId: model.basebandCertId,
    ...(model.basebandChipId === undefined ? {} : { basebandChipId: model.basebandChipId }),
    basebandSerialNumber: rng.bytes(model.basebandSerialBytes).toString('hex'),
    basebandKeyHash: rng.bytes(32).toString('hex'),
    bootSessionId: uuid(rng.bytes(16)),
  };
}

/** The catalog entry behind an identity. */
export function modelOf(identity: DeviceIdentity): IPhoneModel {
  return requireModel(identity.productType);
}

function makeSerial(rng: HashRng, model: IPhoneModel): string {
  if (model.serialStyle === 'random10') return rng.chars(SERIAL_LETTERS, 1) + rng.chars(SERIAL_ALPHABET, 9);
  const year = Number(model.released.slice(0, 4));
  const yearCode = YEAR_CODES.charAt(((year - 2010) * 2 + rng.below(2)) % YEAR_CODES.length);
  return `${rng.pick(FACTORY_CODES)}${yearCode}${rng.chars(WEEK_CODES, 1)}${rng.chars(SERIAL_ALPHABET, 3)}${rng.chars(SERIAL_ALPHABET, 4)}`;
}

/** Three bytes shared by a phone's interfaces; first octet unicast and locally administered. */
function laaPrefix(rng: HashRng): number[] {
  const bytes = [...rng.bytes(3)];
  bytes[0] = ((bytes[0] ?? 0) & 0xfc) | 0x02;
  return bytes;
}

function mac(prefix: readonly number[], rng: HashRng): string {
  return [...prefix, ...rng.bytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function uuid(bytes: Buffer): string {
  const b = Buffer.from(bytes);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
