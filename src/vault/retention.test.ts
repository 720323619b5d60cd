import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { requireTool } from '../../test/support/require-tool.js';
import { applyRetention, isoWeek, validatePolicy, type Dated, type RetentionPolicy } from './retention.js';

const at = (iso: string, id = iso): Dated => ({ id, time: new Date(iso) });

/** A synthetic two-year calendar: one snapshot a day at 02:00 UTC plus a few extra ones on busy days. */
function twoYears(): Dated[] {
  const out: Dated[] = [];
  const start = Date.UTC(2024, 0, 1, 2);
  for (let d = 0; d < 731; d++) {
    out.push(at(new Date(start + d * 86_400_000).toISOString()));
    if (d % 10 === 0) out.push(at(new Date(start + d * 86_400_000 + 5 * 3_600_000).toISOString()));
  }
  return out;
}

describe('retention (restic forget semantics)', () => {
  it('computes ISO weeks across year boundaries', () => {
    assert.deepEqual(isoWeek(2024, 12, 30), { year: 2025, week: 1 });
    assert.deepEqual(isoWeek(2021, 1, 3), { year: 2020, week: 53 });
    assert.deepEqual(isoWeek(2026, 11, 25), { year: 2026, week: 48 });
  });

  it('keeps what each rule asks for on a two-year calendar', () => {
    const all = twoYears();
    const newest = [...all].sort((a, b) => b.time.getTime() - a.time.getTime());
    const last = applyRetention(all, { last: 5 });
    assert.deepEqual(last.keep.map((k) => k.snapshot.id), newest.slice(0, 5).map((s) => s.id));
    const daily = applyRetention(all, { daily: 7 });
    assert.equal(daily.keep.length, 7);
    assert.equal(new Set(daily.keep.map((k) => k.snapshot.id.slice(0, 10))).size, 7, 'one per day');
    const monthly = applyRetention(all, { monthly: 12 });
    assert.equal(monthly.keep.length, 12);
    for (const { snapshot } of monthly.keep) {
      // the newest snapshot of its month: nothing later in the same month
      const month = snapshot.id.slice(0, 7);
      assert.ok(!all.some((s) => s.id.slice(0, 7) === month && s.time > snapshot.time));
    }
    const combined = applyRetention(all, { last: 3, daily: 7, weekly: 4, monthly: 6, yearly: -1 });
    assert.equal(combined.keep.length + combined.forget.length, all.length);
    assert.ok(combined.keep.length <= 3 + 7 + 4 + 6 + 3);
    assert.ok(combined.keep.find((k) => k.snapshot.id === newest[0]!.id)!.reasons.includes('last snapshot'));
  });

  it('keeps everything with an empty policy and rejects bad counts', () => {
    assert.equal(applyRetention(twoYears(), {}).forget.length, 0);
    assert.deepEqual(validatePolicy({ daily: 7 }), []);
    assert.equal(validatePolicy({ daily: -2 }).length, 1);
    assert.equal(validatePolicy({ weekly: 1.5 }).length, 1);
  });

  it('agrees with restic itself on the same snapshot times', (t) => {
    if (!requireTool(t, 'restic')) return;
    const times = [
      '2023-12-31T23:30:00Z', '2024-01-01T00:10:00Z', '2024-01-01T00:50:00Z', '2024-01-01T09:00:00Z', '2024-01-07T12:00:00Z',
      '2024-01-08T01:00:00Z', '2024-02-28T10:00:00Z', '2024-02-29T10:00:00Z', '2024-03-01T10:00:00Z', '2024-06-15T08:00:00Z',
      '2024-06-15T08:40:00Z', '2024-06-15T20:00:00Z', '2024-12-29T10:00:00Z', '2024-12-30T10:00:00Z', '2025-01-01T10:00:00Z',
      '2025-01-05T10:00:00Z', '2025-03-03T10:00:00Z', '2025-07-14T10:00:00Z', '2025-11-02T10:00:00Z', '2025-11-23T06:00:00Z',
    ];
    const dir = mkdtempSync(join(tmpdir(), 'lifeboat-restic-retention-'));
    const env = { ...process.env, RESTIC_REPOSITORY: join(dir, 'repo'), RESTIC_PASSWORD: 'retention-test', TZ: 'UTC' };
    try {
      mkdirSync(join(dir, 'data'));
      writeFileSync(join(dir, 'data', 'f'), 'x');
      assert.equal(spawnSync('restic', ['init', '-q'], { env }).status, 0);
      for (const time of times) {
        const run = spawnSync('restic', ['backup', '-q', '--time', time.replace('T', ' ').replace('Z', ''), join(dir, 'data')], { env, encoding: 'utf8' });
        assert.equal(run.status, 0, run.stderr);
      }
      const policies: RetentionPolicy[] = [{ last: 2 }, { hourly: 3 }, { daily: 4 }, { weekly: 3 }, { monthly: 5 }, { yearly: 2 }, { last: 1, daily: 2, weekly: 2, monthly: 3, yearly: 1 }];
      const flag: Record<string, string> = { last: '--keep-last', hourly: '--keep-hourly', daily: '--keep-daily', weekly: '--keep-weekly', monthly: '--keep-monthly', yearly: '--keep-yearly' };
      for (const policy of policies) {
        const args = Object.entries(policy).flatMap(([rule, n]) => [flag[rule]!, String(n)]);
        const run = spawnSync('restic', ['forget', '--dry-run', '--json', ...args], { env, encoding: 'utf8' });
        assert.equal(run.status, 0, run.stderr);
        const groups = JSON.parse(run.stdout) as Array<{ keep: Array<{ time: string }> }>;
        const theirs = groups.flatMap((g) => g.keep.map((s) => new Date(s.time).toISOString())).sort();
        const ours = applyRetention(times.map((time) => at(time)), policy).keep.map((k) => k.snapshot.time.toISOString()).sort();
        assert.deepEqual(ours, theirs, `policy ${JSON.stringify(policy)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
