/**
 * Typed usbmuxd plist messages (both directions) and their conversion to and from plist dicts.
 *
 * A *device record* is what usbmuxd reports per attached device: a numeric DeviceID (valid while the
 * device stays attached), the UDID (SerialNumber) and how it is connected. The same phone on USB and
 * Wi-Fi appears twice, with different DeviceIDs and the same UDID.
 */
import type { PlistDict } from '../../plist/index.js';
import { ProtocolError } from '../errors.js';
import { optionalData, optionalString, optionalUint, requireDict, requireString, requireUint } from '../wire/fields.js';

export type ConnectionType = 'USB' | 'Network';

export interface MuxDevice {
  readonly deviceId: number;
  readonly udid: string;
  readonly connectionType: ConnectionType;
  readonly productId?: number;
  readonly locationId?: number;
  readonly connectionSpeed?: number;
  /** A raw `struct sockaddr` (BSD layout) for network devices. */
  readonly networkAddress?: Uint8Array;
  readonly escapedFullServiceName?: string;
  readonly interfaceIndex?: number;
}

export type MuxRequest =
  | { readonly type: 'ListDevices' }
  | { readonly type: 'Listen' }
  | { readonly type: 'Connect'; readonly deviceId: number; readonly port: number }
  | { readonly type: 'ReadBUID' }
  | { readonly type: 'ListListeners' }
  | { readonly type: 'ReadPairRecord'; readonly udid: string }
  | { readonly type: 'SavePairRecord'; readonly udid: string; readonly data: Uint8Array; readonly deviceId?: number }
  | { readonly type: 'DeletePairRecord'; readonly udid: string };

export type MuxEvent =
  | { readonly type: 'Attached'; readonly device: MuxDevice }
  | { readonly type: 'Detached'; readonly deviceId: number }
  | { readonly type: 'Paired'; readonly deviceId: number };

/** Fields every libusbmuxd request carries; the server records them for ListListeners. */
export const CLIENT_INFO = {
  ClientVersionString: 'lifeboat-usbmux 1.0',
  ProgName: 'lifeboat',
  kLibUSBMuxVersion: 3,
} as const;

/** usbmuxd carries the TCP port byte-swapped (htons) inside an integer. */
export function swapPort(port: number): number {
  return ((port & 0xff) << 8) | ((port >> 8) & 0xff);
}

export function requestToPlist(request: MuxRequest): PlistDict {
  const base: PlistDict = { MessageType: request.type, ...CLIENT_INFO };
  switch (request.type) {
    case 'Connect':
      return { ...base, DeviceID: request.deviceId, PortNumber: swapPort(request.port) };
    case 'ReadPairRecord':
    case 'DeletePairRecord':
      return { ...base, PairRecordID: request.udid };
    case 'SavePairRecord':
      return {
        ...base,
        PairRecordID: request.udid,
        PairRecordData: request.data,
        ...(request.deviceId === undefined ? {} : { DeviceID: request.deviceId }),
      };
    default:
      return base;
  }
}

/** Decodes a request on the server side; an unknown MessageType is reported to the caller, not thrown. */
export function requestFromPlist(dict: PlistDict): MuxRequest | { readonly type: 'Unknown'; readonly name: string } {
  const what = 'usbmux request';
  const name = requireString(dict, 'MessageType', what);
  switch (name) {
    case 'ListDevices':
    case 'Listen':
    case 'ReadBUID':
    case 'ListListeners':
      return { type: name };
    case 'Connect':
      return {
        type: 'Connect',
        deviceId: requireUint(dict, 'DeviceID', what, 0xffffffff),
        port: swapPort(requireUint(dict, 'PortNumber', what, 0xffff)),
      };
    case 'ReadPairRecord':
    case 'DeletePairRecord':
      return { type: name, udid: requirePairRecordId(dict) };
    case 'SavePairRecord': {
      const data = optionalData(dict, 'PairRecordData', what);
      if (!data) throw new ProtocolError('usbmux SavePairRecord: PairRecordData is missing', { code: 'PROTOCOL_BAD_FIELD' });
      const deviceId = optionalUint(dict, 'DeviceID', what, 0xffffffff);
      return { type: 'SavePairRecord', udid: requirePairRecordId(dict), data, ...(deviceId === undefined ? {} : { deviceId }) };
    }
    default:
      return { type: 'Unknown', name };
  }
}

