/**
 * How this computer reaches phones, assembled once for every caller (CLI commands, the daemon, doctor):
 * the usbmuxd client, the pair-record store (usbmuxd's records, then Lifeboat's Wi-Fi copies), and
 * whether to look for phones on Wi-Fi — and, given a UDID or none, the transport to use.
 *
 * Wi-Fi discovery sends mDNS queries on the local network, so it only runs when this computer holds
 * Wi-Fi pair records (`lifeboat wifi on` made them, in <data home>/wifi/pair-records). LIFEBOAT_WIFI=off
 * turns it off, LIFEBOAT_WIFI=on forces it; LIFEBOAT_MDNS_INTERFACE=<IPv4 address> limits it to one
 * interface.
 */
import { join } from 'node:path';
import { dataHome } from '../../config/paths.js';
import { UsbmuxTransport, type DeviceTransport } from '../transport.js';
import { defaultMuxAddress } from '../usbmux/address.js';
import { UsbmuxClient } from '../usbmux/client.js';
import { chooseDevice, findDevices, transportFor, type FindOptions } from './device-finder.js';
import { DirectoryPairRecordStore, isUnreachable, LayeredPairRecordStore } from './pair-record-dir.js';
import { UsbmuxPairRecordStore, type PairRecordStore } from './pair-store.js';
import { sameUdid, selectDevice } from './select-device.js';

export interface HostDevices {
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

/** LIFEBOAT_WIFI=off: no Wi-Fi discovery anywhere (commands, doctor, daemon). */
export function wifiDiscoveryOff(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['LIFEBOAT_WIFI'] ?? '').toLowerCase() === 'off';
}

export function hostDevices(env: NodeJS.ProcessEnv = process.env): HostDevices {
  const mux = new UsbmuxClient(defaultMuxAddress(env));
  const wifiRecords = new DirectoryPairRecordStore(wifiRecordsDir(env));
  const forced = (env['LIFEBOAT_WIFI'] ?? '').toLowerCase() === 'on';
  const enabled = forced || (!wifiDiscoveryOff(env) && wifiRecords.udids().length > 0);
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
export async function chooseTransport(devices: HostDevices, udid: string | undefined): Promise<DeviceTransport> {
  if (!devices.wifi) return new UsbmuxTransport(devices.mux, selectDevice(await devices.mux.listDevices(), udid));
  if (udid !== undefined) {
    try {
      const muxDevices = await devices.mux.listDevices();
      if (muxDevices.some((d) => sameUdid(d.udid, udid))) return new UsbmuxTransport(devices.mux, selectDevice(muxDevices, udid));
    } catch (error) {
      if (!isUnreachable(error)) throw error;
    }
  }
  const found = await findDevices({ mux: devices.mux, wifi: devices.wifi, ...(udid !== undefined ? { udid } : {}) });
  return transportFor(chooseDevice(found, udid), devices.mux, devices.wifi.transport);
}
