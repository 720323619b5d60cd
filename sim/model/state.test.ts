import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LifeboatError } from '../../src/util/errors.js';
import { SimStateError } from './errors.js';
import { generateIdentity } from './identity.js';
import { DEFAULT_IOS_VERSION, SETTING_KEYS, applySettings, defaultState, describeState, validateState, type DeviceState, type SettingKey } from './state.js';

const identity = generateIdentity('state-tests', 0, { productType: 'iPhone15,2' });
const base = defaultState(identity);

function freeze<T extends object>(value: T): T {
  return Object.freeze(value);
}

function expectSettingError(assignments: string[], key: string, extra?: RegExp, context = {}): SimStateError {
  let caught: unknown;
  try {
    applySettings(base, assignments, context);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SimStateError, `expected SimStateError for ${assignments.join(' ')}`);
  assert.ok(caught instanceof LifeboatError);
  assert.equal(caught.code, 'SIM_BAD_SETTING');
  assert.equal(caught.key, key, caught.message);
  assert.ok(caught.message.includes(key), `message should name ${key}: ${caught.message}`);
  if (extra) assert.match(caught.message, extra);
  return caught;
}

test('defaults: a fresh phone on the desk', () => {
  assert.equal(base.batteryPercent, 80);
  assert.equal(base.charging, true);
  assert.equal(base.plugged, true);
  assert.equal(base.wifi, true);
  assert.equal(base.lowPower, false);
  assert.equal(base.productVersion, DEFAULT_IOS_VERSION);
  assert.equal(base.buildVersion, '22G86');
  assert.equal(base.totalBytes, 128e9);
  assert.equal(base.freeBytes, 40e9);
  assert.equal(base.passcode, true);
  assert.equal(base.locked, true);
  assert.equal(base.trust, 'pending');
  assert.equal(base.backupEncryption, false);
  assert.equal(base.wifiSync, false);
  assert.equal(base.wifiNetwork, 'same');
  assert.equal(base.fault, 'none');
  validateState(base);
  // No 128 GB iPhone XS: the next capacity up; the iPhone X cannot run 18.6.
  assert.equal(defaultState({ productType: 'iPhone11,2' }).totalBytes, 256e9);
  const x = defaultState({ productType: 'iPhone10,3' });
  assert.equal(x.productVersion, '16.7.16');
  assert.equal(x.buildVersion, '20H392');
});

test('every setting key accepts its valid values', () => {
  const valid: Record<SettingKey, [string, Partial<DeviceState>]> = {
    battery: ['battery=0', { batteryPercent: 0 }],
    charging: ['charging=false', { charging: false }],
    wifi: ['wifi=false', { wifi: false }],
    lowPower: ['lowPower=TRUE', { lowPower: true }],
    ios: ['ios=17.5', { productVersion: '17.5', buildVersion: '21F79' }],
    freeSpace: ['freeSpace=12GB', { freeBytes: 12e9 }],
    totalSpace: ['totalSpace=1TB', { totalBytes: 1e12 }],
    passcode: ['passcode=true', { passcode: true }],
    locked: ['locked=false', { locked: false }],
    trust: ['trust=accept', { trust: 'accept' }],
    plugged: ['plugged=false', { plugged: false }],
    encryption: ['encryption=true', { backupEncryption: true }],
    wifiSync: ['wifiSync=true', { wifiSync: true }],
    wifiNetwork: ['wifiNetwork=Unreachable', { wifiNetwork: 'unreachable' }],
    icloudPhotos: ['icloudPhotos=true', { icloudPhotos: true }],
    fault: ['fault=disconnect-after:1MB', { fault: 'disconnect-after:1000000' }],
    trustedHosts: ['trustedHosts=none', { trust: 'pending' }],
  };
  assert.deepEqual(Object.keys(valid).sort(), Object.keys(SETTING_KEYS).sort());
  for (const [assignment, expected] of Object.values(valid)) {
    const next = applySettings(base, [assignment]);
    assert.deepEqual({ ...base, ...expected }, next, assignment);
  }
  assert.equal(applySettings(base, ['battery=100']).batteryPercent, 100);
  assert.equal(applySettings(base, ['battery=55%']).batteryPercent, 55);
  assert.equal(applySettings(base, ['trust=deny']).trust, 'deny');
  assert.equal(applySettings(base, [' trust = pending ']).trust, 'pending');
});

