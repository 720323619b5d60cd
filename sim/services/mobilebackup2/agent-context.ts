/** What the phone's backup agent works with, and how an operation ends. */
import type { DeviceIdentity as FormatDeviceIdentity } from '../../../src/format/index.js';
import type { DeviceFileSystem } from '../../data/types.js';
import type { VirtualIPhone } from '../../device/virtual-iphone.js';
import type { KdfCost } from './encryption.js';
import type { HostLink } from './host-link.js';

export interface AgentContext {
  readonly phone: VirtualIPhone;
  readonly fs: DeviceFileSystem;
  readonly kdf: KdfCost;
  /** Bytes per file-data block sent to the host (a real phone uses 32 KiB). */
  readonly blockSize?: number;
  /** Fault injection: called before each block of file data the phone sends. */
  readonly beforeBlock?: (bytes: number) => Promise<void> | void;
  /** The faults of one backup on this link (sim/faults); a healthy phone has none. */
  readonly faults?: (link: HostLink) => BackupFaultHooks;
}

/**
 * Where a backup can misbehave. Each hook may wait, cut the connection or throw (which ends the
 * operation without a reply, as a crashing BackupAgent2 does).
 */
export interface BackupFaultHooks {
  /** Before each block of file data the phone sends. */
  readonly beforeBlock?: (bytes: number) => Promise<void> | void;
  /** After the files are sent and before Manifest.db: a result ends the backup there. */
  readonly afterFileData?: () => Promise<AgentResult | undefined>;
}

/** Both hooks in turn; undefined when neither is set (no per-block cost for a healthy phone). */
export function chainBeforeBlock(
  ...hooks: ReadonlyArray<((bytes: number) => Promise<void> | void) | undefined>
): ((bytes: number) => Promise<void>) | undefined {
  const set = hooks.filter((h): h is (bytes: number) => Promise<void> | void => h !== undefined);
  if (set.length === 0) return undefined;
  return async (bytes) => {
    for (const hook of set) await hook(bytes);
  };
}

/** The error codes this virtual phone ends an operation with (ErrorCode of the final message). */
export const AgentErrorCode = {
  INVALID_REQUEST: 1,
  NO_BACKUP: 2,
  NOT_FINISHED: 3,
  NOT_ENOUGH_HOST_SPACE: 105,
  /** The iPhone's own storage is full (the virtual iPhone's choice; Apple does not publish the codes). */
  NOT_ENOUGH_DEVICE_SPACE: 106,
  WRONG_PASSWORD: 207,
  ENCRYPTION_MISCONFIGURED: 208,
  RESTORE_FAILED: 209,
} as const;

export interface AgentResult {
  /** 0 = success; otherwise what the phone puts in ErrorCode. */
  readonly errorCode: number;
  readonly description?: string;
  readonly content?: string;
}

export function deviceIdentityFor(phone: VirtualIPhone): FormatDeviceIdentity {
  const id = phone.identity;
  return {
    udid: phone.udid,
    deviceName: id.deviceName,
    productType: id.productType,
    productVersion: phone.state.productVersion,
    buildVersion: phone.state.buildVersion,
    serialNumber: id.serialNumber,
    ...(id.imei ? { imei: id.imei } : {}),
    ...(id.phoneNumber ? { phoneNumber: id.phoneNumber } : {}),
  };
}
