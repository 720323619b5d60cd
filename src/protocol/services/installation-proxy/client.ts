/**
 * InstallationProxyClient: lists the apps installed on the phone (Browse) or looks some up by bundle
 * id (Lookup). A backup uses it for Info.plist's Applications and Installed Applications, asking for
 * `ApplicationType: "User"` and `CFBundleIdentifier`, `ApplicationSINF`, `iTunesMetadata`.
 *
 * Every reply is awaited with a timeout, the number of apps is bounded, and Browse pages are checked
 * for consistency (CurrentIndex continues where the last page ended, CurrentAmount matches the list).
 */
import type { Duplex } from 'node:stream';
import { DisconnectedError, ProtocolError } from '../../errors.js';
import { readPlistDict, writePlistFrame } from '../../wire/plist-frame.js';
import { StreamReader } from '../../wire/stream-reader.js';
import {
  InstallationProxyError,
  InstproxyAttribute,
  appInfoFromPlist,
  replyFromPlist,
  requestToPlist,
  type BrowseOptions,
  type InstalledAppInfo,
  type InstproxyRequest,
} from './messages.js';

export interface InstallationProxyClientOptions {
  /** How long to wait for each reply, in ms (default 30 s; a phone with many apps pages slowly). */
  readonly timeoutMs?: number;
  /** Refuse answers listing more apps than this (default 20 000). */
  readonly maxApps?: number;
  readonly label?: string;
}

export const INSTPROXY_REPLY_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_APPS = 20_000;
/** Progress messages are allowed, but not for ever. */
const MAX_MESSAGES = 100_000;

export class InstallationProxyClient {
  private readonly reader: StreamReader;
  private readonly timeoutMs: number;
  private readonly maxApps: number;
  private readonly label: string;
  private busy = false;

  constructor(
    private readonly stream: Duplex,
    options: InstallationProxyClientOptions = {},
  ) {
    this.label = options.label ?? 'installation_proxy';
    this.reader = new StreamReader(stream, this.label);
    this.timeoutMs = options.timeoutMs ?? INSTPROXY_REPLY_TIMEOUT_MS;
    this.maxApps = options.maxApps ?? DEFAULT_MAX_APPS;
  }

  /**
   * Lists installed apps. CFBundleIdentifier is always requested (the result is keyed by it), so a
   * ReturnAttributes list without it gets it added.
   */
  async browse(options: BrowseOptions = {}): Promise<InstalledAppInfo[]> {
    const request: InstproxyRequest = { command: 'Browse', options: withBundleId(options) };
    const apps: InstalledAppInfo[] = [];
    await this.exchange(request, (reply) => {
      if (reply.kind !== 'page') return reply.kind === 'complete';
      if (reply.currentIndex !== apps.length) {
        throw new ProtocolError(`${this.label}: Browse page starts at ${reply.currentIndex}, expected ${apps.length}`, { code: 'PROTOCOL_BAD_SEQUENCE' });
      }
      if (reply.currentAmount !== reply.currentList.length) {
        throw new ProtocolError(`${this.label}: Browse page says ${reply.currentAmount} apps but lists ${reply.currentList.length}`, { code: 'PROTOCOL_BAD_FIELD' });
      }
      if (apps.length + reply.currentList.length > this.maxApps || (reply.total ?? 0) > this.maxApps) {
        throw new ProtocolError(`${this.label}: more than ${this.maxApps} apps`, { code: 'PROTOCOL_TOO_MANY' });
      }
      for (const dict of reply.currentList) apps.push(appInfoFromPlist(dict));
      return false;
    });
    return apps;
  }

  /** Looks up apps by bundle id (all apps of the type when `bundleIds` is empty or absent). */
  async lookup(bundleIds: readonly string[] | undefined, options: BrowseOptions = {}): Promise<Map<string, InstalledAppInfo>> {
    const request: InstproxyRequest = {
      command: 'Lookup',
      options: { ...withBundleId(options), ...(bundleIds && bundleIds.length > 0 ? { bundleIds } : {}) },
    };
    const found = new Map<string, InstalledAppInfo>();
    await this.exchange(request, (reply) => {
      if (reply.kind !== 'complete') return false;
      const entries = Object.entries(reply.lookupResult ?? {});
      if (entries.length > this.maxApps) throw new ProtocolError(`${this.label}: more than ${this.maxApps} apps`, { code: 'PROTOCOL_TOO_MANY' });
      for (const [id, dict] of entries) found.set(id, appInfoFromPlist({ [InstproxyAttribute.BUNDLE_ID]: id, ...dict }));
      return true;
    });
    return found;
  }

  close(): void {
    this.stream.destroy();
  }

  /** Sends a command and feeds replies to `onReply` until it returns true; errors end the command. */
  private async exchange(request: InstproxyRequest, onReply: (reply: ReturnType<typeof replyFromPlist>) => boolean): Promise<void> {
    if (this.busy) throw new ProtocolError(`${this.label}: one command at a time`, { code: 'INSTPROXY_BUSY' });
    if (this.stream.destroyed) throw new DisconnectedError(`${this.label}: connection already closed`);
    this.busy = true;
    try {
      writePlistFrame(this.stream, requestToPlist(request));
      for (let i = 0; i < MAX_MESSAGES; i++) {
        const dict = await readPlistDict(this.reader, { timeoutMs: this.timeoutMs, what: `${this.label} ${request.command} reply` });
        const reply = replyFromPlist(dict);
        if (reply.kind === 'error') throw new InstallationProxyError(reply.error, reply.description, reply.detail, request.command);
        if (onReply(reply)) return;
      }
      throw new ProtocolError(`${this.label}: ${request.command} never completed`, { code: 'PROTOCOL_TOO_MANY' });
    } catch (error) {
      // After a timeout or a malformed reply the stream is out of step; a device error leaves it usable.
      if (!(error instanceof InstallationProxyError)) this.stream.destroy();
      throw error;
    } finally {
      this.busy = false;
    }
  }
}

function withBundleId(options: BrowseOptions): BrowseOptions {
  const attrs = options.returnAttributes;
  if (attrs === undefined || attrs.includes(InstproxyAttribute.BUNDLE_ID)) return options;
  return { ...options, returnAttributes: [InstproxyAttribute.BUNDLE_ID, ...attrs] };
}
