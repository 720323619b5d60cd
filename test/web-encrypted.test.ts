/**
 * Encrypted backups and restores through the dashboard: an encrypted snapshot answers 423 until its
 * password is given; a wrong password is refused and nothing is kept; the right one unlocks it once and
 * never comes back in any answer; a restore needs an explicit confirmation naming the target, and then
 * runs as a job to the end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDashboard, type Dashboard } from '../src/web/server.js';
import { makeContentFixture, PASSWORD, type ContentFixture } from './support/content-fixture.js';
import { waitFor } from './support/dashboard.js';

describe('web dashboard: encrypted backups and restore', () => {
  let fx: ContentFixture;
  let dashboard: Dashboard;
  const bodies: string[] = [];
  async function call(path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const init: RequestInit = { headers: { Authorization: `Bearer ${dashboard.token}`, 'Content-Type': 'application/json' } };
    if (body !== undefined) Object.assign(init, { method: 'POST', body: JSON.stringify(body) });
    const res = await fetch(`${dashboard.origin}${path}`, init);
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  before(async () => {
    fx = await makeContentFixture({ encrypted: true, seed: 'web-encrypted' });
    dashboard = await startDashboard({ env: { ...process.env, LIFEBOAT_HOME: fx.home, LIFEBOAT_CONFIG: '' }, mux: fx.sim.mux });
  });
  after(async () => {
    await dashboard?.close();
    await fx?.close();
  });

  it('asks for the password, refuses a wrong one, and never sends it back', async () => {
    const base = `/api/devices/${fx.udid}/snapshots/${fx.encrypted!.id}`;
    const locked = await call(`${base}/summary`);
    assert.equal(locked.status, 423);
    assert.equal((locked.json['error'] as { code: string }).code, 'BACKUP_PASSWORD_REQUIRED');
    const list = await call(`/api/devices/${fx.udid}/snapshots`);
    assert.equal((list.json['snapshots'] as Array<{ id: string; encrypted: boolean }>).find((s) => s.id === fx.encrypted!.id)?.encrypted, true);
    const wrong = await call(`${base}/unlock`, { password: 'not it' });
    assert.equal(wrong.status, 400);
    assert.equal((await call(`${base}/summary`)).status, 423, 'nothing was kept after a wrong password');
    const right = await call(`${base}/unlock`, { password: PASSWORD });
    assert.equal(right.status, 200);
    const summary = await call(`${base}/summary`);
    assert.equal(summary.status, 200);
    assert.equal((summary.json['device'] as { encrypted: boolean }).encrypted, true);
    assert.ok(summary.json['health'], 'Health is readable once unlocked (only encrypted backups carry it)');
    const chats = await call(`${base}/messages`);
    assert.equal((chats.json['chats'] as unknown[]).length, fx.truth.chats.length);
    for (const text of bodies) assert.ok(!text.includes(PASSWORD), 'the password never appears in an answer');
  });

  it('restores a snapshot to the phone only when confirmed, as a job that finishes', async () => {
    const path = `/api/devices/${fx.udid}/snapshots/${fx.plain.id}/restore`;
    const unconfirmed = await call(path, { target: fx.udid });
    assert.equal(unconfirmed.status, 400);
    assert.equal((unconfirmed.json['error'] as { code: string }).code, 'WEB_NOT_CONFIRMED');
    assert.equal(dashboard.context.jobs.list().length, 0, 'no restore started');
    const started = await call(path, { target: fx.udid, confirm: fx.udid, reboot: false });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const job = await waitFor('the restore to end', () => dashboard.context.jobs.list().find((j) => j.kind === 'restore' && j.state !== 'running'), 180_000);
    assert.equal(job.state, 'done', JSON.stringify(job.error));
  });
});
