/** Small text helpers for alerts and status (no dependency on the CLI's output module). */

export function formatAge(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 1) return `${Math.max(1, Math.round(ms / 60_000))} min`;
  if (hours < 48) return `${Math.round(hours)} h`;
  return `${Math.round(hours / 24)} days`;
}

export { formatBytes as formatBytesShort } from '../util/units.js';
