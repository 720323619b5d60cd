/**
 * MobileBackup2Client: the host end of com.apple.mobilebackup2 — DeviceLink version exchange, Hello,
 * then one request. The file operations the device drives afterwards are answered by the backup
 * engine (src/backup), which owns the folder they act on; this class only speaks the protocol.
 */
import type { Duplex } from 'node:stream';
import type { PlistDict, PlistValue } from '../../../plist/index.js';
import { DeviceError, ProtocolError } from '../../errors.js';
import { hostVersionExchange } from '../../devicelink/handshake.js';
import { DeviceLinkChannel } from '../../devicelink/link.js';
import { disconnectMessage, MOBILEBACKUP2_DL_VERSION, processMessage, requireProcessDict } from '../../devicelink/messages.js';
import { changePasswordMessage, helloMessage, parseHelloReply, parseResult, requestMessage, type Mb2RequestName } from './messages.js';

const HELLO_TIMEOUT_MS = 30_000;

export class MobileBackup2Client {
  private constructor(
    readonly channel: DeviceLinkChannel,
    readonly protocolVersion: number,
  ) {}

  static async connect(stream: Duplex, label = 'mobilebackup2'): Promise<MobileBackup2Client> {
    const channel = new DeviceLinkChannel(stream, label);
    try {
      await hostVersionExchange(channel, MOBILEBACKUP2_DL_VERSION);
      await channel.send(processMessage(helloMessage()));
      const reply = await channel.receive({ timeoutMs: HELLO_TIMEOUT_MS });
      const version = parseHelloReply(requireProcessDict(reply));
      return new MobileBackup2Client(channel, version);
    } catch (error) {
      channel.close();
      throw error;
    }
  }

  sendRequest(name: Mb2RequestName, targetUdid: string, sourceUdid: string | undefined, options?: PlistDict): Promise<void> {
    return this.channel.send(processMessage(requestMessage(name, targetUdid, sourceUdid, options)));
  }

  sendChangePassword(targetUdid: string, oldPassword: string | undefined, newPassword: string | undefined): Promise<void> {
    return this.channel.send(processMessage(changePasswordMessage(targetUdid, oldPassword, newPassword)));
  }

  /** Says goodbye the DeviceLink way, then closes (never throws: the device may already be gone). */
  async disconnect(): Promise<void> {
    try {
      await this.channel.send(disconnectMessage());
    } catch {
      // nothing to do: closing below is what matters
    }
    this.channel.close();
  }
}

/** Turns a final ProcessMessage into a result, raising a DeviceError for a non-zero ErrorCode. */
export function finalResult(message: PlistValue[]): { content: string | undefined } {
  const result = parseResult(requireProcessDict(message));
  if (result.errorCode !== 0) {
    throw new DeviceError(`MB2_${result.errorCode}`, `the iPhone ended the operation with error ${result.errorCode}${result.errorDescription ? `: ${result.errorDescription}` : ''}`, {
      code: 'BACKUP_DEVICE_FAILED',
      hint: 'Unlock the iPhone, keep it connected, and try again; `lifeboat doctor` explains common causes.',
      retryable: true,
    });
  }
  return { content: result.content };
}

export function unexpectedMessage(name: string): ProtocolError {
  return new ProtocolError(`mobilebackup2: unexpected message ${name.slice(0, 64)}`, { code: 'PROTOCOL_BAD_MESSAGE' });
}
