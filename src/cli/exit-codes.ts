/**
 * Exit codes, documented in the README so scripts can branch on them.
 * 0 success; 1 failure; 2 usage error; 3 no such device or device gone; 4 the iPhone needs a person
 * (unlock, tap Trust, pair); 5 the usbmuxd socket cannot be reached; 6 timed out.
 * `lifeboat doctor` ran and found problems: 10 the worst finding is a warning (backups work now but
 * will fail, be incomplete or be delayed), 11 the worst is critical (backups cannot happen until someone
 * acts). Doctor exits 0 when every finding is ok or info. They sit apart from 1–6 so a script can tell
 * "doctor found problems" from "doctor itself failed".
 */
import { LifeboatError } from '../util/errors.js';

export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NO_DEVICE: 3,
  NEEDS_USER: 4,
  UNREACHABLE: 5,
  TIMEOUT: 6,
  DOCTOR_WARNING: 10,
  DOCTOR_CRITICAL: 11,
} as const;

const NEEDS_USER = new Set([
  'DEVICE_PasswordProtected',
  'DEVICE_PairingDialogResponsePending',
  'DEVICE_UserDeniedPairing',
  'DEVICE_InvalidHostID',
  'DEVICE_NOT_PAIRED',
  'DEVICE_EscrowLocked',
  'NOT_PAIRED',
]);

export function exitCodeFor(error: unknown): number {
  if (!(error instanceof LifeboatError)) return ExitCode.FAILURE;
  if (error.code === 'USAGE') return ExitCode.USAGE;
  if (error.code === 'DEVICE_NOT_FOUND' || error.code === 'DEVICE_DISCONNECTED') return ExitCode.NO_DEVICE;
  if (NEEDS_USER.has(error.code)) return ExitCode.NEEDS_USER;
  if (error.code === 'USBMUXD_UNREACHABLE' || error.code === 'SIM_UNREACHABLE') return ExitCode.UNREACHABLE;
  if (error.code === 'TIMEOUT') return ExitCode.TIMEOUT;
  if (error.code === 'DOCTOR_WARNING') return ExitCode.DOCTOR_WARNING;
  if (error.code === 'DOCTOR_CRITICAL') return ExitCode.DOCTOR_CRITICAL;
  return ExitCode.FAILURE;
}
