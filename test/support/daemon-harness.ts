/**
 * A daemon against the virtual iPhone with a ManualClock: `advance` moves simulated time and waits
 * until the daemon has done everything that time asked for (each wake-up settles before the next).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, DEFAULT_POLICY, type DevicePolicy, type LifeboatConfig } from '../../src/config/schema.js';
import { ManualClock } from '../../src/daemon/clock.js';
import { Daemon, type DaemonOptions } from '../../src/daemon/daemon.js';
import type { AlertRecord, RunRecord } from '../../src/daemon/types.js';
import { UsbmuxPairRecordStore } from '../../src/protocol/host/pair-store.js';
import { pairDevice } from '../../src/protocol/host/pairing-flow.js';
import { selectDevice } from '../../src/protocol/host/select-device.js';
import { UsbmuxTransport } from '../../src/protocol/transport.js';
import type { SimHarness } from './sim-harness.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface DaemonHarness {
  readonly daemon: Daemon;
  readonly clock: ManualClock;
  readonly home: string;
  readonly runs: RunRecord[];
  readonly alerts: AlertRecord[];
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export function testConfig(policy: Partial<DevicePolicy> = {}, extra: Partial<LifeboatConfig> = {}): LifeboatConfig {
  return {
    ...DEFAULT_CONFIG,
    defaults: { ...DEFAULT_POLICY, ...policy, conditions: { ...DEFAULT_POLICY.conditions, ...policy.conditions } },
    alerts: { desktop: false, webhooks: [] },
    ...extra,
  };
}

/** Pairs a phone over USB (plugging it in for that if needed) and restores its cable state. */
export async function pairOverUsb(sim: SimHarness, udid: string): Promise<void> {
  const phone = sim.simulator.phone(udid)!;
  const wasPlugged = phone.state.plugged;
  if (!wasPlugged) phone.applySettings(['plugged=true']);
  const devices = (await sim.mux.listDevices()).filter((d) => d.connectionType === 'USB');
  await pairDevice(new UsbmuxTransport(sim.mux, selectDevice(devices, udid)), new UsbmuxPairRecordStore(sim.mux));
  if (!wasPlugged) phone.applySettings(['plugged=false']);
}

export async function startDaemon(sim: SimHarness, options: Partial<DaemonOptions> & { config: LifeboatConfig }): Promise<DaemonHarness> {
  const home = mkdtempSync(join(tmpdir(), 'lifeboat-daemon-'));
  // A test may bring its own clock (e.g. one its device sources sleep on too).
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock();
  const daemon = new Daemon({ dataHome: home, mux: sim.mux, clock, pollIntervalMs: 2 * 60_000, ...options });
  const runs: RunRecord[] = [];
  const alerts: AlertRecord[] = [];
  daemon.on('run', (run) => {
    if (run.result !== 'running') runs.push(run);
  });
  daemon.on('alert', (alert) => alerts.push(alert));
  await daemon.start();
  await daemon.whenIdle();
  return {
    daemon,
    clock,
    home,
    runs,
    alerts,
    advance: (ms) => clock.advance(ms, () => daemon.whenIdle()),
    async close() {
      await daemon.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Waits (real time, bounded) until the daemon sees `udid` attached or detached as the simulator has it. */
export async function untilDaemonSees(harness: DaemonHarness, udid: string, attached: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const device = harness.daemon.devices().find((d) => d.udid === udid);
    if ((device?.attached ?? false) === attached) {
      await harness.daemon.whenIdle();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the daemon did not see ${udid} ${attached ? 'attached' : 'detached'} within ${timeoutMs} ms`);
}

/** Waits (real time, bounded) until `predicate` holds, then until the daemon is idle. */
export async function until(harness: DaemonHarness, what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await harness.daemon.whenIdle();
}
