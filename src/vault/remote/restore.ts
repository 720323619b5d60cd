/**
 * Getting a snapshot back from a remote: `restic restore` into a new folder beside the target, checked
 * twice — restic re-reads what it wrote (`--verify`), then Lifeboat's own verify compares every file
 * with the digests recorded when the snapshot was made and opens the Finder backup — and only then
 * renamed to the target. A failed or interrupted restore never leaves a half folder under the target's
 * name. The result is the snapshot folder as it was in the vault: `<out>/<UDID>/` is a Finder backup
 * for `lifeboat restore --from <out>`, `idevicebackup2 restore` or Finder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { configPath } from '../../config/config.js';
import type { LifeboatConfig } from '../../config/schema.js';
import { fsyncDirectory, SNAPSHOT_META, syncFileSystem, type SnapshotMeta } from '../local-store.js';
import { VERIFIED_FILE, verifySnapshot, type VerifyProblem } from '../verify.js';
import { RemoteError } from './errors.js';
import { listRemoteSnapshots, type RemoteSnapshot } from './repository.js';
import { runResticUnlocking } from './restic.js';
import { resolveRemote } from './settings.js';

export interface RestoreRemoteOptions {
  readonly config: LifeboatConfig;
  readonly configFile?: string;
  readonly name: string;
  /** A local snapshot id (as `lifeboat remote snapshots` shows it), or a restic snapshot id or prefix. */
  readonly snapshot: string;
  readonly out: string;
  /** Picks the device when a snapshot id is ambiguous. */
  readonly udid?: string;
  /** Password of an encrypted backup, to check Manifest.db's rows too (optional). */
  readonly backupPassword?: string;
  readonly onPhase?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export interface RestoreRemoteResult {
  readonly remote: string;
  readonly snapshot: string | undefined;
  readonly remoteId: string;
  readonly udid: string | undefined;
  /** The folder holding `<UDID>/` (what `lifeboat restore --from` takes). */
  readonly out: string;
  readonly deviceDir: string | undefined;
  readonly filesChecked: number;
  readonly bytesChecked: number;
  readonly notes: string[];
}

export function findRemoteSnapshot(snapshots: readonly RemoteSnapshot[], wanted: string, udid?: string): RemoteSnapshot {
  const candidates = snapshots.filter((s) => (udid === undefined || s.udid === udid) && (s.snapshot === wanted || (/^[0-9a-f]{4,64}$/.test(wanted) && s.id.startsWith(wanted))));
  const unique = [...new Map(candidates.map((s) => [s.snapshot ?? s.id, s])).values()];
  if (unique.length === 1) return unique[0]!;
  if (unique.length === 0) throw new RemoteError(`the remote has no snapshot "${wanted}"${udid ? ` of ${udid}` : ''}`, { code: 'REMOTE_NO_SNAPSHOT', hint: 'List what it holds with `lifeboat remote snapshots NAME`.' });
  throw new RemoteError(`"${wanted}" matches ${unique.length} remote snapshots`, { code: 'USAGE', hint: 'Give more of the id, or --udid.' });
}

export async function restoreRemote(options: RestoreRemoteOptions): Promise<RestoreRemoteResult> {
  const remote = resolveRemote(options.config, options.configFile ?? configPath(), options.name);
  const signal = options.signal ? { signal: options.signal } : {};
  const out = resolve(options.out);
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new RemoteError(`${out} already exists and is not empty`, { code: 'REMOTE_OUT_NOT_EMPTY', hint: 'Give a new folder (restore never writes into existing data).' });
  }
  options.onPhase?.(`Finding ${options.snapshot} on remote "${remote.name}"`);
  const target = findRemoteSnapshot(await listRemoteSnapshots(remote, signal), options.snapshot, options.udid);
  mkdirSync(dirname(out), { recursive: true });
  const partial = join(dirname(out), `.${basename(out)}.partial-${randomBytes(4).toString('hex')}`);
  try {
    options.onPhase?.(`Restoring ${target.snapshot ?? target.shortId} from remote "${remote.name}"`);
    await runResticUnlocking(remote, ['restore', target.id, '--target', partial, '--verify'], { what: `restoring ${target.snapshot ?? target.shortId} from remote "${remote.name}"`, ...signal });
    let checked = { filesChecked: 0, bytesChecked: 0, notes: [] as string[] };
    const udid = target.udid;
    if (udid && target.snapshot) {
      options.onPhase?.('Checking every file against the digests recorded at backup time');
      checked = await verifyRestored(partial, udid, target.snapshot, options.backupPassword);
    }
    syncFileSystem(partial);
    if (existsSync(out)) rmdirSync(out);
    renameSync(partial, out);
    fsyncDirectory(dirname(out));
    return {
      remote: remote.name,
      snapshot: target.snapshot,
      remoteId: target.id,
      udid,
      out,
      deviceDir: udid ? join(out, udid) : undefined,
      ...checked,
    };
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

async function verifyRestored(dir: string, udid: string, id: string, password: string | undefined): Promise<{ filesChecked: number; bytesChecked: number; notes: string[] }> {
  let meta: SnapshotMeta | undefined;
  try {
    meta = JSON.parse(readFileSync(join(dir, SNAPSHOT_META), 'utf8')) as SnapshotMeta;
  } catch {
    meta = undefined;
  }
  const report = await verifySnapshot({ id, udid, backupDir: dir, deviceDir: join(dir, udid), meta, heldIn: 'folder', restic: undefined }, password !== undefined ? { password } : {});
  // The note verify leaves is about this copy at this moment; the restored folder stays the snapshot as it was sent.
  rmSync(join(dir, VERIFIED_FILE), { force: true });
  if (!report.ok) {
    const list = report.problems.slice(0, 5).map((p: VerifyProblem) => `${p.kind} ${p.path}: ${p.detail}`).join('; ');
    throw new RemoteError(`the snapshot restored from the remote is damaged: ${report.problems.length} problem(s): ${list}`, {
      code: 'REMOTE_RESTORE_DAMAGED',
      hint: 'Run `lifeboat remote check NAME --read-data`; restore another snapshot meanwhile.',
    });
  }
  return { filesChecked: report.filesChecked, bytesChecked: report.bytesChecked, notes: report.notes };
}
