/**
 * What a remote repository holds, and creating one. Lifeboat's restic snapshots carry three tags —
 * `lifeboat`, `udid:<UDID>` and `snapshot:<local snapshot id>` — and the local snapshot's commit time
 * (`--time`), so the repository alone says which local snapshots it already has: syncs are
 * idempotent and resume after any interruption, and remote retention sees the real backup times.
 */
import { RemoteError } from './errors.js';
import { runRestic, runResticUnlocking } from './restic.js';
import type { ResolvedRemote } from './settings.js';

export const LIFEBOAT_TAG = 'lifeboat';
export const udidTag = (udid: string): string => `udid:${udid}`;
export const snapshotTag = (id: string): string => `snapshot:${id}`;

export interface RemoteSnapshot {
  /** restic's snapshot id (64 hex digits). */
  readonly id: string;
  readonly shortId: string;
  readonly time: Date;
  readonly udid: string | undefined;
  /** The local snapshot id it is a copy of. */
  readonly snapshot: string | undefined;
  readonly tags: readonly string[];
}

interface ResticSnapshotJson {
  readonly id?: unknown;
  readonly short_id?: unknown;
  readonly time?: unknown;
  readonly tags?: unknown;
}

export function parseSnapshots(json: string): RemoteSnapshot[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json.trim() || '[]');
  } catch {
    throw new RemoteError('restic listed the snapshots in a form Lifeboat does not understand', { code: 'REMOTE_FAILED', hint: 'Check the restic version (0.14 or newer).' });
  }
  if (!Array.isArray(raw)) return [];
  const out: RemoteSnapshot[] = [];
  for (const entry of raw as ResticSnapshotJson[]) {
    if (typeof entry.id !== 'string' || typeof entry.time !== 'string') continue;
    const tags = Array.isArray(entry.tags) ? entry.tags.filter((t): t is string => typeof t === 'string') : [];
    const tagValue = (prefix: string): string | undefined => tags.find((t) => t.startsWith(prefix))?.slice(prefix.length);
    out.push({
      id: entry.id,
      shortId: typeof entry.short_id === 'string' ? entry.short_id : entry.id.slice(0, 8),
      time: new Date(entry.time),
      udid: tagValue('udid:'),
      snapshot: tagValue('snapshot:'),
      tags,
    });
  }
  return out.sort((a, b) => a.time.getTime() - b.time.getTime() || (a.snapshot ?? '').localeCompare(b.snapshot ?? ''));
}

/** Lifeboat's snapshots in the repository (of one device with `udid`), oldest first. */
export async function listRemoteSnapshots(remote: ResolvedRemote, options: { udid?: string; signal?: AbortSignal } = {}): Promise<RemoteSnapshot[]> {
  const tag = options.udid ? `${LIFEBOAT_TAG},${udidTag(options.udid)}` : LIFEBOAT_TAG;
  const run = await runResticUnlocking(remote, ['snapshots', '--json', '--tag', tag], {
    what: `listing the snapshots of remote "${remote.name}"`,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return parseSnapshots(run.stdout);
}

/**
 * Opens the repository (proving the password), or creates it when there is none yet.
 * Returns whether it was created.
 */
export async function openOrInitRepository(remote: ResolvedRemote): Promise<{ created: boolean }> {
  try {
    await runRestic(remote, ['cat', 'config'], { what: `opening remote "${remote.name}"` });
    return { created: false };
  } catch (error) {
    if (!(error instanceof RemoteError) || error.code !== 'REMOTE_NO_REPOSITORY') throw error;
  }
  await runRestic(remote, ['init'], { what: `creating the repository of remote "${remote.name}"` });
  return { created: true };
}
