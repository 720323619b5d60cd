/**
 * Property lists and other small files: preferences, the keychain backup, Wi-Fi networks, app files.
 *
 * Keychain: KeychainDomain keychain-backup.plist is a binary plist {genp, inet, cert, keys: [{v_Data,
 * v_PersistentRef}]} (DINO keychain/store.py, iLEAPP keychain.py); v_Data is u32 LE version 3, u32 LE
 * protection class, u32 LE wrapped-key length, the 40-byte wrapped key and AES-GCM ciphertext + tag —
 * here random bytes of that shape, since only the real device key could decrypt a real one; v_PersistentRef
 * is the 4-character table name + u64 LE rowid. Wi-Fi: SystemPreferencesDomain
 * com.apple.wifi.known-networks.plist is a dict "wifi.network.ssid.<SSID>" → {SSID (data), AddedAt,
 * JoinedByUserAt, UpdatedAt, LastDiscoveredAt, AddReason, Hidden, __OSSpecific__ {BSSID,
 * WiFiNetworkPasswordModificationDate, prevJoined, networkUsage}} (iLEAPP appleWifiPlist.py).
 */
import { encodeBinaryPlist, PlistReal, type PlistDict } from '../../../src/plist/index.js';
import { Rng } from '../prng.js';
import type { WorldContext } from '../world/context.js';
import { keychainCounts, wifiNetworks } from '../world/misc.js';

const bplist = (value: PlistDict): Buffer => Buffer.from(encodeBinaryPlist(value));
const ago = (ctx: WorldContext, days: number): Date => new Date(ctx.now - days * 86_400_000);

export function globalPreferences(ctx: WorldContext): Buffer {
  return bplist({
    AppleLanguages: [ctx.identity.language === 'en' ? 'en-US' : ctx.identity.language],
    AppleLocale: ctx.identity.locale,
    AppleICUForce24HourTime: ctx.identity.uses24HourClock,
    AppleKeyboards: ['en_US@sw=QWERTY;hw=Automatic', 'emoji@sw=Emoji'],
    AppleKeyboardsExpanded: 1,
  });
}

export function simplePreferences(name: string, ctx: WorldContext): Buffer {
  switch (name) {
    case 'com.apple.springboard':
      return bplist({ SBAutoLockTime: 30, SBShowBatteryPercentage: true, SBLastVersionForWhichUserSawWelcome: ctx.iosVersion, SBSearchDisabledBundles: [] });
    case 'com.apple.Preferences':
      return bplist({ KeyboardAutocorrection: true, KeyboardCapsLock: false, kKeyboardSettingsShowPredictions: true });
    case 'com.apple.MobileSMS':
      return bplist({ KeepMessageForDays: 0, ReadReceiptsEnabled: true, MMSEnabled: true, SMSRelayEnabled: false });
    case 'com.apple.mobilephone':
      return bplist({ DialerSavedNumber: '', 'call-waiting': true, ShowCallerID: true });
    case 'com.apple.mobilesafari':
      return bplist({ SearchEngineStringSetting: 'Google', WebKitJavaScriptEnabled: true, ShowFavoritesBar: false, LastSessionWasPrivate: false });
    case 'com.apple.preferences.datetime':
      return bplist({ timezone: ctx.identity.timeZone, timezoneset: true });
    case 'com.apple.purplebuddy':
      return bplist({ SetupDone: true, SetupFinishedAllSteps: true, SetupVersion: 11, GuessedCountry: 'US', SetupLastExit: ago(ctx, 900), ProductVersion: ctx.iosVersion });
    case 'com.apple.camera':
      return bplist({ CAMUserPreferenceExportCompatibleCaptureFormat: false, CAMUserPreferencePreserveFilter: false, CAMUserPreferenceVideoConfiguration: 3 });
    case 'com.apple.mobileslideshow':
      return bplist({ PhotosCloudSharedAlbumsEnabled: false, PhotosiCloudPhotoLibraryEnabled: false, LastViewedAlbum: 'Recents' });
    case 'com.apple.assistant.support':
      return bplist({ 'Assistant Enabled': true, 'Dictation Enabled': true, 'Session Language': 'en-US' });
    case 'com.apple.commcenter':
      return bplist({ ReportedPhoneNumber: ctx.owner.phone, lastKnownICCID: ctx.identity.iccid ?? '', PhoneNumberChanged: false });
    case 'com.apple.MobileBackup':
      return bplist({ AutomaticBackupEnabled: false, LastOnConditionEvents: [] });
    case 'managed.GlobalPreferences':
      return bplist({ AppleLanguages: ['en-US'], AppleLocale: ctx.identity.locale });
    default:
      return bplist({ Version: 1 });
  }
}

