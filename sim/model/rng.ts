/**
 * A deterministic pseudo-random byte stream for generating virtual devices.
 *
 * Nouns: the *seed* is the caller's string (a fleet name, a test name); a *stream* is one labelled
 * sequence of bytes derived from it: block i = SHA-256(seed ‖ 0x00 ‖ label ‖ 0x00 ‖ i as 4-byte BE).
 * Why hash counter mode instead of Math.random: the same (seed, label) must give the same iPhone on
 * every machine and every run, so saved pair records, fixtures and UDIDs stay valid across restarts.
 * Not for secrets (key material lives elsewhere and uses real randomness).
 */
import { createHash } from 'node:crypto';

export class HashRng {
  private block = 0;
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;

  constructor(
    private readonly seed: string,
    private readonly label: string,
  ) {}

  /** The next `count` bytes of the stream. */
  bytes(count: number): Buffer {
    const out = Buffer.alloc(count);
    let filled = 0;
    while (filled < count) {
      if (this.offset >= this.buffer.length) this.refill();
      const take = Math.min(count - filled, this.buffer.length - this.offset);
      this.buffer.copy(out, filled, this.offset, this.offset + take);
      this.offset += take;
      filled += take;
    }
    return out;
  }

  /** A uniform integer in [0, 2^32). */
  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }

  /** A uniform integer in [0, maxExclusive) without modulo bias (rejection sampling). */
  below(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0 || maxExclusive > 2 ** 32) {
      throw new RangeError(`HashRng.below: bound must be an integer in 1..2^32, got ${maxExclusive}`);
    }
    const limit = Math.floor(2 ** 32 / maxExclusive) * maxExclusive;
    for (;;) {
      const value = this.uint32();
      if (value < limit) return value % maxExclusive;
    }
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new RangeError('HashRng.pick: empty list');
    return item;
  }

  /** `length` characters drawn from `alphabet`. */
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet.charAt(this.below(alphabet.length));
    return out;
  }

  /** `length` decimal digits (leading zeros allowed). */
  digits(length: number): string {
    return this.chars('0123456789', length);
  }

  private refill(): void {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.block++, 0);
    this.buffer = createHash('sha256')
      .update(this.seed, 'utf8')
      .update(Buffer.from([0]))
      .update(this.label, 'utf8')
      .update(Buffer.from([0]))
      .update(counter)
      .digest();
    this.offset = 0;
  }
}
