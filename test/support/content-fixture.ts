/**
 * Backups of the virtual iPhone for the content tests: one unencrypted and (optionally) one encrypted
 * snapshot made by the backup engine into a vault under a private LIFEBOAT_HOME, plus the phone's ground
 * truth (the same for both: nothing changes between them).
 */
import { join } from 'node:path';
import { changeBackupEncryption } from '../../src/backup/encryption.js';
import { backupDevice } from '../../src/backup/engine.js';
import type { UsbmuxTransport } from '../../src/protocol/transport.js';
import { LocalSnapshotStore, type SnapshotRef } from '../../src/vault/local-store.js';
import type { DeviceTruth } from '../../sim/data/index.js';
import { withSimAndHome, type SimHarness } from './sim-harness.js';

export const PASSWORD = 'correct horse battery';

export interface ContentFixture {
  readonly sim: SimHarness;
  readonly home: string;
  readonly store: LocalSnapshotStore;
  readonly udid: string;
  readonly plain: SnapshotRef;
  readonly encrypted: SnapshotRef | undefined;
  readonly truth: DeviceTruth;
  /** Environment for running the CLI against this vault. */
  readonly env: NodeJS.ProcessEnv;
  transport(): Promise<UsbmuxTransport>;
  close(): Promise<void>;
}

export async function makeContentFixture(options: { encrypted: boolean; seed?: string }): Promise<ContentFixture> {
  // A fixed seed whose phone has every message feature (edits, an unsent message, tapbacks, groups).
  return withSimAndHome('lifeboat-content-home-', { devices: 1, autoTrust: true, seed: options.seed ?? 'content-1' }, async (sim, home, close) => {
    const store = new LocalSnapshotStore(join(home, 'vault'));
    const udid = sim.usbUdid;
    const transport = (): Promise<UsbmuxTransport> => sim.transport(udid);
    const pairs = await sim.pair(udid);
    // Edits and "Recently Deleted" messages beyond the few the generator makes, and a new contact.
    const phone = sim.simulator.phone(udid);
    if (!phone) throw new Error('no phone');
    const fs = sim.simulator.fileSystem(phone);
    fs.mutate({ kind: 'messages', add: 4, edit: 3, remove: 2 });
    fs.mutate({ kind: 'contacts', add: 1, edit: 1 });
    const plain = (await backupDevice({ transport: await transport(), pairStore: pairs, store })).snapshot;
    let encrypted: SnapshotRef | undefined;
    if (options.encrypted) {
      await changeBackupEncryption(await transport(), pairs, { action: 'on', newPassword: PASSWORD });
      encrypted = (await backupDevice({ transport: await transport(), pairStore: pairs, store })).snapshot;
    }
    const truth = await fs.truth();
    return {
      sim,
      home,
      store,
      udid,
      plain,
      encrypted,
      truth,
      env: { ...sim.env, LIFEBOAT_HOME: home, LIFEBOAT_PASSWORD: '' },
      transport,
      close,
    };
  });
}
