/**
 * Which devices usbmuxd has attached, kept current from a Listen stream: every Attached/Detached
 * updates the set and calls `onChange` with it. When usbmuxd goes away (restart, not running yet) the
 * set empties and the watch connects again after `retryMs`. stop() ends the Listen socket and any
 * pending retry timer, so a stopped watch keeps no handle open.
 */
import type { UsbmuxClient } from './client.js';
import type { MuxDevice } from './messages.js';

export interface DeviceWatch {
  /** The devices attached now (one entry per attachment: the same phone on USB and Wi-Fi is two). */
  attached(): MuxDevice[];
  stop(): Promise<void>;
}

export interface DeviceWatchOptions {
  readonly onChange: (attached: MuxDevice[]) => void;
  /** usbmuxd unreachable or gone: why (the watch keeps trying). */
  readonly onError?: (error: unknown) => void;
  readonly retryMs?: number;
}

export function watchDevices(mux: UsbmuxClient, options: DeviceWatchOptions): DeviceWatch {
  const stopper = new AbortController();
  const signal = stopper.signal;
  const devices = new Map<number, MuxDevice>();
  const changed = (): void => options.onChange([...devices.values()]);
  const loop = (async () => {
    while (!signal.aborted) {
      try {
        for await (const event of mux.listen(signal)) {
          if (event.type === 'Attached') devices.set(event.device.deviceId, event.device);
          else if (event.type === 'Detached') devices.delete(event.deviceId);
          else continue;
          changed();
        }
      } catch (error) {
        if (signal.aborted) break;
        options.onError?.(error);
      }
      if (devices.size > 0) {
        devices.clear();
        changed();
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, options.retryMs ?? 2000);
        signal.addEventListener('abort', done, { once: true });
        function done(): void {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
      });
    }
  })();
  return {
    attached: () => [...devices.values()],
    async stop() {
      stopper.abort();
      await loop;
    },
  };
}
