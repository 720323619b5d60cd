/**
 * The virtual iPhone's installation_proxy (`com.apple.mobile.installation_proxy`): answers Browse and
 * Lookup from the phone's installed apps (the data generator's `InstalledApp` list) plus a few
 * built-in system apps, honouring ApplicationType ("User", "System", "Any"; absent means Any) and
 * ReturnAttributes (absent means the ordinary attributes — iTunesMetadata and ApplicationSINF are
 * only sent when asked for, as a phone does).
 *
 * Browse answers come in pages, as on a phone: `{Status: BrowsingApplications, CurrentIndex,
 * CurrentAmount, Total, CurrentList}` per page, then `{Status: Complete}`. A page holds 10 apps by
 * default (what a published capture of a phone's answer shows). Unknown commands get
 * `{Error: "UnknownCommand"}`, a request without Command `{Error: "MissingCommand"}`; a malformed
 * frame closes that connection with a logged warning. The connection stays open between commands.
 */
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { PlistDict } from '../../src/plist/index.js';
import { DisconnectedError } from '../../src/protocol/errors.js';
import {
  InstproxyAttribute,
  replyToPlist,
  requestFromPlist,
  type BrowseOptions,
  type InstproxyReply,
} from '../../src/protocol/services/installation-proxy/messages.js';
import { readPlistDict, writePlistFrame } from '../../src/protocol/wire/plist-frame.js';
import { StreamReader } from '../../src/protocol/wire/stream-reader.js';
import { describeError } from '../../src/util/errors.js';
import type { InstalledApp } from '../data/types.js';
import type { ServiceHandler, VirtualIPhone } from '../device/virtual-iphone.js';

/** Where the apps come from: a DeviceFileSystem fits (it has `apps()`), or a plain list or function. */
export type AppSource = { apps(): readonly InstalledApp[] } | readonly InstalledApp[] | (() => readonly InstalledApp[]);

/** A built-in Apple app (ApplicationType "System"). */
export interface SystemApp {
  readonly bundleId: string;
  readonly name: string;
  readonly executable: string;
}

export interface InstallationProxyOptions {
  /** Apps per BrowsingApplications page (default 10). */
  readonly pageSize?: number;
  /** Built-in apps reported as ApplicationType "System" (default: a few of Apple's). */
  readonly systemApps?: readonly SystemApp[];
  readonly idleTimeoutMs?: number;
}

export const DEFAULT_SYSTEM_APPS: readonly SystemApp[] = [
  { bundleId: 'com.apple.mobilesafari', name: 'Safari', executable: 'MobileSafari' },
  { bundleId: 'com.apple.mobilemail', name: 'Mail', executable: 'MobileMail' },
  { bundleId: 'com.apple.mobileslideshow', name: 'Photos', executable: 'MobileSlideShow' },
  { bundleId: 'com.apple.camera', name: 'Camera', executable: 'Camera' },
];

const DEFAULT_PAGE_SIZE = 10;
const IDLE_TIMEOUT_MS = 10 * 60_000;
/** Attributes sent only when named in ReturnAttributes. */
const ON_REQUEST_ONLY = new Set<string>([InstproxyAttribute.ITUNES_METADATA, InstproxyAttribute.APPLICATION_SINF]);

function appsOf(source: AppSource): readonly InstalledApp[] {
  if (typeof source === 'function') return source();
  if ('apps' in source && typeof source.apps === 'function') return source.apps();
  return source as readonly InstalledApp[];
}

