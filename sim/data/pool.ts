/**
 * Bulk bytes: the content of photos, videos, attachments and app documents, produced on demand.
 *
 * Nouns: the *pool* is 8 MiB of pseudo-random bytes made once per seed (an AES-128-CTR keystream —
 * hardware-accelerated, ~10 ms); a bulk file's content is its own *header* (a real JPEG/HEIC/MOV/PDF
 * head built from its metadata) followed by pool bytes read from a per-file *offset*, wrapping around.
 * Why: a benchmark streams gigabytes through the backup protocol and the phone must feed it far faster
 * than 400 MB/s; copying from a pool runs at several GB/s, hashing or encrypting per byte does not.
 * Consequence worth knowing: the bodies of different bulk files are rotations of the same pool, so a
 * content-defined-chunking store will deduplicate them heavily; whole files still differ (own header,
 * own offset). Nothing here is held per file: a stream needs only (header, size, offset).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

export const POOL_BYTES = 8 * 1024 * 1024;
/** Stream chunk size: large enough to amortise stream overhead, small enough to stay cache-friendly. */
export const CHUNK_BYTES = 1024 * 1024;

const pools = new Map<string, Buffer>();
const MAX_CACHED_POOLS = 4;

export function bulkPool(seed: string): Buffer {
  const cached = pools.get(seed);
  if (cached) return cached;
  const key = createHash('sha256').update('lifeboat-sim-bulk-pool\0').update(seed).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  const pool = Buffer.concat([cipher.update(Buffer.alloc(POOL_BYTES)), cipher.final()]);
  if (pools.size >= MAX_CACHED_POOLS) {
    const oldest = pools.keys().next().value;
    if (oldest !== undefined) pools.delete(oldest);
  }
  pools.set(seed, pool);
  return pool;
}

export interface BulkContent {
  readonly header: Buffer;
  readonly size: number;
  /** Where in the pool the body starts (any integer; taken modulo the pool size). */
  readonly offset: number;
}

/** A stream of `header ‖ pool[offset…]` truncated to `size` bytes, in CHUNK_BYTES pieces. */
export function bulkStream(pool: Buffer, content: BulkContent): Readable {
  return new BulkReadable(pool, content);
}

/**
 * The same bytes as bulkStream, as read-only views of the header and the pool (at most CHUNK_BYTES
 * each; a body that wraps around the pool is two views): no stream, no copy. Performance: the phone's
 * backup agent uploads bulk files this way — a Readable per file cost ~2 MiB of fresh buffers per
 * large file (its first chunk and every chunk that wraps are copies; 400 MB for a 2.3 GB phone, and
 * the collector then ran a full collection every few hundred milliseconds) and a stream's set-up per
 * small file. Views are safe: the pool and a header are never written after they are made, and the
 * consumer only reads them.
 */
export function* bulkViews(pool: Buffer, content: BulkContent): Generator<Buffer> {
  const { size, header } = content;
  const start = ((content.offset % pool.length) + pool.length) % pool.length;
  let position = 0;
  while (position < size) {
    let view: Buffer;
    if (position < header.length) view = header.subarray(position, Math.min(header.length, size, position + CHUNK_BYTES));
    else {
      const at = (start + position - header.length) % pool.length;
      view = pool.subarray(at, at + Math.min(CHUNK_BYTES, size - position, pool.length - at));
    }
    position += view.length;
    yield view;
  }
}

class BulkReadable extends Readable {
  private position = 0;
  private readonly start: number;

  constructor(
    private readonly pool: Buffer,
    private readonly content: BulkContent,
  ) {
    super({ highWaterMark: CHUNK_BYTES });
    this.start = ((content.offset % pool.length) + pool.length) % pool.length;
  }

  override _read(): void {
    const { size, header } = this.content;
    if (this.position >= size) {
      this.push(null);
      return;
    }
    const length = Math.min(CHUNK_BYTES, size - this.position);
    const at = (this.start + this.position - header.length) % this.pool.length;
    if (this.position >= header.length && at + length <= this.pool.length) {
      // Performance: a body chunk that does not wrap is handed out as a view of the pool — no
      // allocation, no copy (the pool is never written after it is made; consumers only read chunks).
      // Copying 1 MiB per chunk cost a third of the phone's time on large files, mostly in GC.
      this.position += length;
      this.push(this.pool.subarray(at, at + length));
      return;
    }
    const chunk = Buffer.allocUnsafe(length);
    let filled = 0;
    if (this.position < header.length) {
      filled = header.copy(chunk, 0, this.position, Math.min(header.length, this.position + length));
    }
    while (filled < length) {
      const bodyPos = this.position + filled - header.length;
      const at = (this.start + bodyPos) % this.pool.length;
      filled += this.pool.copy(chunk, filled, at, Math.min(this.pool.length, at + (length - filled)));
    }
    this.position += length;
    this.push(chunk);
  }
}
