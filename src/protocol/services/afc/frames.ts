/**
 * AFC packets, shared by the host client and the virtual iPhone.
 *
 * Nouns: a *packet* is a 40-byte header — magic "CFA6LPAA", then entire_length, this_length,
 * packet_num and operation, all little-endian u64 — followed by `this_length - 40` bytes of *data*
 * (the operation's parameters: handles, sizes, NUL-terminated paths) and `entire_length - this_length`
 * bytes of *payload* (file content for FILE_WRITE; replies put bulk bytes there). Senders differ in how
 * they split the two (libimobiledevice puts a path in the data, pymobiledevice3 everything but written
 * content), so receivers read the parameters from `packetBody` = data followed by payload.
 * The host numbers its requests; a reply carries the number of the request it answers.
 *
 * Every length is checked against a limit before anything is allocated: a peer announcing 2^64 bytes
 * gets a ProtocolError, not an out-of-memory crash.
 */
import { ProtocolError } from '../../errors.js';
import type { ReadOptions, StreamReader } from '../../wire/stream-reader.js';

export const AFC_MAGIC = Buffer.from('CFA6LPAA', 'latin1');
export const AFC_HEADER_SIZE = 40;
/**
 * Largest packet accepted by default (header included). Reads and writes are chunked far below this
 * (the client uses 1 MiB chunks, pymobiledevice3 4 MiB reads); 16 MiB bounds a hostile peer.
 */
export const DEFAULT_MAX_AFC_PACKET = 16 * 1024 * 1024;
const U64_MAX = (1n << 64n) - 1n;

export interface AfcHeader {
  readonly entireLength: number;
  readonly thisLength: number;
  /** u64 as sent; echoed unchanged in the reply. */
  readonly packetNum: bigint;
  /** The operation code (see AfcOperation); values beyond 2^53 lose precision but are unknown anyway. */
  readonly operation: number;
}

export interface AfcPacket {
  readonly packetNum: bigint;
  readonly operation: number;
  /** Parameters (`this_length - 40` bytes). */
  readonly data: Buffer;
  /** Bulk bytes (`entire_length - this_length`). */
  readonly payload: Buffer;
}

export interface AfcPacketInput {
  readonly packetNum: bigint;
  readonly operation: number;
  readonly data?: Uint8Array;
  readonly payload?: Uint8Array;
}

export interface AfcReadOptions extends ReadOptions {
  /** Largest packet (header included) to accept; DEFAULT_MAX_AFC_PACKET unless given. */
  readonly maxPacket?: number;
}

function bad(message: string, code: string): ProtocolError {
  return new ProtocolError(message, { code });
}

/** One buffer per packet, so the header and its parameters always travel together. */
export function encodeAfcPacket(packet: AfcPacketInput): Buffer {
  const data = packet.data ?? new Uint8Array(0);
  const payload = packet.payload ?? new Uint8Array(0);
  if (packet.packetNum < 0n || packet.packetNum > U64_MAX) throw new RangeError(`AFC packet number ${packet.packetNum} is not a u64`);
  if (!Number.isSafeInteger(packet.operation) || packet.operation < 0) throw new RangeError(`AFC operation ${packet.operation} is not a u64`);
  const thisLength = AFC_HEADER_SIZE + data.length;
  const entireLength = thisLength + payload.length;
  const out = Buffer.allocUnsafe(entireLength);
  AFC_MAGIC.copy(out, 0);
  out.writeBigUInt64LE(BigInt(entireLength), 8);
  out.writeBigUInt64LE(BigInt(thisLength), 16);
  out.writeBigUInt64LE(packet.packetNum, 24);
  out.writeBigUInt64LE(BigInt(packet.operation), 32);
  out.set(data, AFC_HEADER_SIZE);
  out.set(payload, thisLength);
  return out;
}

/** Decodes and validates a 40-byte header (magic, 40 ≤ this_length ≤ entire_length ≤ maxPacket). */
export function decodeAfcHeader(bytes: Uint8Array, maxPacket = DEFAULT_MAX_AFC_PACKET): AfcHeader {
  if (bytes.length < AFC_HEADER_SIZE) {
    throw bad(`AFC header: need ${AFC_HEADER_SIZE} bytes, got ${bytes.length}`, 'PROTOCOL_TRUNCATED');
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, AFC_HEADER_SIZE);
  if (!buf.subarray(0, 8).equals(AFC_MAGIC)) {
    throw bad(`AFC header: bad magic ${JSON.stringify(buf.subarray(0, 8).toString('latin1'))} (expected "CFA6LPAA")`, 'PROTOCOL_BAD_MAGIC');
  }
  const entire = buf.readBigUInt64LE(8);
  const thisLen = buf.readBigUInt64LE(16);
  const packetNum = buf.readBigUInt64LE(24);
  const operation = buf.readBigUInt64LE(32);
  const header = BigInt(AFC_HEADER_SIZE);
  if (entire < header || thisLen < header) {
    throw bad(`AFC header: lengths must be at least ${AFC_HEADER_SIZE} (entire_length ${entire}, this_length ${thisLen})`, 'PROTOCOL_BAD_LENGTH');
  }
  if (thisLen > entire) {
    throw bad(`AFC header: this_length ${thisLen} exceeds entire_length ${entire}`, 'PROTOCOL_BAD_LENGTH');
  }
  if (entire > BigInt(maxPacket)) {
    throw bad(`AFC header: entire_length ${entire} exceeds the limit of ${maxPacket} bytes`, 'PROTOCOL_FRAME_TOO_LARGE');
  }
  return { entireLength: Number(entire), thisLength: Number(thisLen), packetNum, operation: Number(operation) };
}

/** Decodes one complete packet held in `bytes` (exactly entire_length bytes, no more, no less). */
export function decodeAfcPacket(bytes: Uint8Array, maxPacket = DEFAULT_MAX_AFC_PACKET): AfcPacket {
  const header = decodeAfcHeader(bytes, maxPacket);
  if (bytes.length < header.entireLength) {
    throw bad(`AFC packet: announced ${header.entireLength} bytes, got ${bytes.length}`, 'PROTOCOL_TRUNCATED');
  }
  if (bytes.length > header.entireLength) {
    throw bad(`AFC packet: ${bytes.length - header.entireLength} bytes after the packet`, 'PROTOCOL_TRAILING_BYTES');
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return {
    packetNum: header.packetNum,
    operation: header.operation,
    data: buf.subarray(AFC_HEADER_SIZE, header.thisLength),
    payload: buf.subarray(header.thisLength, header.entireLength),
  };
}

/** Reads one packet: the header first, validated, then exactly the announced rest. */
export async function readAfcPacket(reader: StreamReader, options: AfcReadOptions = {}): Promise<AfcPacket> {
  const what = options.what ?? 'AFC packet';
  const header = decodeAfcHeader(await reader.readExact(AFC_HEADER_SIZE, { ...options, what: `${what} header` }), options.maxPacket);
  const rest = await reader.readExact(header.entireLength - AFC_HEADER_SIZE, { ...options, what: `${what} body` });
  const dataLength = header.thisLength - AFC_HEADER_SIZE;
  return { packetNum: header.packetNum, operation: header.operation, data: rest.subarray(0, dataLength), payload: rest.subarray(dataLength) };
}

/** Parameters and payload as one buffer (copies only when both parts are non-empty). */
export function packetBody(packet: AfcPacket): Buffer {
  if (packet.payload.length === 0) return packet.data;
  if (packet.data.length === 0) return packet.payload;
  return Buffer.concat([packet.data, packet.payload]);
}
