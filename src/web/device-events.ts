/**
 * Phones coming and going, for the dashboard without a daemon (`lifeboat serve`): while at least one
 * page listens to /api/events, a usbmuxd Listen (src/protocol/usbmux/watch.ts) follows attachments and
 * each change of the attached set — a cable plugged or pulled, Wi-Fi sync appearing or leaving — is
 * sent as one `devices` event, so the Devices page redraws its cards at once. With a daemon its own
 * listener does this (its `status` events), so no second Listen is opened.
 *
 * The watch runs only while someone listens (no idle usbmuxd connection, nothing to keep a process
 * alive); attachments settle for a moment before an event goes out, as a phone on USB and Wi-Fi
 * arrives as two attachments.
 */
import type { UsbmuxClient } from '../protocol/usbmux/client.js';
import type { MuxDevice } from '../protocol/usbmux/messages.js';
import { watchDevices, type DeviceWatch } from '../protocol/usbmux/watch.js';

export interface AttachedDevices {
  /** UDID → how it is connected ('USB', 'Network'), sorted. */
  readonly attached: ReadonlyArray<{ readonly udid: string; readonly connections: readonly string[] }>;
}

export type AttachedListener = (change: AttachedDevices) => void;

const SETTLE_MS = 250;

function summarise(devices: readonly MuxDevice[]): AttachedDevices {
  const byUdid = new Map<string, Set<string>>();
  for (const d of devices) byUdid.set(d.udid, (byUdid.get(d.udid) ?? new Set()).add(d.connectionType));
  return { attached: [...byUdid.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([udid, c]) => ({ udid, connections: [...c].sort() })) };
}

export class DeviceEvents {
  private readonly listeners = new Set<AttachedListener>();
  private watch: DeviceWatch | undefined;
  private stopping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** What was last sent, starting from what usbmuxd listed when the watch began (not news to a page that just loaded). */
  private last: string | undefined;

  constructor(private readonly mux: UsbmuxClient) {}

  subscribe(listener: AttachedListener): () => void {
    this.listeners.add(listener);
    if (!this.watch) void this.start();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.stop();
    };
  }

  private async start(): Promise<void> {
    await this.stopping; // a watch stopping right now finishes first
    if (this.watch || this.listeners.size === 0) return;
    // The Listen stream opens with an Attached per present device: measured against this list, that
    // opening burst is no change. usbmuxd not running: nothing is attached.
    this.last = JSON.stringify(summarise(await this.mux.listDevices().catch(() => [])));
    if (this.watch || this.listeners.size === 0) return;
    this.watch = watchDevices(this.mux, { onChange: (devices) => this.changed(devices) });
  }

  private changed(devices: MuxDevice[]): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const change = summarise(devices);
      const key = JSON.stringify(change);
      if (key === this.last) return;
      this.last = key;
      for (const listener of this.listeners) listener(change);
    }, SETTLE_MS);
  }

  /** Ends the Listen connection and any pending event (the server's close() awaits this). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const watch = this.watch;
    this.watch = undefined;
    if (!watch) return this.stopping;
    this.stopping = watch.stop();
    await this.stopping;
    this.stopping = undefined;
  }
}
