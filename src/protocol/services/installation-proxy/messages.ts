/**
 * installation_proxy messages (`com.apple.mobile.installation_proxy`), shared by host and device.
 * Framing is the lockdown plist frame.
 *
 * Host → device: `{Command: "Browse", ClientOptions: {ApplicationType, ReturnAttributes}}` and
 * `{Command: "Lookup", ClientOptions: {BundleIDs, ApplicationType, ReturnAttributes}}`.
 * Device → host for Browse: zero or more `{Status: "BrowsingApplications", CurrentIndex,
 * CurrentAmount, Total, CurrentList: [app dict…]}` pages, then `{Status: "Complete"}`; for Lookup one
 * `{LookupResult: {bundle id: app dict}, Status: "Complete"}`; on failure `{Error, ErrorDescription}`
 * (libimobiledevice reads Error, ErrorDescription and ErrorDetail; it stops at Error or "Complete").
 *
 * App dicts use Apple's attribute names. iTunesMetadata and ApplicationSINF (opaque data a backup
 * copies into Info.plist) are only sent when asked for in ReturnAttributes.
 */
import type { PlistDict, PlistValue } from '../../../plist/index.js';
import { DeviceError, ProtocolError } from '../../errors.js';
import { optionalArray, optionalData, optionalDict, optionalString, optionalUint, requireString } from '../../wire/fields.js';
import { isPlistDict } from '../../wire/plist-frame.js';

/** "User" (App Store and developer apps), "System" (Apple's built-ins), "Internal", or "Any". */
export type ApplicationType = 'User' | 'System' | 'Internal' | 'Any';

export const InstproxyAttribute = {
  BUNDLE_ID: 'CFBundleIdentifier',
  DISPLAY_NAME: 'CFBundleDisplayName',
  NAME: 'CFBundleName',
  VERSION: 'CFBundleVersion',
  SHORT_VERSION: 'CFBundleShortVersionString',
  EXECUTABLE: 'CFBundleExecutable',
  APPLICATION_TYPE: 'ApplicationType',
  CONTAINER: 'Container',
  PATH: 'Path',
  ITUNES_METADATA: 'iTunesMetadata',
  APPLICATION_SINF: 'ApplicationSINF',
} as const;

/** What idevicebackup2 asks for to build Info.plist's Applications. */
export const BACKUP_RETURN_ATTRIBUTES: readonly string[] = [InstproxyAttribute.BUNDLE_ID, InstproxyAttribute.APPLICATION_SINF, InstproxyAttribute.ITUNES_METADATA];

export interface BrowseOptions {
  readonly applicationType?: ApplicationType | string;
  /** Attributes to return; all the ordinary ones when absent. */
  readonly returnAttributes?: readonly string[];
}

export interface LookupOptions extends BrowseOptions {
  readonly bundleIds?: readonly string[];
}

export type InstproxyRequest =
  | { readonly command: 'Browse'; readonly options: BrowseOptions }
  | { readonly command: 'Lookup'; readonly options: LookupOptions };

/** One page of a Browse answer. */
export interface BrowsePage {
  readonly kind: 'page';
  readonly currentIndex: number;
  readonly currentAmount: number;
  readonly total: number | undefined;
  readonly currentList: readonly PlistDict[];
}

export type InstproxyReply =
  | BrowsePage
  | { readonly kind: 'complete'; readonly lookupResult: Readonly<Record<string, PlistDict>> | undefined }
  /** A status other than BrowsingApplications/Complete (install progress etc.). */
  | { readonly kind: 'progress'; readonly status: string; readonly percentComplete: number | undefined }
  | { readonly kind: 'error'; readonly error: string; readonly description: string | undefined; readonly detail: number | undefined };

/** An installed app as installation_proxy describes it (attributes absent when not requested). */
export interface InstalledAppInfo {
  readonly bundleId: string;
  readonly displayName: string | undefined;
  readonly bundleName: string | undefined;
  readonly version: string | undefined;
  readonly shortVersion: string | undefined;
  readonly applicationType: string | undefined;
  /** The app's data container path on the phone. */
  readonly container: string | undefined;
  readonly path: string | undefined;
  readonly iTunesMetadata: Uint8Array | undefined;
  readonly applicationSinf: Uint8Array | undefined;
  /** Every attribute as the device sent it. */
  readonly attributes: PlistDict;
}

/** An `Error` answer from installation_proxy, carrying its error name (e.g. "UnknownCommand"). */
export class InstallationProxyError extends DeviceError {
  readonly detail: number | undefined;

  constructor(error: string, description: string | undefined, detail: number | undefined, command: string) {
    super(error, `installation_proxy ${command} failed: ${error}${description ? ` (${description})` : ''}`, { code: `INSTPROXY_${error}` });
    this.detail = detail;
  }
}

/** Bounds on what a peer may send: bundle ids and attribute names are short, lists modest. */
const MAX_NAME = 1024;
const MAX_LIST = 100_000;

function stringList(dict: PlistDict, key: string, what: string): string[] | undefined {
  const list = optionalArray(dict, key, what);
  if (list === undefined) return undefined;
  if (list.length > MAX_LIST) throw new ProtocolError(`${what}: ${key} has ${list.length} entries`, { code: 'PROTOCOL_BAD_FIELD' });
  return list.map((item) => {
    if (typeof item !== 'string' || item.length === 0 || item.length > MAX_NAME) {
      throw new ProtocolError(`${what}: ${key} must hold non-empty strings`, { code: 'PROTOCOL_BAD_FIELD' });
    }
    return item;
  });
}

