/**
 * What doctor learns from a connected iPhone, over lockdown, bounded in time.
 *
 * Nouns: *facts* are the raw observations (trust state, lock state, battery, storage, encryption,
 * Wi-Fi sync, Low Power Mode where the device reports it); checks.ts turns them into findings. A phone
 * that does not answer within the bound is itself a fact (`failure.kind = 'timeout'`), and every
 * socket is closed when the bound runs out, so a silent phone never hangs doctor.
 */
import { DeviceError, DisconnectedError, TimeoutError } from '../../protocol/errors.js';
import { pairDevice } from '../../protocol/host/pairing-flow.js';
import type { PairRecordStore } from '../../protocol/host/pair-store.js';
import { LockdownDomain } from '../../protocol/lockdown/constants.js';
import { LockdownClient } from '../../protocol/lockdown/client.js';
import type { PlistValue } from '../../plist/index.js';
import type { Duplex } from 'node:stream';
import { UsbmuxTransport, type DeviceTransport } from '../../protocol/transport.js';
import type { UsbmuxClient } from '../../protocol/usbmux/client.js';
import type { MuxDevice } from '../../protocol/usbmux/messages.js';
import { isPlistDict } from '../../protocol/wire/plist-frame.js';
import { describeError, LifeboatError } from '../../util/errors.js';

/**
 * Low Power Mode is not a lockdown value on real iPhones (iOS only announces it on the phone with the
 * Darwin notification com.apple.system.lowpowermode); the virtual iPhone serves it in this domain, which
 * a real phone answers with an error, so on hardware the fact is simply unknown.
 */
export const VIRTUAL_DEVICE_DOMAIN = 'org.lifeboat.sim';

export type TrustFact =
  | { readonly state: 'trusted'; readonly pairedNow?: boolean }
  | { readonly state: 'not-paired'; readonly locked: boolean; readonly overNetwork?: boolean }
  | { readonly state: 'pending' }
  | { readonly state: 'denied' }
  | { readonly state: 'invalid'; readonly detail: string };

export interface DeviceFacts {
  readonly udid: string;
  /** Every way it is attached: 'USB', 'Network' (usbmuxd), 'wifi' (reached directly over TCP). */
  readonly connections: readonly string[];
  readonly name?: string;
  readonly productType?: string;
  readonly productVersion?: string;
  /** lockdown's PasswordProtected: locked with a passcode right now. */
  readonly passcodeLocked?: boolean;
  readonly trust?: TrustFact;
  readonly battery?: { readonly percent: number; readonly charging: boolean; readonly externalPower: boolean };
  readonly storage?: { readonly totalBytes: number; readonly freeBytes: number; readonly usedBytes: number };
  readonly willEncrypt?: boolean;
  readonly wifiSync?: boolean;
  /** The phone's Wi-Fi MAC address (lockdown WiFiAddress). */
  readonly wifiMac?: string;
  /** Joined to a Wi-Fi network (only the virtual iPhone reports it; undefined on real phones). */
  readonly wifiConnected?: boolean;
  /** undefined: the device does not report it. */
  readonly lowPowerMode?: boolean;
  readonly failure?: { readonly kind: 'timeout'; readonly seconds: number } | { readonly kind: 'error'; readonly message: string; readonly hint?: string };
}

export interface ProbeOptions {
  readonly timeoutMs: number;
  readonly attemptPairing: boolean;
  /** Stops the probe at once (its connections are closed) and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A transport that remembers every connection it opened, so the time bound can close them all. */
class TrackedTransport implements DeviceTransport {
  readonly streams: Duplex[] = [];
  readonly udid: string;
  readonly connection: string;
  readonly muxDeviceId: number | undefined;

  constructor(private readonly inner: DeviceTransport) {
    this.udid = inner.udid;
    this.connection = inner.connection;
    this.muxDeviceId = inner.muxDeviceId;
  }

  async connect(port: number): Promise<Duplex> {
    const stream = await this.inner.connect(port);
    this.streams.push(stream);
    return stream;
  }

  closeAll(): void {
    for (const stream of this.streams) stream.destroy();
  }
}

function str(value: PlistValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: PlistValue | undefined): number | undefined {
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
}

/** The transport to examine a phone through: its USB appearance when it has one. */
export function muxTransportFor(mux: UsbmuxClient, appearances: readonly MuxDevice[]): DeviceTransport {
  const preferred = appearances.find((d) => d.connectionType === 'USB') ?? appearances[0];
  if (!preferred) throw new RangeError('a phone needs at least one usbmuxd appearance');
  return new UsbmuxTransport(mux, preferred);
}

/**
 * Examines one phone through `inner` (usbmuxd, or TCP over Wi-Fi), never taking longer than
 * `timeoutMs`. `connections` is every way it is attached ('USB', 'Network', 'wifi').
 */
export async function probeDevice(inner: DeviceTransport, store: PairRecordStore, connections: readonly string[], options: ProbeOptions): Promise<DeviceFacts> {
  const facts: Mutable<DeviceFacts> = { udid: inner.udid, connections: [...new Set(connections)] };
  const transport = new TrackedTransport(inner);
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<'timeout' | 'aborted'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
    onAbort = () => resolve('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    options.signal?.throwIfAborted();
    const outcome = await Promise.race([examine(transport, store, facts, options).then(() => 'done' as const), deadline]);
    if (outcome === 'aborted') options.signal?.throwIfAborted();
    if (outcome === 'timeout') facts.failure = { kind: 'timeout', seconds: Math.round(options.timeoutMs / 1000) };
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof TimeoutError) facts.failure = { kind: 'timeout', seconds: Math.round(options.timeoutMs / 1000) };
    else facts.failure = { kind: 'error', message: error instanceof LifeboatError ? error.message : describeError(error), ...(error instanceof LifeboatError && error.hint ? { hint: error.hint } : {}) };
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    // Every connection, including one still waiting for its first reply, so a silent phone holds nothing open.
    transport.closeAll();
  }
  return facts;
}

