/** Names and numbers of lockdownd shared by the host client and the virtual iPhone's server. */

/** lockdownd's well-known TCP port on every iPhone (usbmux carries it byte-swapped: 32498). */
export const LOCKDOWN_PORT = 62078;

/** QueryType's answer from a phone in normal mode (restore mode answers com.apple.mobile.restored). */
export const LOCKDOWN_TYPE = 'com.apple.mobile.lockdown';

/** The pairing protocol version every current host sends, as a string. */
export const PAIRING_PROTOCOL_VERSION = '2';

export const LockdownDomain = {
  BATTERY: 'com.apple.mobile.battery',
  DISK_USAGE: 'com.apple.disk_usage',
  BACKUP: 'com.apple.mobile.backup',
  WIRELESS_LOCKDOWN: 'com.apple.mobile.wireless_lockdown',
  INTERNATIONAL: 'com.apple.international',
} as const;

export const LockdownService = {
  NOTIFICATION_PROXY: 'com.apple.mobile.notification_proxy',
  AFC: 'com.apple.afc',
  MOBILEBACKUP2: 'com.apple.mobilebackup2',
  INSTALLATION_PROXY: 'com.apple.mobile.installation_proxy',
} as const;
