/**
 * Never silent: the daemon's alerts, received by a real HTTP server (webhook) and a real SMTP server
 * (email) on 127.0.0.1. An unplug mid-backup gives a failure alert naming its cause; a replug retries
 * at once; the same failure again is not repeated; success sends one recovery notice. Staleness,
 * disk space and missing encryption are alerted and resolved the same way.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LifeboatConfig } from '../src/config/schema.js';
import { DAY, HOUR, pairOverUsb, startDaemon, testConfig, until, untilDaemonSees, type DaemonHarness } from './support/daemon-harness.js';
import { startSmtpSink, startWebhookSink, type SmtpSink, type WebhookSink } from './support/alert-sinks.js';
import { startSimHarness, type SimHarness } from './support/sim-harness.js';

const PROFILE = { files: 90, bytes: 3_000_000 };

describe('daemon alerts over webhook and email', () => {
  let sim: SimHarness;
  let webhook: WebhookSink;
  let smtp: SmtpSink;
  let secrets: string;
  let config: LifeboatConfig;
  let udid: string;

  before(async () => {
    sim = await startSimHarness({ devices: 2, autoTrust: true, dataProfile: PROFILE });
    udid = sim.usbUdid;
    await pairOverUsb(sim, udid);
    await pairOverUsb(sim, sim.networkUdid!);
    sim.set(sim.networkUdid!, 'wifi=false');
    sim.set(udid, 'totalSpace=64GB', 'freeSpace=63.5GB');
    webhook = await startWebhookSink('/lifeboat-alerts');
    smtp = await startSmtpSink();
    secrets = mkdtempSync(join(tmpdir(), 'lifeboat-secrets-'));
    writeFileSync(join(secrets, 'smtp.password'), `${smtp.password}\n`, { mode: 0o600 });
    config = testConfig(
      { wantEncryption: false, staleAfterHours: 72 },
      {
        alerts: {
          desktop: false,
          webhooks: [{ url: webhook.url, name: 'test-hook' }],
          email: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'lifeboat@localhost', to: ['owner@localhost'], user: smtp.user, passwordFile: join(secrets, 'smtp.password') },
        },
      },
    );
  });
  after(async () => {
    await webhook?.close();
    await smtp?.close();
    await sim?.close();
    rmSync(secrets, { recursive: true, force: true });
  });

  describe('unplugged mid-backup', () => {
    let d: DaemonHarness;
    before(async () => {
      sim.set(udid, 'fault=disconnect-after:256KB');
      d = await startDaemon(sim, { config });
    });
    after(async () => d?.close());

    it('alerts the failure with its cause on both channels', async () => {
      await until(d, 'the first run', () => d.runs.length >= 1);
      assert.equal(d.runs.length, 1);
      const run = d.runs[0]!;
      assert.equal(run.result, 'failure');
      assert.equal(run.errorCode, 'DEVICE_DISCONNECTED');
      assert.match(run.error!, /disconnected during the backup; the previous backup is intact/);
      assert.equal(sim.simulator.phone(udid)!.state.plugged, false, 'the fault pulled the cable');

      assert.deepEqual(d.alerts.map((a) => a.kind), ['failure']);
      const alert = d.alerts[0]!;
      assert.match(alert.title, /backup failed — The iPhone was disconnected during the backup/);
      assert.match(alert.body, /Fix: Reconnect the iPhone/);
      assert.deepEqual(alert.channels, ['webhook:test-hook', 'email']);

      assert.equal(webhook.bodies.length, 1);
      const body = webhook.bodies[0]!;
      assert.equal(webhook.requests[0]!.method, 'POST');
      assert.match(webhook.requests[0]!.contentType ?? '', /application\/json/);
      assert.equal(body['topic'], 'lifeboat-alerts', 'ntfy topic from the URL');
      assert.equal(body['title'], alert.title);
      assert.equal(body['message'], alert.body);
      assert.equal(body['priority'], 4);
      assert.deepEqual(body['alert'], { id: alert.id, at: alert.at, kind: 'failure', udid });

      assert.equal(smtp.mails.length, 1);
      assert.equal(smtp.refusedLogins, 0);
      const mail = smtp.mails[0]!;
      assert.equal(mail.subject, `[Lifeboat] ${alert.title}`);
      assert.match(mail.text ?? '', /Reconnect the iPhone/);
      assert.equal(mail.headers.get('x-lifeboat-alert'), 'failure');
      assert.equal(d.daemon.alerts.list().length, 1, 'the alert log in SQLite');
    });

    it('retries on replug, and the same failure again is not repeated', async () => {
      sim.set(udid, 'plugged=true');
      await until(d, 'the retry after the replug', () => d.runs.length >= 2);
      assert.equal(d.runs[1]!.result, 'failure');
      assert.equal(d.runs[1]!.errorCode, 'DEVICE_DISCONNECTED');
      assert.equal(d.alerts.length, 1, 'no second alert for the same cause');
      assert.equal(webhook.bodies.length, 1);
      assert.equal(smtp.mails.length, 1);
    });

    it('after a success sends one recovery notice', async () => {
      sim.set(udid, 'fault=none', 'plugged=true');
      await until(d, 'the successful retry', () => d.runs.length >= 3);
      assert.equal(d.runs[2]!.result, 'success', d.runs[2]!.error);
      assert.deepEqual(d.alerts.map((a) => a.kind), ['failure', 'recovered']);
      const notice = d.alerts[1]!;
      assert.match(notice.body, /succeeded at/);
      assert.match(notice.body, /resolved: .*disconnected/);
      assert.equal(webhook.bodies.length, 2);
      assert.equal(webhook.bodies[1]!['priority'], 3);
      assert.equal(smtp.mails.length, 2);
      assert.match(smtp.mails[1]!.subject ?? '', /problem resolved/);
      const status = d.daemon.devices().find((s) => s.udid === udid)!;
      assert.equal(status.state, 'idle');
      assert.equal(status.failures, 0);
    });

    it('retries with backoff while the phone stays attached (5 min, then 10 min)', async () => {
      sim.set(udid, 'fault=error:42');
      await d.advance(DAY);
      const failedAt = d.runs.length;
      assert.equal(d.runs.at(-1)!.result, 'failure');
      assert.equal(d.alerts.at(-1)!.kind, 'failure');
      assert.match(d.alerts.at(-1)!.title, /error 42/);
      await d.advance(4 * 60_000);
      assert.equal(d.runs.length, failedAt, 'no retry before 5 minutes');
      await d.advance(2 * 60_000);
      assert.equal(d.runs.length, failedAt + 1, 'first retry after 5 minutes');
      // The first retry ran at +5 min; the second waits 10 minutes from then.
      await d.advance(8 * 60_000);
      assert.equal(d.runs.length, failedAt + 1, 'the second retry waits 10 minutes');
      sim.set(udid, 'fault=none');
      await d.advance(2 * 60_000);
      assert.equal(d.runs.length, failedAt + 2);
      assert.equal(d.runs.at(-1)!.result, 'success');
      assert.equal(d.alerts.at(-1)!.kind, 'recovered');
    });

    it('alerts a stale device, naming why, and announces the recovery', async () => {
      const before = d.alerts.length;
      sim.set(udid, 'plugged=false');
      await untilDaemonSees(d, udid, false);
      await d.advance(3 * DAY + HOUR);
      const stale = d.alerts.slice(before);
      assert.deepEqual(stale.map((a) => a.kind), ['stale']);
      assert.match(stale[0]!.title, /no backup for 3 days/);
      assert.match(stale[0]!.body, /It has not run because: not connected/);
      await d.advance(DAY);
      assert.equal(d.alerts.length, before + 1, 'not repeated while nothing changes');
      sim.set(udid, 'plugged=true');
      await until(d, 'the backup after plugging in', () => d.runs.at(-1)!.result === 'success' && d.alerts.length > before + 1);
      assert.equal(d.alerts.at(-1)!.kind, 'recovered');
      assert.match(d.alerts.at(-1)!.body, /resolved: .*no backup for 3 days/);
    });
  });

  describe('disk space and encryption', () => {
    let d: DaemonHarness;
    const phone = (): string => sim.networkUdid!;
    before(async () => {
      sim.set(udid, 'plugged=false');
      // A phone storing far more than this disk has free: its first backup may not fit.
      sim.set(phone(), 'wifi=true', 'charging=true', 'totalSpace=2TB', 'freeSpace=10GB');
      d = await startDaemon(sim, { config: { ...config, defaults: { ...config.defaults, wantEncryption: true } } });
    });
    after(async () => d?.close());

    it('alerts both once, then resolves disk space after the first backup sets a real estimate', async () => {
      await until(d, 'the first backup', () => d.runs.length >= 1);
      assert.equal(d.runs[0]!.result, 'success', d.runs[0]!.error);
      const kinds = d.alerts.map((a) => a.kind);
      assert.ok(kinds.includes('disk-space'), `alerts: ${kinds.join(', ')}`);
      assert.ok(kinds.includes('unencrypted'));
      const disk = d.alerts.find((a) => a.kind === 'disk-space')!;
      assert.match(disk.body, /may need up to [\d.]+ TB, but the vault.s disk has [\d.]+ GB free/);
      assert.match(d.alerts.find((a) => a.kind === 'unencrypted')!.body, /Health data, saved passwords/);
      await d.advance(DAY + HOUR);
      assert.equal(d.alerts.filter((a) => a.kind === 'unencrypted').length, 1, 'not repeated');
      const recovered = d.alerts.filter((a) => a.kind === 'recovered');
      assert.equal(recovered.length, 1);
      assert.match(recovered[0]!.body, /will not hold/);
      assert.ok(webhook.bodies.some((b) => (b['alert'] as { kind: string }).kind === 'unencrypted'));
    });
  });
});
