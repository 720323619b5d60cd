/**
 * Opening the services a mobilebackup2 operation needs, the way Finder and idevicebackup2 do:
 * a trusted lockdown session, notification_proxy, AFC (for the sync lock) and mobilebackup2 itself
 * (started with the escrow bag so a locked phone can take part). The lockdown session is closed as
 * soon as the services are open; `close()` ends everything, never throwing.
 */
import { LockdownService } from '../protocol/lockdown/constants.js';
import type { LockdownClient } from '../protocol/lockdown/client.js';
import type { PairRecordStore } from '../protocol/host/pair-store.js';
import { openTrustedSession } from '../protocol/host/session.js';
import { AfcClient } from '../protocol/services/afc/client.js';
import { MobileBackup2Client } from '../protocol/services/mobilebackup2/client.js';
import { MOBILEBACKUP2_SERVICE } from '../protocol/services/mobilebackup2/messages.js';
import { NotificationProxyClient } from '../protocol/services/notification-proxy/client.js';
import { SyncNotification } from '../protocol/services/notification-proxy/messages.js';
import type { DeviceTransport } from '../protocol/transport.js';

export interface Mb2Session {
  readonly mb2: MobileBackup2Client;
  readonly notifications: NotificationProxyClient;
  readonly afc: AfcClient | undefined;
  close(): Promise<void>;
}

export async function openMb2Session(
  transport: DeviceTransport,
  pairStore: PairRecordStore,
  options: { withAfc: boolean; beforeMb2?: (lockdown: LockdownClient, afc: AfcClient | undefined) => Promise<void> },
): Promise<Mb2Session> {
  const { lockdown, record } = await openTrustedSession(transport, pairStore, 'lifeboat');
  let notifications: NotificationProxyClient | undefined;
  let afc: AfcClient | undefined;
  try {
    notifications = new NotificationProxyClient(await lockdown.openService(LockdownService.NOTIFICATION_PROXY));
    notifications.observe(SyncNotification.CANCEL_REQUEST);
    if (options.withAfc) afc = new AfcClient(await lockdown.openService(LockdownService.AFC));
    await options.beforeMb2?.(lockdown, afc);
    const stream = await lockdown.openService(MOBILEBACKUP2_SERVICE, record.escrowBag ? { escrowBag: record.escrowBag } : {});
    await lockdown.stopSession().catch(() => undefined);
    lockdown.close();
    const mb2 = await MobileBackup2Client.connect(stream);
    const np = notifications;
    const files = afc;
    return {
      mb2,
      notifications: np,
      afc: files,
      async close() {
        await mb2.disconnect();
        await files?.close();
        await np.shutdown().catch(() => undefined);
      },
    };
  } catch (error) {
    await afc?.close();
    await notifications?.shutdown().catch(() => undefined);
    lockdown.close();
    throw error;
  }
}
