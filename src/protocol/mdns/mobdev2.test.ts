import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkLocalFromMac, mobdev2InstanceName, normalizeMac, parseMobdev2Instance } from './mobdev2.js';

test('MAC addresses are normalised to lowercase colon form; anything else is refused', () => {
  assert.equal(normalizeMac('F0:99:B6:1:2:3'), 'f0:99:b6:01:02:03');
  assert.equal(normalizeMac('f0-99-b6-01-02-03'), 'f0:99:b6:01:02:03');
  for (const bad of ['', 'f0:99:b6:01:02', 'f0:99:b6:01:02:03:04', 'g0:99:b6:01:02:03', 'f0:99:b6:01:02:0333']) assert.equal(normalizeMac(bad), undefined, bad);
});

test('the IPv6 link-local suffix is the modified EUI-64 of the MAC (universal/local bit flipped)', () => {
  assert.equal(linkLocalFromMac('f0:99:b6:01:02:03'), 'fe80::f299:b6ff:fe01:203');
  assert.equal(linkLocalFromMac('02:00:00:00:00:01'), 'fe80::0:ff:fe00:1');
});

test('instance names round-trip and only `<mac>@…` names of _apple-mobdev2._tcp parse', () => {
  const label = mobdev2InstanceName('F0:99:B6:01:02:03', linkLocalFromMac('f0:99:b6:01:02:03'));
  assert.equal(label, 'f0:99:b6:01:02:03@fe80::f299:b6ff:fe01:203');
  const parsed = parseMobdev2Instance(`${label}._apple-mobdev2._tcp.local.`);
  assert.deepEqual(parsed, { fqdn: `${label}._apple-mobdev2._tcp.local`, wifiMac: 'f0:99:b6:01:02:03', suffix: 'fe80::f299:b6ff:fe01:203' });
  assert.equal(parseMobdev2Instance(`${label}._airplay._tcp.local`), undefined, 'another service');
  assert.equal(parseMobdev2Instance('no-at-sign._apple-mobdev2._tcp.local'), undefined);
  assert.equal(parseMobdev2Instance('zz:99:b6:01:02:03@x._apple-mobdev2._tcp.local'), undefined, 'not a MAC');
  assert.equal(parseMobdev2Instance(`f0:99:b6:01:02:03@${'x'.repeat(80)}._apple-mobdev2._tcp.local`), undefined, 'label over 63 bytes');
  assert.throws(() => mobdev2InstanceName('f0:99:b6:01:02:03', '10.0.0.1'), /dots/);
});
