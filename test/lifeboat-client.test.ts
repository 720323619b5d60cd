/**
 * Lifeboat's own host stack against the virtual iPhone, and trust shared with libimobiledevice:
 * pairing, a TLS session, a service connection, values equal to ideviceinfo's, unplug handling.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DisconnectedError, DeviceError } from '../src/protocol/errors.js';
import { LockdownDomain, LockdownService } from '../src/protocol/lockdown/constants.js';
import { LockdownClient } from '../src/protocol/lockdown/client.js';
import { UsbmuxPairRecordStore } from '../src/protocol/host/pair-store.js';
import { pairDevice, unpairDevice } from '../src/protocol/host/pairing-flow.js';
import { openTrustedSession } from '../src/protocol/host/session.js';
import { NotificationProxyClient } from '../src/protocol/services/notification-proxy/client.js';
import { UsbmuxTransport } from '../src/protocol/transport.js';
import { requireTool } from './support/require-tool.js';
import { run, startSimHarness, type SimHarness } from './support/sim-harness.js';

/** Every wait in these tests is bounded: a missing event fails the test instead of hanging it. */
function withTimeout<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no result within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

describe('Lifeboat host stack against the virtual iPhone', () => {
  let sim: SimHarness;
  let store: UsbmuxPairRecordStore;
  const transport = (udid: string): Promise<UsbmuxTransport> => sim.transport(udid);

  before(async () => {
    sim = await startSimHarness({ devices: 2 });
    store = new UsbmuxPairRecordStore(sim.mux);
  });
  after(async () => {
    await sim.close();
  });

  it('lists both devices with their connection types and reads the system BUID', async () => {
    const devices = await sim.mux.listDevices();
    assert.deepEqual(
      devices.map((d) => [d.udid, d.connectionType]).sort(),
      [
        [sim.usbUdid, 'USB'],
        [sim.networkUdid, 'Network'],
      ].sort(),
    );
    assert.equal(await sim.mux.readBuid(), sim.simulator.systemBuid);
  });

  it('waits while the phone asks to Trust, then pairs, opens TLS, reads values and a service', async () => {
    const udid = sim.usbUdid;
    sim.set(udid, 'passcode=true', 'locked=false', 'trust=pending');
    const listening = new AbortController();
    const events = sim.mux.listen(listening.signal);
    assert.equal((await withTimeout(events.next())).value?.type, 'Attached'); // the Listen is now active
    const waits: string[] = [];
    const pairing = pairDevice(await transport(udid), store, {
      waitMs: 10_000,
      onWaiting: (error) => {
        waits.push(error.deviceError);
        if (waits.length === 2) sim.set(udid, 'trust=accept');
      },
    });
    const record = await pairing;
    assert.deepEqual(waits.slice(0, 2), ['PairingDialogResponsePending', 'PairingDialogResponsePending']);
    assert.ok(record.escrowBag && record.escrowBag.length > 0);
    assert.equal(record.wifiMacAddress, sim.simulator.phone(udid)!.identity.wifiAddress);
    // usbmuxd tells listeners that the device is now paired (SavePairRecord carried its DeviceID).
    const usbId = (await sim.mux.listDevices()).find((d) => d.udid === udid && d.connectionType === 'USB')!.deviceId;
    let paired = false;
    for (let i = 0; i < 6 && !paired; i++) {
      const event = await withTimeout(events.next());
      if (event.value?.type === 'Paired' && event.value.deviceId === usbId) paired = true;
    }
    assert.ok(paired, 'a Paired event for the USB device');
    listening.abort();
    await events.return(undefined);

    const { lockdown } = await openTrustedSession(await transport(udid), store);
    try {
      assert.equal(lockdown.inSession, true);
      assert.equal(await lockdown.getValue(undefined, 'UniqueDeviceID'), udid);
      const battery = await lockdown.getValue(LockdownDomain.BATTERY);
      assert.equal(typeof battery === 'object' && battery !== null && 'BatteryCurrentCapacity' in battery, true);
      const service = await lockdown.openService(LockdownService.NOTIFICATION_PROXY);
      const proxy = new NotificationProxyClient(service);
      proxy.post('com.apple.itunes-mobdev.syncWillStart');
      proxy.observe('com.apple.itunes-client.syncCancelRequest');
      await new Promise((resolve) => setTimeout(resolve, 50));
      sim.simulator.phone(udid)!.postDeviceNotification('com.apple.itunes-client.syncCancelRequest');
      assert.equal(await proxy.next({ timeoutMs: 2000 }), 'com.apple.itunes-client.syncCancelRequest');
      await proxy.shutdown();
      assert.ok(sim.simulator.phone(udid)!.postedNotifications.includes('com.apple.itunes-mobdev.syncWillStart'));
      await lockdown.stopSession();
    } finally {
      lockdown.close();
    }
  });

  it('reads the same values ideviceinfo shows, with the pairing Lifeboat made', async (t) => {
    if (!requireTool(t, 'ideviceinfo')) return;
    const udid = sim.usbUdid;
    const info = await run('ideviceinfo', ['-u', udid, '-k', 'ProductVersion'], sim.env);
    assert.equal(info.code, 0, info.stderr + info.stdout);
    const { lockdown } = await openTrustedSession(await transport(udid), store);
    try {
      assert.equal(await lockdown.getValue(undefined, 'ProductVersion'), info.stdout.trim());
      const all = await run('ideviceinfo', ['-u', udid], sim.env);
      const theirs = new Map(all.stdout.split('\n').map((l) => l.split(': ') as [string, string]));
      const ours = await lockdown.getValue();
      assert.ok(ours && typeof ours === 'object' && !Array.isArray(ours));
      for (const key of ['DeviceName', 'ProductType', 'BuildVersion', 'SerialNumber', 'UniqueChipID', 'WiFiAddress']) {
        assert.equal(String((ours as Record<string, unknown>)[key]), theirs.get(key), key);
      }
    } finally {
      lockdown.close();
    }
  });

  it('trusts a pairing made by idevicepair, and idevicepair validates one made by Lifeboat', async (t) => {
    if (!requireTool(t, 'idevicepair')) return;
    const udid = sim.usbUdid;
    await unpairDevice(await transport(udid), store);
    assert.equal(await store.read(udid), undefined);
    sim.set(udid, 'trust=accept', 'locked=false');
    const paired = await run('idevicepair', ['-u', udid, 'pair'], sim.env);
    assert.equal(paired.code, 0, paired.stdout);
    const { lockdown, record } = await openTrustedSession(await transport(udid), store);
    assert.equal(record.hostId, sim.simulator.phone(udid)!.pairedHosts()[0]!.hostId);
    lockdown.close();

    await unpairDevice(await transport(udid), store);
    sim.set(udid, 'trust=accept');
    await pairDevice(await transport(udid), store);
    const validated = await run('idevicepair', ['-u', udid, 'validate'], sim.env);
    assert.equal(validated.code, 0, validated.stdout);
  });

  it('reports InvalidHostID with a re-pair hint when the phone forgot this computer', async () => {
    const udid = sim.usbUdid;
    const phone = sim.simulator.phone(udid)!;
    for (const host of phone.pairedHosts()) phone.removePairedHost(host.hostId);
    await assert.rejects(openTrustedSession(await transport(udid), store), (error: unknown) => {
      assert.ok(error instanceof DeviceError);
      assert.equal(error.deviceError, 'InvalidHostID');
      assert.match(error.hint ?? '', /pair/i);
      return true;
    });
    sim.set(udid, 'trust=accept');
    await pairDevice(await transport(udid), store);
  });

  it('refuses to pair over the network, as a phone does', async () => {
    const udid = sim.networkUdid!;
    await assert.rejects(pairDevice(await transport(udid), store), (error: unknown) => {
      assert.ok(error instanceof DeviceError);
      assert.equal(error.deviceError, 'PairingProhibitedOverThisConnection');
      return true;
    });
  });

  it('unplugging during a session gives a clear disconnect error and a Detached event; nothing hangs', async () => {
    const udid = sim.usbUdid;
    const controller = new AbortController();
    const events = sim.mux.listen(controller.signal);
    const first = await withTimeout(events.next());
    assert.equal(first.value?.type, 'Attached');
    const { lockdown } = await openTrustedSession(await transport(udid), store);
    const usbId = (await sim.mux.listDevices()).find((d) => d.udid === udid && d.connectionType === 'USB')!.deviceId;
    sim.set(udid, 'plugged=false');
    const started = Date.now();
    await assert.rejects(lockdown.getValue(undefined, 'DeviceName'), (error: unknown) => {
      assert.ok(error instanceof DisconnectedError, String(error));
      assert.match(error.message, /closed|disconnect/i);
      return true;
    });
    // Noticed from the closed connection, not after a read timeout (those are 30 s and more).
    assert.ok(Date.now() - started < 15_000);
    let detached = false;
    for (let i = 0; i < 5 && !detached; i++) {
      const event = await withTimeout(events.next());
      if (event.value?.type === 'Detached' && event.value.deviceId === usbId) detached = true;
    }
    assert.ok(detached, 'a Detached event for the USB attachment');
    await assert.rejects(LockdownClient.connect(new UsbmuxTransport(sim.mux, { deviceId: usbId, udid, connectionType: 'USB' })), /no such device/);
    sim.set(udid, 'plugged=true');
    let reattached = false;
    for (let i = 0; i < 5 && !reattached; i++) {
      const event = await withTimeout(events.next());
      if (event.value?.type === 'Attached' && event.value.device.udid === udid) reattached = true;
    }
    assert.ok(reattached);
    controller.abort();
    await events.return(undefined);
  });
});
