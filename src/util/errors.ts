/**
 * The root of every error Lifeboat raises on purpose.
 *
 * Nouns: a *code* is a stable machine-readable identifier (scripts and the daemon match on it, never on
 * the message); a *hint* is the next step a person can take ("Unlock the iPhone and tap Trust");
 * *retryable* tells the daemon's retry policy whether trying again later can help.
 * Each layer has its own subclass (PlistError, ProtocolError, DeviceError, …) so callers can tell where
 * a failure came from without string matching.
 */
export interface LifeboatErrorOptions {
  readonly code: string;
  readonly hint?: string;
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

export class LifeboatError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, options: LifeboatErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
  }
}

/** Renders any thrown value as one line for logs and the CLI (no stack unless asked). */
export function describeError(error: unknown): string {
  if (error instanceof LifeboatError) {
    return error.hint ? `${error.message} — ${error.hint}` : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
