import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LifeboatError } from '../../src/util/errors.js';
import { requireModel, udidPrefix } from './catalog.js';
import { formatUdid, generateIdentity, isLuhnValid, isValidUdid, luhnCheckDigit, modernUdid, usbSerialNumber } from './identity.js';

test('identities are deterministic for (seed, index)', () => {
  assert.deepEqual(generateIdentity('fleet-a', 3), generateIdentity('fleet-a', 3));
  assert.deepEqual(generateIdentity('fleet-a', 0, { productType: 'iPhone15,2' }), generateIdentity('fleet-a', 0, { productType: 'iPhone15,2' }));
});

test('identities differ per index and per seed', () => {
  const fleet = Array.from({ length: 60 }, (_, i) => generateIdentity('fleet-b', i));
  for (const field of ['udid', 'serialNumber', 'wifiAddress', 'bluetoothAddress', 'imei', 'iccid', 'deviceName', 'mlbSerialNumber'] as const) {
    assert.equal(new Set(fleet.map((id) => id[field])).size, fleet.length, `${field} repeats within a fleet`);
  }
  assert.notEqual(generateIdentity('seed-1', 0).udid, generateIdentity('seed-2', 0).udid);
});

test('modern UDID is chip id + ECID and matches the catalog prefix', () => {
  for (let i = 0; i < 30; i++) {
    const id = generateIdentity('udids', i);
    assert.match(id.udid, /^[0-9A-F]{8}-[0-9A-F]{16}$/);
    assert.ok(id.udid.startsWith(udidPrefix(requireModel(id.productType))));
    assert.equal(id.udid, modernUdid(id.chipId, id.uniqueChipID));
    assert.equal(parseInt(id.udid.slice(9), 16), id.uniqueChipID);
    assert.ok(Number.isSafeInteger(id.uniqueChipID) && id.uniqueChipID > 0 && id.uniqueChipID < 2 ** 52);
    assert.ok(isValidUdid(id.udid));
  }
  // The worked example from a real iPhone 13 dump.
  assert.equal(modernUdid(0x8110, 4015777412448286), '00008110-000E44540A2A801E');
});

test('an A11 phone gets a legacy 40-hex UDID', () => {
  const x = generateIdentity('legacy', 0, { productType: 'iPhone10,3' });
  assert.match(x.udid, /^[0-9a-f]{40}$/);
  assert.equal(x.cpuArchitecture, 'arm64');
  assert.ok(isValidUdid(x.udid));
  assert.equal(usbSerialNumber(x.udid), x.udid);
});

test('formatUdid and isValidUdid accept legacy, modern and USB-serial forms', () => {
  assert.equal(formatUdid('00008120-001a2b3c4d5e6f70'), '00008120-001A2B3C4D5E6F70');
  assert.equal(formatUdid('00008120001A2B3C4D5E6F70'), '00008120-001A2B3C4D5E6F70');
  assert.equal(formatUdid(' C16B08B10C9DBB4EF48C88F7127431C5D9EF69FD '), 'c16b08b10c9dbb4ef48c88f7127431c5d9ef69fd');
  assert.equal(usbSerialNumber('00008120-001A2B3C4D5E6F70'), '00008120001A2B3C4D5E6F70');
  for (const bad of ['', 'hello', '00008120-001A2B3C4D5E6F7', '00008120_001A2B3C4D5E6F70', 'g'.repeat(40)]) {
    assert.equal(isValidUdid(bad), false, bad);
    assert.throws(() => formatUdid(bad), (e: unknown) => e instanceof LifeboatError && e.code === 'SIM_BAD_UDID');
  }
});

test('IMEIs and ICCIDs carry a correct Luhn digit', () => {
  assert.equal(luhnCheckDigit('49015420323751'), '8'); // the textbook IMEI 490154203237518
  assert.ok(isLuhnValid('490154203237518'));
  assert.ok(!isLuhnValid('490154203237519'));
  for (let i = 0; i < 40; i++) {
    const id = generateIdentity('luhn', i);
    assert.match(id.imei, /^\d{15}$/);
    assert.ok(isLuhnValid(id.imei), id.imei);
    assert.ok(id.imei2 && isLuhnValid(id.imei2));
    assert.equal(id.meid, id.imei.slice(0, 14));
    assert.match(id.iccid ?? '', /^89\d{18}$/);
    assert.ok(isLuhnValid(id.iccid ?? ''));
  }
});

test('MAC addresses are lowercase, unicast and locally administered', () => {
  const id = generateIdentity('macs', 7);
  for (const mac of [id.wifiAddress, id.bluetoothAddress, id.ethernetAddress ?? '']) {
    assert.match(mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const first = parseInt(mac.slice(0, 2), 16);
    assert.equal(first & 0x03, 0x02);
  }
});

test('serials follow the model era and avoid vowels', () => {
  for (let i = 0; i < 10; i++) {
    const modern = generateIdentity('serials', i, { productType: 'iPhone16,1' });
    assert.match(modern.serialNumber, /^[B-DF-HJ-NP-TV-Z][0-9B-DF-HJ-NP-TV-Z]{9}$/);
    const legacy = generateIdentity('serials', i, { productType: 'iPhone11,2' });
    assert.match(legacy.serialNumber, /^[0-9B-DF-HJ-NP-TV-Z]{12}$/);
  }
});

test('names, phone numbers and model facts', () => {
  const first = generateIdentity('names', 0);
  assert.equal(first.deviceName, "Alice's iPhone");
  assert.equal(generateIdentity('names', 1).deviceName, "Bob's iPhone");
  assert.equal(generateIdentity('names', 20).deviceName, "Alice's iPhone (2)");
  assert.equal(generateIdentity('names', 0, { deviceName: 'Lab Phone' }).deviceName, 'Lab Phone');
  assert.match(first.phoneNumber ?? '', /^\+1 \(\d{3}\) 555-01\d{2}$/);
  const pro = generateIdentity('facts', 0, { productType: 'iPhone15,2' });
  assert.equal(pro.hardwareModel, 'D73AP');
  assert.equal(pro.marketingName, 'iPhone 14 Pro');
  assert.equal(pro.hardwarePlatform, 't8120');
  assert.equal(pro.deviceClass, 'iPhone');
  assert.equal(pro.usbProductId, 0x12a8);
  assert.equal(Buffer.from(pro.basebandSerialNumber, 'hex').length, 4);
  assert.equal(Buffer.from(generateIdentity('facts', 0, { productType: 'iPhone11,8' }).basebandSerialNumber, 'hex').length, 12);
  assert.deepEqual(JSON.parse(JSON.stringify(pro)), pro);
  assert.throws(() => generateIdentity('x', -1), RangeError);
  assert.throws(() => generateIdentity('x', 0, { productType: 'iPhone99,9' }), /Unknown iPhone model/);
});
