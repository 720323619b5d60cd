/**
 * Errors of the wire layer: framing, transport and the device's own error strings.
 *
 * - ProtocolError: the peer sent something that breaks the protocol (bad length, bad plist, wrong
 *   message). The connection it came from is closed; nothing else is affected.
 * - DisconnectedError: the other end went away (unplugged, process died). Retryable.
 * - TimeoutError: a bounded wait ran out. Retryable.
 * - DeviceError: the device answered with an error string (e.g. "PasswordProtected"); carries that
 *   string unchanged in `deviceError` and a next step a person understands in `hint`.
 */
import { LifeboatError, type LifeboatErrorOptions } from '../util/errors.js';

export class ProtocolError extends LifeboatError {
  constructor(message: string, options: Partial<LifeboatErrorOptions> = {}) {
    super(message, { code: 'PROTOCOL_ERROR', ...options });
  }
}

export class DisconnectedError extends LifeboatError {
  constructor(message = 'device disconnected', options: Partial<LifeboatErrorOptions> = {}) {
    super(message, {
      code: 'DEVICE_DISCONNECTED',
      retryable: true,
      hint: 'Check the cable or Wi-Fi connection, then try again.',
      ...options,
    });
  }
}

export class TimeoutError extends LifeboatError {
  constructor(message: string, options: Partial<LifeboatErrorOptions> = {}) {
    super(message, { code: 'TIMEOUT', retryable: true, ...options });
  }
}

export class DeviceError extends LifeboatError {
  /** The error string exactly as the device sent it (e.g. "PairingDialogResponsePending"). */
  readonly deviceError: string;

  constructor(deviceError: string, message: string, options: Partial<LifeboatErrorOptions> = {}) {
    super(message, { code: `DEVICE_${deviceError}`, ...options });
    this.deviceError = deviceError;
  }
}
