/**
 * Every finding doctor can report, with its words: one builder per cause, so `doctor`, the daemon's
 * failure alerts (explainFailure) and the dashboard say exactly the same thing for the same cause.
 * The causes are the guide's troubleshooting table (trust not accepted, not on Wi-Fi, not plugged in,
 * Low Power Mode, outdated iOS) and what users of other tools run into (research/ecosystem.md §2:
 * passcode needed since iOS 16.1, pairing lost, host or phone disk full, unknown backup password).
 */
import { IOS_TABLE_CURRENT_TO, type NewestRelease } from './ios-releases.js';
import { formatAge, formatHours, formatSize } from './text.js';
import type { Finding, Severity } from './types.js';

function finding(id: string, severity: Severity, udid: string | undefined, title: string, explanation: string, fix = ''): Finding {
  return { id, severity, ...(udid === undefined ? {} : { udid }), title, explanation, fix };
}

const udidFlag = (udid: string): string => `--udid ${udid}`;

// ── host ──────────────────────────────────────────────────────────────────────────────────────────

/** `wifiOnly`: Wi-Fi discovery is on, so phones on the network are still seen and backed up without usbmuxd. */
export function usbmuxdUnreachable(address: string, detail: string, platform: NodeJS.Platform = process.platform, wifiOnly = false): Finding {
  const fix =
    platform === 'darwin'
      ? 'usbmuxd is part of macOS: restart the Mac, or run `sudo launchctl kickstart -k system/com.apple.usbmuxd`.'
      : platform === 'win32'
        ? 'Install the Apple Devices app (or iTunes) so the Apple Mobile Device Service runs, then start that service.'
        : 'Install and start usbmuxd: `sudo apt install usbmuxd` (it starts when an iPhone is plugged in), or point USBMUXD_SOCKET_ADDRESS at the one you run.';
  if (wifiOnly) {
    return finding('usbmuxd-unreachable', 'info', undefined, 'usbmuxd is not running: only iPhones on Wi-Fi are seen', `usbmuxd at ${address} does not answer (${detail}); Lifeboat reaches iPhones with Wi-Fi sync directly over the network, but one on a cable needs usbmuxd (on Linux it starts when an iPhone is plugged in).`, fix);
  }
  return finding('usbmuxd-unreachable', 'critical', undefined, 'usbmuxd is not reachable', `Lifeboat talks to iPhones through usbmuxd at ${address}, and it does not answer (${detail}). No iPhone can be seen or backed up until it does.`, fix);
}

export function noDevice(): Finding {
  return finding('no-device', 'warning', undefined, 'No iPhone is connected', 'No iPhone is connected by cable or visible on the network, and the vault holds no backups yet, so there is nothing to check or back up.', 'Connect the iPhone with a cable, unlock it and tap Trust, then run `lifeboat doctor` again.');
}

/** `lookedOnWifi`: Lifeboat has a Wi-Fi pairing for it and looked for it on the network, without finding it. */
export function notConnected(udid: string, name: string | undefined, lookedOnWifi = false): Finding {
  const explanation = lookedOnWifi
    ? 'It is not connected by cable, and Lifeboat looked for it on this computer\'s network (it has Wi-Fi sync set up) without finding it: its Wi-Fi is off, it is out of range or asleep, or it is on another network. It cannot be backed up now and its state cannot be checked.'
    : 'It is not connected by cable and not visible on this computer\'s network, so it cannot be backed up now and its state cannot be checked.';
  const fix = lookedOnWifi
    ? `Bring it onto the same Wi-Fi network as this computer with Wi-Fi turned on (Settings › Wi-Fi), or connect it with a cable, and unlock it; then run \`lifeboat doctor ${udidFlag(udid)}\`.`
    : `Connect it with a cable (or bring it onto the same Wi-Fi network with Wi-Fi sync on) and unlock it, then run \`lifeboat doctor ${udidFlag(udid)}\`.`;
  return finding('not-connected', 'warning', udid, `${name ?? 'The iPhone'} is not connected`, explanation, fix);
}

