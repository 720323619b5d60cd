/**
 * Remote copies of one device's snapshots (restic repositories, src/vault/remote), for the Snapshots page:
 *   GET  /api/devices/:udid/remotes                         every configured remote: its address (without
 *                                                           credentials), whether this device syncs to it
 *                                                           after each backup, and the copies it holds
 *   POST /api/devices/:udid/remotes/:name/sync              send the missing snapshots now (a job: progress
 *                                                           from restic's JSON status lines over /api/events)
 *   POST /api/devices/:udid/remotes/:name/check             `restic check` (readData: every byte)
 *   POST /api/devices/:udid/remotes/:name/restore           {snapshot, out} into a new folder, or
 *                                                           {snapshot, target, confirm} onto an iPhone
 * Repository passwords stay in their files: restic reads them; nothing here opens them, and no
 * answer carries a password, an env file's content or the user:password part of a URL.
 */
import { isAbsolute } from 'node:path';
import { restoreDevice } from '../../backup/restore.js';
import { resolvePolicy, type RetentionSettings } from '../../config/schema.js';
import { selectDevice } from '../../protocol/host/select-device.js';
import { UsbmuxTransport } from '../../protocol/transport.js';
import { LifeboatError, describeError } from '../../util/errors.js';
import { checkRemote, listRemoteSnapshots, openRestoreScratch, resolveRemote, restoreRemote, syncRemote, type RemoteSyncEvent } from '../../vault/remote/index.js';
import type { DashboardContext } from '../context.js';
import { WebError } from '../errors.js';
import { stringField, type Router } from '../http.js';
import type { JobEvent } from '../jobs.js';
import { checkUdid } from './snapshots.js';

/** A repository address with any `user:password@` (rest:https://u:p@host, s3:https://key:secret@host) removed. */
export function withoutCredentials(url: string): string {
  return url.replace(/(\/\/)[^/\s@]*@/g, '$1');
}

export interface RemoteCopy {
  readonly remoteId: string;
  readonly shortId: string;
  readonly time: string;
  /** The local snapshot it is a copy of (undefined for a copy made outside Lifeboat's sync). */
  readonly snapshot: string | null;
}

export interface RemoteView {
  readonly name: string;
  readonly url: string;
  /** The device's policy copies each new snapshot there (syncRemotes). */
  readonly automatic: boolean;
  readonly retention: RetentionSettings | null;
  readonly copies?: readonly RemoteCopy[];
  /** Why the copies could not be listed (server unreachable, wrong password …), in plain words. */
  readonly error?: { readonly code: string; readonly message: string; readonly hint: string | null };
}

