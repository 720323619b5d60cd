/**
 * How commands speak: human text on stdout (tables, one line per fact), or with --json exactly one
 * JSON document on stdout; errors are one clear line on stderr (JSON with --json) and an exit code.
 * Stack traces only with --verbose.
 */
import { describeError, LifeboatError } from '../util/errors.js';
import { exitCodeFor } from './exit-codes.js';

export interface GlobalOptions {
  readonly json?: boolean;
  readonly verbose?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function reportError(error: unknown, options: GlobalOptions): number {
  const code = exitCodeFor(error);
  if (options.json) {
    const body =
      error instanceof LifeboatError
        ? { error: { code: error.code, message: error.message, hint: error.hint ?? null, retryable: error.retryable } }
        : { error: { code: 'INTERNAL', message: describeError(error) } };
    process.stderr.write(`${JSON.stringify(body)}\n`);
  } else {
    const hint = error instanceof LifeboatError && error.hint ? `\n  → ${error.hint}` : '';
    const message = error instanceof LifeboatError ? error.message : describeError(error);
    process.stderr.write(`lifeboat: ${message}${hint}\n`);
  }
  if (options.verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return code;
}

/** Renders rows as aligned columns (no dependency: a table is a few lines of code). */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export { formatBytes } from '../util/units.js';
