/**
 * Device info: who and what the backup is of, from Info.plist, Manifest.plist and Status.plist —
 * name, model, iOS version, serial, phone numbers, when the backup was made, whether it is encrypted
 * and complete. Exported as device.json.
 */
import { join } from 'node:path';
import { writeTextFile } from '../common/sink.js';
import type { ContentSource } from '../source.js';

export interface DeviceInfo {
  readonly name?: string;
  readonly model?: string;
  readonly productName?: string;
  readonly iosVersion?: string;
  readonly build?: string;
  readonly serialNumber?: string;
  readonly udid?: string;
  readonly imei?: string;
  readonly phoneNumber?: string;
  readonly iccid?: string;
  readonly backupDate?: string;
  readonly encrypted: boolean;
  readonly complete: boolean;
  readonly passcodeSet?: boolean;
  readonly warnings: readonly string[];
}

export function readDevice(source: ContentSource): DeviceInfo {
  const { info, manifest, status, encrypted, warnings } = source.backup;
  const l = manifest.lockdown;
  const date = status.date ?? manifest.date ?? info.lastBackupDate;
  return {
    name: info.deviceName ?? l.deviceName,
    model: info.productType ?? l.productType,
    productName: info.productName,
    iosVersion: info.productVersion ?? l.productVersion,
    build: info.buildVersion ?? l.buildVersion,
    serialNumber: info.serialNumber ?? l.serialNumber,
    udid: info.udid ?? l.udid ?? info.targetIdentifier,
    imei: info.imei,
    phoneNumber: info.phoneNumber,
    iccid: info.iccid,
    ...(date ? { backupDate: date.toISOString() } : {}),
    encrypted,
    complete: status.snapshotState === 'finished',
    ...(manifest.wasPasscodeSet !== undefined ? { passcodeSet: manifest.wasPasscodeSet } : {}),
    warnings,
  };
}

export async function exportDevice(source: ContentSource, out: string): Promise<DeviceInfo> {
  const device = readDevice(source);
  await writeTextFile(join(out, 'device.json'), `${JSON.stringify(device, null, 2)}\n`);
  return device;
}
