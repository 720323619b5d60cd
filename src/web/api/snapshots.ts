/**
 * The snapshot timeline of a device and what can be done with a snapshot:
 *   GET  /api/devices/:udid/snapshots                 time, size, new bytes, files, encryption, verified
 *   POST /api/devices/:udid/snapshots/:id/verify      check it (bit rot, missing files, structure)
 *   POST /api/devices/:udid/forget                    {dryRun, snapshot? | retention?}: preview, then apply
 *   POST /api/devices/:udid/snapshots/:id/restore     {target, confirm, password?}: put it back on a phone
 * Forget always previews first in the page; applying needs the exact list of ids the preview showed,
 * so a snapshot made in between is never removed by surprise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { restoreDevice } from '../../backup/restore.js';
import { resolvePolicy } from '../../config/schema.js';
import { selectDevice } from '../../protocol/host/select-device.js';
import { UsbmuxTransport } from '../../protocol/transport.js';
import { applyForget, planForget, type ForgetPlan } from '../../vault/forget.js';
import type { SnapshotRef } from '../../vault/local-store.js';
import { validatePolicy, type RetentionPolicy } from '../../vault/retention.js';
import { VERIFIED_FILE, verifySnapshot } from '../../vault/verify.js';
import type { DashboardContext } from '../context.js';
import { WebError } from '../errors.js';
import { stringField, type Router } from '../http.js';
import { manifestEncrypted } from '../open-backups.js';

const UDID = /^[0-9A-Fa-f-]{24,40}$/;

export function checkUdid(udid: string | undefined): string {
  if (!udid || !UDID.test(udid)) throw new WebError(400, `"${udid ?? ''}" is not a device UDID`);
  return udid;
}

function verified(ref: SnapshotRef): { at: string; ok: boolean } | undefined {
  try {
    const json = JSON.parse(readFileSync(join(ref.backupDir, VERIFIED_FILE), 'utf8')) as { verifiedAt: string; ok: boolean };
    return { at: json.verifiedAt, ok: json.ok };
  } catch {
    return undefined;
  }
}

export function describeSnapshot(ref: SnapshotRef): Record<string, unknown> {
  const meta = ref.meta;
  const v = verified(ref);
  return {
    id: ref.id,
    udid: ref.udid,
    time: meta?.createdAt ?? null,
    files: meta?.files ?? null,
    logicalBytes: meta?.logicalBytes ?? null,
    newBytes: meta?.newBytes ?? null,
    encrypted: meta?.encrypted ?? manifestEncrypted(ref.deviceDir),
    full: meta?.full ?? null,
    productVersion: meta?.productVersion ?? null,
    deviceName: meta?.deviceName ?? null,
    verifiedAt: v?.at ?? null,
    verifiedOk: v?.ok ?? null,
  };
}

const RULES = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

function retentionFrom(value: unknown): RetentionPolicy {
  if (typeof value !== 'object' || value === null) throw new WebError(400, '"retention" must be an object like {"daily": 7}');
  const policy: Record<string, number> = {};
  for (const rule of RULES) {
    const n = (value as Record<string, unknown>)[rule];
    if (n === undefined || n === null || n === '') continue;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new WebError(400, `retention.${rule} must be a whole number`);
    policy[rule] = n;
  }
  const problems = validatePolicy(policy as RetentionPolicy);
  if (problems.length > 0) throw new WebError(400, problems.join('; '));
  if (Object.keys(policy).length === 0) throw new WebError(400, 'give at least one retention rule (forget never removes everything)');
  return policy as RetentionPolicy;
}

export function registerSnapshotRoutes(router: Router, ctx: DashboardContext): void {
  router.add('GET', '/api/devices/:udid/snapshots', ({ params }) => {
    const udid = checkUdid(params['udid']);
    const policy = resolvePolicy(ctx.config(), udid);
    return { udid, retention: policy.retention, snapshots: ctx.store().list(udid).map(describeSnapshot).reverse() };
  });

  router.add('POST', '/api/devices/:udid/snapshots/:id/verify', async ({ params, body }) => {
    const ref = ctx.store().get(checkUdid(params['udid']), params['id'] as string);
    const password = stringField(await body(), 'password', { optional: true });
    return verifySnapshot(ref, password !== undefined ? { password } : {});
  });

  router.add('POST', '/api/devices/:udid/forget', async ({ params, body }) => {
    const udid = checkUdid(params['udid']);
    const b = await body();
    const store = ctx.store();
    let plan: ForgetPlan;
    if (typeof b['snapshot'] === 'string') {
      const target = store.get(udid, b['snapshot']).id;
      plan = { udid, keep: store.list(udid).filter((r) => r.id !== target).map((r) => ({ id: r.id, reasons: ['not chosen'] })), forget: [target] };
    } else {
      plan = planForget(store, udid, b['retention'] === undefined ? resolvePolicy(ctx.config(), udid).retention : retentionFrom(b['retention']));
    }
    if (b['dryRun'] !== false) return { dryRun: true, plan };
    const expected = b['expect'];
    if (!Array.isArray(expected) || expected.length !== plan.forget.length || plan.forget.some((id, i) => expected[i] !== id)) {
      throw new WebError(409, 'the snapshots to forget changed since the preview; preview again', 'WEB_PLAN_CHANGED');
    }
    for (const id of plan.forget) ctx.backups.forget(udid, id);
    return { dryRun: false, plan, removed: applyForget(store, plan) };
  });

  router.add('POST', '/api/devices/:udid/snapshots/:id/restore', async ({ params, body }) => {
    const udid = checkUdid(params['udid']);
    const ref = ctx.store().get(udid, params['id'] as string);
    const b = await body();
    const target = checkUdid(stringField(b, 'target'));
    // The page makes the user type the target's name or UDID; the server insists on it too.
    if (b['confirm'] !== target) throw new WebError(400, 'confirm the restore by sending the target UDID as "confirm"', 'WEB_NOT_CONFIRMED');
    const password = stringField(b, 'password', { optional: true });
    const job = ctx.jobs.start(target, 'restore', async (signal, emit) => {
      const transport = new UsbmuxTransport(ctx.mux, selectDevice(await ctx.mux.listDevices(), target));
      await restoreDevice({
        transport,
        pairStore: ctx.pairStore,
        backupDir: ref.backupDir,
        sourceName: ref.udid,
        ...(password !== undefined ? { password } : {}),
        reboot: b['reboot'] !== false,
        signal,
        onEvent: emit,
      });
      return undefined;
    });
    return { started: true, job };
  });
}