/** A pair record id becomes a file name on the server, so it must be a plain identifier. */
function requirePairRecordId(dict: PlistDict): string {
  const id = requireString(dict, 'PairRecordID', 'usbmux pair record request');
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) {
    throw new ProtocolError(`usbmux pair record request: PairRecordID "${id.slice(0, 80)}" is not a UDID`, { code: 'PROTOCOL_BAD_FIELD' });
  }
  return id;
}

export function deviceToPlist(device: MuxDevice): PlistDict {
  const properties: PlistDict = {
    ConnectionType: device.connectionType,
    DeviceID: device.deviceId,
    SerialNumber: device.udid,
  };
  if (device.connectionSpeed !== undefined) properties['ConnectionSpeed'] = device.connectionSpeed;
  if (device.locationId !== undefined) properties['LocationID'] = device.locationId;
  if (device.productId !== undefined) properties['ProductID'] = device.productId;
  if (device.networkAddress !== undefined) properties['NetworkAddress'] = device.networkAddress;
  if (device.escapedFullServiceName !== undefined) properties['EscapedFullServiceName'] = device.escapedFullServiceName;
  if (device.interfaceIndex !== undefined) properties['InterfaceIndex'] = device.interfaceIndex;
  return { MessageType: 'Attached', DeviceID: device.deviceId, Properties: properties };
}

export function deviceFromPlist(dict: PlistDict): MuxDevice {
  const what = 'usbmux device record';
  const properties = requireDict(dict, 'Properties', what);
  const connection = requireString(properties, 'ConnectionType', what);
  if (connection !== 'USB' && connection !== 'Network') {
    throw new ProtocolError(`${what}: unknown ConnectionType "${connection}"`, { code: 'PROTOCOL_BAD_FIELD' });
  }
  const optional = {
    productId: optionalUint(properties, 'ProductID', what),
    locationId: optionalUint(properties, 'LocationID', what),
    connectionSpeed: optionalUint(properties, 'ConnectionSpeed', what),
    networkAddress: optionalData(properties, 'NetworkAddress', what),
    escapedFullServiceName: optionalString(properties, 'EscapedFullServiceName', what),
    interfaceIndex: optionalUint(properties, 'InterfaceIndex', what),
  };
  const device: { -readonly [K in keyof MuxDevice]: MuxDevice[K] } = {
    deviceId: requireUint(dict, 'DeviceID', what, 0xffffffff),
    udid: udidFromUsbSerial(requireString(properties, 'SerialNumber', what)),
    connectionType: connection,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (device as Record<string, unknown>)[key] = value;
  }
  return device;
}

/**
 * usbmuxd reports a modern iPhone's USB serial as 24 hex digits; its UDID has a dash after the 8th
 * (`00008120-001A…`). libusbmuxd inserts the dash, so tools agree on one spelling; so do we.
 */
export function udidFromUsbSerial(serial: string): string {
  return /^[0-9A-Fa-f]{24}$/.test(serial) ? `${serial.slice(0, 8)}-${serial.slice(8)}` : serial;
}

export function eventFromPlist(dict: PlistDict): MuxEvent | undefined {
  const what = 'usbmux event';
  const type = requireString(dict, 'MessageType', what);
  switch (type) {
    case 'Attached':
      return { type, device: deviceFromPlist(dict) };
    case 'Detached':
    case 'Paired':
      return { type, deviceId: requireUint(dict, 'DeviceID', what, 0xffffffff) };
    default:
      return undefined;
  }
}

export function eventToPlist(event: MuxEvent): PlistDict {
  if (event.type === 'Attached') return deviceToPlist(event.device);
  return { MessageType: event.type, DeviceID: event.deviceId };
}

/** Encodes an IPv4 address as the BSD `sockaddr_in` Apple's usbmuxd puts in NetworkAddress. */
export function encodeSockaddrIn(ip: string, port = 0): Uint8Array {
  const parts = ip.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new ProtocolError(`not an IPv4 address: ${ip}`, { code: 'PROTOCOL_BAD_FIELD' });
  }
  const out = Buffer.alloc(16);
  out[0] = 16; // sa_len
  out[1] = 2; // AF_INET
  out.writeUInt16BE(port, 2);
  parts.forEach((p, i) => (out[4 + i] = p));
  return out;
}

/** Reads the IPv4 address out of a NetworkAddress sockaddr (BSD or Linux layout). */
export function decodeSockaddrIn(bytes: Uint8Array): string | undefined {
  if (bytes.length < 8) return undefined;
  const bsd = bytes[1] === 2;
  const linux = bytes[0] === 2 && bytes[1] === 0;
  if (!bsd && !linux) return undefined;
  return Array.from(bytes.subarray(4, 8)).join('.');
}
