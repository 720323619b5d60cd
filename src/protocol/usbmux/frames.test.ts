import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { ProtocolError } from '../errors.js';
import { StreamReader } from '../wire/stream-reader.js';
import { defaultMuxAddress, parseMuxAddress } from './address.js';
import { decodeMuxHeader, encodeMuxHeader, encodePlistPacket, readMuxPacket } from './frames.js';
import { decodeSockaddrIn, deviceFromPlist, deviceToPlist, encodeSockaddrIn, requestFromPlist, requestToPlist, swapPort } from './messages.js';

describe('usbmux frames', () => {
  it('encodes the 16-byte little-endian header', () => {
    const bytes = encodeMuxHeader({ length: 0x11223344, version: 1, message: 8, tag: 7 });
    assert.equal(bytes.toString('hex'), '44332211' + '01000000' + '08000000' + '07000000');
    assert.deepEqual(decodeMuxHeader(bytes), { length: 0x11223344, version: 1, message: 8, tag: 7 });
  });

  it('byte-swaps the port: lockdownd 62078 travels as 32498', () => {
    assert.equal(swapPort(62078), 32498);
    assert.equal(swapPort(swapPort(49152)), 49152);
    const plist = requestToPlist({ type: 'Connect', deviceId: 3, port: 62078 });
    assert.equal(plist['PortNumber'], 32498);
    assert.deepEqual(requestFromPlist(plist), { type: 'Connect', deviceId: 3, port: 62078 });
  });

  it('round-trips a plist packet through the reader', async () => {
    const stream = new PassThrough();
    stream.end(encodePlistPacket(9, { MessageType: 'ListDevices' }));
    const packet = await readMuxPacket(new StreamReader(stream, 'test'));
    assert.equal(packet.header.tag, 9);
    assert.equal(packet.plist?.['MessageType'], 'ListDevices');
  });

  it('round-trips device records, USB and network', () => {
    const usb = { deviceId: 4, udid: '00008120-001A2B3C4D5E6F70', connectionType: 'USB' as const, productId: 0x12a8, locationId: 1, connectionSpeed: 480000000 };
    assert.deepEqual(deviceFromPlist(deviceToPlist(usb)), usb);
    const net = { deviceId: 5, udid: usb.udid, connectionType: 'Network' as const, networkAddress: encodeSockaddrIn('127.1.2.3'), escapedFullServiceName: 'x', interfaceIndex: 1 };
    const back = deviceFromPlist(deviceToPlist(net));
    assert.equal(decodeSockaddrIn(back.networkAddress!), '127.1.2.3');
  });

  it('rejects device records with a bad connection type or pair-record ids that are paths', () => {
    assert.throws(() => deviceFromPlist({ DeviceID: 1, Properties: { SerialNumber: 'x', ConnectionType: 'Bluetooth' } }), ProtocolError);
    assert.throws(() => requestFromPlist({ MessageType: 'ReadPairRecord', PairRecordID: '../x' }), ProtocolError);
  });
});

describe('usbmuxd address', () => {
  it('parses UNIX:/path and host:port like libusbmuxd', () => {
    assert.deepEqual(parseMuxAddress('UNIX:/tmp/s'), { kind: 'unix', path: '/tmp/s' });
    assert.deepEqual(parseMuxAddress('127.0.0.1:27015'), { kind: 'tcp', host: '127.0.0.1', port: 27015 });
    assert.deepEqual(parseMuxAddress('[::1]:5000'), { kind: 'tcp', host: '::1', port: 5000 });
    assert.throws(() => parseMuxAddress('localhost:99999'), /port/);
    assert.throws(() => parseMuxAddress('nonsense'), /UNIX/);
  });

  it('defaults to /var/run/usbmuxd, or 127.0.0.1:27015 on Windows', () => {
    assert.deepEqual(defaultMuxAddress({}, 'linux'), { kind: 'unix', path: '/var/run/usbmuxd' });
    assert.deepEqual(defaultMuxAddress({}, 'win32'), { kind: 'tcp', host: '127.0.0.1', port: 27015 });
    assert.deepEqual(defaultMuxAddress({ USBMUXD_SOCKET_ADDRESS: 'UNIX:/x' }, 'linux'), { kind: 'unix', path: '/x' });
  });
});