export function deviceNotResponding(udid: string, seconds: number): Finding {
  return finding('device-not-responding', 'critical', udid, 'The iPhone does not answer', `It is connected, but it did not answer within ${seconds} s. A backup would hang the same way.`, 'Unlock the iPhone; if it still does not answer, unplug it, restart it and connect it again.');
}

export function deviceUnreachable(udid: string, message: string, hint?: string): Finding {
  return finding('device-unreachable', 'critical', udid, 'The iPhone could not be examined', `Talking to it failed: ${message}.`, hint ?? 'Unlock the iPhone, reconnect it and run `lifeboat doctor` again; if it persists, restart the iPhone.');
}

// ── trust ─────────────────────────────────────────────────────────────────────────────────────────

export function paired(udid: string): Finding {
  return finding('trusted', 'ok', udid, 'This computer is trusted', 'The iPhone accepted this computer\'s pairing.');
}

export function notPaired(udid: string, locked: boolean, overNetwork = false): Finding {
  const state = overNetwork ? ' It is only reachable over the network, and an iPhone accepts a new computer only over a cable.' : locked ? ' It is locked, so it cannot show the Trust prompt yet.' : '';
  return finding('not-paired', 'critical', udid, 'This computer is not trusted by the iPhone', `The iPhone has never accepted ("Trust This Computer?") this computer, so it refuses backups.${state}`, `${overNetwork ? 'Connect the iPhone with a cable, unlock it' : 'Unlock the iPhone'}, run \`lifeboat pair ${udidFlag(udid)}\` and tap Trust on the iPhone (enter the passcode when asked).`);
}

export function trustPending(udid: string): Finding {
  return finding('trust-pending', 'critical', udid, 'The iPhone is waiting for "Trust This Computer?"', 'The iPhone is showing (or has shown) the Trust prompt and nobody has answered it; until someone taps Trust it refuses backups.', `Unlock the iPhone and tap Trust (then enter the passcode); then run \`lifeboat pair ${udidFlag(udid)}\` to save the pairing.`);
}

export function trustDenied(udid: string): Finding {
  return finding('trust-denied', 'critical', udid, 'Someone tapped "Don\'t Trust" on the iPhone', 'The iPhone was told not to trust this computer, so it refuses backups.', `Unplug the iPhone and plug it in again, then run \`lifeboat pair ${udidFlag(udid)}\` and tap Trust. If the prompt does not come back: Settings › General › Transfer or Reset iPhone › Reset › Reset Location & Privacy, then pair again.`);
}

export function pairingInvalid(udid: string, detail: string): Finding {
  return finding('pairing-invalid', 'critical', udid, 'The pairing is no longer valid', `This computer has a pairing for the iPhone, but the iPhone rejected it (${detail}). That happens after "Reset Location & Privacy", an erase or restore, or when a pairing has not been used for a long time and expired.`, `Pair again: unlock the iPhone, run \`lifeboat pair --reset ${udidFlag(udid)}\` and tap Trust.`);
}

// ── lock ──────────────────────────────────────────────────────────────────────────────────────────

export function locked(udid: string, severity: Severity, passcodeAtStart: boolean): Finding {
  const why = passcodeAtStart
    ? 'Since iOS 16.1 an iPhone asks for its passcode when a computer starts a backup, so a backup started while it is locked waits until someone unlocks it.'
    : 'While it is locked with a passcode it cannot show the Trust prompt and may hold back a backup\'s start.';
  return finding('locked', severity, udid, 'The iPhone is locked with a passcode', why, 'Unlock the iPhone (enter its passcode) when a backup starts, and tap Trust if it asks; scheduled backups then continue on their own.');
}

