/**
 * Everything the dashboard's routes share: where the config and the vault are, the usbmuxd client, the
 * jobs run in this process, the optional daemon, the backups opened for reading, and the clock.
 * The vault root is read from the config on every use, so a changed vaultPath applies at once.
 */
import { configPath, loadConfig } from '../config/config.js';
import { vaultRoot } from '../config/paths.js';
import type { LifeboatConfig } from '../config/schema.js';
import { UsbmuxPairRecordStore, type PairRecordStore } from '../protocol/host/pair-store.js';
import { UsbmuxClient } from '../protocol/usbmux/client.js';
import { LocalSnapshotStore } from '../vault/local-store.js';
import { DeviceEvents } from './device-events.js';
import { OpenBackups } from './open-backups.js';
import type { DaemonPort } from './daemon-port.js';
import { Jobs } from './jobs.js';

export interface DashboardContext {
  readonly env: NodeJS.ProcessEnv;
  readonly configFile: string;
  readonly mux: UsbmuxClient;
  readonly pairStore: PairRecordStore;
  readonly jobs: Jobs;
  readonly daemon: DaemonPort | undefined;
  readonly backups: OpenBackups;
  /** Attach/detach events from usbmuxd while pages listen (used when no daemon runs). */
  readonly deviceEvents: DeviceEvents;
  readonly now: () => Date;
  readonly onConfigSaved: (config: LifeboatConfig) => void;
  config(): LifeboatConfig;
  store(): LocalSnapshotStore;
}

export interface ContextOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly mux?: UsbmuxClient;
  readonly daemon?: DaemonPort;
  readonly now?: () => Date;
  readonly onConfigSaved?: (config: LifeboatConfig) => void;
}

export function createContext(options: ContextOptions): DashboardContext {
  const env = options.env ?? process.env;
  const configFile = configPath(env);
  const mux = options.mux ?? new UsbmuxClient();
  const pairStore = new UsbmuxPairRecordStore(mux);
  const config = (): LifeboatConfig => loadConfig(configFile);
  const store = (): LocalSnapshotStore => new LocalSnapshotStore(config().vaultPath ?? vaultRoot(env));
  return {
    env,
    configFile,
    mux,
    pairStore,
    jobs: new Jobs({ mux, pairStore, store }),
    daemon: options.daemon,
    backups: new OpenBackups(),
    deviceEvents: new DeviceEvents(mux),
    now: options.now ?? (() => new Date()),
    onConfigSaved: options.onConfigSaved ?? (() => undefined),
    config,
    store,
  };
}
