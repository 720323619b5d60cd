/**
 * The virtual iPhone's notification_proxy: remembers what each host observes, records what hosts post
 * (the simulator's tests and the backup agent look at that), relays device-side notifications to
 * observers, and answers Shutdown with ProxyDeath.
 */
import type { Duplex } from 'node:stream';
import { commandFromPlist, commandToPlist } from '../../src/protocol/services/notification-proxy/messages.js';
import { readPlistDict, writePlistFrame } from '../../src/protocol/wire/plist-frame.js';
import { StreamReader } from '../../src/protocol/wire/stream-reader.js';
import { describeError } from '../../src/util/errors.js';
import type { VirtualIPhone } from '../device/virtual-iphone.js';

const IDLE_TIMEOUT_MS = 10 * 60_000;

export function serveNotificationProxy(stream: Duplex, device: VirtualIPhone): void {
  const reader = new StreamReader(stream, `notification_proxy ${device.udid}`);
  const observed = new Set<string>();
  const relay = (name: string): void => {
    if (observed.has(name) && !stream.destroyed) writePlistFrame(stream, commandToPlist({ command: 'RelayNotification', name }));
  };
  device.on('notification', relay);
  stream.once('close', () => device.off('notification', relay));
  const run = async (): Promise<void> => {
    for (;;) {
      const message = commandFromPlist(await readPlistDict(reader, { timeoutMs: IDLE_TIMEOUT_MS, what: 'notification_proxy message' }));
      switch (message.command) {
        case 'ObserveNotification':
          observed.add(message.name);
          break;
        case 'PostNotification':
          device.recordPostedNotification(message.name);
          break;
        case 'Shutdown':
          writePlistFrame(stream, commandToPlist({ command: 'ProxyDeath' }));
          stream.end();
          return;
        default:
          // RelayNotification and ProxyDeath only ever go device → host.
          throw new Error(`notification_proxy: host sent ${message.command}`);
      }
    }
  };
  void run().catch((error: unknown) => {
    if (!stream.destroyed) device.logger.log('warn', 'notification_proxy connection closed', { udid: device.udid, reason: describeError(error) });
    stream.destroy();
  });
}
