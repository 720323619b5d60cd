import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlistReal, type PlistDict, type PlistValue } from '../../src/plist/types.js';
import { generateIdentity } from './identity.js';
import { DOMAINS, SIM_DOMAIN, lockdownValue, publicKeys, utcOffsetSeconds } from './lockdown-values.js';
import { applySettings, defaultState } from './state.js';

const identity = generateIdentity('lockdown-tests', 0, { productType: 'iPhone15,2' });
const state = defaultState(identity);
const pem = new TextEncoder().encode('-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n');
const extras = { devicePublicKeyPem: pem, now: new Date('2025-07-01T12:00:00Z') };

function dict(value: PlistValue | undefined): PlistDict {
  assert.ok(value !== undefined && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Date) && !Array.isArray(value) && !(value instanceof PlistReal));
  return value as PlistDict;
}

test('default domain carries what ideviceinfo prints, with lockdown types', () => {
  const all = dict(lockdownValue(identity, state, undefined, undefined, extras));
  const expected: Record<string, PlistValue> = {
    ActivationState: 'Activated',
    BuildVersion: '22G86',
    CPUArchitecture: 'arm64e',
    ChipID: 0x8120,
    BoardId: 0x0c,
    DeviceClass: 'iPhone',
    DeviceColor: '1',
    DeviceName: identity.deviceName,
    DieID: identity.uniqueChipID,
    HardwareModel: 'D73AP',
    HardwarePlatform: 't8120',
    InternationalMobileEquipmentIdentity: identity.imei,
    PasswordProtected: true,
    ProductName: 'iPhone OS',
    ProductType: 'iPhone15,2',
    ProductVersion: '18.6',
    ProtocolVersion: '2',
    SerialNumber: identity.serialNumber,
    UniqueChipID: identity.uniqueChipID,
    UniqueDeviceID: identity.udid,
    WiFiAddress: identity.wifiAddress,
    BasebandVersion: '3.70.02',
    BasebandCertId: 3559316616,
    TimeZone: 'America/Los_Angeles',
    Uses24HourClock: false,
    HostAttached: true,
    TrustedHostAttached: false,
    PhoneNumber: identity.phoneNumber ?? '',
  };
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(all[key], value, key);
  assert.deepEqual(all['DevicePublicKey'], pem);
  assert.ok(all['BasebandSerialNumber'] instanceof Uint8Array);
  assert.deepEqual(all['SupportedDeviceFamilies'], [1]);
  assert.ok(all['TimeIntervalSince1970'] instanceof PlistReal);
  assert.equal((all['TimeIntervalSince1970'] as PlistReal).value, extras.now.getTime() / 1000);
  assert.deepEqual(all['TimeZoneOffsetFromUTC'], new PlistReal(-7 * 3600));
  assert.deepEqual(Object.keys(all), Object.keys(all).sort(), 'keys are sorted like real dumps');
});

test('single keys, absent keys and unknown domains', () => {
  assert.equal(lockdownValue(identity, state, undefined, 'ProductVersion'), '18.6');
  assert.equal(lockdownValue(identity, state, '', 'UniqueDeviceID'), identity.udid);
  assert.equal(lockdownValue(identity, state, undefined, 'NoSuchKey', extras), undefined);
  assert.equal(lockdownValue(identity, state, undefined, 'DevicePublicKey'), undefined, 'no key material without extras');
  assert.equal(lockdownValue(identity, state, 'com.apple.nope', undefined, extras), undefined);
  assert.equal(lockdownValue(identity, state, 'com.apple.fairplay', undefined, extras), undefined);
  assert.equal(lockdownValue(identity, state, DOMAINS.BATTERY, 'toString'), undefined);
});

test('public keys are a subset of the default domain and exclude session-only values', () => {
  const all = dict(lockdownValue(identity, state, undefined, undefined, extras));
  for (const key of publicKeys) assert.ok(key in all, `${key} missing from the default domain`);
  for (const key of ['SerialNumber', 'InternationalMobileEquipmentIdentity', 'PhoneNumber', 'ActivationState', 'PasswordProtected']) {
    assert.ok(!publicKeys.has(key), `${key} must need a session`);
  }
  for (const key of ['ProductVersion', 'BuildVersion', 'DeviceClass', 'ProductType', 'UniqueDeviceID', 'DeviceName', 'DevicePublicKey', 'WiFiAddress']) {
    assert.ok(publicKeys.has(key), key);
  }
});

