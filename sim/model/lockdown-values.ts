/**
 * What the virtual iPhone's lockdownd answers to GetValue, derived from its identity and state.
 *
 * Nouns: a *domain* groups values (no domain = the default domain, the one `ideviceinfo` prints); a
 * *key* picks one value. Without a key the whole domain comes back as a dict; an absent key or an
 * unknown domain is `undefined` (the server answers MissingValue). *Public keys* are the default-domain
 * keys a real lockdownd answers before StartSession (unpaired `ideviceinfo -s`); everything else needs
 * a session. Types follow lockdown: ints as numbers, data as Uint8Array, reals as PlistReal.
 * Sources: real dumps in libimobiledevice issues #752/#1191/#1199, facebook/idb #795, dkw72n/idb README,
 * esoman888/myitools devices.md, cipi1965/MobileDeviceAccess key notes; appium-ios-device's pre-session
 * DeviceValues type; pymobiledevice3 lockdown.py and mobilebackup2.py; libimobiledevice idevicebackup2.c.
 * Low Power Mode is NOT a lockdown value on real phones (no source shows one; iOS announces it with the
 * Darwin notification "com.apple.system.lowpowermode"), so it lives in the simulator-only domain
 * SIM_DOMAIN, which no Apple tool asks for.
 */
import { PlistReal, type PlistDict, type PlistValue } from '../../src/plist/types.js';
import { basebandVersionFor, requireModel } from './catalog.js';
import type { DeviceIdentity } from './identity.js';
import { hasExternalPower, type DeviceState } from './state.js';

export interface LockdownExtras {
  /** DevicePublicKey: the PEM bytes of the device's RSA public key (generated outside the model). */
  readonly devicePublicKeyPem: Uint8Array;
  /** Clock for TimeIntervalSince1970 / TimeZoneOffsetFromUTC; defaults to now. */
  readonly now?: Date;
}

export const DOMAINS = {
  BATTERY: 'com.apple.mobile.battery',
  DISK_USAGE: 'com.apple.disk_usage',
  BACKUP: 'com.apple.mobile.backup',
  WIRELESS_LOCKDOWN: 'com.apple.mobile.wireless_lockdown',
  INTERNATIONAL: 'com.apple.international',
  MOBILE_ITUNES: 'com.apple.mobile.iTunes',
  ITUNES: 'com.apple.iTunes',
  LOCKDOWN_CACHE: 'com.apple.mobile.lockdown_cache',
} as const;

/** Simulator-only values with no real lockdown equivalent (LowPowerModeEnabled, WiFiConnected). */
export const SIM_DOMAIN = 'org.lifeboat.sim';

/** Default-domain keys answered without a session (the unpaired key set, plus DevicePublicKey for pairing). */
export const publicKeys: ReadonlySet<string> = new Set([
  'BasebandCertId', 'BasebandKeyHashInformation', 'BasebandSerialNumber', 'BasebandVersion', 'BoardId',
  'BuildVersion', 'CPUArchitecture', 'ChipID', 'DeviceClass', 'DeviceColor', 'DeviceName', 'DevicePublicKey',
  'DieID', 'HardwareModel', 'HasSiDP', 'PartitionType', 'ProductName', 'ProductType', 'ProductVersion',
  'ProductionSOC', 'ProtocolVersion', 'SupportedDeviceFamilies', 'TelephonyCapability', 'UniqueChipID',
  'UniqueDeviceID', 'WiFiAddress',
]);

/** AmountDataReserved as a real device reported it (an iOS 7 iPad dump): 200 MiB kept back. */
const DATA_RESERVED_BYTES = 209_715_200;
/** Our model of the system volume's size: 6 % of the disk, at most 12 GB (not a measured Apple rule). */
const SYSTEM_FRACTION = 0.06;
const SYSTEM_MAX_BYTES = 12e9;

export function lockdownValue(
  identity: DeviceIdentity,
  state: DeviceState,
  domain: string | undefined,
  key: string | undefined,
  extras?: LockdownExtras,
): PlistValue | undefined {
  const dict = domainValues(identity, state, domain === '' ? undefined : domain, extras);
  if (dict === undefined) return undefined;
  if (key === undefined || key === '') return dict;
  return Object.hasOwn(dict, key) ? dict[key] : undefined;
}

