import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnknownIosVersionError } from './errors.js';
import { IOS_RELEASES, buildForVersion, compareVersions, isKnownVersion, majorOf, nearbyVersions, parseVersion } from './ios-versions.js';

test('verified version → build pairs', () => {
  assert.equal(buildForVersion('17.5'), '21F79');
  assert.equal(buildForVersion('17.5.1'), '21F90');
  assert.equal(buildForVersion('17.0'), '21A329');
  assert.equal(buildForVersion('17.6.1'), '21G93');
  assert.equal(buildForVersion('18.0'), '22A3354');
  assert.equal(buildForVersion('18.6'), '22G86');
  assert.equal(buildForVersion('16.7.8'), '20H343');
});

test('model-specific builds win when a product type is given', () => {
  assert.equal(buildForVersion('18.0', 'iPhone17,3'), '22A3351');
  assert.equal(buildForVersion('18.0', 'iPhone15,2'), '22A3354');
});

test('isKnownVersion', () => {
  assert.ok(isKnownVersion('17.5'));
  assert.ok(!isKnownVersion('17.5.0'));
  assert.ok(!isKnownVersion('17'));
  assert.ok(!isKnownVersion('99.1'));
});

test('unknown versions throw with nearby known ones', () => {
  assert.throws(
    () => buildForVersion('17.9'),
    (e: unknown) => e instanceof UnknownIosVersionError && e.code === 'SIM_UNKNOWN_IOS_VERSION' && /17\.9/.test(e.message) && e.message.includes('17.5.1') && e.nearby.every((v) => v.startsWith('17.')),
  );
  assert.throws(() => buildForVersion('15.1'), (e: unknown) => e instanceof UnknownIosVersionError && /no iOS 15 releases/.test(e.message) && e.message.includes('18.7.10'));
  assert.throws(() => buildForVersion('banana'), /not an iOS version/);
  assert.deepEqual(nearbyVersions('26.9').slice(0, 2), ['26.0', '26.0.1']);
});

test('the table is ascending, unique, and builds belong to their Darwin train', () => {
  const versions = IOS_RELEASES.map((r) => r.version);
  assert.equal(new Set(versions).size, versions.length);
  assert.equal(new Set(IOS_RELEASES.map((r) => r.build)).size, IOS_RELEASES.length);
  for (let i = 1; i < versions.length; i++) assert.ok(compareVersions(versions[i - 1] ?? '', versions[i] ?? '') < 0, `${versions[i]} out of order`);
  const train: Record<number, string> = { 16: '20', 17: '21', 18: '22', 26: '23', 27: '24' };
  for (const release of IOS_RELEASES) {
    assert.match(release.build, /^\d\d[A-Z]\d{2,4}$/);
    assert.ok(release.build.startsWith(train[majorOf(release.version) ?? 0] ?? '?'), `${release.version} ${release.build}`);
  }
});

test('version parsing and ordering', () => {
  assert.deepEqual(parseVersion('18.0.1'), [18, 0, 1]);
  assert.equal(parseVersion('18'), undefined);
  assert.equal(parseVersion('18.a'), undefined);
  assert.ok(compareVersions('16.7.10', '16.7.9') > 0);
  assert.equal(compareVersions('17.0', '17.0'), 0);
});
