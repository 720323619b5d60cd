/**
 * The raw file stream of mobilebackup2, shared by both sides. Between DeviceLink messages, file
 * contents travel unframed:
 *   per file:  u32 BE length + path (device → host uploads send two names: device-side, then backup path)
 *   blocks:    u32 BE (n + 1) | code byte | n payload bytes
 *   codes:     0x0C data (more follows) · 0x00 end of this file · 0x06 local error · 0x0B remote error text
 *   end:       u32 0
 * Names over 4096 bytes and blocks over the host's limit are refused before allocating.
 */
import { ProtocolError } from '../../errors.js';
import type { ReadOptions, StreamReader } from '../../wire/stream-reader.js';

export const FileCode = { SUCCESS: 0x00, ERROR_LOCAL: 0x06, ERROR_REMOTE: 0x0b, FILE_DATA: 0x0c } as const;
export const MAX_FILE_NAME = 4096;
/** Devices send ≤ 32 KiB blocks (the DeviceLink buffer size) but a generous bound costs nothing. */
export const MAX_BLOCK = 16 * 1024 * 1024;
/** What hosts send per block when streaming a file to the device (larger frames kill BackupAgent2). */
export const DOWNLOAD_BLOCK = 32 * 1024;

export function encodeName(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  const out = Buffer.alloc(4 + bytes.length);
  out.writeUInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

export function encodeBlockHeader(code: number, payloadLength: number): Buffer {
  const out = Buffer.alloc(5);
  out.writeUInt32BE(payloadLength + 1, 0);
  out[4] = code;
  return out;
}

export function encodeBlock(code: number, payload: Uint8Array): Buffer {
  return Buffer.concat([encodeBlockHeader(code, payload.length), payload]);
}

export const END_OF_FILE = encodeBlockHeader(FileCode.SUCCESS, 0);
export const END_OF_STREAM = Buffer.alloc(4);

/** What the `…Now` readers return when the item has not fully arrived yet (then await the async reader). */
export const NOT_BUFFERED: unique symbol = Symbol('not buffered');

/**
 * readName without waiting: the name when it is fully buffered, NOT_BUFFERED when not (nothing is
 * consumed then). Performance: a dense upload stream is parsed synchronously while its bytes are
 * there, without a promise per field (see StreamReader).
 */
export function readNameNow(reader: StreamReader): string | undefined | typeof NOT_BUFFERED {
  const length = reader.peekUInt32BE(0);
  if (length === undefined) return NOT_BUFFERED;
  if (length === 0) {
    reader.skipNow(4);
    return undefined;
  }
  if (length > MAX_FILE_NAME) throw nameTooLarge(length);
  if (reader.available < 4 + length) return NOT_BUFFERED;
  reader.skipNow(4);
  return reader.takeStringNow(length);
}

/** readBlockHeader without waiting (see readNameNow). */
export function readBlockHeaderNow(reader: StreamReader): BlockHeader | undefined | typeof NOT_BUFFERED {
  const length = reader.peekUInt32BE(0);
  if (length === undefined) return NOT_BUFFERED;
  if (length === 0) {
    reader.skipNow(4);
    return undefined;
  }
  if (length - 1 > MAX_BLOCK) throw blockTooLarge(length - 1);
  if (reader.available < 5) return NOT_BUFFERED;
  const code = reader.peekByte(4);
  reader.skipNow(5);
  return { code, payloadLength: length - 1 };
}

function nameTooLarge(length: number): ProtocolError {
  return new ProtocolError(`file stream: name of ${length} bytes exceeds ${MAX_FILE_NAME}`, { code: 'PROTOCOL_FRAME_TOO_LARGE' });
}

function blockTooLarge(length: number): ProtocolError {
  return new ProtocolError(`file stream: block of ${length} bytes exceeds ${MAX_BLOCK}`, { code: 'PROTOCOL_FRAME_TOO_LARGE' });
}

/** Reads a length-prefixed name; returns undefined for the 0 that ends the stream. */
export async function readName(reader: StreamReader, options: ReadOptions = {}): Promise<string | undefined> {
  const now = readNameNow(reader);
  if (now !== NOT_BUFFERED) return now;
  const length = (await reader.readExact(4, { ...options, what: 'file name length' })).readUInt32BE(0);
  if (length === 0) return undefined;
  if (length > MAX_FILE_NAME) throw nameTooLarge(length);
  const bytes = await reader.readExact(length, { ...options, what: 'file name' });
  return bytes.toString('utf8');
}

export interface BlockHeader {
  readonly code: number;
  readonly payloadLength: number;
}

/** Reads a block header; `undefined` when the length is 0 (the device ended the whole stream). */
export async function readBlockHeader(reader: StreamReader, options: ReadOptions = {}): Promise<BlockHeader | undefined> {
  const now = readBlockHeaderNow(reader);
  if (now !== NOT_BUFFERED) return now;
  const length = (await reader.readExact(4, { ...options, what: 'block length' })).readUInt32BE(0);
  if (length === 0) return undefined;
  if (length - 1 > MAX_BLOCK) throw blockTooLarge(length - 1);
  const code = (await reader.readExact(1, { ...options, what: 'block code' }))[0] as number;
  return { code, payloadLength: length - 1 };
}