async function examine(transport: TrackedTransport, store: PairRecordStore, facts: Mutable<DeviceFacts>, options: ProbeOptions): Promise<void> {
  const lockdown = await LockdownClient.connect(transport, 'lifeboat-doctor');
  const publicValues = await lockdown.getValue();
  if (isPlistDict(publicValues)) {
    const name = str(publicValues['DeviceName']);
    const productType = str(publicValues['ProductType']);
    const productVersion = str(publicValues['ProductVersion']);
    if (name !== undefined) facts.name = name;
    if (productType !== undefined) facts.productType = productType;
    if (productVersion !== undefined) facts.productVersion = productVersion;
    const wifiMac = str(publicValues['WiFiAddress']);
    if (wifiMac !== undefined) facts.wifiMac = wifiMac;
    // Not a public key on every iOS; read it when offered (the session read below fills it otherwise).
    if (typeof publicValues['PasswordProtected'] === 'boolean') facts.passcodeLocked = publicValues['PasswordProtected'];
  }

  let record = await store.read(transport.udid).catch((error: unknown) => {
    facts.trust = { state: 'invalid', detail: describeError(error) };
    return undefined;
  });
  if (facts.trust) return;
  let pairedNow = false;
  if (!record) {
    if (!options.attemptPairing) {
      facts.trust = { state: 'not-paired', locked: facts.passcodeLocked === true };
      return;
    }
    try {
      record = await pairDevice(transport, store, { waitMs: 0, label: 'lifeboat-doctor' });
      pairedNow = true;
    } catch (error) {
      const code = error instanceof DeviceError ? error.deviceError : undefined;
      if (code === 'PairingDialogResponsePending') facts.trust = { state: 'pending' };
      else if (code === 'UserDeniedPairing') facts.trust = { state: 'denied' };
      else if (code === 'PasswordProtected') facts.trust = { state: 'not-paired', locked: true };
      else if (code === 'PairingProhibitedOverThisConnection') facts.trust = { state: 'not-paired', locked: facts.passcodeLocked === true, overNetwork: true };
      else throw error;
      return;
    }
  }

  try {
    await lockdown.startSession(record);
  } catch (error) {
    if (error instanceof DeviceError && (error.deviceError === 'InvalidHostID' || error.deviceError === 'InvalidPairRecord')) {
      facts.trust = { state: 'invalid', detail: `lockdown StartSession: ${error.deviceError}` };
      return;
    }
    if (error instanceof DisconnectedError && error.code === 'LOCKDOWN_TLS_FAILED') {
      facts.trust = { state: 'invalid', detail: 'the secure session could not be opened with the stored certificates' };
      return;
    }
    throw error;
  }
  facts.trust = pairedNow ? { state: 'trusted', pairedNow } : { state: 'trusted' };

  const optional = (domain: string, key?: string): Promise<PlistValue | undefined> => lockdown.getValue(domain, key).catch(() => undefined);
  const locked = await lockdown.getValue(undefined, 'PasswordProtected').catch(() => undefined);
  if (typeof locked === 'boolean') facts.passcodeLocked = locked;
  const battery = await optional(LockdownDomain.BATTERY);
  if (isPlistDict(battery)) {
    const percent = num(battery['BatteryCurrentCapacity']);
    if (percent !== undefined) facts.battery = { percent, charging: battery['BatteryIsCharging'] === true, externalPower: battery['ExternalConnected'] === true };
  }
  const disk = await optional(LockdownDomain.DISK_USAGE);
  if (isPlistDict(disk)) {
    const totalBytes = num(disk['TotalDataCapacity']) ?? num(disk['TotalDiskCapacity']);
    const available = num(disk['TotalDataAvailable']);
    const freeBytes = num(disk['AmountDataAvailable']) ?? available;
    if (totalBytes !== undefined && freeBytes !== undefined) {
      facts.storage = { totalBytes, freeBytes, usedBytes: Math.max(0, totalBytes - (available ?? freeBytes)) };
    }
  }
  const willEncrypt = await optional(LockdownDomain.BACKUP, 'WillEncrypt');
  if (typeof willEncrypt === 'boolean') facts.willEncrypt = willEncrypt;
  const wifiSync = await optional(LockdownDomain.WIRELESS_LOCKDOWN, 'EnableWifiConnections');
  if (typeof wifiSync === 'boolean') facts.wifiSync = wifiSync;
  const lowPower = await optional(VIRTUAL_DEVICE_DOMAIN, 'LowPowerModeEnabled');
  if (typeof lowPower === 'boolean') facts.lowPowerMode = lowPower;
  const wifiConnected = await optional(VIRTUAL_DEVICE_DOMAIN, 'WiFiConnected');
  if (typeof wifiConnected === 'boolean') facts.wifiConnected = wifiConnected;
  await lockdown.stopSession().catch(() => undefined);
}
