/**
 * UsbmuxClient: the host side of usbmuxd. Each request opens its own socket (as libusbmuxd does), so a
 * long-lived Listen or a Connect tunnel never blocks other requests.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { PlistDict } from '../../plist/index.js';
import { DisconnectedError, ProtocolError, TimeoutError } from '../errors.js';
import { optionalArray, optionalData, optionalUint, requireString } from '../wire/fields.js';
import { isPlistDict } from '../wire/plist-frame.js';
import { StreamReader } from '../wire/stream-reader.js';
import { defaultMuxAddress, formatMuxAddress, type MuxAddress } from './address.js';
import { encodePlistPacket, MuxResult, readMuxPacket } from './frames.js';
import { deviceFromPlist, eventFromPlist, requestToPlist, type MuxDevice, type MuxEvent, type MuxRequest } from './messages.js';

/** libusbmuxd waits 5 s for a reply; so do we. */
export const MUX_REPLY_TIMEOUT_MS = 5000;

export class MuxError extends ProtocolError {
  constructor(
    message: string,
    readonly result: number,
    code = 'USBMUX_ERROR',
  ) {
    super(message, { code });
  }
}

const RESULT_TEXT: Record<number, string> = {
  [MuxResult.BADCOMMAND]: 'usbmuxd did not understand the request',
  [MuxResult.BADDEV]: 'no such device (it may have been unplugged)',
  [MuxResult.CONNREFUSED]: 'the device refused the connection (nothing listens on that port)',
  [MuxResult.BADVERSION]: 'usbmuxd does not speak this protocol version',
};

export class UsbmuxClient {
  private tag = 0;

  constructor(readonly address: MuxAddress = defaultMuxAddress()) {}

  describe(): string {
    return formatMuxAddress(this.address);
  }

  async listDevices(): Promise<MuxDevice[]> {
    const reply = await this.request({ type: 'ListDevices' });
    const list = optionalArray(reply, 'DeviceList', 'usbmux ListDevices reply');
    if (!list) throw this.resultError(reply, 'ListDevices');
    return list.map((entry) => {
      if (!isPlistDict(entry)) throw new ProtocolError('usbmux ListDevices: entry is not a dictionary', { code: 'PROTOCOL_BAD_FIELD' });
      return deviceFromPlist(entry);
    });
  }

  async readBuid(): Promise<string> {
    const reply = await this.request({ type: 'ReadBUID' });
    if (reply['BUID'] === undefined) throw this.resultError(reply, 'ReadBUID');
    return requireString(reply, 'BUID', 'usbmux ReadBUID reply');
  }

  /** The stored pair record's bytes, or undefined when usbmuxd has none for this UDID. */
  async readPairRecord(udid: string): Promise<Uint8Array | undefined> {
    const reply = await this.request({ type: 'ReadPairRecord', udid });
    const data = optionalData(reply, 'PairRecordData', 'usbmux ReadPairRecord reply');
    if (data) return data;
    const result = optionalUint(reply, 'Number', 'usbmux reply');
    if (result === MuxResult.ENOENT) return undefined;
    throw this.resultError(reply, 'ReadPairRecord');
  }

  async savePairRecord(udid: string, data: Uint8Array, deviceId?: number): Promise<void> {
    const reply = await this.request({ type: 'SavePairRecord', udid, data, ...(deviceId === undefined ? {} : { deviceId }) });
    this.expectOk(reply, 'SavePairRecord');
  }

  async deletePairRecord(udid: string): Promise<void> {
    const reply = await this.request({ type: 'DeletePairRecord', udid });
    const result = optionalUint(reply, 'Number', 'usbmux reply');
    if (result === MuxResult.ENOENT) return;
    this.expectOk(reply, 'DeletePairRecord');
  }

