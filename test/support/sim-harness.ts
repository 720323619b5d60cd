/**
 * Starts a virtual iPhone inside the test process on a private socket, and runs external tools
 * (libimobiledevice, the lifeboat CLI) against it asynchronously — never with spawnSync, which would
 * freeze the simulator living in the same event loop.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../../sim/cli.js';
import type { Simulator } from '../../sim/simulator.js';
import type { MuxServer } from '../../sim/usbmuxd/server.js';
import { UsbmuxPairRecordStore } from '../../src/protocol/host/pair-store.js';
import { pairDevice } from '../../src/protocol/host/pairing-flow.js';
import { selectDevice } from '../../src/protocol/host/select-device.js';
import { UsbmuxTransport } from '../../src/protocol/transport.js';
import { UsbmuxClient } from '../../src/protocol/usbmux/client.js';
import type { DataProfile } from '../../sim/data/index.js';

export interface SimHarness {
  readonly dir: string;
  readonly socket: string;
  readonly simulator: Simulator;
  readonly server: MuxServer;
  readonly env: NodeJS.ProcessEnv;
  readonly mux: UsbmuxClient;
  readonly usbUdid: string;
  readonly networkUdid: string | undefined;
  set(udid: string, ...settings: string[]): void;
  /** A connection to a phone (default: the USB one) through the harness's usbmuxd, as the CLI opens one. */
  transport(udid?: string): Promise<UsbmuxTransport>;
  /** Pairs this host with a phone (default: the USB one) into usbmuxd's records, as `lifeboat pair` does; returns that store. */
  pair(udid?: string): Promise<UsbmuxPairRecordStore>;
  close(): Promise<void>;
}

export interface SimHarnessOptions {
  devices?: number;
  autoTrust?: boolean;
  stateDir?: string;
  seed?: string;
  dataProfile?: DataProfile;
  blockSize?: number;
  /** Loopback prefix of the phones' Wi-Fi addresses (see SimulatorOptions.wifiPrefix). */
  wifiPrefix?: string;
  /** Advertise Wi-Fi-sync phones by mDNS (run such tests in a private network namespace). */
  mdns?: boolean;
}

export async function startSimHarness(options: SimHarnessOptions = {}): Promise<SimHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-sim-'));
  const socket = join(dir, 'usbmuxd.sock');
  const { simulator, server } = await startSimulator({
    socket,
    devices: options.devices ?? 2,
    seed: options.seed ?? `test-${process.pid}`,
    autoTrust: options.autoTrust ?? false,
    json: false,
    quiet: process.env['LIFEBOAT_SIM_VERBOSE'] !== '1',
    stateDir: options.stateDir ?? join(dir, 'state'),
    // Real keybag derivation costs seconds per unlock; tests use the simulator's reduced cost.
    fastKdf: true,
    ...(options.dataProfile ? { dataProfile: options.dataProfile } : {}),
    ...(options.blockSize ? { blockSize: options.blockSize } : {}),
    ...(options.wifiPrefix ? { wifiPrefix: options.wifiPrefix } : {}),
    ...(options.mdns ? { mdns: true } : {}),
  });
  const phones = simulator.phones;
  const mux = new UsbmuxClient({ kind: 'unix', path: socket });
  const usbUdid = phones[0]!.udid;
  const transport = async (udid = usbUdid): Promise<UsbmuxTransport> => new UsbmuxTransport(mux, selectDevice(await mux.listDevices(), udid));
  const harness: SimHarness = {
    dir,
    socket,
    simulator,
    server,
    env: { ...process.env, USBMUXD_SOCKET_ADDRESS: `UNIX:${socket}` },
    mux,
    usbUdid,
    networkUdid: phones[1]?.udid,
    set(udid, ...settings) {
      const phone = simulator.phone(udid);
      if (!phone) throw new Error(`no phone ${udid}`);
      phone.applySettings(settings);
    },
    transport,
    async pair(udid = usbUdid) {
      const records = new UsbmuxPairRecordStore(mux);
      await pairDevice(await transport(udid), records);
      return records;
    },
    async close() {
      await Promise.all([server.close(), simulator.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion (bounded), never throwing for a non-zero exit. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, [...args], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The lifeboat CLI as a user runs it. */
export function lifeboat(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<RunResult> {
  return run(process.execPath, [join(process.cwd(), 'bin', 'lifeboat.js'), ...args], env, timeoutMs);
}

/**
 * What a fixture starts from: a harness and a private home folder (LIFEBOAT_HOME for the CLI). `build`
 * makes the rest and returns the fixture; `close` (given to it) stops the phone and removes the home.
 * When `build` fails, both are cleaned up before the error goes on, so a half-made fixture leaves nothing.
 */
export async function withSimAndHome<T>(homePrefix: string, options: SimHarnessOptions, build: (sim: SimHarness, home: string, close: () => Promise<void>) => Promise<T>): Promise<T> {
  const sim = await startSimHarness(options);
  const home = mkdtempSync(join(tmpdir(), homePrefix));
  const close = async (): Promise<void> => {
    await sim.close();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    return await build(sim, home, close);
  } catch (error) {
    await close();
    throw error;
  }
}
