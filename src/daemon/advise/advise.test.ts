/**
 * The advisor's recommendation, table-driven: each row is a person's answers and what the setup must
 * (and must not) be; plus answer parsing and the config it writes, which must pass validation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../config/schema.js';
import { validateConfig } from '../../config/validate.js';
import { applyRecommendation } from './apply.js';
import { AnswerError, parseAnswer, QUESTIONS, type AdviceAnswers } from './questions.js';
import { recommend, type Recommendation } from './recommend.js';

const base: AdviceAnswers = { dataGb: 64, upgrade: 'few-years', os: 'linux', manual: 'some', sensitivity: 'normal', storage: ['local'], icloudPhotos: 'off' };

interface Row {
  readonly name: string;
  readonly answers: Partial<AdviceAnswers>;
  readonly expect: (r: Recommendation) => void;
}

const topic = (r: Recommendation, t: string): string => {
  const item = r.advice.find((a) => a.topic === t);
  assert.ok(item, `no ${t} advice`);
  return `${item.advice} ${item.why}`;
};

const ROWS: Row[] = [
  {
    name: 'hands-off person: nightly window like iCloud, Wi-Fi sync, still alerts',
    answers: { manual: 'none' },
    expect: (r) => {
      assert.deepEqual(r.policy.window, { start: '00:30', end: '06:00' });
      assert.equal(r.wifiSync, true);
      assert.equal(r.policy.conditions.requirePower, true);
      assert.equal(r.policy.conditions.skipInLowPowerMode, true);
      assert.match(topic(r, 'schedule'), /overnight/);
    },
  },
  {
    name: 'hands-on person: no window, no Wi-Fi sync step',
    answers: { manual: 'happy' },
    expect: (r) => {
      assert.equal(r.policy.window, undefined);
      assert.equal(r.wifiSync, false);
      assert.ok(!r.steps.some((s) => s.startsWith('lifeboat wifi on')));
    },
  },
  {
    name: 'sensitive data: encryption is essential, and wanted',
    answers: { sensitivity: 'high' },
    expect: (r) => {
      assert.equal(r.policy.wantEncryption, true);
      assert.match(topic(r, 'encryption'), /sensitive.*Health/s);
      assert.ok(r.steps.some((s) => s.startsWith('lifeboat encryption on')));
    },
  },
  {
    name: 'normal data: encryption still recommended, for Health and passwords',
    answers: {},
    expect: (r) => assert.match(topic(r, 'encryption'), /leaves out Health data/),
  },
  {
    name: 'a lot of data and an external disk: the vault goes there, sized with history',
    answers: { dataGb: 400, storage: ['local', 'external'] },
    expect: (r) => {
      assert.equal(r.vault, 'external');
      assert.match(topic(r, 'storage'), /600 GB/);
      assert.ok(r.steps.some((s) => s.includes('vaultPath')));
      assert.equal(r.offsite, 'none');
    },
  },
  {
    name: 'little data: this computer\'s disk is enough even with an external one',
    answers: { dataGb: 64, storage: ['local', 'external'] },
    expect: (r) => {
      assert.equal(r.vault, 'local');
      assert.equal(r.offsite, 'external');
    },
  },
  {
    name: 'S3 available: the off-site copy goes there',
    answers: { storage: ['local', 's3'] },
    expect: (r) => {
      assert.equal(r.offsite, 's3');
      assert.match(topic(r, 'offsite'), /another building/);
      assert.ok(r.steps.some((s) => s.startsWith('lifeboat remote add offsite <s3:')));
    },
  },
  {
    name: 'only one place: says a second copy is missing',
    answers: { storage: ['local'] },
    expect: (r) => {
      assert.equal(r.offsite, 'none');
      assert.match(topic(r, 'offsite'), /lost with it/);
    },
  },
  {
    name: 'only a NAS: the vault lives on it',
    answers: { storage: ['nas'] },
    expect: (r) => assert.equal(r.vault, 'nas'),
  },
  {
    name: 'a lot of data in one place: a leaner history',
    answers: { dataGb: 300, storage: ['local'] },
    expect: (r) => {
      assert.equal(r.policy.retention.yearly, undefined);
      assert.equal(r.policy.retention.daily, 7);
    },
  },
  {
    name: 'frequent upgrader: a tighter staleness alert and the new-iPhone advice',
    answers: { upgrade: 'yearly' },
    expect: (r) => {
      assert.equal(r.policy.staleAfterHours, 48);
      assert.match(topic(r, 'new-iphone'), /lifeboat restore/);
    },
  },
  {
    name: 'keeps a phone for years: the usual 3-day alert, no new-iPhone advice',
    answers: { upgrade: 'rarely' },
    expect: (r) => {
      assert.equal(r.policy.staleAfterHours, 72);
      assert.equal(r.advice.find((a) => a.topic === 'new-iphone'), undefined);
    },
  },
  {
    name: 'iCloud Photos on, on a Mac: originals are not in the backup; download them in Photos',
    answers: { icloudPhotos: 'on', os: 'mac' },
    expect: (r) => assert.match(topic(r, 'icloud-photos'), /NOT in any iPhone backup.*Download Originals to this Mac/s),
  },
  {
    name: 'iCloud Photos on, on Linux: no Apple client',
    answers: { icloudPhotos: 'on', os: 'linux' },
    expect: (r) => assert.match(topic(r, 'icloud-photos'), /icloudpd/),
  },
  {
    name: 'iCloud Photos off: photos are in the backup',
    answers: { icloudPhotos: 'off' },
    expect: (r) => assert.match(topic(r, 'icloud-photos'), /in every backup/),
  },
  {
    name: 'Windows: the Apple Devices app',
    answers: { os: 'windows' },
    expect: (r) => {
      assert.match(topic(r, 'computer'), /Apple Devices app/);
      assert.match(r.steps[0] ?? '', /Apple Devices/);
    },
  },
];

describe('recommend', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const answers = { ...base, ...row.answers };
      const recommendation = recommend(answers);
      row.expect(recommendation);
      // Every recommendation is a complete, valid config and says why for every piece.
      const problems: string[] = [];
      validateConfig(applyRecommendation(DEFAULT_CONFIG, recommendation), problems);
      assert.deepEqual(problems, []);
      for (const item of recommendation.advice) assert.ok(item.why.length > 20, item.topic);
      assert.deepEqual(recommend(answers), recommendation, 'pure: same answers, same advice');
    });
  }
});

describe('answers', () => {
  it('parses numbers, choices (by name or position) and lists', () => {
    assert.equal(parseAnswer('dataGb', '180'), 180);
    assert.equal(parseAnswer('os', 'Mac'), 'mac');
    assert.equal(parseAnswer('upgrade', '1'), 'yearly');
    assert.deepEqual(parseAnswer('storage', 'local, s3 local'), ['local', 's3']);
    assert.deepEqual(parseAnswer('storage', '2,4'), ['external', 's3']);
  });
  it('refuses bad answers naming the flag and what is accepted', () => {
    for (const [id, text, pattern] of [['dataGb', 'lots', /--data-gb/], ['dataGb', '0', /--data-gb/], ['os', 'amiga', /mac, windows, linux/], ['storage', 'tape', /local, external, nas, s3/], ['storage', '', /--storage/]] as const) {
      assert.throws(() => parseAnswer(id, text), (e: unknown) => e instanceof AnswerError && pattern.test(e.message));
    }
  });
  it('every question has a flag and, for choices, distinct values', () => {
    for (const q of QUESTIONS) {
      assert.match(q.flag, /^--[a-z-]+$/);
      if (q.kind !== 'number') assert.equal(new Set(q.choices.map((c) => c.value)).size, q.choices.length);
    }
  });
});

describe('applyRecommendation', () => {
  it('replaces the default policy, keeps remotes, overrides and alerts, and sets vaultPath when given', () => {
    const config = {
      ...DEFAULT_CONFIG,
      defaults: { ...DEFAULT_CONFIG.defaults, syncRemotes: ['offsite'] },
      remotes: { offsite: { url: 's3:https://example.test/bucket' } },
      devices: { '00008030-001A2B3C4D5E6F70': { label: 'Work phone', intervalHours: 12 } },
    };
    const next = applyRecommendation(config, recommend({ ...base, manual: 'none', upgrade: 'yearly' }), { vaultPath: '/media/disk/lifeboat' });
    assert.equal(next.vaultPath, '/media/disk/lifeboat');
    assert.deepEqual(next.defaults.syncRemotes, ['offsite']);
    assert.equal(next.defaults.staleAfterHours, 48);
    assert.deepEqual(next.defaults.window, { start: '00:30', end: '06:00' });
    assert.deepEqual(next.remotes, config.remotes);
    assert.deepEqual(next.devices, config.devices);
    const problems: string[] = [];
    validateConfig(next, problems);
    assert.deepEqual(problems, []);
  });
});
