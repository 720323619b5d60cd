/**
 * A minimal Protocol Buffers reader for the few Apple protobufs we decode (Notes bodies).
 *
 * Nouns: a *field* is (number, wire type, value): varint (0), 64-bit (1), length-delimited (2) or
 * 32-bit (5); groups (3/4) are obsolete and refused. Values are bounds-checked against the buffer;
 * varints longer than 10 bytes or lengths past the end raise RangeError, which callers turn into
 * "this body cannot be read".
 */
export interface ProtoField {
  readonly number: number;
  readonly wire: 0 | 1 | 2 | 5;
  /** Varint value (numbers above 2^53 lose precision, which no field we read reaches). */
  readonly int: number;
  /** Payload of a length-delimited field (empty for other wire types). */
  readonly bytes: Buffer;
}

function readVarint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const byte = buf[at + i];
    if (byte === undefined) throw new RangeError('protobuf: varint runs past the end');
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return [value, at + i + 1];
  }
  throw new RangeError('protobuf: varint longer than 10 bytes');
}

export function* protoFields(buf: Buffer): Generator<ProtoField> {
  let at = 0;
  while (at < buf.length) {
    const [key, next] = readVarint(buf, at);
    at = next;
    const number = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) {
      const [int, after] = readVarint(buf, at);
      at = after;
      yield { number, wire, int, bytes: Buffer.alloc(0) };
    } else if (wire === 2) {
      const [length, after] = readVarint(buf, at);
      if (after + length > buf.length) throw new RangeError('protobuf: field runs past the end');
      yield { number, wire, int: 0, bytes: buf.subarray(after, after + length) };
      at = after + length;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (at + size > buf.length) throw new RangeError('protobuf: fixed field runs past the end');
      yield { number, wire, int: wire === 5 ? buf.readUInt32LE(at) : 0, bytes: buf.subarray(at, at + size) };
      at += size;
    } else throw new RangeError(`protobuf: unsupported wire type ${wire}`);
  }
}

/** The first field `number` (length-delimited), or undefined. */
export function protoMessage(buf: Buffer, number: number): Buffer | undefined {
  for (const f of protoFields(buf)) if (f.number === number && f.wire === 2) return f.bytes;
  return undefined;
}
