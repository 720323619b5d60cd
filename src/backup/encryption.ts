/**
 * Turning backup encryption on or off, or changing its password, on the phone (mobilebackup2
 * ChangePassword). The phone decides; a wrong current password changes nothing on the phone and
 * nothing in any backup. Passwords only travel inside the TLS-protected service connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceError } from '../protocol/errors.js';
import { LockdownDomain } from '../protocol/lockdown/constants.js';
import type { PairRecordStore } from '../protocol/host/pair-store.js';
import type { DeviceTransport } from '../protocol/transport.js';
import { runDeviceLinkLoop } from './device-link-loop.js';
import { BackupError } from './errors.js';
import { BackupRoot } from './safe-path.js';
import { openMb2Session } from './session.js';

export type EncryptionChange =
  | { readonly action: 'on'; readonly newPassword: string }
  | { readonly action: 'off'; readonly oldPassword: string }
  | { readonly action: 'change'; readonly oldPassword: string; readonly newPassword: string };

export async function changeBackupEncryption(transport: DeviceTransport, pairStore: PairRecordStore, change: EncryptionChange): Promise<{ encrypted: boolean }> {
  let encrypted = false;
  const session = await openMb2Session(transport, pairStore, {
    withAfc: false,
    beforeMb2: async (lockdown) => {
      encrypted = (await lockdown.getValue(LockdownDomain.BACKUP, 'WillEncrypt').catch(() => undefined)) === true;
    },
  });
  // ChangePassword needs no file operations: an empty folder no device path may enter.
  const empty = mkdtempSync(join(tmpdir(), 'lifeboat-nofiles-'));
  try {
    if (change.action === 'on' && encrypted) throw new BackupError('backup encryption is already on', { code: 'ENCRYPTION_ALREADY_ON', hint: 'Use `lifeboat encryption change` to set a new password.' });
    if (change.action !== 'on' && !encrypted) throw new BackupError('backup encryption is not on', { code: 'ENCRYPTION_NOT_ON', hint: 'Use `lifeboat encryption on`.' });
    const oldPassword = change.action === 'on' ? undefined : change.oldPassword;
    const newPassword = change.action === 'off' ? undefined : change.newPassword;
    await session.mb2.sendChangePassword(transport.udid, oldPassword, newPassword);
    try {
      await runDeviceLinkLoop(session.mb2.channel, new BackupRoot(empty, []));
    } catch (error) {
      if (error instanceof DeviceError && /password/i.test(error.message)) {
        throw new BackupError('the current backup password is wrong; nothing was changed', { code: 'BACKUP_WRONG_PASSWORD', cause: error });
      }
      throw error;
    }
    return { encrypted: change.action !== 'off' };
  } finally {
    rmSync(empty, { recursive: true, force: true });
    await session.close();
  }
}
