/**
 * The virtual iPhones' mDNS responder: each phone on Wi-Fi with Wi-Fi sync on is advertised as
 * `<Wi-Fi MAC>@<IPv6 link-local>._apple-mobdev2._tcp.local` (src/protocol/mdns/mobdev2.ts), with SRV,
 * TXT and an A record for its address. Queries are answered, a phone that appears is announced, and
 * one that goes away says goodbye (TTL 0), as mDNSResponder does.
 *
 * Safety: multicast is sent on the loopback interface only. The socket's outgoing multicast interface
 * is set to 127.0.0.1 as soon as it is bound, before anything can be sent, so no packet reaches a real
 * network even when loopback has no multicast (then the advertiser simply is not heard).
 */
import dgram from 'node:dgram';
import multicastDns, { type MdnsPacket, type MdnsRecord, type MulticastDns } from 'multicast-dns';
import { MDNS_PORT, MOBDEV2_SERVICE } from '../../src/protocol/mdns/mobdev2.js';
import type { SimLogger } from '../log.js';

export const LOOPBACK_INTERFACE = '127.0.0.1';

export interface Advertisement {
  /** Instance label `<mac>@<suffix>`. */
  readonly instance: string;
  /** Host name without `.local`. */
  readonly host: string;
  readonly address: string;
  readonly port: number;
}

const TTL_SECONDS = 120;

export class MdnsAdvertiser {
  private mdns: MulticastDns | undefined;
  private readonly entries = new Map<string, Advertisement>();

  constructor(private readonly logger: SimLogger) {}

  private socket(): MulticastDns {
    if (this.mdns) return this.mdns;
    const udp = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    udp.once('listening', () => {
      try {
        udp.setMulticastInterface(LOOPBACK_INTERFACE);
      } catch (error) {
        this.logger.log('warn', 'mDNS: cannot use loopback for multicast; the virtual iPhones are not advertised', { reason: String(error) });
        // Destroyed before multicast-dns's first send (its bind callback runs after this listener).
        mdns.destroy();
      }
    });
    const mdns = multicastDns({ socket: udp, interface: LOOPBACK_INTERFACE, bind: '0.0.0.0', port: MDNS_PORT, loopback: true });
    mdns.on('error', (error: Error) => this.logger.log('warn', 'mDNS advertiser stopped', { reason: error.message }));
    mdns.on('warning', (error: Error) => this.logger.log('info', 'mDNS warning', { reason: error.message }));
    mdns.on('query', (packet: MdnsPacket) => this.answer(packet));
    this.mdns = mdns;
    return mdns;
  }

  add(entry: Advertisement): void {
    this.entries.set(entry.instance, entry);
    this.send([entry], TTL_SECONDS);
  }

  remove(instance: string): void {
    const entry = this.entries.get(instance);
    if (!entry) return;
    this.entries.delete(instance);
    this.send([entry], 0);
  }

  advertised(): Advertisement[] {
    return [...this.entries.values()];
  }

  close(): Promise<void> {
    const mdns = this.mdns;
    this.mdns = undefined;
    if (!mdns) return Promise.resolve();
    const all = [...this.entries.values()];
    this.entries.clear();
    return new Promise((resolve) => {
      if (all.length === 0) return mdns.destroy(() => resolve());
      mdns.respond(this.records(all, 0), () => mdns.destroy(() => resolve()));
    });
  }

  private send(entries: Advertisement[], ttl: number): void {
    this.socket().respond(this.records(entries, ttl), (error) => {
      if (error) this.logger.log('info', 'mDNS announcement not sent', { reason: error.message });
    });
  }

  private records(entries: readonly Advertisement[], ttl: number): { answers: MdnsRecord[]; additionals: MdnsRecord[] } {
    const answers: MdnsRecord[] = [];
    const additionals: MdnsRecord[] = [];
    for (const e of entries) {
      const fqdn = `${e.instance}.${MOBDEV2_SERVICE}`;
      const host = `${e.host}.local`;
      answers.push({ name: MOBDEV2_SERVICE, type: 'PTR', ttl, data: fqdn });
      additionals.push(
        { name: fqdn, type: 'SRV', ttl, flush: true, data: { port: e.port, target: host, priority: 0, weight: 0 } },
        { name: fqdn, type: 'TXT', ttl, flush: true, data: [] },
        { name: host, type: 'A', ttl, flush: true, data: e.address },
      );
    }
    return { answers, additionals };
  }

  private answer(packet: MdnsPacket): void {
    if (this.entries.size === 0) return;
    for (const question of packet.questions ?? []) {
      const name = question.name.replace(/\.$/, '').toLowerCase();
      const all = [...this.entries.values()];
      let matching: Advertisement[] = [];
      if (name === MOBDEV2_SERVICE && (question.type === 'PTR' || question.type === 'ANY')) matching = all;
      else matching = all.filter((e) => `${e.instance}.${MOBDEV2_SERVICE}`.toLowerCase() === name || `${e.host}.local`.toLowerCase() === name);
      if (matching.length > 0) this.send(matching, TTL_SECONDS);
    }
  }
}
