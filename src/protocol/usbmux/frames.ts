/**
 * usbmuxd wire format, shared by the host client and the virtual iPhone's usbmuxd.
 *
 * Nouns: a *packet* is a 16-byte little-endian header {length (incl. header), version, message, tag}
 * followed by a payload. Version 1 + message PLIST (8) carries an XML plist — what every modern client
 * speaks; version 0 is the legacy binary protocol (only its RESULT reply is used here, to tell a legacy
 * client it is not supported). A *tag* pairs a reply with its request; unsolicited events use tag 0.
 * After a successful Connect the socket stops carrying packets and becomes a raw tunnel to a device port.
 */
import { encodeXmlPlist, type PlistDict } from '../../plist/index.js';
import { ProtocolError } from '../errors.js';
import { parsePlistBody } from '../wire/parse-body.js';
import type { ReadOptions, StreamReader } from '../wire/stream-reader.js';

export const MUX_HEADER_SIZE = 16;
/** Pair records are a few KiB and device lists short; 1 MiB bounds a hostile peer. */
export const MUX_MAX_PACKET = 1024 * 1024;

export const MuxVersion = { BINARY: 0, PLIST: 1 } as const;
export const MuxMessage = {
  RESULT: 1,
  CONNECT: 2,
  LISTEN: 3,
  DEVICE_ADD: 4,
  DEVICE_REMOVE: 5,
  DEVICE_PAIRED: 6,
  PLIST: 8,
} as const;

export const MuxResult = {
  OK: 0,
  BADCOMMAND: 1,
  BADDEV: 2,
  CONNREFUSED: 3,
  NOSUCHSERVICE: 4,
  BADVERSION: 6,
  /** usbmuxd answers pair-record requests with raw errno values. */
  ENOENT: 2,
  EINVAL: 22,
} as const;

export interface MuxHeader {
  readonly length: number;
  readonly version: number;
  readonly message: number;
  readonly tag: number;
}

export interface MuxPacket {
  readonly header: MuxHeader;
  /** The plist payload for version 1 packets; raw bytes for version 0. */
  readonly plist: PlistDict | undefined;
  readonly raw: Buffer;
}

export function encodeMuxHeader(header: MuxHeader): Buffer {
  const out = Buffer.alloc(MUX_HEADER_SIZE);
  out.writeUInt32LE(header.length, 0);
  out.writeUInt32LE(header.version, 4);
  out.writeUInt32LE(header.message, 8);
  out.writeUInt32LE(header.tag, 12);
  return out;
}

export function decodeMuxHeader(bytes: Buffer): MuxHeader {
  if (bytes.length < MUX_HEADER_SIZE) {
    throw new ProtocolError(`usbmux header: need ${MUX_HEADER_SIZE} bytes, got ${bytes.length}`, { code: 'PROTOCOL_TRUNCATED' });
  }
  return {
    length: bytes.readUInt32LE(0),
    version: bytes.readUInt32LE(4),
    message: bytes.readUInt32LE(8),
    tag: bytes.readUInt32LE(12),
  };
}

export function encodePlistPacket(tag: number, body: PlistDict): Buffer {
  const payload = encodeXmlPlist(body);
  const header = encodeMuxHeader({
    length: MUX_HEADER_SIZE + payload.length,
    version: MuxVersion.PLIST,
    message: MuxMessage.PLIST,
    tag,
  });
  return Buffer.concat([header, payload]);
}

/** The legacy binary RESULT packet: used only to answer version-0 clients. */
export function encodeBinaryResult(tag: number, result: number): Buffer {
  const header = encodeMuxHeader({ length: MUX_HEADER_SIZE + 4, version: MuxVersion.BINARY, message: MuxMessage.RESULT, tag });
  const payload = Buffer.alloc(4);
  payload.writeUInt32LE(result, 0);
  return Buffer.concat([header, payload]);
}

export async function readMuxPacket(reader: StreamReader, options: ReadOptions & { maxPacket?: number } = {}): Promise<MuxPacket> {
  const header = decodeMuxHeader(await reader.readExact(MUX_HEADER_SIZE, { ...options, what: 'usbmux header' }));
  const max = options.maxPacket ?? MUX_MAX_PACKET;
  if (header.length < MUX_HEADER_SIZE || header.length > max) {
    throw new ProtocolError(`usbmux packet: length ${header.length} is outside ${MUX_HEADER_SIZE}..${max}`, {
      code: 'PROTOCOL_FRAME_TOO_LARGE',
    });
  }
  if (header.version !== MuxVersion.BINARY && header.version !== MuxVersion.PLIST) {
    throw new ProtocolError(`usbmux packet: unknown protocol version ${header.version}`, { code: 'PROTOCOL_BAD_VERSION' });
  }
  const raw = await reader.readExact(header.length - MUX_HEADER_SIZE, { ...options, what: 'usbmux payload' });
  if (header.version === MuxVersion.PLIST) {
    if (header.message !== MuxMessage.PLIST) {
      throw new ProtocolError(`usbmux packet: version 1 with message type ${header.message}`, { code: 'PROTOCOL_BAD_MESSAGE' });
    }
    return { header, raw, plist: parsePlistBody(raw, 'usbmux plist') };
  }
  return { header, raw, plist: undefined };
}
