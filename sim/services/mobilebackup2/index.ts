/**
 * The virtual iPhone's com.apple.mobilebackup2 service: DeviceLink version exchange, Hello, then the
 * host's requests — Backup, Restore, Info, List, ChangePassword — each ended by a ProcessMessage with
 * ErrorCode (0 = success). The work itself is in backup.ts, restore.ts, info-list.ts, password.ts.
 */
import type { Duplex } from 'node:stream';
import { PlistReal } from '../../../src/plist/index.js';
import { deviceVersionExchange } from '../../../src/protocol/devicelink/handshake.js';
import { DeviceLinkChannel } from '../../../src/protocol/devicelink/link.js';
import { MOBILEBACKUP2_DL_VERSION, processMessage, requireProcessDict } from '../../../src/protocol/devicelink/messages.js';
import { parseRequest } from '../../../src/protocol/services/mobilebackup2/messages.js';
import { describeError } from '../../../src/util/errors.js';
import type { ServiceHandler, VirtualIPhone } from '../../device/virtual-iphone.js';
import type { AgentContext, AgentResult } from './agent-context.js';
import { runBackup } from './backup.js';
import { HostLink } from './host-link.js';
import { runInfo, runList } from './info-list.js';
import { runChangePassword } from './password.js';
import { runRestore } from './restore.js';

/** A host that opens the service and then says nothing is dropped after this long. */
const REQUEST_TIMEOUT_MS = 10 * 60_000;

export function mobileBackup2Service(makeContext: (phone: VirtualIPhone) => AgentContext): ServiceHandler {
  return (stream: Duplex, phone: VirtualIPhone) => {
    const channel = new DeviceLinkChannel(stream, `mobilebackup2 ${phone.udid}`);
    const context = makeContext(phone);
    void serve(channel, context).catch((error: unknown) => {
      if (!stream.destroyed) phone.logger.log('warn', 'mobilebackup2 connection closed', { udid: phone.udid, reason: describeError(error) });
      stream.destroy();
    });
  };
}

async function serve(channel: DeviceLinkChannel, context: AgentContext): Promise<void> {
  await deviceVersionExchange(channel, MOBILEBACKUP2_DL_VERSION);
  const link = new HostLink(channel, context.blockSize);
  for (;;) {
    const message = await channel.receive({ timeoutMs: REQUEST_TIMEOUT_MS });
    if (message[0] === 'DLMessageDisconnect') {
      channel.close();
      return;
    }
    const request = parseRequest(requireProcessDict(message));
    let result: AgentResult;
    switch (request.name) {
      case 'Hello':
        await channel.send(processMessage({ MessageName: 'Response', ErrorCode: 0, ProtocolVersion: new PlistReal(2.1) }));
        continue;
      case 'Backup':
        result = await runBackup(link, context, request.targetUdid ?? context.phone.udid, request.options?.['ForceFullBackup'] === true);
        break;
      case 'Restore':
        result = await runRestore(link, context, request);
        break;
      case 'Info':
        result = await runInfo(link, context, request.sourceUdid ?? request.targetUdid ?? context.phone.udid);
        break;
      case 'List':
        result = await runList(link, context, request.sourceUdid ?? request.targetUdid ?? context.phone.udid);
        break;
      case 'ChangePassword':
        result = await runChangePassword(context, request.raw);
        break;
      case 'EnableCloudBackup':
        result = { errorCode: 0 };
        break;
      default:
        result = { errorCode: 1, description: `unsupported request ${request.name.slice(0, 64)}` };
    }
    await channel.send(
      processMessage({
        MessageName: 'Response',
        ErrorCode: result.errorCode,
        ...(result.description ? { ErrorDescription: result.description } : {}),
        ...(result.content !== undefined ? { Content: result.content } : {}),
      }),
    );
  }
}