export function lockedSinceRestart(udid: string): Finding {
  return finding('locked-since-restart', 'critical', udid, 'The iPhone has not been unlocked since it restarted', 'After a restart an iPhone keeps its data sealed until the passcode is entered once, so no backup can run.', 'Unlock the iPhone once with its passcode.');
}

export function unlocked(udid: string): Finding {
  return finding('locked', 'ok', udid, 'The iPhone is unlocked', 'Nothing waits for a passcode.');
}

// ── power ─────────────────────────────────────────────────────────────────────────────────────────

export function notCharging(udid: string, required: boolean, percent: number | undefined): Finding {
  return finding('not-charging', required ? 'warning' : 'info', udid, 'The iPhone is not on power', `${percent === undefined ? 'It' : `It is at ${percent} % and`} is not connected to power.${required ? ' Automatic backups wait for power (the policy asks for it, as iCloud Backup does).' : ''}`, 'Plug the iPhone into power — charging it overnight is when backups happen.');
}

export function onPower(udid: string, percent: number | undefined): Finding {
  return finding('not-charging', 'ok', udid, 'The iPhone is on power', `${percent === undefined ? 'It' : `It is at ${percent} % and`} is connected to power.`);
}

export function batteryLow(udid: string, percent: number, floor: number): Finding {
  return finding('battery-low', 'warning', udid, `The battery is low (${percent} %)`, `Automatic backups wait until the battery is at ${floor} % or more, or the iPhone is on power.`, 'Plug the iPhone into power.');
}

export function lowPowerMode(udid: string, skipped: boolean): Finding {
  return finding('low-power-mode', skipped ? 'warning' : 'info', udid, 'Low Power Mode is on', `Low Power Mode pauses background work; ${skipped ? 'automatic backups wait until it is off (the policy asks for that, as iCloud Backup does)' : 'backups may be slower'}.`, 'Turn it off in Settings › Battery › Low Power Mode (iOS also turns it off by itself once the iPhone has charged to 80 %).');
}

export function lowPowerModeOff(udid: string): Finding {
  return finding('low-power-mode', 'ok', udid, 'Low Power Mode is off', 'Backups are not held back by it.');
}

export function lowPowerModeUnknown(udid: string): Finding {
  return finding('low-power-mode', 'info', udid, 'Low Power Mode cannot be read', 'iOS does not tell computers whether Low Power Mode is on.', 'If backups seem delayed, check Settings › Battery › Low Power Mode on the iPhone.');
}

// ── network ───────────────────────────────────────────────────────────────────────────────────────
// From what was seen: the phone's own setting (read over lockdown), its mDNS announcement and whether
// lockdownd answers at the announced address (probe-network.ts).

const SAME_NETWORK_FIX = 'Join the iPhone to the same Wi-Fi network as this computer (Settings › Wi-Fi: the same network name, not a guest network). If it already is, turn off "client isolation" / "AP isolation" in the router, or connect this computer to that network rather than through a separate subnet or VLAN.';

export function wifiSyncOff(udid: string, wasSetUp = false): Finding {
  const explanation = wasSetUp
    ? 'Wi-Fi sync was turned on for Lifeboat, but the iPhone now has it off (reset, restored, or turned off in Finder), so it no longer shows itself on the network: automatic backups happen only while it is plugged into this computer.'
    : 'The iPhone only talks to computers over the cable, so backups happen only while it is plugged into this computer.';
  return finding('wifi-sync-off', wasSetUp ? 'warning' : 'info', udid, 'Wi-Fi sync is off', explanation, `With the cable connected run \`lifeboat wifi on ${udidFlag(udid)}\` (Finder/Apple Devices call it "Show this iPhone when on Wi-Fi").`);
}

export function wifiNotSetUp(udid: string): Finding {
  return finding('wifi-sync-off', 'info', udid, 'Wi-Fi sync is on, but not set up for Lifeboat', 'The iPhone has Wi-Fi sync on (another program turned it on), but Lifeboat holds no Wi-Fi pairing for it, so it cannot recognise the iPhone on the network: backups need the cable.', `With the cable connected run \`lifeboat wifi on ${udidFlag(udid)}\`.`);
}