test('every setting key rejects bad values and names the key', () => {
  const invalid: Record<SettingKey, string> = {
    battery: 'battery=101',
    charging: 'charging=yes',
    wifi: 'wifi=1',
    lowPower: 'lowPower=on',
    ios: 'ios=17.9',
    freeSpace: 'freeSpace=lots',
    totalSpace: 'totalSpace=0',
    passcode: 'passcode=maybe',
    locked: 'locked=nope',
    trust: 'trust=always',
    plugged: 'plugged=',
    encryption: 'encryption=sure',
    wifiSync: 'wifiSync=2',
    wifiNetwork: 'wifiNetwork=guest',
    icloudPhotos: 'icloudPhotos=yes',
    fault: 'fault=explode',
    trustedHosts: 'trustedHosts=all',
  };
  for (const [key, assignment] of Object.entries(invalid)) {
    const error = expectSettingError([assignment], key);
    assert.ok(error.message.includes(SETTING_KEYS[key as SettingKey]), `${assignment}: accepted values missing in "${error.message}"`);
  }
  expectSettingError(['battery=-1'], 'battery');
  expectSettingError(['battery=50.5'], 'battery');
  expectSettingError(['freeSpace=1.5'], 'freeSpace', /fraction/);
  expectSettingError(['ios=banana'], 'ios', /not an iOS version/);
  expectSettingError(['ios=17.9'], 'ios', /17\.5/);
});

test('malformed assignments and unknown keys', () => {
  expectSettingError(['battery'], 'battery', /no "="/);
  expectSettingError(['frobnicate'], 'frobnicate', /key=value/);
  expectSettingError(['volume=3'], 'volume', /known settings: battery=/);
  expectSettingError(['lowpower=true'], 'lowpower', /did you mean lowPower/);
});

test('ios= sets the matching build and respects the model when told', () => {
  const next = applySettings(base, ['ios=17.5.1']);
  assert.deepEqual([next.productVersion, next.buildVersion], ['17.5.1', '21F90']);
  const sixteen = { productType: 'iPhone17,3' };
  expectSettingError(['ios=17.5'], 'ios', /iPhone 16 \(iPhone17,3\) cannot report iOS 17\.5; it runs iOS 18 and later/, sixteen);
  assert.equal(applySettings(base, ['ios=18.0'], sixteen).buildVersion, '22A3351');
  assert.equal(applySettings(base, ['ios=18.0']).buildVersion, '22A3354');
});

test('cross-field rules: space and locked-without-passcode', () => {
  expectSettingError(['freeSpace=200GB'], 'freeSpace', /cannot exceed totalSpace \(128 GB\)/);
  expectSettingError(['totalSpace=32GB'], 'totalSpace', /freeSpace \(40 GB\) cannot exceed totalSpace \(32 GB\)/);
  // Order does not matter: only the final state is checked.
  const bigger = applySettings(base, ['freeSpace=200GB', 'totalSpace=256GB']);
  assert.deepEqual([bigger.freeBytes, bigger.totalBytes], [200e9, 256e9]);
  expectSettingError(['passcode=false', 'locked=true'], 'locked', /never locked/);
  expectSettingError(['locked=true', 'passcode=false'], 'locked');
  // Removing the passcode alone leaves an unlocked phone.
  const noPasscode = applySettings(base, ['passcode=false']);
  assert.deepEqual([noPasscode.passcode, noPasscode.locked], [false, false]);
  assert.equal(applySettings(noPasscode, ['passcode=true', 'locked=true']).locked, true);
});

test('applySettings never mutates its input', () => {
  const frozen = freeze({ ...base });
  const next = applySettings(frozen, ['battery=5', 'ios=17.0.1', 'wifiSync=true']);
  assert.notEqual(next, frozen);
  assert.deepEqual(frozen, base);
  assert.equal(applySettings(frozen, []).batteryPercent, 80);
});

test('validateState catches broken persisted state', () => {
  assert.throws(() => validateState({ ...base, buildVersion: '21F79' }), (e: unknown) => e instanceof SimStateError && e.key === 'ios');
  assert.throws(() => validateState({ ...base, batteryPercent: 120 }), (e: unknown) => e instanceof SimStateError && e.key === 'battery');
  assert.throws(() => validateState({ ...base, passcode: false }), (e: unknown) => e instanceof SimStateError && e.key === 'locked');
  assert.throws(() => validateState({ ...base, trust: 'maybe' as never }), (e: unknown) => e instanceof SimStateError && e.key === 'trust');
});

test('describeState is plain JSON keyed like the settings', () => {
  const summary = describeState(applySettings(base, ['charging=false', 'plugged=false']));
  assert.deepEqual(JSON.parse(JSON.stringify(summary)), summary);
  assert.equal(summary['battery'], 80);
  assert.equal(summary['externalPower'], false);
  assert.equal(summary['ios'], '18.6');
  assert.equal(summary['build'], '22G86');
  assert.equal(summary['totalSpaceText'], '128 GB');
  assert.equal(summary['freeSpaceText'], '40 GB');
  assert.equal(summary['encryption'], false);
});
