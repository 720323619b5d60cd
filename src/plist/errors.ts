/**
 * The one error type the plist codecs raise.
 *
 * Nouns: a *location* says where in the input (or in the value being encoded) the problem is — a byte
 * *offset* into a binary plist, a *line/column* into an XML plist, or an element *path* such as
 * `$.Files[3].RelativePath` into a value tree. Parsers see untrusted device input, so every failure they
 * detect — malformed, truncated, hostile or merely unsupported — surfaces as a PlistError with code
 * PLIST_INVALID; callers never need to catch RangeError/TypeError from this module.
 */
import { LifeboatError } from '../util/errors.js';

export const PLIST_INVALID = 'PLIST_INVALID';

export interface PlistErrorLocation {
  /** Byte offset into the binary input (or character offset into XML text when no line is known). */
  readonly offset?: number;
  /** 1-based line and column into XML text. */
  readonly line?: number;
  readonly column?: number;
  /** Element path into the value tree, e.g. `$.Lockdown.DeviceName` or `$[2]`. */
  readonly path?: string;
  readonly hint?: string;
  readonly cause?: unknown;
}

export class PlistError extends LifeboatError {
  readonly offset: number | undefined;
  readonly path: string | undefined;

  constructor(message: string, location: PlistErrorLocation = {}) {
    super(message + describeLocation(location), {
      code: PLIST_INVALID,
      hint: location.hint,
      retryable: false,
      cause: location.cause,
    });
    this.offset = location.offset;
    this.path = location.path;
  }
}

function describeLocation(location: PlistErrorLocation): string {
  const parts: string[] = [];
  if (location.line !== undefined) parts.push(`line ${location.line}, column ${location.column ?? 0}`);
  else if (location.offset !== undefined) parts.push(`byte ${location.offset}`);
  if (location.path !== undefined) parts.push(`at ${location.path}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/**
 * Rethrows PlistError untouched and wraps anything else. Parsers run their whole body through this so
 * that an unforeseen engine error (say a stack overflow under a caller-raised maxDepth) still honours
 * the "only PlistError for bad input" contract instead of leaking a RangeError.
 */
export function asPlistError(error: unknown, what: string): PlistError {
  if (error instanceof PlistError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new PlistError(`${what}: ${detail}`, { cause: error });
}

/** Renders a path segment list as `$.key[3]["odd key"]` for messages. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
