/**
 * Byte sizes as people type them ("12GB", "1.5 TB", "800KiB") and as Apple shows them.
 *
 * Nouns: a *decimal unit* (KB, MB, GB, TB) is a power of 1000, the way iOS Settings and Finder count
 * ("128 GB" iPhone = 128 000 000 000 bytes); a *binary unit* (KiB, MiB, GiB, TiB) is a power of 1024.
 * A bare number is bytes and must be whole. Results are whole bytes (rounded) within Number's exact
 * integer range, so the state stays plain JSON.
 */

const UNITS: ReadonlyMap<string, number> = new Map([
  ['b', 1],
  ['kb', 1e3],
  ['mb', 1e6],
  ['gb', 1e9],
  ['tb', 1e12],
  ['kib', 2 ** 10],
  ['mib', 2 ** 20],
  ['gib', 2 ** 30],
  ['tib', 2 ** 40],
]);

export const BYTE_SIZE_EXAMPLES = '12GB, 512MB, 1.5TB, 800KiB, 64GiB or plain bytes like 40000000000';

/** Parses a byte size; returns an error message (not an exception) so callers can name their key. */
export function parseByteSize(text: string): { bytes: number } | { error: string } {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return { error: `"${text}" is not a size` };
  const [, amountText = '', unitText = ''] = match;
  const unit = unitText.toLowerCase();
  const multiplier = UNITS.get(unit === '' ? 'b' : unit);
  if (multiplier === undefined) return { error: `unknown unit "${unitText}" (decimal KB/MB/GB/TB or binary KiB/MiB/GiB/TiB)` };
  if (multiplier === 1 && amountText.includes('.')) return { error: `"${text}" has a fraction of a byte; give whole bytes or a unit` };
  const bytes = Math.round(Number(amountText) * multiplier);
  if (!Number.isSafeInteger(bytes)) return { error: `"${text}" is too large` };
  return { bytes };
}

/** Apple-style decimal rendering: "128 GB", "40.5 GB", "1 TB", "512 MB", "999 bytes". */
export function formatBytes(bytes: number): string {
  const steps: ReadonlyArray<[number, string]> = [
    [1e12, 'TB'],
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'KB'],
  ];
  for (const [size, name] of steps) {
    if (bytes >= size) {
      const value = bytes / size;
      const rounded = value >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
      return `${rounded} ${name}`;
    }
  }
  return `${bytes} bytes`;
}
