import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POLICY } from '../config/schema.js';
import { backoffMs, insideWindow, nextWindowStart, planDevice, unmetConditions } from './policy.js';

const local = (h: number, m = 0): Date => new Date(2026, 0, 5, h, m, 0, 0);

describe('daemon policy', () => {
  it('backs off 5, 10, 20 … minutes, capped at 6 hours', () => {
    assert.deepEqual([0, 1, 2, 3].map((n) => backoffMs(n) / 60_000), [0, 5, 10, 20]);
    assert.equal(backoffMs(50), 6 * 3_600_000);
  });

  it('"on USB or Wi-Fi" judges the connection the daemon reached the phone by', () => {
    const policy = DEFAULT_POLICY;
    const base = { externalPower: true, batteryPercent: 90 };
    assert.deepEqual(unmetConditions(policy, { ...base, connection: 'usb', onWifi: false }), [], 'a cable is enough');
    assert.deepEqual(unmetConditions(policy, { ...base, connection: 'wifi', onWifi: true }), [], 'reached over TCP on the local network');
    assert.deepEqual(unmetConditions(policy, { ...base, connection: 'wifi', onWifi: false }), ['not on Wi-Fi']);
    assert.deepEqual(unmetConditions(policy, { ...base, connection: 'network', onWifi: false }), ['not on Wi-Fi']);
  });

  it('quiet windows that cross midnight', () => {
    const w = { start: '22:00', end: '06:00' };
    assert.equal(insideWindow(w, local(23)), true);
    assert.equal(insideWindow(w, local(5, 59)), true);
    assert.equal(insideWindow(w, local(6)), false);
    assert.equal(insideWindow(w, local(12)), false);
    assert.deepEqual(nextWindowStart(w, local(12)), local(22));
    assert.deepEqual(nextWindowStart(w, local(23)), local(23));
  });

  it('names every unmet condition and ignores what the phone does not report', () => {
    const policy = { ...DEFAULT_POLICY, conditions: { ...DEFAULT_POLICY.conditions, requireLocked: true } };
    assert.deepEqual(unmetConditions(policy, { connection: 'network', externalPower: false, charging: false, onWifi: false, locked: false, lowPowerMode: true, batteryPercent: 5 }), [
      'not charging or plugged in',
      'not on Wi-Fi',
      'not locked',
      'Low Power Mode is on',
      'battery at 5% (needs 20%)',
    ]);
    assert.deepEqual(unmetConditions(policy, { connection: 'usb' }), []);
  });

  it('a device never backed up is due at once; a success moves the next run by the interval', () => {
    const now = local(12);
    assert.equal(planDevice(DEFAULT_POLICY, { failures: 0 }, now, { connection: 'usb', externalPower: true }).runNow, true);
    const plan = planDevice(DEFAULT_POLICY, { failures: 0, lastSuccessAt: local(10) }, now);
    assert.equal(plan.runNow, false);
    assert.deepEqual(plan.nextRunAt, new Date(local(10).getTime() + 24 * 3_600_000));
    const off = planDevice({ ...DEFAULT_POLICY, automatic: false }, { failures: 0 }, now);
    assert.equal(off.runNow, false);
    assert.equal(off.nextRunAt, undefined);
  });

  it('a reattached device retries without waiting for the backoff', () => {
    const now = local(12);
    const history = { failures: 3, lastFailureAt: local(11, 59) };
    assert.equal(planDevice(DEFAULT_POLICY, history, now).due, false);
    assert.equal(planDevice(DEFAULT_POLICY, { ...history, reattachedSinceFailure: true }, now, { connection: 'usb' }).runNow, true);
  });
});