export type NotOnWifiReason = 'wifi-off' | 'not-seen' | 'discovery-off' | 'discovery-failed';

export function notOnWifi(udid: string, reason: NotOnWifiReason = 'not-seen', detail?: string): Finding {
  if (reason === 'discovery-off') {
    return finding('not-on-wifi', 'info', udid, 'Wi-Fi discovery is turned off', 'LIFEBOAT_WIFI=off stops Lifeboat from looking for iPhones on the network, and usbmuxd does not list this one there, so backups need the cable.', 'Unset LIFEBOAT_WIFI (or set it to on) to back this iPhone up over Wi-Fi.');
  }
  if (reason === 'discovery-failed') {
    return finding('not-on-wifi', 'warning', udid, 'Lifeboat cannot look for iPhones on the network', `Wi-Fi sync is on, but looking for the iPhone on the network failed (${detail ?? 'mDNS unusable'}), so backups need the cable.`, 'Make sure no other program holds UDP port 5353 exclusively and the network interface allows multicast; LIFEBOAT_MDNS_INTERFACE=<this computer\'s IPv4 address> picks the interface.');
  }
  if (reason === 'wifi-off') {
    return finding('not-on-wifi', 'warning', udid, 'The iPhone is not on Wi-Fi', 'Wi-Fi sync is on, but the iPhone is not connected to any Wi-Fi network (Wi-Fi off, or no known network in range), and this computer does not see it on the network. Backups then need the cable.', 'Turn on Wi-Fi on the iPhone (Settings › Wi-Fi) and join the same network as this computer; keep Wi-Fi on while it charges.');
  }
  return finding('not-on-wifi', 'warning', udid, 'The iPhone is not seen on this computer\'s Wi-Fi network', 'Wi-Fi sync is on, but this computer does not see the iPhone on the network (it looked for its mDNS announcement): Wi-Fi is off on the iPhone, it is asleep out of range, or it is on another network. Backups then need the cable.', 'Connect the iPhone to the same Wi-Fi network as this computer (Settings › Wi-Fi) and keep Wi-Fi on while it charges.');
}

/** `advertised`: the addresses it announced (seen, but not answering); absent: on Wi-Fi, but not seen here. */
export function notSameNetwork(udid: string, advertised?: readonly string[], detail?: string): Finding {
  const explanation = advertised
    ? `The iPhone announces itself on the network at ${advertised.join(', ')}, but it does not answer there${detail ? ` (${detail})` : ''}: it is on another network or subnet whose announcements reach this computer (through an mDNS repeater, or a guest network that keeps devices apart), so backups cannot reach it over Wi-Fi.`
    : 'The iPhone is on Wi-Fi with Wi-Fi sync on, but this computer does not see its announcement: it is on another Wi-Fi network than this computer (or the router does not pass multicast between them), so backups cannot reach it over Wi-Fi.';
  return finding('not-same-network', 'warning', udid, 'The iPhone is not on the same Wi-Fi network as this computer', explanation, SAME_NETWORK_FIX);
}

export function onWifi(udid: string, address?: string): Finding {
  return finding('not-on-wifi', 'ok', udid, 'The iPhone is reachable over Wi-Fi', `${address ? `Lockdown answered at ${address}. ` : ''}Backups can run without the cable.`);
}

// ── storage ───────────────────────────────────────────────────────────────────────────────────────

export function deviceStorageFull(udid: string, severity: Severity, free: number, total: number): Finding {
  return finding('device-storage-full', severity, udid, `The iPhone's storage is nearly full (${formatSize(free)} free)`, `Only ${formatSize(free)} of ${formatSize(total)} is free. An iPhone needs working space to prepare a backup; when it is nearly full backups fail or never finish.`, 'Free up space on the iPhone: Settings › General › iPhone Storage (offload unused apps, delete large videos or old message attachments).');
}

