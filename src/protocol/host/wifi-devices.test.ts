import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateDeviceKeyPair } from '../lockdown/pairing/device-keys.js';
import { generatePairingCertificates } from '../lockdown/pairing/certificates.js';
import { createPairRecord, type PairRecord } from '../lockdown/pairing/pair-record.js';
import type { MuxDevice } from '../usbmux/messages.js';
import { chooseDevice, mergeDevices } from './device-finder.js';
import { hostDevices, wifiRecordsDir } from './host-devices.js';
import { DirectoryPairRecordStore } from './pair-record-dir.js';
import { matchAdvertisements } from './wifi-devices.js';

const BUID = '30B8F3A1-0D2C-4F4B-9E07-5C1D2A3B4C5D';
let record: PairRecord;
before(async () => {
  const device = await generateDeviceKeyPair();
  record = createPairRecord(await generatePairingCertificates(device.publicKeyPem), { systemBuid: BUID, wifiMacAddress: 'F0:99:B6:01:02:03' });
});

describe('matching mDNS advertisements to pair records', () => {
  const ad = (mac: string, addresses: string[]) => ({ instance: `${mac}@x._apple-mobdev2._tcp.local`, wifiMac: mac, host: 'h', addresses });

  it('keeps only phones whose Wi-Fi MAC has a pair record, IPv4 first, and drops non-IP addresses', () => {
    const found = matchAdvertisements(
      [ad('f0:99:b6:01:02:03', ['fe80::1', 'not-an-ip', '10.0.0.7']), ad('aa:bb:cc:dd:ee:ff', ['10.0.0.8'])],
      [{ udid: 'UDID-A', record }],
    );
    assert.deepEqual(found, [{ udid: 'UDID-A', wifiMac: 'f0:99:b6:01:02:03', instance: 'f0:99:b6:01:02:03@x._apple-mobdev2._tcp.local', addresses: ['10.0.0.7', 'fe80::1'] }]);
  });

  it('ignores a record without a Wi-Fi MAC and an advertisement without an address', () => {
    const { wifiMacAddress: _mac, ...noMac } = record;
    assert.deepEqual(matchAdvertisements([ad('f0:99:b6:01:02:03', ['10.0.0.7'])], [{ udid: 'U', record: noMac }]), []);
    assert.deepEqual(matchAdvertisements([ad('f0:99:b6:01:02:03', [])], [{ udid: 'U', record }]), []);
  });
});

describe('merging usbmuxd devices with Wi-Fi devices', () => {
  const usb: MuxDevice = { deviceId: 1, udid: '00008120-001A2B3C4D5E6F70', connectionType: 'USB' };
  const network: MuxDevice = { deviceId: 2, udid: '00008120001A2B3C4D5E6F70', connectionType: 'Network' };
  const wifi = { udid: '00008120001A2B3C4D5E6F70', wifiMac: 'f0:99:b6:01:02:03', instance: 'i', addresses: ['10.0.0.7'] };
  const other = { udid: 'OTHER', wifiMac: 'f0:99:b6:01:02:04', instance: 'j', addresses: ['10.0.0.9'] };

  it('one entry per phone (UDIDs compared without the dash), USB preferred, then usbmuxd network, then Wi-Fi', () => {
    const merged = mergeDevices([network, usb], [wifi, other]);
    assert.equal(merged.length, 2);
    const phone = merged.find((d) => d.connections.includes('USB'))!;
    assert.equal(phone.connection, 'USB');
    assert.deepEqual(phone.connections, ['USB', 'Network', 'wifi']);
    assert.equal(phone.mux?.deviceId, 1);
    const wifiOnly = merged.find((d) => d.udid === 'OTHER')!;
    assert.equal(wifiOnly.connection, 'wifi');
    assert.equal(wifiOnly.mux, undefined);
    assert.equal(mergeDevices([network], [wifi])[0]?.connection, 'Network');
  });

  it('chooseDevice picks by UDID or the only phone, and names the choices otherwise', () => {
    const merged = mergeDevices([usb], [other]);
    assert.equal(chooseDevice(merged, 'other').udid, 'OTHER');
    assert.throws(() => chooseDevice(merged), /2 iPhones are connected/);
    assert.throws(() => chooseDevice(merged, 'NOPE'), (error: Error & { hint?: string }) => /OTHER \(wifi\)/.test(error.hint ?? ''));
    assert.throws(() => chooseDevice([], 'X'), (error: Error & { hint?: string }) => /lifeboat wifi on/.test(error.hint ?? ''));
  });
});

describe('DirectoryPairRecordStore (Lifeboat\'s Wi-Fi copies of pair records)', () => {
  let dir: string;
  before(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'lifeboat-pairdir-')), 'records');
  });
  after(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('saves privately and atomically, reads back, finds the record with or without the dash, deletes', async () => {
    const store = new DirectoryPairRecordStore(dir);
    await store.save('00008120-001A2B3C4D5E6F70', record);
    store.saveSystemBuid(BUID);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, '00008120-001A2B3C4D5E6F70.plist')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).sort(), ['00008120-001A2B3C4D5E6F70.plist', 'SystemConfiguration.plist'], 'no temporary files left');
    const back = await store.read('00008120001A2B3C4D5E6F70');
    assert.equal(back?.hostId, record.hostId);
    assert.equal(back?.wifiMacAddress, 'F0:99:B6:01:02:03');
    assert.equal(await store.systemBuid(), BUID);
    assert.deepEqual((await store.list()).map((r) => r.udid), ['00008120-001A2B3C4D5E6F70']);
    await store.delete('00008120001A2B3C4D5E6F70');
    assert.equal(await store.read('00008120-001A2B3C4D5E6F70'), undefined);
  });

  it('a damaged file is an explained error for read() and skipped by list(); names that are not UDIDs are refused', async () => {
    const store = new DirectoryPairRecordStore(dir);
    await store.save('GOOD', record);
    writeFileSync(join(dir, 'BAD.plist'), 'not a plist');
    await assert.rejects(store.read('BAD'), (error: Error & { code?: string; hint?: string }) => error.code === 'PAIR_RECORD_DAMAGED' && /wifi on/.test(error.hint ?? ''));
    assert.deepEqual((await store.list()).map((r) => r.udid), ['GOOD']);
    await assert.rejects(store.save('../escape', record), /is not a UDID/);
  });
});

describe('hostDevices: when commands look for phones on Wi-Fi', () => {
  it('only with Wi-Fi pair records (or LIFEBOAT_WIFI=on), never with LIFEBOAT_WIFI=off; the interface is passed on', async () => {
    const home = mkdtempSync(join(tmpdir(), 'lifeboat-hostdev-'));
    try {
      const env = { LIFEBOAT_HOME: home, USBMUXD_SOCKET_ADDRESS: 'UNIX:/nonexistent' };
      assert.equal(hostDevices(env).wifi, undefined, 'no records: no multicast on the network');
      assert.notEqual(hostDevices({ ...env, LIFEBOAT_WIFI: 'on' }).wifi, undefined);
      await new DirectoryPairRecordStore(wifiRecordsDir(env)).save('UDID-A', record);
      assert.deepEqual(hostDevices({ ...env, LIFEBOAT_MDNS_INTERFACE: '127.0.0.1' }).wifi?.discovery, { interfaceAddress: '127.0.0.1' });
      assert.equal(hostDevices({ ...env, LIFEBOAT_WIFI: 'off' }).wifi, undefined);
      assert.equal((await hostDevices(env).store.read('UDID-A'))?.hostId, record.hostId, 'usbmuxd unreachable: the Wi-Fi copy is read');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
