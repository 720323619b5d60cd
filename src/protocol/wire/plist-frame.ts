/**
 * Plist frames: `[u32 big-endian length][plist]`, the framing of lockdownd and of every plist-based
 * lockdown service (notification_proxy, installation_proxy, DeviceLink).
 *
 * The length is checked against a limit before anything is allocated, because the peer is untrusted:
 * a device (or a host, for the virtual iPhone) that announces 4 GiB gets a ProtocolError, not an
 * out-of-memory crash.
 */
import type { Writable } from 'node:stream';
import { encodeBinaryPlist, encodeXmlPlist, parsePlist, PlistError, type PlistDict, type PlistValue } from '../../plist/index.js';
import { ProtocolError } from '../errors.js';
import type { ReadOptions, StreamReader } from './stream-reader.js';

/** Lockdown messages are small; 16 MiB leaves room for big GetValue answers and pair records. */
export const DEFAULT_MAX_PLIST_FRAME = 16 * 1024 * 1024;

export type PlistEncoding = 'xml' | 'binary';

export function encodePlistFrame(value: PlistValue, encoding: PlistEncoding = 'xml'): Buffer {
  const body = encoding === 'xml' ? encodeXmlPlist(value) : encodeBinaryPlist(value);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

export function writePlistFrame(stream: Writable, value: PlistValue, encoding: PlistEncoding = 'xml'): void {
  stream.write(encodePlistFrame(value, encoding));
}

export interface PlistFrameReadOptions extends ReadOptions {
  readonly maxBytes?: number;
}

export async function readPlistFrame(reader: StreamReader, options: PlistFrameReadOptions = {}): Promise<PlistValue> {
  const what = options.what ?? 'plist frame';
  const header = await reader.readExact(4, { ...options, what: `${what} length` });
  const length = header.readUInt32BE(0);
  const max = options.maxBytes ?? DEFAULT_MAX_PLIST_FRAME;
  if (length === 0) throw new ProtocolError(`${what}: empty frame`, { code: 'PROTOCOL_EMPTY_FRAME' });
  if (length > max) {
    throw new ProtocolError(`${what}: announced length ${length} exceeds the limit of ${max} bytes`, {
      code: 'PROTOCOL_FRAME_TOO_LARGE',
    });
  }
  const body = await reader.readExact(length, { ...options, what });
  try {
    return parsePlist(body);
  } catch (error) {
    if (error instanceof PlistError) {
      throw new ProtocolError(`${what}: invalid plist (${error.message})`, { code: 'PROTOCOL_BAD_PLIST', cause: error });
    }
    throw error;
  }
}

/** Reads a frame that must be a dict (lockdown requests and replies always are). */
export async function readPlistDict(reader: StreamReader, options: PlistFrameReadOptions = {}): Promise<PlistDict> {
  const value = await readPlistFrame(reader, options);
  if (!isPlistDict(value)) {
    throw new ProtocolError(`${options.what ?? 'plist frame'}: expected a dictionary`, { code: 'PROTOCOL_BAD_MESSAGE' });
  }
  return value;
}

export function isPlistDict(value: PlistValue | undefined): value is PlistDict {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Date) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}
