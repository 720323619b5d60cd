/**
 * From facts to findings: pure functions (no I/O, the clock passed in), so every rule is testable on
 * its own and the daemon can run them on facts it already has.
 *
 * Thresholds that are ours, not Apple's, are named here with the failure they prevent.
 */
import type { DevicePolicy } from '../../config/schema.js';
import * as F from './findings.js';
import { compareIosVersions, newestIosFor } from './ios-releases.js';
import type { DeviceFacts } from './probe-device.js';
import type { HostFacts, PasswordCheck, SnapshotFact } from './probe-host.js';
import type { NetworkFact } from './probe-network.js';
import type { Finding } from './types.js';

const GB = 1e9;
/** Below this an iPhone cannot stage a backup at all (libimobiledevice #1670: nearly full → never completes). */
export const DEVICE_FREE_CRITICAL_BYTES = 1 * GB;
/** Below this (or 5 % of capacity) backups start failing as photos and messages grow. */
export const DEVICE_FREE_WARNING_BYTES = 2 * GB;
export const DEVICE_FREE_WARNING_FRACTION = 0.05;
/** Kept free on the backup disk beyond the estimate, so a slightly larger backup does not fill it. */
export const HOST_RESERVE_BYTES = 512e6;
/** Growth margin on the largest recent incremental. */
export const INCREMENTAL_MARGIN = 1.5;
/** How many recent snapshots the incremental estimate looks at. */
const RECENT = 5;

/**
 * The space the next backup needs: with history, the largest of the recent incrementals (new bytes)
 * with a margin; without, everything the phone holds (its used data capacity) — an upper bound, since
 * apps and iCloud Photos originals are not in a backup. `fullBytes` is what a full backup would need.
 */
export function estimateNextBackup(snapshots: readonly SnapshotFact[], deviceUsedBytes: number | undefined): F.SpaceEstimate | undefined {
  const latest = snapshots.at(-1);
  if (!latest) {
    return deviceUsedBytes === undefined ? undefined : { nextBytes: deviceUsedBytes, fullBytes: deviceUsedBytes, basis: 'a first backup: up to the data on the iPhone' };
  }
  const recent = snapshots.slice(-RECENT);
  const largestNew = Math.max(0, ...recent.map((s) => s.newBytes ?? 0));
  const fullBytes = latest.logicalBytes ?? deviceUsedBytes;
  return {
    nextBytes: Math.round(largestNew * INCREMENTAL_MARGIN),
    fullBytes,
    basis: `${INCREMENTAL_MARGIN}× the largest of the last ${recent.length} incremental backups`,
  };
}

export interface CheckContext {
  readonly udid: string;
  readonly policy: DevicePolicy;
  readonly now: Date;
  readonly passwordFile: string;
}

/** Findings about the phone itself (needs a connected, examined device). */
export function deviceFindings(facts: DeviceFacts, host: HostFacts, context: CheckContext, network?: NetworkFact): Finding[] {
  const { udid, policy } = context;
  if (facts.failure) {
    return [facts.failure.kind === 'timeout' ? F.deviceNotResponding(udid, facts.failure.seconds) : F.deviceUnreachable(udid, facts.failure.message, facts.failure.hint)];
  }
  const out: Finding[] = [];
  const trust = facts.trust;
  if (!trust) return out;
  switch (trust.state) {
    case 'not-paired':
      out.push(F.notPaired(udid, trust.locked, trust.overNetwork === true || !facts.connections.includes('USB')));
      break;
    case 'pending':
      out.push(F.trustPending(udid));
      break;
    case 'denied':
      out.push(F.trustDenied(udid));
      break;
    case 'invalid':
      out.push(F.pairingInvalid(udid, trust.detail));
      break;
    case 'trusted':
      out.push(F.paired(udid));
      break;
  }

  if (facts.passcodeLocked === true) {
    // Since iOS 16.1 the passcode is asked for when a backup starts (libimobiledevice #1381).
    const asksAtStart = facts.productVersion !== undefined && compareIosVersions(facts.productVersion, '16.1') >= 0;
    const severity = policy.conditions.requireLocked ? 'info' : asksAtStart ? 'warning' : 'info';
    out.push(F.locked(udid, severity, asksAtStart));
  } else if (facts.passcodeLocked === false) {
    out.push(F.unlocked(udid));
  }

  if (facts.productVersion) {
    const newest = newestIosFor(facts.productType);
    if (!newest) out.push(F.iosUnsupported(udid, facts.productVersion));
    else if (compareIosVersions(facts.productVersion, newest.version) < 0) out.push(F.iosOutdated(udid, facts.productVersion, newest));
    else out.push(F.iosCurrent(udid, facts.productVersion));
  }

  if (trust.state !== 'trusted') return out;

  if (facts.battery) {
    const { percent, externalPower } = facts.battery;
    out.push(externalPower ? F.onPower(udid, percent) : F.notCharging(udid, policy.conditions.requirePower, percent));
    if (!externalPower && policy.conditions.minBatteryPercent > 0 && percent < policy.conditions.minBatteryPercent) {
      out.push(F.batteryLow(udid, percent, policy.conditions.minBatteryPercent));
    }
  }
  if (facts.lowPowerMode === true) out.push(F.lowPowerMode(udid, policy.conditions.skipInLowPowerMode));
  else if (facts.lowPowerMode === false) out.push(F.lowPowerModeOff(udid));
  else out.push(F.lowPowerModeUnknown(udid));

  out.push(...networkFindings(facts, network ?? { discovery: 'no-records', hasWifiRecord: false, muxNetwork: facts.connections.includes('Network') }));

  if (facts.storage) {
    const { freeBytes, totalBytes } = facts.storage;
    const warnBelow = Math.max(DEVICE_FREE_WARNING_BYTES, totalBytes * DEVICE_FREE_WARNING_FRACTION);
    if (freeBytes < DEVICE_FREE_CRITICAL_BYTES) out.push(F.deviceStorageFull(udid, 'critical', freeBytes, totalBytes));
    else if (freeBytes < warnBelow) out.push(F.deviceStorageFull(udid, 'warning', freeBytes, totalBytes));
    else out.push(F.deviceStorageOk(udid, freeBytes));
  }

  if (facts.willEncrypt === false) out.push(F.unencrypted(udid, policy.wantEncryption));
  return out;
}

