/**
 * Fault specs: the `fault=<spec>` setting of a virtual iPhone (`lifeboat sim set UDID fault=stall`),
 * parsed strictly. A fault is part of the phone's state (persisted like battery or trust) and applies
 * to every backup until `fault=none` clears it. What each fault does is in backup-faults.ts and
 * hostile.ts; this module only knows the language.
 *
 *   none                      no fault (the default)
 *   disconnect-after:<size>   unplugged once it has sent that many bytes of backup file data
 *   stall                     stops sending after the first block of file data, connection kept open
 *   slow:<size>               sends backup file data at most <size> per second
 *   error:<code>              ends the backup with ErrorCode <code> (1..2147483647) and a description
 *   malformed                 sends a malformed DeviceLink message mid-backup
 *   storage-full              ends the backup saying the iPhone's own storage is full
 *   hostile:<kind>            a misbehaving phone; kinds in HOSTILE_KINDS
 */
import { SimStateError } from '../model/errors.js';
import { BYTE_SIZE_EXAMPLES, parseByteSize } from '../model/units.js';

/** What a hostile phone tries during a backup (see hostile.ts for each kind's attacks). */
export const HOSTILE_KINDS = {
  dotdot: 'file operations on "../" paths that climb out of the backup folder',
  absolute: 'file operations on absolute paths',
  nul: 'paths containing NUL bytes',
  overlong: 'names over 255 bytes, paths over 4096 bytes (ends with a 5000-byte upload name)',
  'other-udid': "paths outside its own UDID folder (another UDID's, the backup root)",
  symlink: 'operations through and onto symlinks planted in the staging folder, DownloadFiles of ../../etc/passwd',
  'size-lie': 'announces one length and sends another (upload total, then a short block and silence)',
  'huge-block': 'a file block announcing 4 GiB',
  'huge-frame': 'a DeviceLink message frame announcing 4 GiB',
} as const;
export type HostileKind = keyof typeof HOSTILE_KINDS;

export type FaultSpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'disconnect-after'; readonly bytes: number }
  | { readonly kind: 'stall' }
  | { readonly kind: 'slow'; readonly bytesPerSecond: number }
  | { readonly kind: 'error'; readonly code: number }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'storage-full' }
  | { readonly kind: 'hostile'; readonly hostile: HostileKind };

export const FAULT_SYNTAX = `none|disconnect-after:<size>|stall|slow:<size per second>|error:<code>|malformed|storage-full|hostile:<${Object.keys(HOSTILE_KINDS).join('|')}>`;

export const NO_FAULT: FaultSpec = { kind: 'none' };

const MAX_ERROR_CODE = 2 ** 31 - 1;
/** Slower than this is a stall, not a slow phone. */
const MIN_RATE = 1024;

function bad(problem: string): SimStateError {
  return new SimStateError(`${problem}; fault accepts ${FAULT_SYNTAX} (sizes: ${BYTE_SIZE_EXAMPLES})`, { key: 'fault' });
}

function isHostileKind(value: string): value is HostileKind {
  return Object.hasOwn(HOSTILE_KINDS, value);
}

/** Parses a fault spec; throws SimStateError (key "fault") for anything it does not know exactly. */
export function parseFault(text: string): FaultSpec {
  const spec = text.trim();
  const colon = spec.indexOf(':');
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const argument = colon < 0 ? undefined : spec.slice(colon + 1);
  const noArgument = (kind: 'none' | 'stall' | 'malformed' | 'storage-full'): FaultSpec => {
    if (argument !== undefined) throw bad(`fault "${spec}": ${kind} takes no argument`);
    return { kind };
  };
  const needArgument = (): string => {
    if (argument === undefined || argument === '') throw bad(`fault "${spec}": ${name} needs an argument after ":"`);
    return argument;
  };
  switch (name) {
    case 'none':
    case 'stall':
    case 'malformed':
    case 'storage-full':
      return noArgument(name);
    case 'disconnect-after': {
      const parsed = parseByteSize(needArgument());
      if ('error' in parsed) throw bad(`fault "${spec}": ${parsed.error}`);
      return { kind: 'disconnect-after', bytes: parsed.bytes };
    }
    case 'slow': {
      const parsed = parseByteSize(needArgument());
      if ('error' in parsed) throw bad(`fault "${spec}": ${parsed.error}`);
      if (parsed.bytes < MIN_RATE) throw bad(`fault "${spec}": slow needs at least ${MIN_RATE} bytes per second (use stall for a phone that stops)`);
      return { kind: 'slow', bytesPerSecond: parsed.bytes };
    }
    case 'error': {
      const value = needArgument();
      const code = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(code) || code < 1 || code > MAX_ERROR_CODE) throw bad(`fault "${spec}": the error code must be a whole number from 1 to ${MAX_ERROR_CODE} (0 is success)`);
      return { kind: 'error', code };
    }
    case 'hostile': {
      const value = needArgument();
      if (!isHostileKind(value)) throw bad(`fault "${spec}": unknown hostile kind "${value}" (kinds: ${Object.keys(HOSTILE_KINDS).join(', ')})`);
      return { kind: 'hostile', hostile: value };
    }
    default:
      throw bad(spec === '' ? 'fault is empty' : `unknown fault "${spec}"`);
  }
}

/** The canonical text of a spec (what the state stores and `sim show` prints). */
export function formatFault(spec: FaultSpec): string {
  switch (spec.kind) {
    case 'disconnect-after':
      return `disconnect-after:${spec.bytes}`;
    case 'slow':
      return `slow:${spec.bytesPerSecond}`;
    case 'error':
      return `error:${spec.code}`;
    case 'hostile':
      return `hostile:${spec.hostile}`;
    default:
      return spec.kind;
  }
}
