/**
 * What every device command needs: the usbmuxd client, the pair-record store (usbmuxd's records, then
 * Lifeboat's Wi-Fi copies), and whether to look for phones on Wi-Fi.
 *
 * Wi-Fi discovery sends mDNS queries on the local network and waits for answers, so commands only do
 * it when this computer holds Wi-Fi pair records (`lifeboat wifi on` made them). LIFEBOAT_WIFI=off
 * turns it off, LIFEBOAT_WIFI=on forces it; LIFEBOAT_MDNS_INTERFACE=<IPv4 address> limits it to one
 * interface.
 */
import { join } from 'node:path';
import { dataHome } from '../config/paths.js';
import { chooseDevice, findDevices, transportFor, type FindOptions } from '../protocol/host/device-finder.js';
import { DirectoryPairRecordStore, isUnreachable, LayeredPairRecordStore } from '../protocol/host/pair-record-dir.js';
import { UsbmuxPairRecordStore, type PairRecordStore } from '../protocol/host/pair-store.js';
import { sameUdid, selectDevice } from '../protocol/host/select-device.js';
import { UsbmuxTransport, type DeviceTransport } from '../protocol/transport.js';
import { UsbmuxClient } from '../protocol/usbmux/client.js';

export interface DeviceContext {
  readonly mux: UsbmuxClient;
  readonly store: PairRecordStore;
  /** Pair records of phones with Wi-Fi sync turned on through Lifeboat. */
  readonly wifiRecords: DirectoryPairRecordStore;
  /** Options for findDevices/listDeviceSummaries: undefined when Wi-Fi discovery is off. */
  readonly wifi: FindOptions['wifi'];
}

export function wifiRecordsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataHome(env), 'wifi', 'pair-records');
}

export function deviceContext(env: NodeJS.ProcessEnv = process.env): DeviceContext {
  const mux = new UsbmuxClient();
  const wifiRecords = new DirectoryPairRecordStore(wifiRecordsDir(env));
  const setting = (env['LIFEBOAT_WIFI'] ?? '').toLowerCase();
  const enabled = setting === 'on' || (setting !== 'off' && wifiRecords.udids().length > 0);
  const interfaceAddress = env['LIFEBOAT_MDNS_INTERFACE'];
  return {
    mux,
    store: new LayeredPairRecordStore(new UsbmuxPairRecordStore(mux), wifiRecords),
    wifiRecords,
    wifi: enabled ? { records: wifiRecords, discovery: interfaceAddress ? { interfaceAddress } : {} } : undefined,
  };
}

/**
 * The transport to the phone a command works on: usbmuxd's device when it has it (no waiting for
 * mDNS), otherwise — with Wi-Fi discovery on — the phone found on the network.
 */
export async function chooseTransport(context: DeviceContext, udid: string | undefined): Promise<DeviceTransport> {
  if (!context.wifi) return new UsbmuxTransport(context.mux, selectDevice(await context.mux.listDevices(), udid));
  if (udid !== undefined) {
    try {
      const muxDevices = await context.mux.listDevices();
      if (muxDevices.some((d) => sameUdid(d.udid, udid))) return new UsbmuxTransport(context.mux, selectDevice(muxDevices, udid));
    } catch (error) {
      if (!isUnreachable(error)) throw error;
    }
  }
  const devices = await findDevices({ mux: context.mux, wifi: context.wifi, ...(udid !== undefined ? { udid } : {}) });
  return transportFor(chooseDevice(devices, udid), context.mux, context.wifi.transport);
}