function domainValues(identity: DeviceIdentity, state: DeviceState, domain: string | undefined, extras?: LockdownExtras): PlistDict | undefined {
  switch (domain) {
    case undefined:
      return defaultDomain(identity, state, extras);
    case DOMAINS.BATTERY:
      return batteryDomain(state);
    case DOMAINS.DISK_USAGE:
      return diskUsageDomain(state);
    case DOMAINS.BACKUP:
      // Only WillEncrypt is verified; tools (idevicebackup2, pymobiledevice3) read nothing else here.
      return { WillEncrypt: state.backupEncryption };
    case DOMAINS.WIRELESS_LOCKDOWN:
      return {
        BonjourFullServiceName: `${identity.wifiAddress}@${linkLocalIpv6(identity.wifiAddress)}._apple-mobdev2._tcp.local.`,
        EnableWifiConnections: state.wifiSync,
        EnableWifiDebugging: false,
        SupportsWifi: true,
        SupportsWifiSyncing: true,
      };
    case DOMAINS.INTERNATIONAL:
      return { Keyboard: identity.locale, Language: identity.language, Locale: identity.locale };
    case DOMAINS.MOBILE_ITUNES:
      // The four keys an unpaired iPhone XS answered (libimobiledevice #1199); FamilyID is -1.
      return { FamilyID: -1, MinITunesVersion: '12.10.10', MinMacOSVersion: '10.5.8', iTunesSetupComplete: true };
    case DOMAINS.ITUNES:
      // Written by iTunes/Finder with SetValue; a phone that never synced has nothing in it.
      return {};
    case DOMAINS.LOCKDOWN_CACHE:
      return { ActivationState: 'Activated' };
    case SIM_DOMAIN:
      return { LowPowerModeEnabled: state.lowPower, WiFiConnected: state.wifi };
    default:
      return undefined;
  }
}

function defaultDomain(identity: DeviceIdentity, state: DeviceState, extras?: LockdownExtras): PlistDict {
  const model = requireModel(identity.productType);
  const now = extras?.now ?? new Date();
  const basebandVersion = basebandVersionFor(model, state.productVersion);
  const values: PlistDict = {
    ActivationState: 'Activated',
    ActivationStateAcknowledged: true,
    BasebandActivationTicketVersion: 'V2',
    BasebandCertId: identity.basebandCertId,
    BasebandKeyHashInformation: { AKeyStatus: 2, SKeyHash: hexBytes(identity.basebandKeyHash), SKeyStatus: 0 },
    BasebandSerialNumber: hexBytes(identity.basebandSerialNumber),
    BasebandStatus: 'BBInfoAvailable',
    BluetoothAddress: identity.bluetoothAddress,
    BoardId: identity.boardId,
    BootSessionID: identity.bootSessionId,
    BrickState: false,
    BuildVersion: state.buildVersion,
    CPUArchitecture: identity.cpuArchitecture,
    ChipID: identity.chipId,
    DeviceClass: identity.deviceClass,
    DeviceColor: identity.deviceColor,
    DeviceName: identity.deviceName,
    DieID: identity.uniqueChipID,
    HardwareModel: identity.hardwareModel,
    HardwarePlatform: identity.hardwarePlatform,
    HasSiDP: true,
    HostAttached: state.plugged,
    HumanReadableProductVersionString: state.productVersion,
    InternationalMobileEquipmentIdentity: identity.imei,
    MLBSerialNumber: identity.mlbSerialNumber,
    ModelNumber: identity.modelNumber,
    PairRecordProtectionClass: 4,
    PartitionType: 'GUID_partition_scheme',
    // lockdown's PasswordProtected is the current lock state, not "a passcode exists" (libimobiledevice #1191).
    PasswordProtected: state.passcode && state.locked,
    ProductName: 'iPhone OS',
    ProductType: identity.productType,
    ProductVersion: state.productVersion,
    ProductionSOC: true,
    ProtocolVersion: '2',
    RegionInfo: identity.regionInfo,
    SIMStatus: identity.iccid ? 'kCTSIMSupportSIMStatusReady' : 'kCTSIMSupportSIMStatusNotInserted',
    SerialNumber: identity.serialNumber,
    SoftwareBundleVersion: '',
    SupportedDeviceFamilies: [1],
    TelephonyCapability: true,
    TimeIntervalSince1970: new PlistReal(now.getTime() / 1000),
    TimeZone: identity.timeZone,
    TimeZoneOffsetFromUTC: new PlistReal(utcOffsetSeconds(identity.timeZone, now)),
    TrustedHostAttached: state.plugged && state.trust === 'accept',
    UniqueChipID: identity.uniqueChipID,
    UniqueDeviceID: identity.udid,
    UseRaptorCerts: true,
    Uses24HourClock: identity.uses24HourClock,
    WiFiAddress: identity.wifiAddress,
    WirelessBoardSerialNumber: identity.wirelessBoardSerialNumber,
  };
  if (basebandVersion !== undefined) values['BasebandVersion'] = basebandVersion;
  if (identity.basebandChipId !== undefined) values['BasebandChipID'] = identity.basebandChipId;
  if (extras) values['DevicePublicKey'] = extras.devicePublicKeyPem;
  if (identity.ethernetAddress) values['EthernetAddress'] = identity.ethernetAddress;
  if (identity.imei2) values['InternationalMobileEquipmentIdentity2'] = identity.imei2;
  if (identity.meid) values['MobileEquipmentIdentifier'] = identity.meid;
  if (identity.iccid) values['IntegratedCircuitCardIdentity'] = identity.iccid;
  if (identity.phoneNumber) values['PhoneNumber'] = identity.phoneNumber;
  if (identity.mobileSubscriberCountryCode) values['MobileSubscriberCountryCode'] = identity.mobileSubscriberCountryCode;
  if (identity.mobileSubscriberNetworkCode) values['MobileSubscriberNetworkCode'] = identity.mobileSubscriberNetworkCode;
  return sortKeys(values);
}