/** A stable UUID-shaped string per (bundle id, purpose), like the phone's container names. */
function stableUuid(bundleId: string, purpose: string): string {
  const hex = createHash('sha256').update(`${purpose}\0${bundleId}`).digest('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface DescribedApp {
  readonly type: 'User' | 'System';
  readonly bundleId: string;
  readonly attributes: PlistDict;
}

/** Every attribute the phone knows for a user app. */
export function userAppAttributes(app: InstalledApp): PlistDict {
  const executable = app.name.replace(/[^A-Za-z0-9]/g, '') || 'App';
  return {
    CFBundleIdentifier: app.bundleId,
    CFBundleDisplayName: app.name,
    CFBundleName: app.name,
    CFBundleExecutable: executable,
    CFBundleVersion: app.version,
    CFBundleShortVersionString: app.shortVersion,
    ApplicationType: 'User',
    Container: `/private/var/mobile/Containers/Data/Application/${stableUuid(app.bundleId, 'data')}`,
    Path: `/private/var/containers/Bundle/Application/${stableUuid(app.bundleId, 'bundle')}/${executable}.app`,
    iTunesMetadata: app.iTunesMetadata,
    ApplicationSINF: app.applicationSinf,
  };
}

function systemAppAttributes(app: SystemApp, iosVersion: string): PlistDict {
  return {
    CFBundleIdentifier: app.bundleId,
    CFBundleDisplayName: app.name,
    CFBundleName: app.name,
    CFBundleExecutable: app.executable,
    CFBundleVersion: '1.0',
    CFBundleShortVersionString: iosVersion,
    ApplicationType: 'System',
    Path: `/Applications/${app.executable}.app`,
  };
}

function select(apps: readonly DescribedApp[], options: BrowseOptions): DescribedApp[] {
  const type = options.applicationType ?? 'Any';
  return apps.filter((app) => type === 'Any' || app.type === type);
}

function project(app: DescribedApp, returnAttributes: readonly string[] | undefined): PlistDict {
  const out: PlistDict = {};
  if (returnAttributes === undefined) {
    for (const [key, value] of Object.entries(app.attributes)) if (!ON_REQUEST_ONLY.has(key)) out[key] = value;
    return out;
  }
  for (const key of returnAttributes) {
    const value = app.attributes[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The Browse answer as the list of replies the phone sends (pages, then Complete). */
export function browseReplies(apps: readonly DescribedApp[], options: BrowseOptions, pageSize = DEFAULT_PAGE_SIZE): InstproxyReply[] {
  const chosen = select(apps, options);
  const replies: InstproxyReply[] = [];
  for (let index = 0; index < chosen.length; index += pageSize) {
    const page = chosen.slice(index, index + pageSize).map((app) => project(app, options.returnAttributes));
    replies.push({ kind: 'page', currentIndex: index, currentAmount: page.length, total: chosen.length, currentList: page });
  }
  replies.push({ kind: 'complete', lookupResult: undefined });
  return replies;
}

export function serveInstallationProxy(source: AppSource, options: InstallationProxyOptions = {}): ServiceHandler {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`installation_proxy page size must be a positive integer (got ${pageSize})`);
  const systemApps = options.systemApps ?? DEFAULT_SYSTEM_APPS;
  return (stream: Duplex, device: VirtualIPhone) => {
    const reader = new StreamReader(stream, `installation_proxy ${device.udid}`);
    const send = (reply: InstproxyReply): void => {
      if (!stream.destroyed) writePlistFrame(stream, replyToPlist(reply));
    };
    const described = (): DescribedApp[] => [
      ...appsOf(source).map((app): DescribedApp => ({ type: 'User', bundleId: app.bundleId, attributes: userAppAttributes(app) })),
      ...systemApps.map((app): DescribedApp => ({ type: 'System', bundleId: app.bundleId, attributes: systemAppAttributes(app, device.state.productVersion) })),
    ];
    const run = async (): Promise<void> => {
      for (;;) {
        let dict: PlistDict;
        try {
          dict = await readPlistDict(reader, { timeoutMs: options.idleTimeoutMs ?? IDLE_TIMEOUT_MS, what: 'installation_proxy request' });
        } catch (error) {
          if (error instanceof DisconnectedError) return;
          throw error;
        }
        if (typeof dict['Command'] !== 'string') {
          send({ kind: 'error', error: 'MissingCommand', description: 'The request has no Command', detail: undefined });
          continue;
        }
        const request = requestFromPlist(dict);
        if ('unknown' in request) {
          send({ kind: 'error', error: 'UnknownCommand', description: `Unknown command ${request.command}`, detail: undefined });
          continue;
        }
        const apps = described();
        if (request.command === 'Browse') {
          for (const reply of browseReplies(apps, request.options, pageSize)) send(reply);
          continue;
        }
        const wanted = request.options.bundleIds ? new Set(request.options.bundleIds) : undefined;
        const lookupResult: Record<string, PlistDict> = {};
        for (const app of select(apps, request.options)) {
          if (!wanted || wanted.has(app.bundleId)) lookupResult[app.bundleId] = project(app, request.options.returnAttributes);
        }
        send({ kind: 'complete', lookupResult });
      }
    };
    void run()
      .catch((error: unknown) => {
        device.logger.log('warn', 'installation_proxy connection closed', { udid: device.udid, reason: describeError(error) });
      })
      .finally(() => stream.destroy());
  };
}
