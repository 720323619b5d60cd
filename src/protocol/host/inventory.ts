/**
 * What `lifeboat devices` shows for each connected phone: identity values any host may read, and —
 * when this computer is trusted — battery, storage and whether backups are encrypted. Each phone is
 * examined independently and bounded in time, so one misbehaving phone never hides the others.
 */
import type { PlistValue } from '../../plist/index.js';
import { describeError } from '../../util/errors.js';
import { DeviceError } from '../errors.js';
import { LockdownDomain } from '../lockdown/constants.js';
import { LockdownClient } from '../lockdown/client.js';
import { isPlistDict } from '../wire/plist-frame.js';
import type { DeviceTransport } from '../transport.js';
import type { UsbmuxClient } from '../usbmux/client.js';
import { findDevices, transportFor, type FindOptions, type ReachableDevice } from './device-finder.js';
import type { PairRecordStore } from './pair-store.js';
import { marketingName } from './product-names.js';
import type { TcpTransportOptions } from './tcp-transport.js';

export type TrustState = 'trusted' | 'not-paired' | 'pairing-invalid' | 'unknown';

export interface DeviceSummary {
  readonly udid: string;
  /** Connection used to examine it; `connections` lists every way it is attached. */
  readonly connection: string;
  readonly connections: string[];
  readonly name?: string;
  readonly productType?: string;
  readonly model?: string;
  readonly productVersion?: string;
  readonly buildVersion?: string;
  readonly trust: TrustState;
  readonly passcodeLocked?: boolean;
  readonly battery?: { readonly percent: number; readonly charging: boolean; readonly externalPower: boolean };
  readonly storage?: { readonly totalBytes: number; readonly freeBytes: number };
  readonly backupEncryption?: boolean;
  readonly wifiSync?: boolean;
  /** Why some values are missing (not trusted, locked, unreachable). */
  readonly problem?: string;
  readonly hint?: string;
}

/** Summaries of every reachable phone (USB and usbmuxd network; Wi-Fi too when `options.wifi` is given). */
export async function listDeviceSummaries(mux: UsbmuxClient, store: PairRecordStore, options: Pick<FindOptions, 'wifi'> = {}): Promise<DeviceSummary[]> {
  const devices = await findDevices({ mux, ...options });
  return Promise.all(devices.map((device) => summarizeReachable(device, mux, store, options.wifi?.transport)));
}

/** One phone's summary over its preferred connection; an unreachable phone is reported, not thrown. */
export async function summarizeReachable(device: ReachableDevice, mux: UsbmuxClient, store: PairRecordStore, tcp?: TcpTransportOptions): Promise<DeviceSummary> {
  let transport: DeviceTransport;
  try {
    transport = await transportFor(device, mux, tcp);
  } catch (error) {
    return { udid: device.udid, connection: device.connection, connections: device.connections, trust: 'unknown', problem: describeError(error) };
  }
  return summarizeDevice(store, transport, device.connections);
}

function str(value: PlistValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: PlistValue | undefined): number | undefined {
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
}

export async function summarizeDevice(store: PairRecordStore, transport: DeviceTransport, connections: string[]): Promise<DeviceSummary> {
  const base = { udid: transport.udid, connection: transport.connection, connections };
  let lockdown: LockdownClient | undefined;
  try {
    lockdown = await LockdownClient.connect(transport);
    const publicValues = await lockdown.getValue();
    const values = isPlistDict(publicValues) ? publicValues : {};
    const productType = str(values['ProductType']);
    const identity = {
      ...base,
      name: str(values['DeviceName']),
      productType,
      model: productType ? marketingName(productType) : undefined,
      productVersion: str(values['ProductVersion']),
      buildVersion: str(values['BuildVersion']),
      passcodeLocked: typeof values['PasswordProtected'] === 'boolean' ? values['PasswordProtected'] : undefined,
    };
    const record = await store.read(transport.udid);
    if (!record) {
      return { ...identity, trust: 'not-paired', problem: 'this computer is not paired with it', hint: 'Run `lifeboat pair`, unlock the iPhone and tap Trust.' };
    }
    try {
      await lockdown.startSession(record);
    } catch (error) {
      if (error instanceof DeviceError && error.deviceError === 'InvalidHostID') {
        return { ...identity, trust: 'pairing-invalid', problem: error.message, ...(error.hint ? { hint: error.hint } : {}) };
      }
      throw error;
    }
    const battery = await lockdown.getValue(LockdownDomain.BATTERY);
    const disk = await lockdown.getValue(LockdownDomain.DISK_USAGE);
    const willEncrypt = await lockdown.getValue(LockdownDomain.BACKUP, 'WillEncrypt').catch(() => undefined);
    const wifiSync = await lockdown.getValue(LockdownDomain.WIRELESS_LOCKDOWN, 'EnableWifiConnections').catch(() => undefined);
    const summary: DeviceSummary = { ...identity, trust: 'trusted' };
    const extra: { -readonly [K in keyof DeviceSummary]?: DeviceSummary[K] } = {};
    if (isPlistDict(battery)) {
      const percent = num(battery['BatteryCurrentCapacity']);
      if (percent !== undefined) {
        extra.battery = { percent, charging: battery['BatteryIsCharging'] === true, externalPower: battery['ExternalConnected'] === true };
      }
    }
    if (isPlistDict(disk)) {
      const totalBytes = num(disk['TotalDataCapacity']) ?? num(disk['TotalDiskCapacity']);
      const freeBytes = num(disk['TotalDataAvailable']) ?? num(disk['AmountDataAvailable']);
      if (totalBytes !== undefined && freeBytes !== undefined) extra.storage = { totalBytes, freeBytes };
    }
    if (typeof willEncrypt === 'boolean') extra.backupEncryption = willEncrypt;
    if (typeof wifiSync === 'boolean') extra.wifiSync = wifiSync;
    await lockdown.stopSession().catch(() => undefined);
    return { ...summary, ...extra };
  } catch (error) {
    return {
      ...base,
      trust: 'unknown',
      problem: describeError(error),
      ...(error instanceof DeviceError && error.hint ? { hint: error.hint } : {}),
    };
  } finally {
    lockdown?.close();
  }
}
