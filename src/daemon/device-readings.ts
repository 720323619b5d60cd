/**
 * Reading a device's conditions over lockdown (a trusted session): battery and power, passcode lock,
 * Wi-Fi, backup encryption and storage use. Low Power Mode is not a lockdown value on real phones; a
 * phone that answers the Lifeboat virtual iPhone's domain reports it, others leave it unknown (and an
 * unknown condition never blocks a backup).
 */
import type { PlistValue } from '../plist/index.js';
import type { PairRecordStore } from '../protocol/host/pair-store.js';
import { openTrustedSession } from '../protocol/host/session.js';
import { WIFI_CONNECTION } from '../protocol/host/tcp-transport.js';
import { LockdownDomain } from '../protocol/lockdown/constants.js';
import { isPlistDict } from '../protocol/wire/plist-frame.js';
import type { DeviceTransport } from '../protocol/transport.js';
import type { DeviceReadings } from './policy.js';

/** The virtual iPhone's extra domain (LowPowerModeEnabled, WiFiConnected); real phones answer MissingValue. */
const EXTRA_DOMAIN = 'org.lifeboat.sim';

function num(value: PlistValue | undefined): number | undefined {
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined;
}

function bool(value: PlistValue | undefined): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** The real connection: a cable, usbmuxd's network path (Apple's usbmuxd), or Lifeboat's own TCP path. */
function connectionOf(transport: DeviceTransport): DeviceReadings['connection'] {
  if (transport.connection === 'USB') return 'usb';
  return transport.connection === WIFI_CONNECTION ? 'wifi' : 'network';
}

export async function readDeviceReadings(transport: DeviceTransport, pairs: PairRecordStore): Promise<DeviceReadings> {
  const { lockdown } = await openTrustedSession(transport, pairs, 'lifeboat-daemon');
  try {
    const optional = (domain: string | undefined, key?: string): Promise<PlistValue | undefined> => lockdown.getValue(domain, key).catch(() => undefined);
    const name = await optional(undefined, 'DeviceName');
    const locked = await optional(undefined, 'PasswordProtected');
    const battery = await optional(LockdownDomain.BATTERY);
    const disk = await optional(LockdownDomain.DISK_USAGE);
    const willEncrypt = await optional(LockdownDomain.BACKUP, 'WillEncrypt');
    const extra = await optional(EXTRA_DOMAIN);
    await lockdown.stopSession().catch(() => undefined);
    const readings: { -readonly [K in keyof DeviceReadings]: DeviceReadings[K] } = {
      connection: connectionOf(transport),
    };
    if (typeof name === 'string') readings.name = name;
    if (typeof locked === 'boolean') readings.locked = locked;
    if (isPlistDict(battery)) {
      readings.batteryPercent = num(battery['BatteryCurrentCapacity']);
      readings.charging = bool(battery['BatteryIsCharging']);
      readings.externalPower = bool(battery['ExternalConnected']);
    }
    if (isPlistDict(disk)) {
      const capacity = num(disk['TotalDataCapacity']);
      const available = num(disk['AmountDataAvailable']);
      if (capacity !== undefined && available !== undefined) readings.usedDataBytes = Math.max(capacity - available, 0);
    }
    if (typeof willEncrypt === 'boolean') readings.willEncrypt = willEncrypt;
    if (isPlistDict(extra)) {
      readings.lowPowerMode = bool(extra['LowPowerModeEnabled']);
      readings.onWifi = bool(extra['WiFiConnected']);
    }
    // Lockdown just answered over the local network: the phone is on it, whatever else it reports.
    if (readings.connection !== 'usb') readings.onWifi = true;
    return Object.fromEntries(Object.entries(readings).filter(([, v]) => v !== undefined)) as unknown as DeviceReadings;
  } finally {
    lockdown.close();
  }
}
