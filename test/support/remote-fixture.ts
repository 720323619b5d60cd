/**
 * A vault with real snapshots for the remote-copy tests: a virtual iPhone backed up three times (its
 * data changing in between) into `<home>/vault`, with LIFEBOAT_HOME=<home> so the CLI finds the vault
 * and keeps its config in `<home>/config.json`. restic runs through a wrapper that records every argv
 * and environment it is started with, so tests can prove where the password never goes.
 */
import { join } from 'node:path';
import { backupDevice } from '../../src/backup/engine.js';
import type { UsbmuxTransport } from '../../src/protocol/transport.js';
import { LocalSnapshotStore } from '../../src/vault/local-store.js';
import { VERIFIED_FILE } from '../../src/vault/verify.js';
import { fingerprint, phoneFiles } from './backup-checks.js';
import { recordingRestic } from './recording-restic.js';
import { withSimAndHome, type SimHarness } from './sim-harness.js';

export const REMOTE_PASSWORD = 'Zq8#remote-secret-of-the-test!';

export interface RemoteFixture {
  readonly sim: SimHarness;
  readonly home: string;
  readonly store: LocalSnapshotStore;
  readonly udid: string;
  /** What the phone held (domain/path → sha256) when each snapshot was made, oldest first. */
  readonly phoneFilesAt: Array<Map<string, string>>;
  /** Environment for the CLI: LIFEBOAT_HOME, the recording restic wrapper, the password variable. */
  readonly env: NodeJS.ProcessEnv;
  /** Everything restic was started with so far (argv lines and full environments). */
  resticLog(): string;
  close(): Promise<void>;
}

export async function makeRemoteFixture(snapshots = 3): Promise<RemoteFixture> {
  return withSimAndHome('lifeboat-remote-', { devices: 1, autoTrust: true }, async (sim, home, close) => {
    const store = new LocalSnapshotStore(join(home, 'vault'));
    const udid = sim.usbUdid;
    const transport = (): Promise<UsbmuxTransport> => sim.transport(udid);
    const pairs = await sim.pair(udid);
    const fs = sim.simulator.fileSystem(sim.simulator.phone(udid)!);
    const phoneFilesAt: Array<Map<string, string>> = [];
    for (let i = 0; i < snapshots; i++) {
      if (i > 0) fs.mutate(i % 2 === 1 ? { kind: 'photos', add: 2 } : { kind: 'appFiles', add: 5, change: 2 });
      phoneFilesAt.push(await phoneFiles(fs));
      await backupDevice({ transport: await transport(), pairStore: pairs, store });
    }
    const restic = recordingRestic(home);
    return {
      sim,
      home,
      store,
      udid,
      phoneFilesAt,
      env: { ...sim.env, LIFEBOAT_HOME: home, LIFEBOAT_CONFIG: '', LIFEBOAT_RESTIC: restic.path, LIFEBOAT_REMOTE_PASSWORD: REMOTE_PASSWORD, RESTIC_CACHE_DIR: join(home, 'restic-cache') },
      resticLog: restic.calls,
      close,
    };
  });
}

/** A snapshot folder's fingerprint as it is sent (the local "verified" note stays local). */
export function sentFingerprint(backupDir: string): Map<string, string> {
  return fingerprint(backupDir, (rel) => rel === VERIFIED_FILE);
}
