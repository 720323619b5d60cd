/**
 * Pair records kept in a folder of `<UDID>.plist` files — the layout usbmuxd uses in /var/lib/lockdown
 * (macOS: /var/db/lockdown) — and the store Lifeboat's commands use: usbmuxd first, this folder second.
 *
 * Why a second place: Wi-Fi backups must work when no usbmuxd runs (on Linux usbmuxd is started by udev
 * only while a phone is plugged in, and exits after it is unplugged). `lifeboat wifi on` copies the
 * phone's record here; discovery matches network phones against these records by Wi-Fi MAC. The files
 * hold private keys: the folder is 0700, files 0600, written to a temporary name, fsynced and renamed.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBinaryPlist, parsePlist, PlistError } from '../../plist/index.js';
import { writePrivateFileAtomically } from '../../util/private-file.js';
import { DisconnectedError, ProtocolError } from '../errors.js';
import { pairRecordFromPlist, pairRecordToPlist, PairingError, type PairRecord } from '../lockdown/pairing/index.js';
import { isPlistDict } from '../wire/plist-frame.js';
import type { PairRecordStore } from './pair-store.js';
import { normalizeUdid } from './select-device.js';

/** A pair record is a few kilobytes; anything far larger in the folder is not one. */
const MAX_RECORD_BYTES = 256 * 1024;
const UDID_FILE = /^([A-Za-z0-9-]{1,64})\.plist$/;
const BUID_FILE = 'SystemConfiguration.plist';

export class DirectoryPairRecordStore implements PairRecordStore {
  constructor(readonly dir: string) {}

  private pathOf(udid: string): string {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(udid)) throw new ProtocolError(`"${udid.slice(0, 80)}" is not a UDID`, { code: 'PROTOCOL_BAD_FIELD' });
    return join(this.dir, `${udid}.plist`);
  }

  /** The file for a UDID, spelled with or without the dash libusbmuxd inserts. */
  private findFile(udid: string): string | undefined {
    const exact = this.pathOf(udid);
    if (existsSync(exact)) return exact;
    const wanted = normalizeUdid(udid);
    const match = this.udids().find((u) => normalizeUdid(u) === wanted);
    return match ? this.pathOf(match) : undefined;
  }

  has(udid: string): boolean {
    return this.findFile(udid) !== undefined;
  }

  /** UDIDs of every record in the folder. */
  udids(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .map((name) => UDID_FILE.exec(name)?.[1])
      .filter((udid): udid is string => udid !== undefined && udid !== 'SystemConfiguration');
  }

  async read(udid: string): Promise<PairRecord | undefined> {
    const path = this.findFile(udid);
    return path ? this.parse(path, udid) : undefined;
  }

  /** Every readable record with its UDID; damaged files are skipped (and reported by read()). */
  async list(): Promise<Array<{ udid: string; record: PairRecord }>> {
    const out: Array<{ udid: string; record: PairRecord }> = [];
    for (const udid of this.udids()) {
      try {
        const record = await this.read(udid);
        if (record) out.push({ udid, record });
      } catch {
        // one damaged file must not hide the other phones
      }
    }
    return out;
  }

  async save(udid: string, record: PairRecord): Promise<void> {
    writePrivateFileAtomically(this.pathOf(udid), encodeBinaryPlist(pairRecordToPlist(record)));
  }

  async delete(udid: string): Promise<void> {
    const path = this.findFile(udid);
    if (path) rmSync(path, { force: true });
  }

  async systemBuid(): Promise<string> {
    const path = join(this.dir, BUID_FILE);
    if (existsSync(path)) {
      const value = parsePlist(readFileSync(path));
      const buid = isPlistDict(value) ? value['SystemBUID'] : undefined;
      if (typeof buid === 'string') return buid;
    }
    throw new ProtocolError(`no SystemBUID in ${this.dir}`, { code: 'PAIR_RECORD_NO_BUID', hint: 'Pair over USB with `lifeboat pair` first.' });
  }

  saveSystemBuid(buid: string): void {
    writePrivateFileAtomically(join(this.dir, BUID_FILE), encodeBinaryPlist({ SystemBUID: buid }));
  }

  private parse(path: string, udid: string): PairRecord {
    const bytes = readFileSync(path);
    try {
      if (bytes.length > MAX_RECORD_BYTES) throw new PairingError(`file is ${bytes.length} bytes`, { code: 'PAIRING_BAD_RECORD' });
      return pairRecordFromPlist(parsePlist(bytes));
    } catch (error) {
      if (error instanceof PlistError || error instanceof PairingError) {
        throw new ProtocolError(`the pair record for ${udid} in ${this.dir} is damaged: ${error.message}`, {
          code: 'PAIR_RECORD_DAMAGED',
          hint: 'Connect the iPhone with a cable and run `lifeboat wifi on` again (or `lifeboat pair --reset`).',
          cause: error,
        });
      }
      throw error;
    }
  }
}

/**
 * usbmuxd's records first (shared with libimobiledevice), Lifeboat's Wi-Fi copies when usbmuxd is not
 * running or does not know the phone. A record saved through usbmuxd also refreshes an existing copy,
 * and a deletion removes both, so the two never disagree about whether this computer is paired.
 */
export class LayeredPairRecordStore implements PairRecordStore {
  constructor(
    private readonly primary: PairRecordStore,
    readonly wifiCopies: DirectoryPairRecordStore,
  ) {}

  async read(udid: string): Promise<PairRecord | undefined> {
    try {
      const record = await this.primary.read(udid);
      if (record) return record;
    } catch (error) {
      if (!isUnreachable(error)) throw error;
    }
    return this.wifiCopies.read(udid);
  }

  async save(udid: string, record: PairRecord, muxDeviceId?: number): Promise<void> {
    await this.primary.save(udid, record, muxDeviceId);
    if (this.wifiCopies.has(udid)) await this.wifiCopies.save(udid, record);
  }

  async delete(udid: string): Promise<void> {
    await this.wifiCopies.delete(udid);
    await this.primary.delete(udid);
  }

  async systemBuid(): Promise<string> {
    try {
      return await this.primary.systemBuid();
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      return this.wifiCopies.systemBuid();
    }
  }
}

export function isUnreachable(error: unknown): boolean {
  return error instanceof DisconnectedError && error.code === 'USBMUXD_UNREACHABLE';
}
