/**
 * DeviceLink messages, shared by the host client and the virtual iPhone.
 *
 * Nouns: a DeviceLink *message* is a plist array whose first element names it ("DLMessage…"), sent
 * in a plist frame (binary plist by convention; receivers accept XML too). The *version exchange*
 * opens every DeviceLink service: the device offers its protocol version, the host answers
 * DLVersionsOk, the device says DLMessageDeviceReady. After that both sides exchange
 * DLMessageProcessMessage dicts, the device drives file operations and the host answers each with a
 * DLMessageStatusResponse. `___EmptyParameterString___` stands for an absent string or plist argument.
 */
import type { PlistDict, PlistValue } from '../../plist/index.js';
import { ProtocolError } from '../errors.js';
import { isPlistDict } from '../wire/plist-frame.js';

export const DL_EMPTY = '___EmptyParameterString___';

/** mobilebackup2's DeviceLink version: hosts accept up to 400.0 (libimobiledevice MBACKUP2_VERSION_INT1/2). */
export const MOBILEBACKUP2_DL_VERSION = { major: 400, minor: 0 } as const;

/** Device error codes carried in StatusResponse for host-side file errors (errno → code, as iTunes does). */
export const DlStatus = {
  OK: 0,
  UNKNOWN: -1,
  ENOENT: -6,
  EEXIST: -7,
  ENOTDIR: -8,
  EISDIR: -9,
  ELOOP: -10,
  EIO: -11,
  ENOSPC: -15,
  MULTI_STATUS: -13,
} as const;

export function statusForErrno(code: string | undefined): number {
  switch (code) {
    case 'ENOENT':
      return DlStatus.ENOENT;
    case 'EEXIST':
      return DlStatus.EEXIST;
    case 'ENOTDIR':
      return DlStatus.ENOTDIR;
    case 'EISDIR':
      return DlStatus.EISDIR;
    case 'ELOOP':
      return DlStatus.ELOOP;
    case 'EIO':
      return DlStatus.EIO;
    case 'ENOSPC':
    case 'EDQUOT':
      return DlStatus.ENOSPC;
    default:
      return DlStatus.UNKNOWN;
  }
}

export function isDlMessage(value: PlistValue): value is PlistValue[] {
  return Array.isArray(value) && typeof value[0] === 'string' && value[0].startsWith('DL');
}

/** The message name of a DeviceLink array, validated. */
export function dlMessageName(value: PlistValue, what = 'DeviceLink message'): string {
  if (!isDlMessage(value)) throw new ProtocolError(`${what}: expected an array starting with a DL… name`, { code: 'PROTOCOL_BAD_MESSAGE' });
  return value[0] as string;
}

/** Element `index` of a DeviceLink array, or undefined when absent or the empty placeholder. */
export function dlArgument(message: PlistValue[], index: number): PlistValue | undefined {
  const value = message[index];
  return value === DL_EMPTY ? undefined : value;
}

export function statusResponse(code: number, description: string | undefined, payload: PlistValue | undefined): PlistValue[] {
  // Negative codes travel as (signed) 64-bit integers; bigint keeps the encoder from narrowing them.
  return ['DLMessageStatusResponse', BigInt(code), description ?? DL_EMPTY, payload ?? DL_EMPTY];
}

export function processMessage(dict: PlistDict): PlistValue[] {
  return ['DLMessageProcessMessage', dict];
}

export function disconnectMessage(reason?: string): PlistValue[] {
  return ['DLMessageDisconnect', reason ?? DL_EMPTY];
}

export interface StatusResponse {
  readonly code: number;
  readonly description: string | undefined;
  readonly payload: PlistValue | undefined;
}

export function parseStatusResponse(message: PlistValue[]): StatusResponse {
  if (message[0] !== 'DLMessageStatusResponse') {
    throw new ProtocolError(`DeviceLink: expected DLMessageStatusResponse, got ${String(message[0])}`, { code: 'PROTOCOL_BAD_MESSAGE' });
  }
  const raw = message[1];
  let code: number;
  if (typeof raw === 'number') code = raw;
  else if (typeof raw === 'bigint') code = Number(BigInt.asIntN(64, raw));
  else throw new ProtocolError('DeviceLink status response: code is not an integer', { code: 'PROTOCOL_BAD_FIELD' });
  // Hosts that send the code as an unsigned 64-bit value (two's complement) arrive as large numbers.
  if (code > 2 ** 53) code = Number(BigInt.asIntN(64, BigInt(code)));
  const description = dlArgument(message, 2);
  return { code, description: typeof description === 'string' ? description : undefined, payload: dlArgument(message, 3) };
}

export function requireProcessDict(message: PlistValue[]): PlistDict {
  const dict = message[1];
  if (message[0] !== 'DLMessageProcessMessage' || !isPlistDict(dict)) {
    throw new ProtocolError('DeviceLink: DLMessageProcessMessage must carry one dictionary', { code: 'PROTOCOL_BAD_MESSAGE' });
  }
  return dict;
}
