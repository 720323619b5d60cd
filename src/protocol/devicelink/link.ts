/**
 * DeviceLinkChannel: one DeviceLink conversation over a (possibly TLS) stream, usable by either side.
 * Besides plist messages it gives raw byte access, because mobilebackup2 streams file contents between
 * messages without plist framing.
 */
import type { Duplex } from 'node:stream';
import type { PlistValue } from '../../plist/index.js';
import { DisconnectedError } from '../errors.js';
import { encodePlistFrame, readPlistFrame } from '../wire/plist-frame.js';
import { StreamReader, type ReadOptions } from '../wire/stream-reader.js';
import { dlMessageName } from './messages.js';

/** DeviceLink plist messages (file lists, manifests in Content) stay well below this. */
export const DL_MAX_MESSAGE = 64 * 1024 * 1024;

export class DeviceLinkChannel {
  readonly reader: StreamReader;

  constructor(
    readonly stream: Duplex,
    readonly label: string,
  ) {
    this.reader = new StreamReader(stream, label);
  }

  /** Sends a message as a binary plist; resolves once the bytes are handed to the stream (back-pressure aware). */
  send(message: PlistValue[]): Promise<void> {
    return this.write(encodePlistFrame(message, 'binary'));
  }

  async receive(options: ReadOptions = {}): Promise<PlistValue[]> {
    const value = await readPlistFrame(this.reader, { maxBytes: DL_MAX_MESSAGE, what: `${this.label} message`, ...options });
    dlMessageName(value, `${this.label} message`);
    return value as PlistValue[];
  }

  /** Writes raw bytes, waiting for the stream to drain when its buffer is full. */
  write(bytes: Uint8Array): Promise<void> {
    if (this.stream.destroyed) return Promise.reject(new DisconnectedError(`${this.label}: device disconnected (connection closed)`));
    if (this.stream.write(bytes)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        this.stream.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        this.stream.off('drain', onDrain);
        reject(new DisconnectedError(`${this.label}: device disconnected while sending`));
      };
      this.stream.once('drain', onDrain);
      this.stream.once('close', onClose);
    });
  }

  close(): void {
    this.stream.destroy();
  }
}
