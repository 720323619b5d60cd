/**
 * ChangePassword: turning backup encryption on (NewPassword only), off (OldPassword only) or changing
 * the password (both). A wrong old password changes nothing. Observers of
 * com.apple.mobile.backup.domain_changed are told, as a phone tells them.
 */
import { timingSafeEqual } from 'node:crypto';
import type { PlistDict } from '../../../src/plist/index.js';
import type { AgentContext, AgentResult } from './agent-context.js';
import { AgentErrorCode } from './agent-context.js';
import { disableEncryption, enableEncryption, loadEncryption } from './encryption.js';

function samePassword(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function runChangePassword(context: AgentContext, request: PlistDict): Promise<AgentResult> {
  const { phone } = context;
  const oldPassword = typeof request['OldPassword'] === 'string' ? request['OldPassword'] : undefined;
  const newPassword = typeof request['NewPassword'] === 'string' ? request['NewPassword'] : undefined;
  const current = phone.state.backupEncryption ? loadEncryption(phone) : undefined;
  if (oldPassword === undefined && newPassword === undefined) return { errorCode: AgentErrorCode.INVALID_REQUEST, description: 'no password given' };
  if (newPassword !== undefined && newPassword.length === 0) return { errorCode: AgentErrorCode.INVALID_REQUEST, description: 'the new password is empty' };
  if (oldPassword === undefined) {
    if (current) return { errorCode: AgentErrorCode.INVALID_REQUEST, description: 'backup encryption is already on' };
    await enableEncryption(phone, newPassword as string, context.kdf);
  } else {
    if (!current) return { errorCode: AgentErrorCode.INVALID_REQUEST, description: 'backup encryption is not on' };
    if (!samePassword(current.password, oldPassword)) return { errorCode: AgentErrorCode.WRONG_PASSWORD, description: 'The password is incorrect' };
    if (newPassword === undefined) disableEncryption(phone);
    else await enableEncryption(phone, newPassword, context.kdf);
  }
  phone.postDeviceNotification('com.apple.mobile.backup.domain_changed');
  phone.logger.log('info', 'backup encryption changed', { udid: phone.udid, encrypted: phone.state.backupEncryption });
  return { errorCode: 0 };
}
