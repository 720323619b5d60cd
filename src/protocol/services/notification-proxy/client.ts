/**
 * NotificationProxyClient: posts and observes device-wide notifications (the sync handshake around a
 * backup, the user cancelling a sync on the phone). Relayed notifications are delivered as an async
 * iterator; every wait is bounded by the caller's AbortSignal or timeout.
 */
import type { Duplex } from 'node:stream';
import { readPlistDict, writePlistFrame } from '../../wire/plist-frame.js';
import { StreamReader } from '../../wire/stream-reader.js';
import { commandFromPlist, commandToPlist } from './messages.js';

export class NotificationProxyClient {
  private readonly reader: StreamReader;

  constructor(private readonly stream: Duplex) {
    this.reader = new StreamReader(stream, 'notification_proxy');
  }

  post(name: string): void {
    writePlistFrame(this.stream, commandToPlist({ command: 'PostNotification', name }));
  }

  observe(name: string): void {
    writePlistFrame(this.stream, commandToPlist({ command: 'ObserveNotification', name }));
  }

  /** Waits for the next relayed notification name. */
  async next(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
    for (;;) {
      const message = commandFromPlist(await readPlistDict(this.reader, { ...options, what: 'notification_proxy message' }));
      if (message.command === 'RelayNotification') return message.name;
    }
  }

  /** Asks the proxy to shut down and waits (bounded) for its ProxyDeath before closing. */
  async shutdown(timeoutMs = 2000): Promise<void> {
    try {
      writePlistFrame(this.stream, commandToPlist({ command: 'Shutdown' }));
      for (;;) {
        const message = commandFromPlist(await readPlistDict(this.reader, { timeoutMs, what: 'notification_proxy message' }));
        if (message.command === 'ProxyDeath') break;
      }
    } finally {
      this.stream.destroy();
    }
  }
}