/**
 * Wi-Fi findings for an examined (trusted) phone: its own Wi-Fi sync setting, then what the network
 * showed — reachable (over TCP, or listed by usbmuxd as a network device), announced but not answering,
 * or not seen. Whether its Wi-Fi is on at all is only known from phones that report it (the virtual
 * iPhone); otherwise "not seen" covers both.
 */
export function networkFindings(facts: DeviceFacts, network: NetworkFact): Finding[] {
  const udid = facts.udid;
  if (facts.wifiSync === false) return [F.wifiSyncOff(udid, network.hasWifiRecord)];
  if (facts.wifiSync !== true) return [];
  if (network.reachableAt !== undefined || network.muxNetwork || facts.connections.includes('wifi')) return [F.onWifi(udid, network.reachableAt)];
  if (network.advertised) return [F.notSameNetwork(udid, network.advertised, network.unreachable)];
  switch (network.discovery) {
    case 'off':
      return [F.notOnWifi(udid, 'discovery-off')];
    case 'failed':
      return [F.notOnWifi(udid, 'discovery-failed', network.discoveryError)];
    case 'no-records':
      if (!network.hasWifiRecord) return [F.wifiNotSetUp(udid)];
      return [F.notOnWifi(udid)];
    case 'ran':
      if (facts.wifiConnected === false) return [F.notOnWifi(udid, 'wifi-off')];
      if (facts.wifiConnected === true) return [F.notSameNetwork(udid)];
      return [F.notOnWifi(udid)];
  }
}

/** Findings that need only this computer: vault space, running backup, age of the last backup, password. */
export function hostFindings(host: HostFacts, deviceUsedBytes: number | undefined, password: PasswordCheck, context: CheckContext): Finding[] {
  const { udid, policy, now } = context;
  const out: Finding[] = [];
  if (host.lockOwner !== undefined) out.push(F.backupRunning(udid, host.lockOwner));

  const latest = host.snapshots.at(-1);
  if (!latest) out.push(F.neverBackedUp(udid));
  else {
    const age = now.getTime() - latest.createdAt.getTime();
    out.push(age > policy.staleAfterHours * 3_600_000 ? F.lastBackupOld(udid, age, policy.staleAfterHours) : F.lastBackupFresh(udid, Math.max(0, age)));
  }

  const estimate = estimateNextBackup(host.snapshots, deviceUsedBytes);
  if (estimate && host.freeBytes !== undefined) {
    // Without history the estimate is an upper bound (apps and iCloud Photos originals are not in a
    // backup), so "will not fit" is only certain — critical — when measured from real backups.
    const measured = latest !== undefined;
    if (host.freeBytes < estimate.nextBytes + HOST_RESERVE_BYTES) out.push(F.diskTooSmall(udid, host.vaultRoot, host.freeBytes, estimate, measured ? 'critical' : 'warning'));
    else if (estimate.fullBytes !== undefined && host.freeBytes < estimate.fullBytes + HOST_RESERVE_BYTES) out.push(F.diskLow(udid, host.vaultRoot, host.freeBytes, estimate.fullBytes));
    else out.push(F.diskOk(udid, host.freeBytes, estimate));
  }

  switch (password.result) {
    case 'missing':
      out.push(F.passwordUnknown(udid, context.passwordFile));
      break;
    case 'mismatch':
      out.push(F.passwordWrong(udid, password.source, password.snapshot));
      break;
    case 'match':
      out.push(F.passwordOk(udid, password.source));
      break;
    case 'unreadable':
      out.push(F.backupUnreadable(udid, password.source, password.detail));
      break;
    default:
      break;
  }
  return out;
}
