/**
 * The faults a virtual iPhone injects into its backups, chosen by its `fault` setting (spec.ts) when a
 * backup starts. Each fault is a set of BackupFaultHooks the agent calls at fixed points (before each
 * block of file data; after the files are sent), so the agent itself stays free of fault logic.
 *
 *   disconnect-after:N  before a block, once N bytes of file data were sent: the phone is unplugged
 *                       (plugged=false; a phone attached over Wi-Fi also leaves Wi-Fi, wifi=false), so
 *                       usbmuxd reports Detached and every connection drops. A backup sending less
 *                       than N bytes is not affected. Plug it back with plugged=true (wifi=true).
 *   stall               after the first block of file data the phone goes silent with the connection
 *                       open, until the host closes it (bounded by STALL_BOUND_MS).
 *   slow:R              file data at most R bytes per second.
 *   error:C             after the files, the backup ends with ErrorCode C and a description.
 *   storage-full        after the files, the backup ends with ErrorCode 106: the iPhone's storage is full.
 *   malformed           after the files, a DeviceLink frame whose body is not a plist; then the phone
 *                       waits (bounded) for the host to hang up.
 *   hostile:K           after the files, the attacks of hostile.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { VirtualIPhone } from '../device/virtual-iphone.js';
import { formatBytes } from '../model/units.js';
import { AgentErrorCode, type AgentResult, type BackupFaultHooks } from '../services/mobilebackup2/agent-context.js';
import type { HostLink } from '../services/mobilebackup2/host-link.js';
import { hostileFaults } from './hostile.js';
import { HOST_REACTION_BOUND_MS, InjectedFault, STALL_BOUND_MS, untilClosed } from './link-tools.js';
import { formatFault, parseFault } from './spec.js';

/** The hooks for one backup of `phone` on `link`, from the phone's current fault setting. */
export function backupFaults(phone: VirtualIPhone, link: HostLink): BackupFaultHooks {
  const spec = parseFault(phone.state.fault);
  if (spec.kind !== 'none') phone.logger.log('info', 'backup with an injected fault', { udid: phone.udid, fault: formatFault(spec) });
  switch (spec.kind) {
    case 'none':
      return {};
    case 'disconnect-after':
      return disconnectAfter(phone, spec.bytes);
    case 'stall':
      return stall(phone, link);
    case 'slow':
      return slow(spec.bytesPerSecond);
    case 'error':
      return endWith({ errorCode: spec.code, description: `The backup could not be completed on the iPhone (MBErrorDomain error ${spec.code})` });
    case 'storage-full':
      return endWith({
        errorCode: AgentErrorCode.NOT_ENOUGH_DEVICE_SPACE,
        description: `Not enough free space on the iPhone to complete the backup (${formatBytes(phone.state.freeBytes)} free)`,
      });
    case 'malformed':
      return malformed(link);
    case 'hostile':
      return hostileFaults(phone, link, spec.hostile);
  }
}

/** A cable pull: the phone leaves usbmuxd on every path it is attached by, and its connections drop. */
export function unplug(phone: VirtualIPhone): void {
  const settings: string[] = [];
  if (phone.state.plugged) settings.push('plugged=false');
  if (phone.state.wifi && phone.state.wifiSync) settings.push('wifi=false');
  if (settings.length > 0) phone.applySettings(settings);
  phone.dropConnections();
}

function disconnectAfter(phone: VirtualIPhone, limit: number): BackupFaultHooks {
  let sent = 0;
  return {
    beforeBlock(bytes) {
      if (sent >= limit) {
        phone.logger.log('info', 'fault: unplugging mid-backup', { udid: phone.udid, sent });
        unplug(phone);
        throw new InjectedFault(`disconnected after ${sent} bytes of file data`);
      }
      sent += bytes;
    },
  };
}

function stall(phone: VirtualIPhone, link: HostLink): BackupFaultHooks {
  let blocks = 0;
  return {
    async beforeBlock() {
      if (blocks++ === 0) return;
      phone.logger.log('info', 'fault: stalling mid-backup', { udid: phone.udid });
      await untilClosed(link.channel.stream, STALL_BOUND_MS);
      throw new InjectedFault('stalled until the host hung up');
    },
  };
}

function slow(bytesPerSecond: number): BackupFaultHooks {
  return {
    async beforeBlock(bytes) {
      await sleep(Math.ceil((bytes / bytesPerSecond) * 1000));
    },
  };
}

function endWith(result: AgentResult): BackupFaultHooks {
  return { afterFileData: () => Promise.resolve(result) };
}

/** A frame of the right shape whose body is not a plist (binary plist magic, then garbage). */
export const MALFORMED_FRAME = ((): Buffer => {
  const body = Buffer.concat([Buffer.from('bplist00', 'latin1'), Buffer.from('DLMessageUploadFiles is not what follows', 'latin1'), Buffer.alloc(32, 0xff)]);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
})();

function malformed(link: HostLink): BackupFaultHooks {
  return {
    async afterFileData() {
      await link.channel.write(MALFORMED_FRAME);
      await untilClosed(link.channel.stream, HOST_REACTION_BOUND_MS);
      throw new InjectedFault('sent a malformed DeviceLink message');
    },
  };
}