export function deviceStorageOk(udid: string, free: number): Finding {
  return finding('device-storage-full', 'ok', udid, 'The iPhone has free storage', `${formatSize(free)} is free.`);
}

export interface SpaceEstimate {
  readonly nextBytes: number;
  readonly fullBytes: number | undefined;
  readonly basis: string;
}

export function diskTooSmall(udid: string, vault: string, free: number, estimate: SpaceEstimate, severity: Severity = 'critical'): Finding {
  const outcome = severity === 'critical' ? 'The backup would stop part-way (the previous one stays intact).' : 'It may not fit; if it does not, it stops part-way and nothing is lost.';
  return finding('disk-too-small', severity, udid, severity === 'critical' ? 'The backup disk is too small for the next backup' : 'The backup disk may be too small for the first backup', `The next backup needs ${severity === 'critical' ? 'about' : 'up to'} ${formatSize(estimate.nextBytes)} (${estimate.basis}), but the disk holding ${vault} has ${formatSize(free)} free. ${outcome}`, `Free up space on that disk, remove old snapshots (\`lifeboat forget ${udidFlag(udid)} --keep-last 3\`), or move the vault to a larger disk ("vaultPath" in the config).`);
}

export function diskLow(udid: string, vault: string, free: number, fullBytes: number): Finding {
  return finding('disk-too-small', 'warning', udid, 'The backup disk could not hold a full backup', `The next (incremental) backup fits, but a full one — the first after a password change or a reset — needs about ${formatSize(fullBytes)}, and the disk holding ${vault} has ${formatSize(free)} free.`, 'Free up space on that disk or move the vault to a larger disk ("vaultPath" in the config) before it runs out.');
}

export function diskOk(udid: string, free: number, estimate: SpaceEstimate): Finding {
  return finding('disk-too-small', 'ok', udid, 'The backup disk has room', `${formatSize(free)} free; the next backup needs about ${formatSize(estimate.nextBytes)} (${estimate.basis}).`);
}

// ── iOS ───────────────────────────────────────────────────────────────────────────────────────────

export function iosOutdated(udid: string, version: string, newest: NewestRelease): Finding {
  return finding('ios-outdated', 'warning', udid, `iOS ${version} is out of date`, `iOS ${newest.version} (released ${newest.released}) is the newest this iPhone can run (release table current to ${IOS_TABLE_CURRENT_TO}). Outdated iOS causes backup failures with both computers and iCloud, and misses security fixes.`, 'Update iOS: Settings › General › Software Update (on Wi-Fi and power).');
}

export function iosUnsupported(udid: string, version: string): Finding {
  return finding('ios-outdated', 'info', udid, `iOS ${version} no longer gets updates on this iPhone`, 'Apple no longer updates iOS on this model; backups still work, but the phone misses security fixes.', 'Nothing to do for backups; consider replacing the iPhone — a current backup makes moving to a new one easy.');
}

export function iosCurrent(udid: string, version: string): Finding {
  return finding('ios-outdated', 'ok', udid, `iOS ${version} is current`, `No newer release is known (table current to ${IOS_TABLE_CURRENT_TO}).`);
}

// ── encryption ────────────────────────────────────────────────────────────────────────────────────

export function unencrypted(udid: string, wanted: boolean): Finding {
  return finding('unencrypted', wanted ? 'warning' : 'info', udid, 'Backups are not encrypted', 'Unencrypted backups leave out Health data, saved passwords, Wi-Fi passwords and call history, and anyone with the disk can read the rest.', `Turn encryption on: \`lifeboat encryption on ${udidFlag(udid)}\` (choose a password and keep it safe — it is needed to restore).`);
}

