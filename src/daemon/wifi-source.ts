/**
 * The daemon's Wi-Fi device source: paired phones found on the local network by mDNS (the discovery
 * `lifeboat devices` uses, matched to Lifeboat's Wi-Fi pair records by MAC) whose lockdownd answers
 * on TCP. Each one is an attachment with a TcpTransport, so the scheduler backs up a phone reachable
 * only over Wi-Fi exactly as one on a cable; the watcher merges it with usbmuxd's attachments of the
 * same phone (one device; the cable is preferred).
 *
 * Nouns: a *scan* is one mDNS browse (it ends early once every paired phone answered) followed by a
 * TCP connect to each phone found. Scans repeat every `scanIntervalMs` of the injected clock. A phone
 * *vanishes* — a `detached` event, with the reason — when a scan does not find it and its last address
 * no longer answers (so one lost UDP answer does not detach a phone that is still there), or when it
 * is announced at an address that does not answer. While Lifeboat holds no Wi-Fi pair record a scan
 * sends nothing (there is nothing it could recognise).
 */
import { wifiDiscoveryOff, type HostDevices } from '../protocol/host/host-devices.js';
import { normalizeUdid } from '../protocol/host/select-device.js';
import { TcpTransport, WIFI_CONNECT_TIMEOUT_MS } from '../protocol/host/tcp-transport.js';
import { LOCKDOWN_PORT } from '../protocol/lockdown/constants.js';
import type { DiscoveryOptions } from '../protocol/host/wifi-discovery.js';
import { findWifiDevices, reachWifiDevice, type KnownRecords, type WifiDevice } from '../protocol/host/wifi-devices.js';
import { describeError } from '../util/errors.js';
import type { Clock } from './clock.js';
import { UsbmuxDeviceSource, type Attachment, type DeviceSource, type SourceEvent } from './device-watch.js';
import * as F from './doctor/findings.js';

/** Phones come and go over minutes (they sleep, leave the house); a scan a minute notices in time. */
export const DEFAULT_WIFI_SCAN_INTERVAL_MS = 60_000;

export interface WifiSourceOptions {
  readonly records: KnownRecords;
  readonly clock: Clock;
  readonly discovery?: DiscoveryOptions;
  readonly scanIntervalMs?: number;
  readonly connectTimeoutMs?: number;
}

export class WifiDeviceSource implements DeviceSource {
  readonly name = 'wifi';
  /** Attached now, by normalized UDID. */
  private readonly attached = new Map<string, Attachment>();

  constructor(private readonly options: WifiSourceOptions) {}

  async current(): Promise<Attachment[]> {
    const { found } = await this.scan();
    for (const attachment of found) this.attached.set(normalizeUdid(attachment.udid), attachment);
    return found;
  }

  async *watch(signal: AbortSignal): AsyncIterable<SourceEvent> {
    // The first scan of a (re)started watch repeats every phone found: after a lost source the
    // watcher has dropped them all.
    let first = true;
    while (!signal.aborted) {
      const { found, unreachable } = await this.scan(signal);
      const seen = new Set(found.map((a) => normalizeUdid(a.udid)));
      for (const attachment of found) {
        const key = normalizeUdid(attachment.udid);
        const before = this.attached.get(key);
        this.attached.set(key, attachment);
        if (first || !before || addressOf(before) !== addressOf(attachment)) yield { type: 'attached', attachment };
      }
      first = false;
      for (const [key, attachment] of [...this.attached]) {
        if (seen.has(key)) continue;
        const announced = unreachable.get(key);
        // Not announced: still there if its last address answers (an mDNS answer can be lost).
        if (!announced && attachment.transport instanceof TcpTransport && (await answers(attachment.transport, this.connectTimeoutMs()))) continue;
        this.attached.delete(key);
        const finding = announced ? F.notSameNetwork(attachment.udid, announced.device.addresses, announced.error) : F.notOnWifi(attachment.udid);
        // "the iPhone is not seen on this computer's Wi-Fi network": read after "not connected: ".
        const reason = finding.title.charAt(0).toLowerCase() + finding.title.slice(1);
        yield { type: 'detached', key: attachment.key, reason };
      }
      try {
        await this.options.clock.sleep(this.options.scanIntervalMs ?? DEFAULT_WIFI_SCAN_INTERVAL_MS, signal);
      } catch {
        return;
      }
    }
  }

  private connectTimeoutMs(): number {
    return this.options.connectTimeoutMs ?? WIFI_CONNECT_TIMEOUT_MS;
  }

  /** One browse, then a connection to each phone found: the reachable ones, and the ones that did not answer. */
  private async scan(signal?: AbortSignal): Promise<{ found: Attachment[]; unreachable: Map<string, { device: WifiDevice; error: string }> }> {
    const devices = await findWifiDevices(this.options.records, { ...this.options.discovery, ...(signal ? { signal } : {}) });
    const found: Attachment[] = [];
    const unreachable = new Map<string, { device: WifiDevice; error: string }>();
    await Promise.all(
      devices.map(async (device) => {
        try {
          const transport = await reachWifiDevice(device, { connectTimeoutMs: this.connectTimeoutMs() });
          found.push({ key: `${this.name}:${normalizeUdid(device.udid)}`, source: this.name, udid: device.udid, connection: 'wifi', transport });
        } catch (error) {
          unreachable.set(normalizeUdid(device.udid), { device, error: describeError(error) });
        }
      }),
    );
    return { found, unreachable };
  }
}

function addressOf(attachment: Attachment): string {
  return attachment.transport instanceof TcpTransport ? attachment.transport.address : attachment.key;
}

async function answers(transport: TcpTransport, timeoutMs: number): Promise<boolean> {
  try {
    const probe = await new TcpTransport(transport.udid, transport.address, { connectTimeoutMs: timeoutMs }).connect(LOCKDOWN_PORT);
    probe.destroy();
    return true;
  } catch {
    return false;
  }
}

/**
 * The daemon's sources on this computer: usbmuxd, and Wi-Fi unless LIFEBOAT_WIFI=off (it stays silent
 * until `lifeboat wifi on` has given Lifeboat a Wi-Fi pair record, so it can be on by default).
 */
export function daemonDeviceSources(host: HostDevices, clock: Clock, env: NodeJS.ProcessEnv = process.env, scanIntervalMs?: number): DeviceSource[] {
  const sources: DeviceSource[] = [new UsbmuxDeviceSource(host.mux)];
  if (!wifiDiscoveryOff(env)) {
    const interfaceAddress = env['LIFEBOAT_MDNS_INTERFACE'];
    sources.push(
      new WifiDeviceSource({
        records: host.wifiRecords,
        clock,
        ...(interfaceAddress ? { discovery: { interfaceAddress } } : {}),
        ...(scanIntervalMs !== undefined ? { scanIntervalMs } : {}),
      }),
    );
  }
  return sources;
}
