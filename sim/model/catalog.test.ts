import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IPHONE_MODELS, basebandVersionFor, findModel, hardwarePlatform, requireModel, supportsIosVersion, udidPrefix, usesModernUdid } from './catalog.js';
import { IOS_RELEASES } from './ios-versions.js';
import { DEFAULT_IOS_VERSION } from './state.js';

test('catalog facts', () => {
  assert.ok(IPHONE_MODELS.length >= 8);
  assert.equal(new Set(IPHONE_MODELS.map((m) => m.productType)).size, IPHONE_MODELS.length);
  const pro = requireModel('iPhone15,2');
  assert.equal(pro.marketingName, 'iPhone 14 Pro');
  assert.equal(pro.hardwareModel, 'D73AP');
  assert.equal(pro.chipId, 0x8120);
  assert.equal(udidPrefix(pro), '00008120-');
  assert.equal(hardwarePlatform(pro), 't8120');
  assert.equal(hardwarePlatform(requireModel('iPhone14,5')), 't8110');
  assert.equal(findModel('iPad13,1'), undefined);
  for (const model of IPHONE_MODELS) {
    assert.equal(model.usbProductId, 0x12a8);
    assert.match(model.hardwareModel, /^[A-Z]\d+[a-z]?AP$/);
    assert.equal(usesModernUdid(model), model.chipId >= 0x8020);
  }
});

test('supported iOS versions follow each model\'s range and per-release exceptions', () => {
  const xs = requireModel('iPhone11,2');
  assert.ok(supportsIosVersion(xs, '17.5'));
  assert.ok(supportsIosVersion(xs, '18.7.6'));
  assert.ok(!supportsIosVersion(xs, '26.0'), 'iOS 26 dropped the A12');
  const sixteen = requireModel('iPhone17,3');
  assert.ok(!supportsIosVersion(sixteen, '17.5'));
  assert.ok(supportsIosVersion(sixteen, '18.0'));
  const fifteen = requireModel('iPhone15,4');
  assert.ok(!supportsIosVersion(fifteen, '17.0'), 'iPhone 15 never ran the 21A329 build');
  assert.ok(supportsIosVersion(fifteen, '17.0.2'));
  assert.ok(!supportsIosVersion(requireModel('iPhone14,5'), '17.0.2'), '21A350 was only for the iPhone 15 family');
  const x = requireModel('iPhone10,3');
  assert.ok(supportsIosVersion(x, '16.7.8'));
  assert.ok(!supportsIosVersion(x, '17.0'));
  assert.ok(!supportsIosVersion(xs, '16.7.8'), '16.7.3+ went only to iPhone 8/X');
  assert.ok(!supportsIosVersion(pro(), 'nope'));
  function pro() {
    return requireModel('iPhone15,2');
  }
});

test('every model can run something, and all modern-UDID models run the default iOS', () => {
  for (const model of IPHONE_MODELS) {
    assert.ok(IOS_RELEASES.some((r) => supportsIosVersion(model, r.version)), model.productType);
    if (usesModernUdid(model)) assert.ok(supportsIosVersion(model, DEFAULT_IOS_VERSION), model.productType);
  }
});

test('baseband version is picked from the nearest verified major', () => {
  const thirteen = requireModel('iPhone14,5');
  assert.equal(basebandVersionFor(thirteen, '17.5'), '3.50.04');
  assert.equal(basebandVersionFor(thirteen, '18.6'), '4.70.01');
  assert.equal(basebandVersionFor(thirteen, '26.1'), '4.70.01');
  assert.equal(basebandVersionFor(requireModel('iPhone17,1'), '18.0'), '1.70.02');
  assert.equal(basebandVersionFor(requireModel('iPhone10,3'), '16.7.8'), '8.50.04');
});
