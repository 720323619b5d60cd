/**
 * A virtual iPhone on the network: while it is on Wi-Fi with Wi-Fi sync on, it serves lockdownd on TCP
 * port 62078 of its own address and opens each service StartService hands out as a TCP listener on the
 * same address — what a real phone does, so hosts (Lifeboat's TcpTransport, `idevicebackup2 -n`)
 * connect to it directly, without usbmuxd. The addresses are loopback ones (127.x.y.z), so nothing
 * leaves the machine.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { LOCKDOWN_PORT } from '../../src/protocol/lockdown/constants.js';
import type { NetworkPorts, VirtualIPhone } from '../device/virtual-iphone.js';
import type { SimLogger } from '../log.js';

export class PhoneEndpoint implements NetworkPorts {
  private readonly servers = new Set<net.Server>();
  private stopped = false;
  /** TCP connections accepted on the phone's address (lockdown and services), for tests and `sim show`. */
  accepted = 0;

  constructor(
    private readonly phone: VirtualIPhone,
    readonly address: string,
    private readonly logger: SimLogger,
  ) {}

  /** Starts lockdownd on address:62078 and lets StartService open ports here. */
  async start(): Promise<void> {
    const release = await this.listen(LOCKDOWN_PORT, (stream) => {
      const handler = this.phone.accept(LOCKDOWN_PORT, 'Network');
      if (typeof handler === 'number') stream.destroy();
      else handler(stream);
    });
    if (!release) throw new Error(`${this.address}:${LOCKDOWN_PORT} is already in use`);
    this.phone.networkPorts = this;
  }

  listen(port: number, onConnection: (stream: Duplex) => void): Promise<(() => void) | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => {
        this.accepted++;
        socket.setNoDelay(true);
        socket.on('error', () => socket.destroy());
        onConnection(socket);
      });
      const release = (): void => {
        this.servers.delete(server);
        server.close();
      };
      server.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') resolve(undefined);
        else reject(error);
      });
      server.listen({ host: this.address, port, exclusive: true }, () => {
        server.removeAllListeners('error');
        server.on('error', (error) => this.logger.log('warn', 'network listener failed', { udid: this.phone.udid, port, reason: String(error) }));
        this.servers.add(server);
        resolve(release);
      });
    });
  }

  /** Stops listening everywhere (open connections are cut by the phone's dropConnections). */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.phone.networkPorts === this) this.phone.networkPorts = undefined;
    const closing = [...this.servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    this.servers.clear();
    return Promise.all(closing).then(() => undefined);
  }
}