  /**
   * Opens a tunnel to a TCP port on the device. The returned stream carries the device service's own
   * protocol; closing it closes the device connection.
   */
  async connect(deviceId: number, port: number, timeoutMs = MUX_REPLY_TIMEOUT_MS): Promise<Duplex> {
    const socket = await this.openSocket();
    const reader = new StreamReader(socket, `usbmux ${this.describe()}`);
    try {
      const tag = this.nextTag();
      socket.write(encodePlistPacket(tag, requestToPlist({ type: 'Connect', deviceId, port })));
      const packet = await readMuxPacket(reader, { timeoutMs });
      const reply = packet.plist ?? {};
      const result = optionalUint(reply, 'Number', 'usbmux Connect reply');
      if (result !== MuxResult.OK) {
        throw new MuxError(
          `cannot connect to port ${port} of device ${deviceId}: ${RESULT_TEXT[result ?? -1] ?? `result ${String(result)}`}`,
          result ?? -1,
          result === MuxResult.BADDEV ? 'DEVICE_NOT_FOUND' : 'USBMUX_CONNECT_FAILED',
        );
      }
      const stream = reader.detach();
      stream.resume();
      return stream;
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  /**
   * Streams Attached/Detached/Paired events: first one Attached for every device already present,
   * then changes as they happen. Ends when the signal aborts; throws DisconnectedError if usbmuxd goes.
   */
  async *listen(signal?: AbortSignal): AsyncGenerator<MuxEvent> {
    const socket = await this.openSocket();
    const reader = new StreamReader(socket, `usbmux ${this.describe()}`);
    const onAbort = (): void => {
      socket.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      socket.write(encodePlistPacket(this.nextTag(), requestToPlist({ type: 'Listen' })));
      const first = await readMuxPacket(reader, { timeoutMs: MUX_REPLY_TIMEOUT_MS, ...(signal ? { signal } : {}) });
      this.expectOk(first.plist ?? {}, 'Listen');
      for (;;) {
        let packet;
        try {
          packet = await readMuxPacket(reader, signal ? { signal } : {});
        } catch (error) {
          if (signal?.aborted) return;
          throw error;
        }
        if (!packet.plist) continue;
        const event = eventFromPlist(packet.plist);
        if (event) yield event;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
    }
  }

  /** One typed request, one reply, on a fresh socket. */
  request(request: MuxRequest): Promise<PlistDict> {
    return this.requestRaw(requestToPlist(request));
  }

  /** One request of any MessageType (extensions such as the virtual iPhone's control messages). */
  async requestRaw(body: PlistDict, timeoutMs = MUX_REPLY_TIMEOUT_MS): Promise<PlistDict> {
    const socket = await this.openSocket();
    const reader = new StreamReader(socket, `usbmux ${this.describe()}`);
    try {
      const tag = this.nextTag();
      socket.write(encodePlistPacket(tag, body));
      const packet = await readMuxPacket(reader, { timeoutMs });
      if (!packet.plist) throw new ProtocolError('usbmux: reply was not a plist packet', { code: 'PROTOCOL_BAD_MESSAGE' });
      if (packet.header.tag !== tag) throw new ProtocolError(`usbmux: reply tag ${packet.header.tag} does not match request tag ${tag}`);
      return packet.plist;
    } finally {
      socket.destroy();
    }
  }

  private expectOk(reply: PlistDict, what: string): void {
    const result = optionalUint(reply, 'Number', `usbmux ${what} reply`);
    if (result !== MuxResult.OK) throw this.resultError(reply, what);
  }

  private resultError(reply: PlistDict, what: string): MuxError {
    const result = optionalUint(reply, 'Number', `usbmux ${what} reply`) ?? -1;
    return new MuxError(`usbmux ${what} failed: ${RESULT_TEXT[result] ?? `result ${result}`}`, result);
  }

  private nextTag(): number {
    this.tag = (this.tag % 0x7fffffff) + 1;
    return this.tag;
  }

  private openSocket(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket =
        this.address.kind === 'unix'
          ? net.createConnection({ path: this.address.path })
          : net.createConnection({ host: this.address.host, port: this.address.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TimeoutError(`usbmuxd at ${this.describe()} did not accept a connection within ${MUX_REPLY_TIMEOUT_MS} ms`));
      }, MUX_REPLY_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new DisconnectedError(`cannot reach usbmuxd at ${this.describe()}: ${error.code ?? error.message}`, {
            code: 'USBMUXD_UNREACHABLE',
            hint:
              'Start usbmuxd (Linux: install and run usbmuxd; Windows: Apple Devices / iTunes; macOS: built in), ' +
              'or point USBMUXD_SOCKET_ADDRESS at a running `lifeboat sim`.',
            cause: error,
          }),
        );
      });
    });
  }
}