test('state changes show up in the derived values', () => {
  const changed = applySettings(state, ['ios=17.5', 'locked=false', 'trust=accept', 'freeSpace=12GB', 'charging=false', 'plugged=false', 'encryption=true', 'wifiSync=true', 'lowPower=true']);
  assert.equal(lockdownValue(identity, changed, undefined, 'BuildVersion'), '21F79');
  assert.equal(lockdownValue(identity, changed, undefined, 'BasebandVersion'), '2.60.02');
  assert.equal(lockdownValue(identity, changed, undefined, 'PasswordProtected'), false);
  assert.equal(lockdownValue(identity, changed, undefined, 'HostAttached'), false);
  assert.equal(lockdownValue(identity, applySettings(state, ['trust=accept']), undefined, 'TrustedHostAttached'), true);
  assert.equal(lockdownValue(identity, changed, DOMAINS.DISK_USAGE, 'AmountDataAvailable'), 12e9);
  assert.equal(lockdownValue(identity, changed, DOMAINS.BACKUP, 'WillEncrypt'), true);
  assert.equal(lockdownValue(identity, changed, DOMAINS.WIRELESS_LOCKDOWN, 'EnableWifiConnections'), true);
  assert.equal(lockdownValue(identity, state, DOMAINS.WIRELESS_LOCKDOWN, 'EnableWifiConnections'), false);
  assert.equal(lockdownValue(identity, changed, SIM_DOMAIN, 'LowPowerModeEnabled'), true);
  assert.equal(lockdownValue(identity, state, SIM_DOMAIN, 'LowPowerModeEnabled'), false);
});

test('battery domain follows charging and plugged', () => {
  assert.deepEqual(lockdownValue(identity, state, DOMAINS.BATTERY, undefined), {
    BatteryCurrentCapacity: 80, BatteryIsCharging: true, ExternalChargeCapable: true, ExternalConnected: true,
    FullyCharged: false, GasGaugeCapability: true, HasBattery: true,
  });
  const unplugged = applySettings(state, ['charging=false', 'plugged=false', 'battery=42']);
  const battery = dict(lockdownValue(identity, unplugged, DOMAINS.BATTERY, undefined));
  assert.deepEqual([battery['BatteryCurrentCapacity'], battery['BatteryIsCharging'], battery['ExternalConnected']], [42, false, false]);
  const wireless = dict(lockdownValue(identity, applySettings(state, ['plugged=false']), DOMAINS.BATTERY, undefined));
  assert.deepEqual([wireless['BatteryIsCharging'], wireless['ExternalConnected']], [true, true]);
  const full = dict(lockdownValue(identity, applySettings(state, ['battery=100']), DOMAINS.BATTERY, undefined));
  assert.deepEqual([full['BatteryIsCharging'], full['FullyCharged']], [false, true]);
});

test('disk usage is consistent with free and total space', () => {
  for (const settings of [[], ['freeSpace=12GB'], ['freeSpace=0'], ['totalSpace=64GB', 'freeSpace=64GB'], ['totalSpace=1TB', 'freeSpace=999GB'], ['totalSpace=1KB', 'freeSpace=0']]) {
    const s = applySettings(state, settings);
    const d = dict(lockdownValue(identity, s, DOMAINS.DISK_USAGE, undefined)) as Record<string, number>;
    assert.equal(d['AmountDataAvailable'], s.freeBytes, settings.join(' '));
    assert.equal(d['TotalDiskCapacity'], s.totalBytes);
    assert.equal(d['TotalDiskCapacity'], (d['TotalSystemCapacity'] ?? NaN) + (d['TotalDataCapacity'] ?? NaN));
    assert.equal(d['TotalDataAvailable'], (d['AmountDataAvailable'] ?? NaN) + (d['AmountDataReserved'] ?? NaN));
    assert.ok((d['TotalDataAvailable'] ?? Infinity) <= (d['TotalDataCapacity'] ?? -1));
    for (const value of Object.values(d)) assert.ok(Number.isSafeInteger(value) && value >= 0);
  }
});

test('other domains', () => {
  assert.deepEqual(lockdownValue(identity, state, DOMAINS.INTERNATIONAL, undefined), { Keyboard: 'en_US', Language: 'en', Locale: 'en_US' });
  assert.equal(lockdownValue(identity, state, DOMAINS.MOBILE_ITUNES, 'MinITunesVersion'), '12.10.10');
  assert.deepEqual(lockdownValue(identity, state, DOMAINS.ITUNES, undefined), {});
  assert.deepEqual(lockdownValue(identity, state, DOMAINS.LOCKDOWN_CACHE, undefined), { ActivationState: 'Activated' });
  const bonjour = lockdownValue(identity, state, DOMAINS.WIRELESS_LOCKDOWN, 'BonjourFullServiceName');
  assert.match(String(bonjour), /^([0-9a-f]{2}:){5}[0-9a-f]{2}@fe80::[0-9a-f:]+\._apple-mobdev2\._tcp\.local\.$/);
  assert.ok(String(bonjour).startsWith(identity.wifiAddress));
});

test('UTC offsets follow daylight saving', () => {
  assert.equal(utcOffsetSeconds('America/Los_Angeles', new Date('2025-01-15T12:00:00Z')), -8 * 3600);
  assert.equal(utcOffsetSeconds('America/Los_Angeles', new Date('2025-07-15T12:00:00Z')), -7 * 3600);
  assert.equal(utcOffsetSeconds('Asia/Kolkata', new Date('2025-07-15T12:00:00Z')), 5.5 * 3600);
  assert.equal(utcOffsetSeconds('UTC', new Date()), 0);
});
