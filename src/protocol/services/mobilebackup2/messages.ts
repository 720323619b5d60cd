/**
 * mobilebackup2 requests and replies (DeviceLink ProcessMessage dicts), shared by host and device.
 *
 * The host says Hello with the protocol versions it speaks (reals), then sends one request
 * (Backup, Restore, Info, List, Unback, ChangePassword, EnableCloudBackup). The device then drives
 * DeviceLink file operations and ends with a ProcessMessage carrying ErrorCode (0 = success) and,
 * for Info/List, Content.
 */
import { PlistReal, type PlistDict } from '../../../plist/index.js';
import { ProtocolError } from '../../errors.js';
import { optionalBool, optionalDict, optionalString, optionalUint } from '../../wire/fields.js';

export const MOBILEBACKUP2_SERVICE = 'com.apple.mobilebackup2';
/** What hosts offer in Hello; modern devices answer 2.1. */
export const SUPPORTED_PROTOCOL_VERSIONS = [2.0, 2.1] as const;

export type Mb2RequestName = 'Backup' | 'Restore' | 'Info' | 'List' | 'Unback' | 'EnableCloudBackup';

export interface RestoreOptions {
  readonly restoreSystemFiles: boolean;
  readonly restoreShouldReboot: boolean;
  readonly restoreDontCopyBackup: boolean;
  readonly restorePreserveSettings: boolean;
  readonly removeItemsNotRestored: boolean;
  readonly password?: string;
}

export function helloMessage(): PlistDict {
  return { MessageName: 'Hello', SupportedProtocolVersions: SUPPORTED_PROTOCOL_VERSIONS.map((v) => new PlistReal(v)) };
}

export function requestMessage(name: Mb2RequestName, targetUdid: string, sourceUdid: string | undefined, options?: PlistDict): PlistDict {
  return {
    MessageName: name,
    TargetIdentifier: targetUdid,
    ...(sourceUdid ? { SourceIdentifier: sourceUdid } : {}),
    ...(options ? { Options: options } : {}),
  };
}

export function restoreOptionsToPlist(options: RestoreOptions): PlistDict {
  return {
    RestoreSystemFiles: options.restoreSystemFiles,
    RestoreShouldReboot: options.restoreShouldReboot,
    RestoreDontCopyBackup: options.restoreDontCopyBackup,
    RestorePreserveSettings: options.restorePreserveSettings,
    RemoveItemsNotRestored: options.removeItemsNotRestored,
    ...(options.password !== undefined ? { Password: options.password } : {}),
  };
}

export function restoreOptionsFromPlist(dict: PlistDict | undefined): RestoreOptions {
  const what = 'mobilebackup2 Restore options';
  const d = dict ?? {};
  const password = optionalString(d, 'Password', what);
  return {
    restoreSystemFiles: optionalBool(d, 'RestoreSystemFiles', what) ?? false,
    restoreShouldReboot: optionalBool(d, 'RestoreShouldReboot', what) ?? true,
    restoreDontCopyBackup: optionalBool(d, 'RestoreDontCopyBackup', what) ?? false,
    restorePreserveSettings: optionalBool(d, 'RestorePreserveSettings', what) ?? true,
    removeItemsNotRestored: optionalBool(d, 'RemoveItemsNotRestored', what) ?? false,
    ...(password !== undefined ? { password } : {}),
  };
}

/** ChangePassword: enable = only NewPassword; disable = only OldPassword; change = both. */
export function changePasswordMessage(targetUdid: string, oldPassword: string | undefined, newPassword: string | undefined): PlistDict {
  return {
    MessageName: 'ChangePassword',
    TargetIdentifier: targetUdid,
    ...(oldPassword !== undefined ? { OldPassword: oldPassword } : {}),
    ...(newPassword !== undefined ? { NewPassword: newPassword } : {}),
  };
}

export interface Mb2Result {
  readonly errorCode: number;
  readonly errorDescription: string | undefined;
  readonly content: string | undefined;
}

export function parseResult(dict: PlistDict): Mb2Result {
  const what = 'mobilebackup2 result';
  const raw = dict['ErrorCode'];
  const errorCode = typeof raw === 'bigint' ? Number(raw) : optionalUint(dict, 'ErrorCode', what) ?? 0;
  return { errorCode, errorDescription: optionalString(dict, 'ErrorDescription', what), content: optionalString(dict, 'Content', what) };
}

export function parseHelloReply(dict: PlistDict): number {
  const what = 'mobilebackup2 Hello reply';
  const result = parseResult(dict);
  if (result.errorCode !== 0) {
    throw new ProtocolError(`${what}: the device refused the protocol versions (ErrorCode ${result.errorCode})`, { code: 'PROTOCOL_BAD_VERSION' });
  }
  const version = dict['ProtocolVersion'];
  const value = version instanceof PlistReal ? version.value : version;
  if (typeof value !== 'number') throw new ProtocolError(`${what}: ProtocolVersion is missing`, { code: 'PROTOCOL_BAD_FIELD' });
  return value;
}

/** The request a device receives, decoded. */
export interface Mb2Request {
  readonly name: string;
  readonly targetUdid: string | undefined;
  readonly sourceUdid: string | undefined;
  readonly options: PlistDict | undefined;
  readonly raw: PlistDict;
}

export function parseRequest(dict: PlistDict): Mb2Request {
  const what = 'mobilebackup2 request';
  const name = optionalString(dict, 'MessageName', what);
  if (!name) throw new ProtocolError(`${what}: MessageName is missing`, { code: 'PROTOCOL_BAD_MESSAGE' });
  return {
    name,
    targetUdid: optionalString(dict, 'TargetIdentifier', what),
    sourceUdid: optionalString(dict, 'SourceIdentifier', what),
    options: optionalDict(dict, 'Options', what),
    raw: dict,
  };
}
