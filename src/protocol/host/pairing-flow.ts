/**
 * Pairing a host with a phone, as libimobiledevice does it: read the device's public key and Wi-Fi
 * MAC, make a root/host/device certificate set, send Pair, and store the full record (with the escrow
 * bag the phone returns) in usbmuxd. While the phone shows the Trust dialog or is locked, Pair is
 * retried once a second until the caller's deadline, reporting each wait so a person knows what to do.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeviceError, ProtocolError } from '../errors.js';
import { LockdownClient } from '../lockdown/client.js';
import { createPairRecord, generatePairingCertificates, type PairRecord } from '../lockdown/pairing/index.js';
import type { DeviceTransport } from '../transport.js';
import type { PairRecordStore } from './pair-store.js';

/** Errors that mean "a person must act on the phone"; Pair is retried while waiting for them. */
const WAITABLE = new Set(['PairingDialogResponsePending', 'PasswordProtected']);
const RETRY_INTERVAL_MS = 1000;

export interface PairOptions {
  /** How long to keep retrying while the phone is locked or shows the Trust dialog (0: try once). */
  readonly waitMs?: number;
  readonly onWaiting?: (error: DeviceError) => void;
  readonly label?: string;
  readonly signal?: AbortSignal;
}

export async function pairDevice(transport: DeviceTransport, store: PairRecordStore, options: PairOptions = {}): Promise<PairRecord> {
  const lockdown = await LockdownClient.connect(transport, options.label);
  try {
    const publicKey = await lockdown.getValue(undefined, 'DevicePublicKey');
    if (!(publicKey instanceof Uint8Array)) {
      throw new ProtocolError('the device did not provide its public key (DevicePublicKey)', { code: 'PAIRING_NO_DEVICE_KEY' });
    }
    // Read the Wi-Fi MAC before pairing: asking afterwards fails on some iOS versions.
    const wifi = await lockdown.getValue(undefined, 'WiFiAddress').catch(() => undefined);
    const systemBuid = await store.systemBuid();
    const certificates = await generatePairingCertificates(publicKey);
    const draft = createPairRecord(certificates, { systemBuid, ...(typeof wifi === 'string' ? { wifiMacAddress: wifi } : {}) });
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      try {
        const escrowBag = await lockdown.pair(draft);
        const record: PairRecord = escrowBag ? { ...draft, escrowBag: Buffer.from(escrowBag) } : draft;
        await store.save(transport.udid, record, transport.muxDeviceId);
        return record;
      } catch (error) {
        if (!(error instanceof DeviceError) || !WAITABLE.has(error.deviceError) || Date.now() + RETRY_INTERVAL_MS > deadline) throw error;
        options.onWaiting?.(error);
        await sleep(RETRY_INTERVAL_MS, undefined, options.signal ? { signal: options.signal } : {});
      }
    }
  } finally {
    lockdown.close();
  }
}

/** Asks the phone to forget this host and deletes the local record (local record goes even if the phone is gone). */
export async function unpairDevice(transport: DeviceTransport, store: PairRecordStore, label?: string): Promise<{ deviceForgot: boolean }> {
  const record = await store.read(transport.udid);
  if (!record) throw new ProtocolError(`this computer is not paired with ${transport.udid}`, { code: 'NOT_PAIRED' });
  let deviceForgot = false;
  try {
    const lockdown = await LockdownClient.connect(transport, label);
    try {
      await lockdown.unpair(record);
      deviceForgot = true;
    } finally {
      lockdown.close();
    }
  } finally {
    await store.delete(transport.udid);
  }
  return { deviceForgot };
}
