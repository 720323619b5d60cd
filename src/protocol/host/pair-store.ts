/**
 * Where pair records live: in usbmuxd (ReadPairRecord/SavePairRecord), exactly as libimobiledevice
 * keeps them, so a pairing made by `idevicepair` is trusted by Lifeboat and the other way round.
 * Records are saved as binary plists, as libimobiledevice does; both encodings are read.
 */
import { encodeBinaryPlist, parsePlist, PlistError } from '../../plist/index.js';
import { ProtocolError } from '../errors.js';
import { pairRecordFromPlist, pairRecordToPlist, PairingError, type PairRecord } from '../lockdown/pairing/index.js';
import type { UsbmuxClient } from '../usbmux/client.js';

export interface PairRecordStore {
  read(udid: string): Promise<PairRecord | undefined>;
  save(udid: string, record: PairRecord, muxDeviceId?: number): Promise<void>;
  delete(udid: string): Promise<void>;
  systemBuid(): Promise<string>;
}

export class UsbmuxPairRecordStore implements PairRecordStore {
  constructor(private readonly mux: UsbmuxClient) {}

  async read(udid: string): Promise<PairRecord | undefined> {
    const bytes = await this.mux.readPairRecord(udid);
    if (!bytes) return undefined;
    try {
      return pairRecordFromPlist(parsePlist(bytes));
    } catch (error) {
      if (error instanceof PlistError || error instanceof PairingError) {
        throw new ProtocolError(`the stored pair record for ${udid} is damaged: ${error.message}`, {
          code: 'PAIR_RECORD_DAMAGED',
          hint: 'Pair again with `lifeboat pair --reset` (the iPhone will ask to Trust this computer).',
          cause: error,
        });
      }
      throw error;
    }
  }

  save(udid: string, record: PairRecord, muxDeviceId?: number): Promise<void> {
    return this.mux.savePairRecord(udid, encodeBinaryPlist(pairRecordToPlist(record)), muxDeviceId);
  }

  delete(udid: string): Promise<void> {
    return this.mux.deletePairRecord(udid);
  }

  systemBuid(): Promise<string> {
    return this.mux.readBuid();
  }
}