export function systemConfigurationWifi(): Buffer {
  return bplist({ AllowEnable: 1, 'Custom network settings': {}, KeepWiFiPoweredAirplaneMode: false, Version: 2200 });
}

export function systemConfigurationPreferences(ctx: WorldContext): Buffer {
  const host = ctx.identity.deviceName.replace(/['’]/g, '').replace(/[^A-Za-z0-9]+/g, '-');
  return bplist({
    Model: ctx.identity.productType,
    System: { System: { ComputerName: ctx.identity.deviceName, ComputerNameEncoding: 0 }, Network: { HostNames: { LocalHostName: host } } },
    __VERSION__: 20191120,
  });
}

export function knownNetworks(ctx: WorldContext): Buffer {
  const dict: PlistDict = {};
  for (const n of wifiNetworks(ctx)) {
    dict[`wifi.network.ssid.${n.ssid}`] = {
      SSID: Buffer.from(n.ssid, 'utf8'),
      AddedAt: new Date(n.added),
      JoinedByUserAt: new Date(n.added),
      JoinedBySystemAt: new Date(n.lastJoined),
      UpdatedAt: new Date(n.lastJoined),
      LastDiscoveredAt: new Date(n.lastJoined),
      AddReason: 'UserJoin',
      SupportedSecurityTypes: 16,
      Hidden: false,
      __OSSpecific__: {
        BSSID: n.bssid,
        networkUsage: new PlistReal(1.5),
        WiFiNetworkPasswordModificationDate: new Date(n.added),
        prevJoined: new Date(n.lastJoined),
        CHANNEL: 6,
      },
    };
  }
  return bplist(dict);
}

export function keychainBackup(ctx: WorldContext): Buffer {
  const rng = new Rng(ctx.seed, 'keychain');
  const counts = keychainCounts(ctx);
  const item = (table: string, rowid: number): PlistDict => {
    const cipher = rng.bytes(64 + rng.below(400));
    const head = Buffer.alloc(12);
    head.writeUInt32LE(3, 0);
    head.writeUInt32LE(rng.pick([6, 7, 7, 7, 8, 9, 10, 11]), 4);
    head.writeUInt32LE(40, 8);
    const ref = Buffer.alloc(12);
    ref.write(table, 0, 'latin1');
    ref.writeBigUInt64LE(BigInt(rowid), 4);
    return { v_Data: Buffer.concat([head, rng.bytes(40), cipher, rng.bytes(16)]), v_PersistentRef: ref };
  };
  const list = (table: string, n: number): PlistDict[] => Array.from({ length: n }, (_, k) => item(table, k + 1));
  return bplist({ genp: list('genp', counts.genp), inet: list('inet', counts.inet), cert: list('cert', counts.cert), keys: list('keys', counts.keys) });
}

/** Library/Preferences/<id>.plist of an app, group or extension container. */
export function containerPreferences(ctx: WorldContext, id: string): Buffer {
  const rng = new Rng(ctx.seed, `prefs:${id}`);
  return bplist({
    [`${id}.launchCount`]: 1 + rng.below(900),
    [`${id}.lastLaunch`]: ago(ctx, rng.below(30)),
    NSLanguages: ['en-US', 'en'],
    installationIdentifier: rng.uuid(),
    onboardingComplete: true,
  });
}

/** A small app-private file (settings JSON and the like). */
export function appSupportFile(ctx: WorldContext, id: string): Buffer {
  const rng = new Rng(ctx.seed, `support:${id}`);
  return Buffer.from(`${JSON.stringify({ app: id, user: rng.uuid(), lastSync: ago(ctx, rng.below(10)).toISOString(), theme: 'system' }, null, 2)}\n`, 'utf8');
}
