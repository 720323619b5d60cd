/**
 * Talks to a running virtual iPhone's control channel (see control.ts) over its usbmux socket, using
 * the shared usbmux packet codec only (the simulator never uses the host's client classes).
 */
import net from 'node:net';
import type { PlistDict } from '../src/plist/index.js';
import { encodePlistPacket, readMuxPacket } from '../src/protocol/usbmux/frames.js';
import { StreamReader } from '../src/protocol/wire/stream-reader.js';
import { LifeboatError } from '../src/util/errors.js';
import { CONTROL_REPLY } from './control.js';

const CONTROL_TIMEOUT_MS = 10_000;

export class SimControlError extends LifeboatError {
  constructor(message: string, code = 'SIM_CONTROL_FAILED') {
    super(message, { code });
  }
}

export async function simControl(socketPath: string, message: PlistDict, timeoutMs = CONTROL_TIMEOUT_MS): Promise<unknown> {
  const socket = net.createConnection({ path: socketPath });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (error: NodeJS.ErrnoException) =>
        reject(new SimControlError(`cannot reach a virtual iPhone at ${socketPath}: ${error.code ?? error.message} (start one with \`lifeboat sim --socket ${socketPath}\`)`, 'SIM_UNREACHABLE')),
      );
    });
    const reader = new StreamReader(socket, 'sim control');
    socket.write(encodePlistPacket(1, message));
    // Ground-truth replies of large phones run to megabytes; this channel talks to our own simulator.
    const packet = await readMuxPacket(reader, { timeoutMs, maxPacket: 256 * 1024 * 1024 });
    const reply = packet.plist;
    if (!reply || reply['MessageType'] !== CONTROL_REPLY) {
      throw new SimControlError(`${socketPath} is a usbmuxd but not a Lifeboat virtual iPhone`, 'SIM_NOT_A_SIMULATOR');
    }
    if (typeof reply['Error'] === 'string') throw new SimControlError(reply['Error'], 'SIM_REQUEST_REFUSED');
    if (typeof reply['Json'] !== 'string') throw new SimControlError('malformed control reply');
    return JSON.parse(reply['Json']) as unknown;
  } finally {
    socket.destroy();
  }
}