export function passwordUnknown(udid: string, passwordFile: string): Finding {
  return finding('encryption-password-unknown', 'warning', udid, 'Backups are encrypted but Lifeboat has no password', 'The iPhone encrypts its backups, and no backup password is available to Lifeboat, so backups cannot be verified, browsed or exported (the iPhone still makes them).', `Save the password in ${passwordFile} (only you may read it: chmod 600) or set LIFEBOAT_PASSWORD for the daemon. If nobody knows it, reset it on the iPhone: Settings › General › Transfer or Reset iPhone › Reset › Reset All Settings, then \`lifeboat encryption on ${udidFlag(udid)}\` with a new one.`);
}

export function passwordWrong(udid: string, source: string, snapshot: string): Finding {
  return finding('encryption-password-wrong', 'critical', udid, 'The backup password Lifeboat has is wrong', `The password from ${source} does not open the newest backup (snapshot ${snapshot}), so backups cannot be verified or restored with it.`, `Put the password the iPhone uses in ${source} (it is the one set with "Encrypt local backup", not the iPhone passcode). To set a new one: \`lifeboat encryption change ${udidFlag(udid)}\`.`);
}

export function passwordOk(udid: string, source: string): Finding {
  return finding('encryption-password-wrong', 'ok', udid, 'The backup password works', `The password from ${source} opens the newest backup.`);
}

export function backupUnreadable(udid: string, source: string, detail: string): Finding {
  return finding('backup-unreadable', 'warning', udid, 'The newest encrypted backup could not be checked', `Lifeboat tried the password from ${source} on it and could not read its keybag: ${detail}.`, `Check the snapshot: \`lifeboat verify ${udidFlag(udid)}\`; if it is damaged, make a new backup (\`lifeboat backup --full ${udidFlag(udid)}\`).`);
}

export function encryptionMisconfigured(udid: string): Finding {
  return finding('encryption-misconfigured', 'critical', udid, 'Encryption is on but the iPhone has no backup password', 'The iPhone says its backups are encrypted but it has no password to encrypt them with, so it refuses to back up.', `Set the password again: \`lifeboat encryption on ${udidFlag(udid)}\`, or reset it on the iPhone (Settings › General › Transfer or Reset iPhone › Reset › Reset All Settings).`);
}

// ── backups ───────────────────────────────────────────────────────────────────────────────────────

export function backupRunning(udid: string, pid: number): Finding {
  return finding('backup-running', 'info', udid, 'A backup of this iPhone is running', `Another Lifeboat process (${pid}) is backing it up now; a second backup waits until it finishes.`, 'Wait for it to finish (`lifeboat status` shows its progress).');
}

export function neverBackedUp(udid: string): Finding {
  return finding('last-backup-old', 'critical', udid, 'This iPhone has never been backed up', 'The vault holds no backup of it: if it were lost today, its data would be gone.', `Back it up now: \`lifeboat backup ${udidFlag(udid)}\`, and keep \`lifeboat daemon\` running for daily backups.`);
}

export function lastBackupOld(udid: string, ageMs: number, staleAfterHours: number): Finding {
  return finding('last-backup-old', 'critical', udid, `The last backup is ${formatAge(ageMs)} old`, `The newest backup is older than the ${formatHours(staleAfterHours)} the policy allows; anything changed since is not backed up.`, `Back up now: \`lifeboat backup ${udidFlag(udid)}\`; the other findings say what kept automatic backups from running.`);
}

export function lastBackupFresh(udid: string, ageMs: number): Finding {
  return finding('last-backup-old', 'ok', udid, `Last backup ${formatAge(ageMs)} ago`, 'Within the policy\'s limit.');
}

export function backupFailed(udid: string, message: string, hint: string | undefined): Finding {
  return finding('backup-failed', 'critical', udid, 'The backup failed', `The backup stopped: ${message}.`, hint ?? 'Run the backup again with `lifeboat backup --verbose`; if it keeps failing, run `lifeboat doctor`.');
}
