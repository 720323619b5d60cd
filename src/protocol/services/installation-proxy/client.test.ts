import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, describe, it } from 'node:test';
import type { PlistDict } from '../../../plist/index.js';
import { ProtocolError, TimeoutError } from '../../errors.js';
import { readPlistDict, writePlistFrame } from '../../wire/plist-frame.js';
import { StreamReader } from '../../wire/stream-reader.js';
import { InstallationProxyClient } from './client.js';
import { InstallationProxyError, appInfoFromPlist, replyFromPlist, replyToPlist, requestFromPlist, requestToPlist } from './messages.js';
import { socketPair } from '../../../../test/support/socket-pair.js';

/** A scripted phone answering each request with a fixed list of replies. */
function fakePhone(socket: net.Socket, answer: (request: PlistDict) => PlistDict[]): PlistDict[] {
  const seen: PlistDict[] = [];
  const reader = new StreamReader(socket, 'fake phone');
  void (async () => {
    for (;;) {
      const request = await readPlistDict(reader);
      seen.push(request);
      for (const reply of answer(request)) writePlistFrame(socket, reply);
    }
  })().catch(() => socket.destroy());
  return seen;
}

const app = (id: string): PlistDict => ({ CFBundleIdentifier: id, CFBundleDisplayName: id.toUpperCase(), CFBundleVersion: '1', ApplicationType: 'User' });

describe('installation_proxy messages', () => {
  it('round-trips requests and replies', () => {
    const request = { command: 'Lookup' as const, options: { applicationType: 'User', returnAttributes: ['CFBundleIdentifier'], bundleIds: ['a.b'] } };
    assert.deepEqual(requestToPlist(request), { Command: 'Lookup', ClientOptions: { ApplicationType: 'User', ReturnAttributes: ['CFBundleIdentifier'], BundleIDs: ['a.b'] } });
    assert.deepEqual(requestFromPlist(requestToPlist(request)), request);
    assert.deepEqual(requestFromPlist({ Command: 'Uninstall' }), { command: 'Uninstall', unknown: true });
    const page = { kind: 'page' as const, currentIndex: 10, currentAmount: 1, total: 11, currentList: [app('x.y')] };
    assert.deepEqual(replyFromPlist(replyToPlist(page)), page);
    assert.deepEqual(replyFromPlist({ Error: 'APIInternalError', ErrorDescription: 'oops', ErrorDetail: 5 }), {
      kind: 'error',
      error: 'APIInternalError',
      description: 'oops',
      detail: 5,
    });
  });

  it('types app attributes and refuses wrong types', () => {
    const info = appInfoFromPlist({ ...app('x.y'), iTunesMetadata: Buffer.from('m'), Container: '/c' });
    assert.equal(info.bundleId, 'x.y');
    assert.equal(info.displayName, 'X.Y');
    assert.equal(info.container, '/c');
    assert.equal(Buffer.from(info.iTunesMetadata!).toString(), 'm');
    assert.equal(info.applicationSinf, undefined);
    assert.throws(() => appInfoFromPlist({ CFBundleIdentifier: 5 }), ProtocolError);
    assert.throws(() => appInfoFromPlist({ CFBundleIdentifier: 'x', iTunesMetadata: 'not data' }), ProtocolError);
    assert.throws(() => replyFromPlist({ Status: 'BrowsingApplications', CurrentList: ['nope'] }), ProtocolError);
    assert.throws(() => requestFromPlist({ Command: 'Browse', ClientOptions: { ReturnAttributes: [1] } }), ProtocolError);
  });
});

describe('InstallationProxyClient against a scripted phone', () => {
  const sockets: net.Socket[] = [];
  const pair = async (): Promise<[net.Socket, net.Socket]> => {
    const p = await socketPair();
    sockets.push(...p);
    return p;
  };
  after(() => sockets.forEach((s) => s.destroy()));

  it('collects pages until Complete and always asks for CFBundleIdentifier', async () => {
    const [host, phone] = await pair();
    const seen = fakePhone(phone, (): PlistDict[] => [
      { Status: 'BrowsingApplications', CurrentIndex: 0, CurrentAmount: 2, Total: 3, CurrentList: [app('a.a'), app('b.b')] },
      { Status: 'BrowsingApplications', CurrentIndex: 2, CurrentAmount: 1, Total: 3, CurrentList: [app('c.c')] },
      { Status: 'Complete' },
    ]);
    const client = new InstallationProxyClient(host, { timeoutMs: 2000 });
    const apps = await client.browse({ applicationType: 'User', returnAttributes: ['iTunesMetadata'] });
    assert.deepEqual(
      apps.map((a) => a.bundleId),
      ['a.a', 'b.b', 'c.c'],
    );
    assert.deepEqual(seen[0], { Command: 'Browse', ClientOptions: { ApplicationType: 'User', ReturnAttributes: ['CFBundleIdentifier', 'iTunesMetadata'] } });
  });

  it('refuses pages that skip or repeat apps', async () => {
    const [host, phone] = await pair();
    fakePhone(phone, (): PlistDict[] => [
      { Status: 'BrowsingApplications', CurrentIndex: 0, CurrentAmount: 1, CurrentList: [app('a.a')] },
      { Status: 'BrowsingApplications', CurrentIndex: 5, CurrentAmount: 1, CurrentList: [app('b.b')] },
      { Status: 'Complete' },
    ]);
    await assert.rejects(new InstallationProxyClient(host, { timeoutMs: 2000 }).browse(), (e: unknown) => e instanceof ProtocolError && e.code === 'PROTOCOL_BAD_SEQUENCE');
    const [host2, phone2] = await pair();
    fakePhone(phone2, () => [{ Status: 'BrowsingApplications', CurrentIndex: 0, CurrentAmount: 3, CurrentList: [app('a.a')] }]);
    await assert.rejects(new InstallationProxyClient(host2, { timeoutMs: 2000 }).browse(), ProtocolError);
  });

  it('bounds the number of apps', async () => {
    const [host, phone] = await pair();
    fakePhone(phone, () => [{ Status: 'BrowsingApplications', CurrentIndex: 0, CurrentAmount: 3, CurrentList: [app('a'), app('b'), app('c')] }]);
    await assert.rejects(new InstallationProxyClient(host, { timeoutMs: 2000, maxApps: 2 }).browse(), (e: unknown) => e instanceof ProtocolError && e.code === 'PROTOCOL_TOO_MANY');
  });

  it('turns Error replies into InstallationProxyError and keeps the connection', async () => {
    const [host, phone] = await pair();
    let first = true;
    fakePhone(phone, () => {
      if (first) {
        first = false;
        return [{ Error: 'LookupFailed', ErrorDescription: 'nope' }];
      }
      return [{ LookupResult: { 'a.a': { CFBundleVersion: '3' } }, Status: 'Complete' }];
    });
    const client = new InstallationProxyClient(host, { timeoutMs: 2000 });
    await assert.rejects(client.lookup(['a.a']), (e: unknown) => e instanceof InstallationProxyError && e.deviceError === 'LookupFailed' && e.code === 'INSTPROXY_LookupFailed');
    const found = await client.lookup(['a.a']);
    assert.equal(found.get('a.a')?.version, '3');
    assert.equal(found.get('a.a')?.bundleId, 'a.a');
  });

  it('bounds every wait', async () => {
    const [host, phone] = await pair();
    fakePhone(phone, () => [{ Status: 'BrowsingApplications', CurrentIndex: 0, CurrentAmount: 0, CurrentList: [] }]);
    await assert.rejects(new InstallationProxyClient(host, { timeoutMs: 50 }).browse(), TimeoutError);
  });
});
