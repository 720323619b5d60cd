/**
 * Sending local snapshots to a remote: `syncRemote` is what `lifeboat remote sync` and the daemon (after
 * each backup) call.
 *
 * For every device: the local snapshots the repository lacks (by their `snapshot:<id>` tag) are sent
 * oldest first, each as one restic snapshot of the snapshot folder (the Finder folder `<UDID>/`, the
 * metadata and the digest record — not the local "verified" note), with the local commit time. Then
 * the retention policy — the remote's own, else the device's — is applied to the remote copies with the
 * same code and semantics as the local vault (src/vault/retention.ts), and the removed copies are
 * pruned. Snapshots the policy would forget at once are never sent, so a sync after retention is a
 * no-op rather than a re-upload.
 *
 * Crash safety: restic writes a snapshot only after all its data is stored, so an interrupted sync
 * (kill -9 included) leaves the repository with the snapshots it had plus unreferenced data that the
 * next prune removes; the next sync starts again from the first missing snapshot, clearing the dead
 * process's lock. Local snapshots are only read.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { configPath } from '../../config/config.js';
import { resolvePolicy, type LifeboatConfig } from '../../config/schema.js';
import { acquireDeviceLock } from '../device-lock.js';
import { LocalSnapshotStore, type SnapshotRef } from '../local-store.js';
import { applyRetention, isEmptyPolicy, type RetentionPolicy } from '../retention.js';
import { VERIFIED_FILE } from '../verify.js';
import { RemoteError } from './errors.js';
import { progressFromStatus, type RemoteSyncListener, type UploadedSnapshot } from './progress.js';

export type { UploadedSnapshot } from './progress.js';
import { LIFEBOAT_TAG, listRemoteSnapshots, parseSnapshots, snapshotTag, udidTag, type RemoteSnapshot } from './repository.js';
import { runRestic, runResticUnlocking } from './restic.js';
import { resolveRemote, type ResolvedRemote } from './settings.js';

/** restic's snapshot host for every Lifeboat copy: the copies of one device stay one history wherever the vault moves. */
export const RESTIC_HOST = 'lifeboat';

export interface SyncRemoteOptions {
  readonly config: LifeboatConfig;
  /** Where the config lives (the default password file is beside it); default: configPath(). */
  readonly configFile?: string;
  readonly name: string;
  readonly vaultRoot: string;
  /** Only this device (default: every device in the vault). */
  readonly udid?: string;
  readonly onProgress?: RemoteSyncListener;
  readonly signal?: AbortSignal;
}

export interface SyncResult {
  readonly remote: string;
  readonly uploaded: UploadedSnapshot[];
  /** Local snapshots the remote already had. */
  readonly alreadyRemote: number;
  /** Local snapshots not sent because the remote's retention would forget them at once. */
  readonly notNeeded: Array<{ udid: string; snapshot: string }>;
  /** Remote copies removed by retention (local snapshot ids, or restic ids for untagged ones). */
  readonly forgotten: Array<{ udid: string; snapshots: string[] }>;
  readonly pruned: boolean;
  readonly seconds: number;
}

export function vaultDevices(vaultRoot: string): string[] {
  const dir = join(vaultRoot, 'devices');
  return existsSync(dir) ? readdirSync(dir).filter((name) => /^[0-9A-Fa-f-]{24,40}$/.test(name)).sort() : [];
}

/** A local snapshot's commit time, to the second (what restic's --time keeps). */
export function localSnapshotTime(ref: SnapshotRef): Date {
  let time = ref.meta?.createdAt ? new Date(ref.meta.createdAt) : undefined;
  if (!time || Number.isNaN(time.getTime())) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/.exec(ref.id);
    time = m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : new Date(0);
  }
  return new Date(Math.floor(time.getTime() / 1000) * 1000);
}

/** `--time` takes "YYYY-MM-DD HH:MM:SS" in restic's local zone, which runRestic sets to UTC. */
function resticTime(time: Date): string {
  return time.toISOString().slice(0, 19).replace('T', ' ');
}

export function remoteRetention(config: LifeboatConfig, remote: ResolvedRemote, udid: string): RetentionPolicy {
  return remote.settings.retention ?? resolvePolicy(config, udid).retention;
}

