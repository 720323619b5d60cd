/** What every device command needs: the usbmuxd client and the pair-record store behind it. */
import { UsbmuxPairRecordStore, type PairRecordStore } from '../protocol/host/pair-store.js';
import { selectDevice } from '../protocol/host/select-device.js';
import { UsbmuxTransport } from '../protocol/transport.js';
import { UsbmuxClient } from '../protocol/usbmux/client.js';

export interface DeviceContext {
  readonly mux: UsbmuxClient;
  readonly store: PairRecordStore;
}

export function deviceContext(): DeviceContext {
  const mux = new UsbmuxClient();
  return { mux, store: new UsbmuxPairRecordStore(mux) };
}

export async function chooseTransport(context: DeviceContext, udid: string | undefined): Promise<UsbmuxTransport> {
  return new UsbmuxTransport(context.mux, selectDevice(await context.mux.listDevices(), udid));
}
