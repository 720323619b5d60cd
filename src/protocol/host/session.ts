/**
 * Opening a trusted lockdown session with a paired phone: read the pair record, StartSession, TLS.
 * The failures a person can fix are turned into DeviceErrors with the fix in the hint (not paired
 * yet, the phone forgot us).
 */
import { DeviceError } from '../errors.js';
import { LockdownClient } from '../lockdown/client.js';
import type { PairRecord } from '../lockdown/pairing/index.js';
import type { DeviceTransport } from '../transport.js';
import type { PairRecordStore } from './pair-store.js';

export interface TrustedSession {
  readonly lockdown: LockdownClient;
  readonly record: PairRecord;
}

export class NotPairedError extends DeviceError {
  constructor(udid: string) {
    super('NotPaired', `this computer is not paired with the iPhone ${udid}`, {
      code: 'DEVICE_NOT_PAIRED',
      hint: 'Run `lifeboat pair`, unlock the iPhone and tap Trust.',
    });
  }
}

export async function openTrustedSession(transport: DeviceTransport, store: PairRecordStore, label?: string): Promise<TrustedSession> {
  const record = await store.read(transport.udid);
  if (!record) throw new NotPairedError(transport.udid);
  const lockdown = await LockdownClient.connect(transport, label);
  try {
    await lockdown.startSession(record);
    return { lockdown, record };
  } catch (error) {
    lockdown.close();
    throw error;
  }
}