/** What a policy keeps of a device's copies: keyed by local snapshot id, so ties break as locally. */
function retained(policy: RetentionPolicy, items: ReadonlyArray<{ key: string; time: Date }>): Set<string> {
  if (isEmptyPolicy(policy)) return new Set(items.map((i) => i.key));
  return new Set(applyRetention(items.map((i) => ({ id: i.key, time: i.time })), policy).keep.map((k) => k.snapshot.id));
}

const remoteKey = (r: RemoteSnapshot): string => r.snapshot ?? `restic:${r.id}`;

export async function syncRemote(options: SyncRemoteOptions): Promise<SyncResult> {
  const started = Date.now();
  const configFile = options.configFile ?? configPath();
  const remote = resolveRemote(options.config, configFile, options.name);
  const emit = options.onProgress ?? (() => undefined);
  const signal = options.signal ? { signal: options.signal } : {};
  // One sync per remote at a time on this computer (two would upload the same snapshots twice).
  const lockDir = join(dirname(configFile), 'remotes');
  mkdirSync(lockDir, { recursive: true, mode: 0o700 });
  const lock = acquireDeviceLock(join(lockDir, `${remote.name}.sync-lock`), `a sync to remote "${remote.name}"`);
  try {
    const store = new LocalSnapshotStore(options.vaultRoot);
    const devices = options.udid ? [options.udid] : vaultDevices(options.vaultRoot);
    emit({ type: 'phase', remote: remote.name, message: `Reading what remote "${remote.name}" holds` });
    const remoteAll = await listRemoteSnapshots(remote, signal);

    const plans = devices.map((udid) => {
      const onRemote = remoteAll.filter((r) => r.udid === udid);
      const have = new Set(onRemote.map((r) => r.snapshot));
      const local = store.list(udid).filter((ref) => existsSync(ref.deviceDir));
      const missing = local.filter((ref) => !have.has(ref.id));
      const policy = remoteRetention(options.config, remote, udid);
      const keep = retained(policy, [...onRemote.map((r) => ({ key: remoteKey(r), time: r.time })), ...missing.map((ref) => ({ key: ref.id, time: localSnapshotTime(ref) }))]);
      return { udid, onRemote, policy, send: missing.filter((ref) => keep.has(ref.id)), notNeeded: missing.filter((ref) => !keep.has(ref.id)), already: local.length - missing.length };
    });

    const uploaded: UploadedSnapshot[] = [];
    const count = plans.reduce((n, p) => n + p.send.length, 0);
    let index = 0;
    for (const plan of plans) {
      for (const ref of plan.send) {
        emit({ type: 'snapshot', remote: remote.name, udid: plan.udid, snapshot: ref.id, index: ++index, count });
        const result = await uploadSnapshot(remote, ref, plan.onRemote, emit, options.signal);
        if (!result) continue;
        uploaded.push(result);
        plan.onRemote.push({ id: result.remoteId, shortId: result.remoteId.slice(0, 8), time: localSnapshotTime(ref), udid: plan.udid, snapshot: ref.id, tags: [] });
      }
    }

    const forgotten: Array<{ udid: string; snapshots: string[] }> = [];
    for (const plan of plans) {
      const keep = retained(plan.policy, plan.onRemote.map((r) => ({ key: remoteKey(r), time: r.time })));
      // A copy is forgotten when the policy drops it, or when it duplicates another copy of the same snapshot.
      const seen = new Set<string>();
      const drop = plan.onRemote.filter((r) => {
        const key = remoteKey(r);
        const duplicate = seen.has(key);
        seen.add(key);
        return duplicate || !keep.has(key);
      });
      if (drop.length === 0) continue;
      emit({ type: 'phase', remote: remote.name, message: `Applying retention on remote "${remote.name}" to ${plan.udid}: forgetting ${drop.length} snapshot(s)` });
      await runResticUnlocking(remote, ['forget', ...drop.map((r) => r.id)], { what: `forgetting old snapshots on remote "${remote.name}"`, ...signal });
      forgotten.push({ udid: plan.udid, snapshots: drop.map(remoteKey) });
      emit({ type: 'forgotten', remote: remote.name, udid: plan.udid, snapshots: drop.map(remoteKey) });
    }
    if (forgotten.length > 0) {
      emit({ type: 'phase', remote: remote.name, message: `Pruning data no snapshot on remote "${remote.name}" uses any more` });
      await runResticUnlocking(remote, ['prune'], { what: `pruning remote "${remote.name}"`, ...signal });
    }
    return {
      remote: remote.name,
      uploaded,
      alreadyRemote: plans.reduce((n, p) => n + p.already, 0),
      notNeeded: plans.flatMap((p) => p.notNeeded.map((ref) => ({ udid: p.udid, snapshot: ref.id }))),
      forgotten,
      pruned: forgotten.length > 0,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    lock.release();
  }
}

/** One local snapshot → one restic snapshot. Undefined when the local snapshot vanished meanwhile (forgotten). */
async function uploadSnapshot(
  remote: ResolvedRemote,
  ref: SnapshotRef,
  onRemote: readonly RemoteSnapshot[],
  emit: RemoteSyncListener,
  abort: AbortSignal | undefined,
): Promise<UploadedSnapshot | undefined> {
  const started = Date.now();
  const time = localSnapshotTime(ref);
  // Relative paths, run from inside the snapshot folder: the restic snapshot's root *is* the snapshot
  // folder, so a restore gives back exactly `<UDID>/…` plus the metadata.
  const entries = readdirSync(ref.backupDir).filter((name) => !name.startsWith('.') && name !== VERIFIED_FILE).sort();
  // An explicit parent: the folder's absolute path differs per snapshot, so restic would not find one
  // and would re-read every file. With it, unchanged files (hard links: same inode and mtime, but a new
  // ctime from the link) are recognised without reading them.
  const parent = [...onRemote].filter((r) => r.time.getTime() <= time.getTime()).at(-1) ?? onRemote.at(-1);
  const args = [
    'backup', '--json', '--host', RESTIC_HOST,
    '--tag', [LIFEBOAT_TAG, udidTag(ref.udid), snapshotTag(ref.id)].join(','),
    '--time', resticTime(time), '--ignore-ctime',
    ...(parent ? ['--parent', parent.id] : []),
    '--', ...entries,
  ];
  let summary: Record<string, unknown> | undefined;
  const where = { remote: remote.name, udid: ref.udid, snapshot: ref.id };
  let exitCode: number;
  try {
    const run = await runResticUnlocking(remote, args, {
      what: `sending snapshot ${ref.id} to remote "${remote.name}"`,
      cwd: ref.backupDir,
      acceptExitCodes: [3],
      ...(abort ? { signal: abort } : {}),
      onJson: (message) => {
        if (message['message_type'] === 'summary') summary = message;
        const event = progressFromStatus(message, where);
        if (event) emit(event);
      },
    });
    exitCode = run.exitCode;
  } catch (error) {
    if (!existsSync(ref.deviceDir)) return undefined;
    throw error;
  }
  const remoteId = typeof summary?.['snapshot_id'] === 'string' ? summary['snapshot_id'] : undefined;
  if (!remoteId) throw new RemoteError(`sending snapshot ${ref.id} to remote "${remote.name}": restic reported no snapshot`, { code: 'REMOTE_FAILED', hint: 'Run the sync again.' });
  if (exitCode === 3) {
    // Some files could not be read: a copy that is not the whole snapshot must not pass for one.
    await runRestic(remote, ['forget', remoteId], { what: `removing the incomplete copy of ${ref.id}` });
    if (!existsSync(ref.deviceDir)) return undefined;
    throw new RemoteError(`snapshot ${ref.id} could not be read completely, so it was not copied to remote "${remote.name}"`, {
      code: 'REMOTE_SOURCE_UNREADABLE',
      hint: `Run \`lifeboat verify --snapshot ${ref.id}\`; fix file permissions or disk errors, then sync again.`,
    });
  }
  const num = (key: string): number => (typeof summary?.[key] === 'number' ? (summary[key] as number) : 0);
  const result: UploadedSnapshot = {
    udid: ref.udid,
    snapshot: ref.id,
    remoteId: await fullId(remote, remoteId),
    filesNew: num('files_new'),
    filesChanged: num('files_changed'),
    bytesAdded: num('data_added'),
    seconds: (Date.now() - started) / 1000,
  };
  emit({ type: 'uploaded', remote: remote.name, ...result });
  return result;
}

/** restic 0.14's backup summary gives the short id; later parents and forgets want the full one. */
async function fullId(remote: ResolvedRemote, shortId: string): Promise<string> {
  if (/^[0-9a-f]{64}$/.test(shortId)) return shortId;
  const run = await runResticUnlocking(remote, ['snapshots', '--json', shortId], { what: `reading snapshot ${shortId} of remote "${remote.name}"` });
  return parseSnapshots(run.stdout).find((s) => s.id.startsWith(shortId))?.id ?? shortId;
}
