/**
 * explainFailure(): the finding that explains why a backup failed, from the error it failed with, so
 * the daemon's failure alert says the same thing `lifeboat doctor` would. Matching is by error code
 * (and the device's own error string or mobilebackup2 ErrorCode in the cause chain), never by message.
 */
import { DeviceError } from '../../protocol/errors.js';
import { describeError, LifeboatError } from '../../util/errors.js';
import * as F from './findings.js';
import type { Finding } from './types.js';

/** mobilebackup2 ErrorCodes with their own finding (MBErrorDomain 207: invalid password; 208 as the virtual iPhone reports "encryption on, no password"). */
const MB2_WRONG_PASSWORD = 207;
const MB2_ENCRYPTION_MISCONFIGURED = 208;

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && chain.length < 8) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

function mb2Code(error: unknown): number | undefined {
  for (const cause of causes(error)) {
    if (cause instanceof DeviceError && /^MB2_\d+$/.test(cause.deviceError)) return Number(cause.deviceError.slice(4));
  }
  return undefined;
}

export function explainFailure(error: unknown, udid: string): Finding {
  const code = error instanceof LifeboatError ? error.code : undefined;
  const message = error instanceof LifeboatError ? error.message : describeError(error);
  const hint = error instanceof LifeboatError ? error.hint : undefined;
  switch (code) {
    case 'DEVICE_PasswordProtected':
      return F.locked(udid, 'critical', true);
    case 'DEVICE_EscrowLocked':
      return F.lockedSinceRestart(udid);
    case 'DEVICE_PairingDialogResponsePending':
      return F.trustPending(udid);
    case 'DEVICE_UserDeniedPairing':
      return F.trustDenied(udid);
    case 'DEVICE_NOT_PAIRED':
    case 'NOT_PAIRED':
      return F.notPaired(udid, false);
    case 'DEVICE_InvalidHostID':
    case 'DEVICE_InvalidPairRecord':
    case 'LOCKDOWN_TLS_FAILED':
    case 'PAIR_RECORD_DAMAGED':
      return F.pairingInvalid(udid, message);
    case 'DEVICE_DISCONNECTED':
      // Mid-backup: say that it went away during the backup (what happened), and how to resume.
      return {
        id: 'disconnected-during-backup',
        severity: 'critical',
        udid,
        title: 'The iPhone was disconnected during the backup',
        explanation: `${message}.`,
        fix: hint ?? 'Reconnect the iPhone (cable, or the same Wi-Fi network with Wi-Fi sync on) and keep it connected until the backup ends; it is retried automatically.',
      };
    case 'DEVICE_NOT_FOUND':
      return { ...F.notConnected(udid, undefined), explanation: `${message}. ${F.notConnected(udid, undefined).explanation}` };
    case 'TIMEOUT':
      return { ...F.deviceNotResponding(udid, 0), explanation: `${message}.`, ...(hint ? { fix: hint } : {}) };
    case 'BACKUP_HOST_DISK_FULL':
      return { id: 'disk-too-small', severity: 'critical', udid, title: 'The backup disk is full', explanation: `${message}.`, fix: hint ?? 'Free up space on the disk that holds the vault, then back up again.' };
    case 'BACKUP_DEVICE_STORAGE_FULL':
      return { id: 'device-storage-full', severity: 'critical', udid, title: 'The iPhone\'s storage is full', explanation: `${message}.`, fix: 'Free up space on the iPhone: Settings › General › iPhone Storage, then back up again.' };
    case 'VAULT_LOCKED':
      return { id: 'backup-running', severity: 'info', udid, title: 'A backup of this iPhone was already running', explanation: `${message}.`, fix: 'Nothing to do: the running backup continues; the next one starts after it.' };
    case 'BACKUP_WRONG_PASSWORD':
    case 'FORMAT_WRONG_PASSWORD':
      return { ...F.passwordWrong(udid, 'the password Lifeboat was given', 'the newest'), explanation: `${message}.` };
    case 'BACKUP_PASSWORD_REQUIRED':
    case 'FORMAT_PASSWORD_REQUIRED':
    case 'PASSWORD_UNAVAILABLE':
      return F.passwordUnknown(udid, 'the file backup-password beside the config');
    case 'USBMUXD_UNREACHABLE':
      return F.usbmuxdUnreachable('its address', message);
    default:
      break;
  }
  const mb2 = mb2Code(error);
  if (mb2 === MB2_WRONG_PASSWORD) return { ...F.passwordWrong(udid, 'the password Lifeboat was given', 'the newest'), explanation: `${message}.` };
  if (mb2 === MB2_ENCRYPTION_MISCONFIGURED) return F.encryptionMisconfigured(udid);
  return F.backupFailed(udid, message, hint);
}
