/**
 * Device watching: turns device *sources* (usbmuxd's Listen today; a Wi-Fi browser can be another)
 * into one stream of attach/detach events for the scheduler. Each source reports *attachments* —
 * one path to one device, with the transport that reaches it — under keys unique across sources, so
 * the same phone on a cable and on the network is two attachments of one device.
 *
 * A source that fails (usbmuxd restarted, the network went away) is reported as `lost` — every
 * attachment it reported is gone — and watched again after a pause on the injected clock.
 */
import { UsbmuxTransport, type DeviceTransport } from '../protocol/transport.js';
import type { UsbmuxClient } from '../protocol/usbmux/client.js';
import { describeError } from '../util/errors.js';
import type { Clock } from './clock.js';

export type AttachmentConnection = 'usb' | 'network' | 'wifi';

/** One path to one device, as a source reports it. */
export interface Attachment {
  /** Unique across all sources and stable while attached (e.g. `usbmuxd:12`). */
  readonly key: string;
  /** The name of the source that reported it. */
  readonly source: string;
  readonly udid: string;
  readonly connection: AttachmentConnection;
  readonly transport: DeviceTransport;
}

/** What a source reports while it is watched. */
export type SourceEvent =
  | { readonly type: 'attached'; readonly attachment: Attachment }
  /** `reason`: why the path went away, when the source knows (e.g. "not on this computer's network"). */
  | { readonly type: 'detached'; readonly key: string; readonly reason?: string }
  /** Something changed about an attached device (e.g. it was paired): worth a fresh look. */
  | { readonly type: 'changed' };

/** What the watcher hands the scheduler: the sources' events plus `lost` when a source went away. */
export type DeviceEvent = SourceEvent | { readonly type: 'lost'; readonly source: string };

export interface DeviceSource {
  /** Short, for logs and attachment keys ('usbmuxd', 'wifi'). */
  readonly name: string;
  /** What is attached right now. */
  current(): Promise<Attachment[]>;
  /**
   * Events until `signal` aborts (then it ends quietly). Ending or throwing otherwise means the
   * source was lost; the watcher reports that and watches again. Repeating a current attachment as
   * `attached` on (re)start is fine: attachments are keyed.
   */
  watch(signal: AbortSignal): AsyncIterable<SourceEvent>;
}

/** usbmuxd (USB and Apple's network usbmuxd) through its Listen stream. */
export class UsbmuxDeviceSource implements DeviceSource {
  readonly name = 'usbmuxd';

  constructor(private readonly mux: UsbmuxClient) {}

  async current(): Promise<Attachment[]> {
    return (await this.mux.listDevices()).map((device) => this.attachment(new UsbmuxTransport(this.mux, device)));
  }

  async *watch(signal: AbortSignal): AsyncIterable<SourceEvent> {
    for await (const event of this.mux.listen(signal)) {
      if (event.type === 'Attached') yield { type: 'attached', attachment: this.attachment(new UsbmuxTransport(this.mux, event.device)) };
      else if (event.type === 'Detached') yield { type: 'detached', key: this.key(event.deviceId) };
      else yield { type: 'changed' };
    }
  }

  private key(deviceId: number): string {
    return `${this.name}:${deviceId}`;
  }

  private attachment(transport: UsbmuxTransport): Attachment {
    return {
      key: this.key(transport.muxDeviceId),
      source: this.name,
      udid: transport.udid,
      connection: transport.device.connectionType === 'USB' ? 'usb' : 'network',
      transport,
    };
  }
}

/** Pause before watching a lost source again. */
export const SOURCE_RETRY_MS = 10_000;

export class DeviceWatcher {
  constructor(
    private readonly sources: readonly DeviceSource[],
    private readonly clock: Clock,
    private readonly log: (message: string) => void,
  ) {}

  /** Every source's current attachments; a source that cannot answer is logged and skipped. */
  async current(): Promise<Attachment[]> {
    const all: Attachment[] = [];
    for (const source of this.sources) {
      try {
        all.push(...(await source.current()));
      } catch (error) {
        this.log(`${source.name}: ${describeError(error)}`);
      }
    }
    return all;
  }

  /** Watches every source until `signal` aborts, handing each event to `onEvent`. */
  run(signal: AbortSignal, onEvent: (event: DeviceEvent) => void): Promise<void> {
    return Promise.all(this.sources.map((source) => this.watchSource(source, signal, onEvent))).then(() => undefined);
  }

  private async watchSource(source: DeviceSource, signal: AbortSignal, onEvent: (event: DeviceEvent) => void): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const event of source.watch(signal)) onEvent(event);
      } catch (error) {
        if (signal.aborted) return;
        this.log(`${source.name}: ${describeError(error)}; trying again`);
      }
      onEvent({ type: 'lost', source: source.name });
      await this.clock.sleep(SOURCE_RETRY_MS, signal).catch(() => undefined);
    }
  }
}
