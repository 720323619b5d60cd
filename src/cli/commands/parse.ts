/** Validation of option values, with errors that name the option. */
import { LifeboatError } from '../../util/errors.js';

export class UsageError extends LifeboatError {
  constructor(message: string) {
    super(message, { code: 'USAGE' });
  }
}

export function parseSeconds(text: string, option: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(value)) throw new UsageError(`${option} takes a number of seconds, not "${text}"`);
  return value;
}

export function parseWholeNumber(text: string, option: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`${option} takes a whole number from ${min} to ${max}, not "${text}"`);
  return value;
}
