/**
 * Interoperability: real libimobiledevice tools (Debian's libimobiledevice-utils) against the virtual
 * iPhone, through USBMUXD_SOCKET_ADDRESS. These are the acceptance checks of the device stack: if the
 * real tools accept our usbmuxd and lockdownd, so will real-world clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requireTool } from './support/require-tool.js';
import { run, startSimHarness, type SimHarness } from './support/sim-harness.js';

/** ideviceinfo prints `Key: value` lines; this reads them into a map. */
function parseInfo(stdout: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^([A-Za-z0-9]+): (.*)$/.exec(line);
    if (match) values.set(match[1]!, match[2]!);
  }
  return values;
}

describe('libimobiledevice tools against the virtual iPhone', () => {
  let sim: SimHarness;
  before(async () => {
    sim = await startSimHarness({ devices: 2 });
  });
  after(async () => {
    await sim.close();
  });

  it('idevice_id lists the USB device with -l and the network device with -n', async (t) => {
    if (!requireTool(t, 'idevice_id')) return;
    const usb = await run('idevice_id', ['-l'], sim.env);
    assert.equal(usb.code, 0, usb.stderr);
    assert.deepEqual(usb.stdout.trim().split('\n'), [sim.usbUdid]);
    const network = await run('idevice_id', ['-n'], sim.env);
    assert.equal(network.code, 0, network.stderr);
    assert.deepEqual(network.stdout.trim().split('\n'), [sim.networkUdid]);
  });

  it('idevicepair reports locked, pending and denied as a phone does, then pairs and validates', async (t) => {
    if (!requireTool(t, 'idevicepair')) return;
    const udid = sim.usbUdid;
    sim.set(udid, 'passcode=true', 'locked=true', 'trust=pending');
    const locked = await run('idevicepair', ['-u', udid, 'pair'], sim.env);
    assert.notEqual(locked.code, 0);
    assert.match(locked.stdout, /passcode is set/);

    sim.set(udid, 'locked=false');
    const pending = await run('idevicepair', ['-u', udid, 'pair'], sim.env);
    assert.notEqual(pending.code, 0);
    assert.match(pending.stdout, /accept the trust dialog/);

    sim.set(udid, 'trust=deny');
    const denied = await run('idevicepair', ['-u', udid, 'pair'], sim.env);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stdout, /denied the trust dialog/);

    sim.set(udid, 'trust=accept');
    const paired = await run('idevicepair', ['-u', udid, 'pair'], sim.env);
    assert.equal(paired.code, 0, paired.stdout + paired.stderr);
    assert.match(paired.stdout, /SUCCESS: Paired with device/);
    assert.equal(sim.simulator.phone(udid)!.pairedHosts().length, 1);

    const validated = await run('idevicepair', ['-u', udid, 'validate'], sim.env);
    assert.equal(validated.code, 0, validated.stdout + validated.stderr);
    assert.match(validated.stdout, /SUCCESS: Validated pairing/);
  });

  it('ideviceinfo prints the device values and the battery and disk_usage domains', async (t) => {
    if (!requireTool(t, 'ideviceinfo')) return;
    const udid = sim.usbUdid;
    const phone = sim.simulator.phone(udid)!;
    sim.set(udid, 'battery=57', 'charging=true', 'totalSpace=128GB', 'freeSpace=40GB', 'ios=18.5');
    const all = await run('ideviceinfo', ['-u', udid], sim.env);
    assert.equal(all.code, 0, all.stderr);
    const values = parseInfo(all.stdout);
    assert.equal(values.get('UniqueDeviceID'), udid);
    assert.equal(values.get('DeviceName'), phone.identity.deviceName);
    assert.equal(values.get('ProductType'), phone.identity.productType);
    assert.equal(values.get('ProductVersion'), '18.5');
    assert.equal(values.get('BuildVersion'), phone.state.buildVersion);
    assert.equal(values.get('SerialNumber'), phone.identity.serialNumber);
    assert.equal(values.get('WiFiAddress'), phone.identity.wifiAddress);

    const battery = parseInfo((await run('ideviceinfo', ['-u', udid, '-q', 'com.apple.mobile.battery'], sim.env)).stdout);
    assert.equal(battery.get('BatteryCurrentCapacity'), '57');
    assert.equal(battery.get('BatteryIsCharging'), 'true');

    const disk = parseInfo((await run('ideviceinfo', ['-u', udid, '-q', 'com.apple.disk_usage'], sim.env)).stdout);
    assert.equal(disk.get('AmountDataAvailable'), String(40_000_000_000));
    assert.ok(Number(disk.get('TotalDiskCapacity')) >= 128_000_000_000);
  });

  it('after idevicepair unpair, ideviceinfo fails as with a phone that asks to Trust again', async (t) => {
    if (!requireTool(t, 'idevicepair') || !requireTool(t, 'ideviceinfo')) return;
    const udid = sim.usbUdid;
    const unpaired = await run('idevicepair', ['-u', udid, 'unpair'], sim.env);
    assert.equal(unpaired.code, 0, unpaired.stdout + unpaired.stderr);
    assert.equal(sim.simulator.phone(udid)!.pairedHosts().length, 0);
    const info = await run('ideviceinfo', ['-u', udid], sim.env);
    assert.notEqual(info.code, 0);
    assert.match(info.stdout + info.stderr, /ERROR/);
    assert.equal(sim.simulator.phone(udid)!.state.trust, 'pending');
  });
});
