/**
 * notification_proxy messages (com.apple.mobile.notification_proxy), shared by host and device.
 * Framing is the lockdown plist frame; every message is a dict with a `Command`.
 * Host → device: ObserveNotification{Name}, PostNotification{Name}, Shutdown.
 * Device → host: RelayNotification{Name} for observed names, ProxyDeath after Shutdown.
 */
import type { PlistDict } from '../../../plist/index.js';
import { ProtocolError } from '../../errors.js';
import { optionalString, requireString } from '../../wire/fields.js';

export type NotificationCommand =
  | { readonly command: 'ObserveNotification'; readonly name: string }
  | { readonly command: 'PostNotification'; readonly name: string }
  | { readonly command: 'RelayNotification'; readonly name: string }
  | { readonly command: 'Shutdown' }
  | { readonly command: 'ProxyDeath' };

/** Names of the sync notifications a backup host posts and observes. */
export const SyncNotification = {
  WILL_START: 'com.apple.itunes-mobdev.syncWillStart',
  LOCK_REQUEST: 'com.apple.itunes-mobdev.syncLockRequest',
  DID_START: 'com.apple.itunes-mobdev.syncDidStart',
  DID_FINISH: 'com.apple.itunes-mobdev.syncDidFinish',
  CANCEL_REQUEST: 'com.apple.itunes-client.syncCancelRequest',
  SUSPEND_REQUEST: 'com.apple.itunes-client.syncSuspendRequest',
  RESUME_REQUEST: 'com.apple.itunes-client.syncResumeRequest',
  BACKUP_DOMAIN_CHANGED: 'com.apple.mobile.backup.domain_changed',
} as const;

/** Notification names are short reverse-DNS strings; anything else from a peer is refused. */
const MAX_NAME_LENGTH = 256;

export function commandToPlist(message: NotificationCommand): PlistDict {
  return 'name' in message ? { Command: message.command, Name: message.name } : { Command: message.command };
}

export function commandFromPlist(dict: PlistDict): NotificationCommand {
  const what = 'notification_proxy message';
  const command = requireString(dict, 'Command', what);
  switch (command) {
    case 'ObserveNotification':
    case 'PostNotification':
    case 'RelayNotification': {
      const name = requireString(dict, 'Name', what);
      if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
        throw new ProtocolError(`${what}: notification name must be 1..${MAX_NAME_LENGTH} characters`, { code: 'PROTOCOL_BAD_FIELD' });
      }
      return { command, name };
    }
    case 'Shutdown':
    case 'ProxyDeath':
      optionalString(dict, 'Name', what);
      return { command };
    default:
      throw new ProtocolError(`${what}: unknown Command "${command.slice(0, 64)}"`, { code: 'PROTOCOL_UNKNOWN_REQUEST' });
  }
}