function errorView(error: unknown): NonNullable<RemoteView['error']> {
  if (error instanceof LifeboatError) return { code: error.code, message: withoutCredentials(error.message), hint: error.hint ?? null };
  return { code: 'INTERNAL', message: withoutCredentials(describeError(error)), hint: null };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function registerRemoteRoutes(router: Router, ctx: DashboardContext): void {
  const remoteOf = (name: string | undefined) => {
    if (!name || !NAME.test(name)) throw new WebError(400, `"${name ?? ''}" is not a remote name`);
    return resolveRemote(ctx.config(), ctx.configFile, name);
  };
  const common = () => ({ config: ctx.config(), configFile: ctx.configFile });

  router.add('GET', '/api/devices/:udid/remotes', async ({ params }) => {
    const udid = checkUdid(params['udid']);
    const config = ctx.config();
    const synced = new Set(resolvePolicy(config, udid).syncRemotes);
    const remotes = await Promise.all(
      Object.keys(config.remotes)
        .sort()
        .map(async (name): Promise<RemoteView> => {
          const base = { name, url: withoutCredentials(config.remotes[name]!.url), automatic: synced.has(name), retention: config.remotes[name]!.retention ?? null };
          try {
            const copies = await listRemoteSnapshots(resolveRemote(config, ctx.configFile, name), { udid });
            return {
              ...base,
              copies: copies.reverse().map((c) => ({ remoteId: c.id, shortId: c.shortId, time: c.time.toISOString(), snapshot: c.snapshot ?? null })),
            };
          } catch (error) {
            return { ...base, error: errorView(error) };
          }
        }),
    );
    return { udid, remotes };
  });

  router.add('POST', '/api/devices/:udid/remotes/:name/sync', ({ params }) => {
    const udid = checkUdid(params['udid']);
    const remote = remoteOf(params['name']);
    const job = ctx.jobs.start(
      udid,
      'remote-sync',
      async (signal, emit) => {
        const result = await syncRemote({ ...common(), name: remote.name, vaultRoot: ctx.store().root, udid, signal, onProgress: (event) => emit(jobEventOf(event)) });
        return {
          result: {
            uploaded: result.uploaded.map((u) => u.snapshot),
            alreadyRemote: result.alreadyRemote,
            forgotten: result.forgotten.flatMap((f) => f.snapshots),
            bytesAdded: result.uploaded.reduce((n, u) => n + u.bytesAdded, 0),
          },
        };
      },
      { remote: remote.name },
    );
    return { started: true, job };
  });

  router.add('POST', '/api/devices/:udid/remotes/:name/check', async ({ params, body }) => {
    const udid = checkUdid(params['udid']);
    const remote = remoteOf(params['name']);
    const readData = (await body())['readData'] === true;
    const job = ctx.jobs.start(
      udid,
      'remote-check',
      async (signal, emit) => {
        emit({ type: 'phase', phase: 'checking', message: readData ? `Reading every byte stored on "${remote.name}"` : `Checking the structure of "${remote.name}"` });
        const result = await checkRemote({ ...common(), name: remote.name, readData, signal });
        return { result: { ok: result.ok, readData: result.readData, problems: result.problems.map(withoutCredentials), seconds: result.seconds } };
      },
      { remote: remote.name },
    );
    return { started: true, job };
  });

  router.add('POST', '/api/devices/:udid/remotes/:name/restore', async ({ params, body }) => {
    const udid = checkUdid(params['udid']);
    const remote = remoteOf(params['name']);
    const b = await body();
    const snapshot = stringField(b, 'snapshot', { max: 128 }) as string;
    const password = stringField(b, 'password', { optional: true });
    const out = stringField(b, 'out', { optional: true });
    if (out !== undefined) {
      if (!isAbsolute(out)) throw new WebError(400, 'give the folder to restore into as an absolute path (e.g. /home/me/restored-iphone)');
      const job = ctx.jobs.start(
        udid,
        'remote-restore',
        async (signal, emit) => {
          const restored = await restoreRemote({
            ...common(),
            name: remote.name,
            snapshot,
            udid,
            out,
            ...(password !== undefined ? { backupPassword: password } : {}),
            signal,
            onPhase: (message) => emit({ type: 'phase', phase: 'restoring', message }),
          });
          return { result: { out: restored.out, deviceDir: restored.deviceDir ?? null, filesChecked: restored.filesChecked, bytesChecked: restored.bytesChecked } };
        },
        { remote: remote.name },
      );
      return { started: true, job };
    }
    const target = checkUdid(stringField(b, 'target'));
    // As for a local snapshot: the page makes the user confirm the target, and the server insists on it.
    if (b['confirm'] !== target) throw new WebError(400, 'confirm the restore by sending the target UDID as "confirm"', 'WEB_NOT_CONFIRMED');
    const job = ctx.jobs.start(
      target,
      'remote-restore',
      async (signal, emit) => {
        // The copy comes back into a private folder of the vault (where the space is), is checked there, then restored.
        const scratch = openRestoreScratch(ctx.store().root);
        const folder = scratch.dir;
        try {
          const restored = await restoreRemote({
            ...common(),
            name: remote.name,
            snapshot,
            udid,
            out: folder,
            ...(password !== undefined ? { backupPassword: password } : {}),
            signal,
            onPhase: (message) => emit({ type: 'phase', phase: 'restoring', message }),
          });
          const transport = new UsbmuxTransport(ctx.mux, selectDevice(await ctx.mux.listDevices(), target));
          await restoreDevice({
            transport,
            pairStore: ctx.pairStore,
            backupDir: restored.out,
            sourceName: restored.udid ?? udid,
            ...(password !== undefined ? { password } : {}),
            reboot: b['reboot'] !== false,
            signal,
            onEvent: emit,
          });
          return { result: { target } };
        } finally {
          scratch.dispose();
        }
      },
      { remote: remote.name },
    );
    return { started: true, job };
  });
}

/** A sync's events as the job's phase and progress (the numbers are restic's own). */
export function jobEventOf(event: RemoteSyncEvent): JobEvent {
  switch (event.type) {
    case 'phase':
      return { type: 'phase', phase: 'syncing', message: event.message };
    case 'snapshot':
      return { type: 'phase', phase: 'sending', message: `Sending snapshot ${event.snapshot} (${event.index} of ${event.count}) to "${event.remote}"` };
    case 'progress':
      return { type: 'progress', files: event.files, bytes: event.bytes, percent: event.percent, bytesPerSecond: event.bytesPerSecond, etaSeconds: event.etaSeconds };
    case 'uploaded':
      return { type: 'phase', phase: 'sent', message: `Snapshot ${event.snapshot} is on "${event.remote}"` };
    case 'forgotten':
      return { type: 'phase', phase: 'retention', message: `Retention on "${event.remote}" removed ${event.snapshots.length} old cop${event.snapshots.length === 1 ? 'y' : 'ies'}` };
  }
}
