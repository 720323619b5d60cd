/**
 * Writer for binary property lists (`bplist00`), laid out the way CoreFoundation and libplist do it.
 *
 * Nouns (binary-trailer.ts and binary-parse.ts describe the file layout):
 * - *flat object*: one entry of the object table built by the first pass — a scalar, or a container
 *   holding the object numbers (*refs*) of its children. Object 0 is the top object.
 * - *uniquing*: equal strings, integers, reals, booleans, dates and UIDs become one object referenced
 *   from every place they occur, as Apple's and libplist's writers do; Manifest.db blobs and
 *   mobilebackup2 messages repeat keys constantly, so this keeps them small. The same JS container or
 *   data object met twice (a DAG, not a cycle) is also written once.
 *
 * Two passes because the ref size depends on the object count and the offset size on where the last
 * object lands; both are chosen minimal from 1, 2, 4 or 8 bytes.
 */
import { ByteWriter, widthFor } from './byte-writer.js';
import { EncodeWalk, normalizeInt, realValue } from './encode-common.js';
import type { PlistDict, PlistReal, PlistUid, PlistValue } from './types.js';
import { APPLE_EPOCH_OFFSET_SECONDS } from './types.js';

type FlatObject =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'int'; readonly value: number | bigint }
  | { readonly kind: 'real'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'date'; readonly value: Date }
  | { readonly kind: 'data'; readonly value: Uint8Array }
  | { readonly kind: 'uid'; readonly value: number }
  | { readonly kind: 'array'; readonly refs: number[] }
  | { readonly kind: 'dict'; readonly refs: number[] }; // all key refs, then all value refs

const TWO_32 = 2 ** 32;
const TWO_63 = 2n ** 63n;

export function encodeBinaryPlist(value: PlistValue): Buffer {
  const table = new ObjectTable();
  table.add(value);
  return writeTable(table.objects);
}

/**
 * Pass 1: flatten the value tree into numbered objects, uniquing as it goes. Scalars are uniqued through
 * one map per kind keyed by primitives (cheap to hash); containers and data through `containers`, keyed
 * by identity, which holds the bitwise complement of a container's index while it is still open — meeting
 * a negative entry means the container contains itself. The walk's path length is the nesting depth.
 */
class ObjectTable {
  readonly objects: FlatObject[] = [];
  private readonly walk = new EncodeWalk('binary plist');
  private readonly strings = new Map<string, number>();
  private readonly ints = new Map<number | bigint, number>();
  private readonly reals = new Map<number | string, number>();
  private readonly dates = new Map<number, number>();
  private readonly uids = new Map<number, number>();
  private readonly bools: [number, number] = [-1, -1];
  private readonly containers = new Map<object, number>();

  add(value: unknown): number {
    const kind = this.walk.kindOf(value);
    switch (kind) {
      case 'string':
        return this.unique(this.strings, value as string, kind, value as string);
      case 'int': {
        const int = normalizeInt(value as number | bigint);
        return this.unique(this.ints, int, kind, int);
      }
      case 'real': {
        const real = realValue(value as number | PlistReal);
        // Map keys conflate -0 with 0 (and that sign matters), so -0 gets a key of its own.
        return this.unique(this.reals, Object.is(real, -0) ? '-0' : real, kind, real);
      }
      case 'date':
        return this.unique(this.dates, (value as Date).getTime(), kind, value as Date);
      case 'uid':
        return this.unique(this.uids, (value as PlistUid).value, kind, (value as PlistUid).value);
      case 'bool': {
        const slot = value ? 1 : 0;
        if (this.bools[slot] < 0) this.bools[slot] = this.push({ kind, value: value as boolean });
        return this.bools[slot];
      }
      case 'data': {
        const known = this.containers.get(value as object);
        if (known !== undefined) return known;
        const index = this.push({ kind, value: value as Uint8Array });
        this.containers.set(value as object, index);
        return index;
      }
      case 'array':
      case 'dict': {
        const known = this.containers.get(value as object);
        if (known !== undefined) {
          if (known < 0) throw this.walk.cycle();
          return known;
        }
        this.walk.checkDepth(this.walk.path.length);
        return kind === 'array' ? this.addArray(value as unknown[]) : this.addDict(value as PlistDict);
      }
    }
  }

  private addArray(array: readonly unknown[]): number {
    const walk = this.walk;
    const refs = new Array<number>(array.length);
    const index = this.push({ kind: 'array', refs });
    this.containers.set(array, ~index);
    for (let i = 0; i < array.length; i++) {
      walk.path.push(i);
      refs[i] = this.add(array[i]);
      walk.path.pop();
    }
    this.containers.set(array, index);
    return index;
  }