function optionsToPlist(options: LookupOptions): PlistDict {
  const out: PlistDict = {};
  if (options.applicationType !== undefined) out['ApplicationType'] = options.applicationType;
  if (options.returnAttributes !== undefined) out['ReturnAttributes'] = [...options.returnAttributes];
  if (options.bundleIds !== undefined) out['BundleIDs'] = [...options.bundleIds];
  return out;
}

export function requestToPlist(request: InstproxyRequest): PlistDict {
  return { Command: request.command, ClientOptions: optionsToPlist(request.options) };
}

/** Parses a host request. Unknown commands come back as `{command: <name>}` for an error reply. */
export function requestFromPlist(dict: PlistDict): InstproxyRequest | { readonly command: string; readonly unknown: true } {
  const what = 'installation_proxy request';
  const command = requireString(dict, 'Command', what);
  const client = optionalDict(dict, 'ClientOptions', what) ?? {};
  const applicationType = optionalString(client, 'ApplicationType', what);
  const returnAttributes = stringList(client, 'ReturnAttributes', what);
  const base: BrowseOptions = {
    ...(applicationType !== undefined ? { applicationType } : {}),
    ...(returnAttributes !== undefined ? { returnAttributes } : {}),
  };
  switch (command) {
    case 'Browse':
      return { command, options: base };
    case 'Lookup': {
      const bundleIds = stringList(client, 'BundleIDs', what);
      return { command, options: { ...base, ...(bundleIds !== undefined ? { bundleIds } : {}) } };
    }
    default:
      return { command: command.slice(0, 128), unknown: true };
  }
}

export function replyToPlist(reply: InstproxyReply): PlistDict {
  switch (reply.kind) {
    case 'page':
      return {
        Status: 'BrowsingApplications',
        CurrentIndex: reply.currentIndex,
        CurrentAmount: reply.currentAmount,
        ...(reply.total !== undefined ? { Total: reply.total } : {}),
        CurrentList: [...reply.currentList],
      };
    case 'complete':
      return reply.lookupResult !== undefined ? { LookupResult: { ...reply.lookupResult }, Status: 'Complete' } : { Status: 'Complete' };
    case 'progress':
      return { Status: reply.status, ...(reply.percentComplete !== undefined ? { PercentComplete: reply.percentComplete } : {}) };
    case 'error':
      return {
        Error: reply.error,
        ...(reply.description !== undefined ? { ErrorDescription: reply.description } : {}),
        ...(reply.detail !== undefined ? { ErrorDetail: reply.detail } : {}),
      };
  }
}

export function replyFromPlist(dict: PlistDict): InstproxyReply {
  const what = 'installation_proxy reply';
  const error = optionalString(dict, 'Error', what);
  if (error !== undefined) {
    return { kind: 'error', error, description: optionalString(dict, 'ErrorDescription', what), detail: optionalUint(dict, 'ErrorDetail', what) };
  }
  const status = requireString(dict, 'Status', what);
  if (status === 'Complete') {
    const result = optionalDict(dict, 'LookupResult', what);
    if (result === undefined) return { kind: 'complete', lookupResult: undefined };
    const lookupResult: Record<string, PlistDict> = {};
    for (const [id, value] of Object.entries(result)) {
      if (!isPlistDict(value)) throw new ProtocolError(`${what}: LookupResult["${id.slice(0, 64)}"] is not a dictionary`, { code: 'PROTOCOL_BAD_FIELD' });
      lookupResult[id] = value;
    }
    return { kind: 'complete', lookupResult };
  }
  if (status === 'BrowsingApplications') {
    const list = optionalArray(dict, 'CurrentList', what) ?? [];
    const currentList = list.map((item: PlistValue) => {
      if (!isPlistDict(item)) throw new ProtocolError(`${what}: CurrentList holds something other than dictionaries`, { code: 'PROTOCOL_BAD_FIELD' });
      return item;
    });
    return {
      kind: 'page',
      currentIndex: optionalUint(dict, 'CurrentIndex', what) ?? 0,
      currentAmount: optionalUint(dict, 'CurrentAmount', what) ?? currentList.length,
      total: optionalUint(dict, 'Total', what),
      currentList,
    };
  }
  return { kind: 'progress', status, percentComplete: optionalUint(dict, 'PercentComplete', what, 100) };
}

/** Types the attributes a host cares about; every attribute stays available in `attributes`. */
export function appInfoFromPlist(dict: PlistDict): InstalledAppInfo {
  const what = 'installation_proxy app';
  const a = InstproxyAttribute;
  return {
    bundleId: requireString(dict, a.BUNDLE_ID, what),
    displayName: optionalString(dict, a.DISPLAY_NAME, what),
    bundleName: optionalString(dict, a.NAME, what),
    version: optionalString(dict, a.VERSION, what),
    shortVersion: optionalString(dict, a.SHORT_VERSION, what),
    applicationType: optionalString(dict, a.APPLICATION_TYPE, what),
    container: optionalString(dict, a.CONTAINER, what),
    path: optionalString(dict, a.PATH, what),
    iTunesMetadata: optionalData(dict, a.ITUNES_METADATA, what),
    applicationSinf: optionalData(dict, a.APPLICATION_SINF, what),
    attributes: dict,
  };
}
