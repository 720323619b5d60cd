/**
 * The virtual iPhones' network: which phones are "on Wi-Fi with Wi-Fi sync on" right now, each with
 * its TCP endpoint (phone-endpoint.ts) and, when enabled, its mDNS advertisement (mdns-advertiser.ts).
 *
 * State changes arrive synchronously (sim set wifi=false); starting and stopping listeners does not,
 * so the work is chained per phone and `settled()` lets a caller wait until it is done.
 */
import { LOCKDOWN_PORT } from '../../src/protocol/lockdown/constants.js';
import { linkLocalFromMac, mobdev2InstanceName } from '../../src/protocol/mdns/mobdev2.js';
import type { VirtualIPhone } from '../device/virtual-iphone.js';
import type { SimLogger } from '../log.js';
import { MdnsAdvertiser } from './mdns-advertiser.js';
import { PhoneEndpoint } from './phone-endpoint.js';

export class SimNetwork {
  private readonly endpoints = new Map<VirtualIPhone, PhoneEndpoint>();
  private readonly advertiser: MdnsAdvertiser | undefined;
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly logger: SimLogger,
    mdns: boolean,
  ) {
    this.advertiser = mdns ? new MdnsAdvertiser(logger) : undefined;
  }

  private instanceOf(phone: VirtualIPhone): string {
    return mobdev2InstanceName(phone.identity.wifiAddress, linkLocalFromMac(phone.identity.wifiAddress));
  }

  join(phone: VirtualIPhone, address: string): void {
    if (this.endpoints.has(phone)) return;
    const endpoint = new PhoneEndpoint(phone, address, this.logger);
    this.endpoints.set(phone, endpoint);
    this.enqueue(async () => {
      try {
        await endpoint.start();
      } catch (error) {
        this.logger.log('warn', 'the phone cannot listen on its network address (only the usbmuxd path works)', { udid: phone.udid, address, reason: String(error) });
        return;
      }
      if (this.endpoints.get(phone) !== endpoint) return; // it left again while starting
      this.advertiser?.add({ instance: this.instanceOf(phone), host: `iPhone-${phone.udid.replace(/-/g, '').slice(-8)}`, address, port: LOCKDOWN_PORT });
    });
  }

  leave(phone: VirtualIPhone): void {
    const endpoint = this.endpoints.get(phone);
    if (!endpoint) return;
    this.endpoints.delete(phone);
    this.advertiser?.remove(this.instanceOf(phone));
    this.enqueue(() => endpoint.stop());
  }

  /** TCP connections the phone accepted on its network address since it last joined (0 when off the network). */
  acceptedConnections(phone: VirtualIPhone): number {
    return this.endpoints.get(phone)?.accepted ?? 0;
  }

  settled(): Promise<void> {
    return this.work;
  }

  advertised(): string[] {
    return this.advertiser?.advertised().map((a) => a.instance) ?? [];
  }

  async close(): Promise<void> {
    for (const phone of [...this.endpoints.keys()]) this.leave(phone);
    await this.work;
    await this.advertiser?.close();
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch((error: unknown) => this.logger.log('warn', 'network change failed', { reason: String(error) }));
  }
}
