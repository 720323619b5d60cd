/**
 * The DeviceLink version exchange, both halves. The device speaks first with its version; the host
 * accepts it if it is not newer than what the host understands, and the device confirms it is ready.
 */
import { ProtocolError } from '../errors.js';
import type { ReadOptions } from '../wire/stream-reader.js';
import type { DeviceLinkChannel } from './link.js';

export interface DlVersion {
  readonly major: number;
  readonly minor: number;
}

/** Bounded: a device that opens a service but never speaks is not waited for forever. */
export const VERSION_EXCHANGE_TIMEOUT_MS = 30_000;

export async function hostVersionExchange(channel: DeviceLinkChannel, supported: DlVersion, options: ReadOptions = {}): Promise<DlVersion> {
  const opts = { timeoutMs: VERSION_EXCHANGE_TIMEOUT_MS, ...options };
  const offer = await channel.receive(opts);
  const [name, major, minor] = offer;
  if (name !== 'DLMessageVersionExchange' || typeof major !== 'number' || typeof minor !== 'number') {
    throw new ProtocolError(`${channel.label}: expected DLMessageVersionExchange with two version numbers`, { code: 'PROTOCOL_BAD_MESSAGE' });
  }
  if (major > supported.major || (major === supported.major && minor > supported.minor)) {
    throw new ProtocolError(`${channel.label}: the device speaks version ${major}.${minor}, newer than ${supported.major}.${supported.minor}`, {
      code: 'PROTOCOL_BAD_VERSION',
      hint: 'Update Lifeboat to back up this iOS version.',
    });
  }
  await channel.send(['DLMessageVersionExchange', 'DLVersionsOk', major]);
  const ready = await channel.receive(opts);
  if (ready[0] !== 'DLMessageDeviceReady') {
    throw new ProtocolError(`${channel.label}: expected DLMessageDeviceReady, got ${String(ready[0])}`, { code: 'PROTOCOL_BAD_MESSAGE' });
  }
  return { major, minor };
}

export async function deviceVersionExchange(channel: DeviceLinkChannel, version: DlVersion, options: ReadOptions = {}): Promise<void> {
  await channel.send(['DLMessageVersionExchange', version.major, version.minor]);
  const answer = await channel.receive({ timeoutMs: VERSION_EXCHANGE_TIMEOUT_MS, ...options });
  if (answer[0] !== 'DLMessageVersionExchange' || answer[1] !== 'DLVersionsOk') {
    throw new ProtocolError(`${channel.label}: the host did not accept the DeviceLink version`, { code: 'PROTOCOL_BAD_VERSION' });
  }
  await channel.send(['DLMessageDeviceReady']);
}