function batteryDomain(state: DeviceState): PlistDict {
  const external = hasExternalPower(state);
  return {
    BatteryCurrentCapacity: state.batteryPercent,
    // A full battery on a charger is FullyCharged, not charging (what iOS shows at 100 %).
    BatteryIsCharging: state.charging && state.batteryPercent < 100,
    ExternalChargeCapable: external,
    ExternalConnected: external,
    FullyCharged: external && state.batteryPercent === 100,
    GasGaugeCapability: true,
    HasBattery: true,
  };
}

/**
 * Disk usage obeys the identities real tools rely on: TotalDiskCapacity = TotalSystemCapacity +
 * TotalDataCapacity, TotalDataAvailable = AmountDataAvailable + AmountDataReserved, and the free space
 * Settings shows is AmountDataAvailable (= state.freeBytes). Reserve and system shrink when free space
 * leaves no room for them, so any valid state maps to consistent numbers.
 */
export function diskUsageDomain(state: Pick<DeviceState, 'freeBytes' | 'totalBytes'>): PlistDict {
  const total = state.totalBytes;
  const free = Math.min(state.freeBytes, total);
  const reserved = Math.min(DATA_RESERVED_BYTES, total - free);
  const system = Math.min(Math.round(Math.min(total * SYSTEM_FRACTION, SYSTEM_MAX_BYTES)), total - free - reserved);
  return {
    AmountDataAvailable: free,
    AmountDataReserved: reserved,
    TotalDataAvailable: free + reserved,
    TotalDataCapacity: total - system,
    TotalDiskCapacity: total,
    TotalSystemAvailable: 0,
    TotalSystemCapacity: system,
  };
}

/** Seconds east of UTC for an IANA zone at `at` (DST-aware), e.g. -25200 for Los Angeles in summer. */
export function utcOffsetSeconds(timeZone: string, at: Date): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((part) => part.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name ?? '');
  if (!match) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3] ?? 0) * 60;
  return match[1] === '-' ? -seconds : seconds;
}

/** fe80:: address derived from a MAC with the modified EUI-64 rule, as Bonjour advertises it. */
function linkLocalIpv6(macAddress: string): string {
  const b = macAddress.split(':').map((h) => parseInt(h, 16));
  const byte = (i: number): number => b[i] ?? 0;
  const hex = (hi: number, lo: number): string => ((hi << 8) | lo).toString(16);
  return `fe80::${hex(byte(0) ^ 0x02, byte(1))}:${hex(byte(2), 0xff)}:${hex(0xfe, byte(3))}:${hex(byte(4), byte(5))}`;
}

function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Real dumps list keys alphabetically; keeping ours sorted makes them diff cleanly against real ones. */
function sortKeys(values: PlistDict): PlistDict {
  const sorted: PlistDict = {};
  for (const key of Object.keys(values).sort()) {
    const value = values[key];
    if (value !== undefined) sorted[key] = value;
  }
  return sorted;
}