  private addDict(dict: PlistDict): number {
    const walk = this.walk;
    const keys = Object.keys(dict);
    const refs = new Array<number>(keys.length * 2);
    const index = this.push({ kind: 'dict', refs });
    this.containers.set(dict, ~index);
    for (let i = 0; i < keys.length; i++) refs[i] = this.unique(this.strings, keys[i]!, 'string', keys[i]!);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      walk.path.push(key);
      refs[keys.length + i] = this.add(dict[key]);
      walk.path.pop();
    }
    this.containers.set(dict, index);
    return index;
  }

  private unique<K, V>(map: Map<K, number>, key: K, kind: FlatObject['kind'], value: V): number {
    const existing = map.get(key);
    if (existing !== undefined) return existing;
    const index = this.push({ kind, value } as FlatObject);
    map.set(key, index);
    return index;
  }

  private push(object: FlatObject): number {
    this.objects.push(object);
    return this.objects.length - 1;
  }
}

/** Pass 2: serialise the table, then the offset table and trailer. */
function writeTable(objects: readonly FlatObject[]): Buffer {
  const refSize = widthFor(objects.length - 1);
  const out = new ByteWriter();
  out.bytes(Buffer.from('bplist00', 'latin1'));
  const offsets = new Array<number>(objects.length);
  for (let i = 0; i < objects.length; i++) {
    offsets[i] = out.length;
    writeObject(out, objects[i]!, refSize);
  }
  const tableOffset = out.length;
  const offsetSize = widthFor(tableOffset);
  for (const offset of offsets) out.uint(offset, offsetSize);
  out.reserve(32);
  out.zeros(6);
  out.byte(offsetSize);
  out.byte(refSize);
  out.uint(objects.length, 8);
  out.uint(0, 8); // top object
  out.uint(tableOffset, 8);
  return out.finish();
}

function writeObject(out: ByteWriter, object: FlatObject, refSize: number): void {
  switch (object.kind) {
    case 'string': {
      const text = object.value;
      // Every non-ASCII UTF-16 unit takes 2+ bytes in UTF-8, so equal lengths mean pure ASCII.
      if (Buffer.byteLength(text, 'utf8') === text.length) {
        out.header(0x50, text.length);
        out.reserve(text.length);
        out.length += out.buf.write(text, out.length, 'latin1');
      } else {
        out.header(0x60, text.length);
        out.reserve(text.length * 2);
        out.buf.write(text, out.length, 'utf16le');
        out.buf.subarray(out.length, out.length + text.length * 2).swap16();
        out.length += text.length * 2;
      }
      return;
    }
    case 'int':
      return writeInt(out, object.value);
    case 'real':
      out.reserve(9);
      out.byte(0x23);
      out.length = out.buf.writeDoubleBE(object.value, out.length);
      return;
    case 'bool':
      out.byte(object.value ? 0x09 : 0x08);
      return;
    case 'date':
      out.reserve(9);
      out.byte(0x33);
      out.length = out.buf.writeDoubleBE(object.value.getTime() / 1000 - APPLE_EPOCH_OFFSET_SECONDS, out.length);
      return;
    case 'data':
      out.header(0x40, object.value.length);
      out.bytes(object.value);
      return;
    case 'uid': {
      const width = widthFor(object.value);
      out.byte(0x80 | (width - 1));
      out.uint(object.value, width);
      return;
    }
    case 'array':
    case 'dict': {
      const refs = object.refs;
      out.header(object.kind === 'array' ? 0xa0 : 0xd0, object.kind === 'array' ? refs.length : refs.length / 2);
      out.reserve(refs.length * refSize);
      for (const ref of refs) out.uint(ref, refSize);
      return;
    }
  }
}

/** Non-negative integers below 2^63 in 1/2/4/8 bytes; negatives in 8 (two's complement); 2^63.. in 16. */
function writeInt(out: ByteWriter, value: number | bigint): void {
  out.reserve(17);
  if (typeof value === 'number') {
    if (value >= 0) {
      const width = widthFor(value);
      out.byte(0x10 | Math.log2(width));
      out.uint(value, width);
    } else {
      out.byte(0x13);
      const high = Math.floor(value / TWO_32);
      out.length = out.buf.writeInt32BE(high, out.length);
      out.length = out.buf.writeUInt32BE(value - high * TWO_32, out.length);
    }
  } else if (value < TWO_63) {
    out.byte(0x13);
    out.length = out.buf.writeBigInt64BE(value, out.length);
  } else {
    out.byte(0x14);
    out.zeros(8);
    out.length = out.buf.writeBigUInt64BE(value, out.length);
  }
}
