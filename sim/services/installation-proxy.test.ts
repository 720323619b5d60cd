/**
 * The virtual iPhone's installation_proxy driven with raw plist frames and the shared message codecs
 * (sim/ may not use the host client; test/afc-interop.test.ts runs InstallationProxyClient on it).
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { PlistDict } from '../../src/plist/index.js';
import { readPlistDict, writePlistFrame } from '../../src/protocol/wire/plist-frame.js';
import { StreamReader } from '../../src/protocol/wire/stream-reader.js';
import type { InstalledApp } from '../data/types.js';
import { VirtualIPhone } from '../device/virtual-iphone.js';
import type { SimLogger } from '../log.js';
import { generateIdentity } from '../model/identity.js';
import { defaultState } from '../model/state.js';
import { MemoryStore } from '../store.js';
import { DEFAULT_SYSTEM_APPS, serveInstallationProxy, type AppSource } from './installation-proxy.js';
import { socketPair } from '../../test/support/socket-pair.js';

function makeApps(count: number): InstalledApp[] {
  return Array.from({ length: count }, (_, i) => ({
    bundleId: `com.example.app${String(i).padStart(2, '0')}`,
    name: `App ${i}`,
    version: `${100 + i}`,
    shortVersion: `1.${i}`,
    domains: [`AppDomain-com.example.app${i}`],
    iTunesMetadata: Buffer.from(`metadata-${i}`),
    applicationSinf: Buffer.from(`sinf-${i}`),
  }));
}

describe('virtual iPhone installation_proxy', () => {
  const warnings: string[] = [];
  const sockets: net.Socket[] = [];
  let phone: VirtualIPhone;
  let connect: (source: AppSource, pageSize?: number) => Promise<{ socket: net.Socket; ask: (request: PlistDict) => Promise<PlistDict[]> }>;

  before(async () => {
    const logger: SimLogger = { log: (level, message) => void (level !== 'info' && warnings.push(message)) };
    const identity = generateIdentity('instproxy-test', 0);
    phone = await VirtualIPhone.open(identity, defaultState(identity), new MemoryStore(), logger, () =>
      Promise.resolve({ publicKeyPem: Buffer.alloc(0), privateKeyPem: Buffer.alloc(0) }),
    );
    connect = async (source, pageSize) => {
      const [host, device] = await socketPair();
      sockets.push(host, device);
      serveInstallationProxy(source, pageSize !== undefined ? { pageSize } : {})(device, phone);
      const reader = new StreamReader(host, 'raw host');
      /** Sends one request and collects replies up to Complete or an Error. */
      const ask = async (request: PlistDict): Promise<PlistDict[]> => {
        writePlistFrame(host, request);
        const replies: PlistDict[] = [];
        for (;;) {
          const reply = await readPlistDict(reader, { timeoutMs: 2000 });
          replies.push(reply);
          if (reply['Status'] === 'Complete' || reply['Error'] !== undefined) return replies;
        }
      };
      return { socket: host, ask };
    };
  });
  after(() => sockets.forEach((s) => s.destroy()));

  it('pages Browse answers: BrowsingApplications pages with index, amount and total, then Complete', async () => {
    const apps = makeApps(23);
    const { ask } = await connect(apps, 10);
    const replies = await ask({ Command: 'Browse', ClientOptions: { ApplicationType: 'User' } });
    assert.equal(replies.length, 4);
    assert.deepEqual(
      replies.slice(0, 3).map((r) => [r['Status'], r['CurrentIndex'], r['CurrentAmount'], r['Total'], (r['CurrentList'] as unknown[]).length]),
      [
        ['BrowsingApplications', 0, 10, 23, 10],
        ['BrowsingApplications', 10, 10, 23, 10],
        ['BrowsingApplications', 20, 3, 23, 3],
      ],
    );
    assert.deepEqual(replies[3], { Status: 'Complete' });
    const ids = replies.slice(0, 3).flatMap((r) => (r['CurrentList'] as PlistDict[]).map((a) => a['CFBundleIdentifier']));
    assert.deepEqual(ids, apps.map((a) => a.bundleId));
  });

  it('honours ReturnAttributes, and sends iTunesMetadata/ApplicationSINF only when asked', async () => {
    const apps = makeApps(2);
    const { ask } = await connect({ apps: () => apps });
    const plain = (await ask({ Command: 'Browse', ClientOptions: { ApplicationType: 'User' } }))[0]!;
    const first = (plain['CurrentList'] as PlistDict[])[0]!;
    assert.equal(first['CFBundleDisplayName'], 'App 0');
    assert.equal(first['CFBundleVersion'], '100');
    assert.equal(first['CFBundleShortVersionString'], '1.0');
    assert.equal(first['ApplicationType'], 'User');
    assert.match(String(first['Container']), /^\/private\/var\/mobile\/Containers\/Data\/Application\/[0-9A-F-]{36}$/);
    assert.equal(first['iTunesMetadata'], undefined);
    assert.equal(first['ApplicationSINF'], undefined);

    const backup = (await ask({
      Command: 'Browse',
      ClientOptions: { ApplicationType: 'User', ReturnAttributes: ['CFBundleIdentifier', 'ApplicationSINF', 'iTunesMetadata'] },
    }))[0]!;
    const app = (backup['CurrentList'] as PlistDict[])[1]!;
    assert.deepEqual(Object.keys(app).sort(), ['ApplicationSINF', 'CFBundleIdentifier', 'iTunesMetadata']);
    assert.equal(Buffer.from(app['iTunesMetadata'] as Uint8Array).toString(), 'metadata-1');
    assert.equal(Buffer.from(app['ApplicationSINF'] as Uint8Array).toString(), 'sinf-1');
  });

  it('filters by ApplicationType: User, System, Any (the default)', async () => {
    const { ask } = await connect(() => makeApps(3), 100);
    const ids = async (type?: string): Promise<string[]> => {
      const replies = await ask({ Command: 'Browse', ClientOptions: type ? { ApplicationType: type } : {} });
      return replies.flatMap((r) => ((r['CurrentList'] as PlistDict[] | undefined) ?? []).map((a) => String(a['CFBundleIdentifier'])));
    };
    assert.equal((await ids('User')).length, 3);
    assert.deepEqual(await ids('System'), DEFAULT_SYSTEM_APPS.map((a) => a.bundleId));
    assert.equal((await ids('Any')).length, 3 + DEFAULT_SYSTEM_APPS.length);
    assert.equal((await ids()).length, 3 + DEFAULT_SYSTEM_APPS.length);
    assert.deepEqual(await ids('Internal'), []);
  });

  it('answers an empty Browse with just Complete', async () => {
    const { ask } = await connect([]);
    assert.deepEqual(await ask({ Command: 'Browse', ClientOptions: { ApplicationType: 'User' } }), [{ Status: 'Complete' }]);
  });

  it('answers Lookup with a LookupResult keyed by bundle id', async () => {
    const { ask } = await connect(makeApps(5));
    const [reply] = await ask({ Command: 'Lookup', ClientOptions: { BundleIDs: ['com.example.app03', 'com.nowhere'], ReturnAttributes: ['CFBundleVersion'] } });
    assert.deepEqual(reply, { LookupResult: { 'com.example.app03': { CFBundleVersion: '103' } }, Status: 'Complete' });
  });

  it('answers unknown and missing commands with Error and keeps the connection', async () => {
    const { ask } = await connect(makeApps(1));
    assert.equal((await ask({ Command: 'Install', PackagePath: '/x' }))[0]!['Error'], 'UnknownCommand');
    assert.equal((await ask({ Nothing: true }))[0]!['Error'], 'MissingCommand');
    assert.equal((await ask({ Command: 'Browse' })).at(-1)!['Status'], 'Complete');
  });

  it('closes the connection on a malformed request, with a logged warning', async () => {
    const { socket } = await connect(makeApps(1));
    const before = warnings.length;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    writePlistFrame(socket, { Command: 'Browse', ClientOptions: { ReturnAttributes: 'not-a-list' } });
    await closed;
    for (let i = 0; i < 50 && warnings.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(warnings.at(-1), 'installation_proxy connection closed');
  });
});
