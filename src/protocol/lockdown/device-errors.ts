/**
 * The lockdownd error strings a device sends, mapped to what a person should do next.
 *
 * One table, so every surface (CLI, daemon alerts, doctor, web) says the same thing for the same
 * cause, and retry decisions are made by flag, not by matching message text.
 */
import { DeviceError } from '../errors.js';

interface ErrorInfo {
  readonly message: string;
  readonly hint: string;
  readonly retryable: boolean;
}

const TABLE: Record<string, ErrorInfo> = {
  PasswordProtected: {
    message: 'the iPhone is locked with a passcode',
    hint: 'Unlock the iPhone, then try again (tap Trust if it asks).',
    retryable: true,
  },
  PairingDialogResponsePending: {
    message: 'the iPhone is showing the "Trust This Computer?" dialog',
    hint: 'Unlock the iPhone and tap Trust, then try again.',
    retryable: true,
  },
  UserDeniedPairing: {
    message: 'someone tapped "Don\'t Trust" on the iPhone',
    hint: 'Unplug and replug the iPhone, then tap Trust. (Settings → General → Transfer or Reset → Reset Location & Privacy shows the dialog again.)',
    retryable: false,
  },
  InvalidHostID: {
    message: 'the iPhone does not recognise this computer\'s pairing (it was reset or the pairing was removed)',
    hint: 'Pair again: run `lifeboat pair` and tap Trust on the iPhone.',
    retryable: false,
  },
  InvalidPairRecord: {
    message: 'the iPhone rejected this computer\'s pairing record',
    hint: 'Remove the pairing and pair again: `lifeboat pair --reset`.',
    retryable: false,
  },
  MissingHostID: { message: 'the request did not name a host', hint: 'This is a bug in the client; please report it.', retryable: false },
  SessionInactive: { message: 'no lockdown session is active', hint: 'Try again; the session will be reopened.', retryable: true },
  SessionActive: { message: 'a lockdown session is already active', hint: 'Try again in a moment.', retryable: true },
  InvalidSessionID: { message: 'the lockdown session is not valid any more', hint: 'Try again.', retryable: true },
  MissingService: { message: 'no service name was given', hint: 'This is a bug in the client; please report it.', retryable: false },
  InvalidService: { message: 'the iPhone does not offer that service', hint: 'Update iOS or check the service name.', retryable: false },
  ServiceProhibited: { message: 'the iPhone refused to start that service', hint: 'Unlock the iPhone and try again.', retryable: true },
  ServiceLimit: { message: 'the iPhone has too many open service connections', hint: 'Close other tools talking to the iPhone and try again.', retryable: true },
  EscrowLocked: {
    message: 'the iPhone has been locked since it restarted, so its data is not available yet',
    hint: 'Unlock the iPhone once with its passcode, then try again.',
    retryable: true,
  },
  PairingProhibitedOverThisConnection: {
    message: 'pairing is only allowed over a USB cable',
    hint: 'Connect the iPhone with a cable to pair it once; later backups can use Wi-Fi.',
    retryable: false,
  },
  GetProhibited: { message: 'the iPhone refused to reveal that value', hint: 'Pair and unlock the iPhone, then try again.', retryable: false },
  SetProhibited: { message: 'the iPhone refused to change that value', hint: 'Pair and unlock the iPhone, then try again.', retryable: false },
  MissingValue: { message: 'the iPhone has no such value', hint: 'Check the domain and key names.', retryable: false },
  MissingKey: { message: 'the request named no key', hint: 'Check the domain and key names.', retryable: false },
  FMiPProtected: { message: 'Find My is on and protects this action', hint: 'Turn off Find My on the iPhone for this action.', retryable: false },
  MCProtected: { message: 'a device management profile forbids this', hint: 'Ask the iPhone\'s administrator.', retryable: false },
  MCChallengeRequired: { message: 'this supervised iPhone needs a supervision challenge to pair', hint: 'Pair from the supervising computer.', retryable: false },
};

export function deviceErrorFor(deviceError: string, request: string): DeviceError {
  const info = TABLE[deviceError];
  if (!info) {
    return new DeviceError(deviceError, `the iPhone answered ${request} with the error "${deviceError}"`, {
      hint: 'Unlock the iPhone, reconnect it and try again; if it persists, run `lifeboat doctor`.',
    });
  }
  return new DeviceError(deviceError, `${info.message} (${request}: ${deviceError})`, { hint: info.hint, retryable: info.retryable });
}

export function isKnownDeviceError(deviceError: string): boolean {
  return deviceError in TABLE;
}
