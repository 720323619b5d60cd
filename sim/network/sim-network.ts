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
  private readonly members = new Map<VirtualIPhone, { readonly address: string; readonly reachable: boolean; readonly endpoint?: PhoneEndpoint }>();
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

  /**
   * Puts the phone on the network at `address`. `reachable: false` is a phone whose announcement
   * reaches this computer but whose address does not answer (another subnet behind an mDNS repeater,
   * a guest network that isolates clients): it is advertised and nothing listens.
   */
  join(phone: VirtualIPhone, address: string, reachable = true): void {
    const current = this.members.get(phone);
    if (current && current.address === address && current.reachable === reachable) return;
    if (current) this.leave(phone);
    const advertisement = { instance: this.instanceOf(phone), host: `iPhone-${phone.udid.replace(/-/g, '').slice(-8)}`, address, port: LOCKDOWN_PORT };
    if (!reachable) {
      this.members.set(phone, { address, reachable });
      this.enqueue(async () => {
        if (this.members.get(phone)?.address === address) this.advertiser?.add(advertisement);
      });
      return;
    }
    const endpoint = new PhoneEndpoint(phone, address, this.logger);
    const member = { address, reachable, endpoint };
    this.members.set(phone, member);
    this.enqueue(async () => {
      try {
        await endpoint.start();
      } catch (error) {
        this.logger.log('warn', 'the phone cannot listen on its network address (only the usbmuxd path works)', { udid: phone.udid, address, reason: String(error) });
        return;
      }
      if (this.members.get(phone) !== member) return; // it left again while starting
      this.advertiser?.add(advertisement);
    });
  }

  leave(phone: VirtualIPhone): void {
    const member = this.members.get(phone);
    if (!member) return;
    this.members.delete(phone);
    const instance = this.instanceOf(phone);
    // After the queued work, so a join still starting cannot advertise after this goodbye.
    this.enqueue(async () => {
      if (!this.members.has(phone)) this.advertiser?.remove(instance);
      await member.endpoint?.stop();
    });
  }

  /** TCP connections the phone accepted on its network address since it last joined (0 when off the network). */
  acceptedConnections(phone: VirtualIPhone): number {
    return this.members.get(phone)?.endpoint?.accepted ?? 0;
  }

  settled(): Promise<void> {
    return this.work;
  }

  advertised(): string[] {
    return this.advertiser?.advertised().map((a) => a.instance) ?? [];
  }

  async close(): Promise<void> {
    for (const phone of [...this.members.keys()]) this.leave(phone);
    await this.work;
    await this.advertiser?.close();
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch((error: unknown) => this.logger.log('warn', 'network change failed', { reason: String(error) }));
  }
}
