/**
 * Types for the parts of `multicast-dns` (the mDNS socket under bonjour-service) Lifeboat uses: one UDP
 * socket on port 5353 that joins 224.0.0.251, sends queries/responses and emits decoded packets.
 */
declare module 'multicast-dns' {
  import type { Socket } from 'node:dgram';
  import type { EventEmitter } from 'node:events';

  export interface MdnsRecord {
    name: string;
    type: string;
    ttl?: number;
    class?: string;
    flush?: boolean;
    data?: unknown;
  }

  export interface MdnsQuestion {
    name: string;
    type: string;
    class?: string;
  }

  export interface MdnsPacket {
    type: 'query' | 'response';
    questions?: MdnsQuestion[];
    answers?: MdnsRecord[];
    additionals?: MdnsRecord[];
    authorities?: MdnsRecord[];
    flags?: number;
  }

  export interface RemoteInfo {
    address: string;
    family: string;
    port: number;
    size: number;
  }

  export interface MulticastDnsOptions {
    /** Bind and join the group on this interface address only (all IPv4 interfaces when unset). */
    interface?: string;
    /** Address to bind; defaults to `interface`, which would filter out multicast on Linux. */
    bind?: string | false;
    port?: number;
    ip?: string;
    ttl?: number;
    loopback?: boolean;
    reuseAddr?: boolean;
    multicast?: boolean;
    /** A socket to use instead of a new one (so its multicast interface can be set before any send). */
    socket?: Socket;
  }

  export interface MulticastDns extends EventEmitter {
    query(packet: { questions: MdnsQuestion[] }, callback?: (error: Error | null) => void): void;
    respond(packet: { answers: MdnsRecord[]; additionals?: MdnsRecord[] }, callback?: (error: Error | null) => void): void;
    destroy(callback?: () => void): void;
    on(event: 'response' | 'query', listener: (packet: MdnsPacket, rinfo: RemoteInfo) => void): this;
    on(event: 'error' | 'warning', listener: (error: Error) => void): this;
    on(event: 'ready', listener: () => void): this;
    once(event: 'ready', listener: () => void): this;
    once(event: 'error', listener: (error: Error) => void): this;
  }

  export default function multicastDns(options?: MulticastDnsOptions): MulticastDns;
}
