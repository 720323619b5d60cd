/**
 * Remote copies on the Snapshots page, in a real Chromium against a real dashboard, virtual iPhone and
 * restic (a local-path repository: a browser test needs no S3 server; test/web-remotes-s3.test.ts runs
 * the same API against a real S3 server). Sync now shows restic's progress and ends with the copy in
 * the remote's list; Check reports a sound repository; a copy restores into a new folder, checked;
 * a wrong password and an unreachable server read as plain words; no password, password file content
 * or URL credential ever reaches the page.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startDashboardFixture, type DashboardFixture } from './support/dashboard.js';
import { requireTool } from './support/require-tool.js';
import { addRemote, backUpThroughDashboard } from './support/web-remote.js';

const PASSWORD = 'Kx7!dashboard-remote-password';
const URL_SECRET = 'urlSecret9';

describe('remote copies on the dashboard, in Chromium', () => {
  let fx: DashboardFixture;
  let browser: Browser | undefined;
  let page: Page;
  let snapshot = '';
  let scratch = '';
  const responses: string[] = [];

  before(async () => {
    fx = await startDashboardFixture({ seed: 'web-remotes' });
    scratch = mkdtempSync(join(tmpdir(), 'lifeboat-web-remote-'));
  });
  after(async () => {
    await browser?.close();
    await fx?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('lists the configured remotes with their state, without credentials', async (t) => {
    if (!requireTool(t, 'restic')) return;
    browser = await launchChromium(t);
    if (!browser) return;
    snapshot = await backUpThroughDashboard(fx);
    await addRemote(fx, 'offsite', join(scratch, 'repo'), PASSWORD, { syncAfterBackup: true });
    await addRemote(fx, 'wrongpass', join(scratch, 'repo'), 'not-the-password', { init: false });
    // Nothing listens on port 9 (discard): restic cannot reach it; the URL carries a credential.
    await addRemote(fx, 'away', `rest:http://backup:${URL_SECRET}@127.0.0.1:9/repo`, PASSWORD, { init: false });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('response', (r) => {
      if (r.url().includes('/api/')) r.text().then((text) => responses.push(text), () => undefined);
    });
    await page.goto(fx.dashboard.url);
    await page.goto(`${fx.dashboard.origin}/#/snapshots/${fx.udid}`);
    const offsite = page.locator('article.remote[data-remote="offsite"]');
    await offsite.waitFor({ timeout: 60_000 });
    assert.match(await offsite.innerText(), /Copied after each backup/);
    assert.match(await offsite.innerText(), /No copy of this iPhone there yet/);
    const wrong = page.locator('article.remote[data-remote="wrongpass"] .remote-error');
    await wrong.waitFor({ timeout: 60_000 });
    assert.match(await wrong.innerText(), /password is wrong/);
    const away = page.locator('article.remote[data-remote="away"]');
    assert.match(await away.locator('.remote-error').innerText(), /cannot be reached/);
    assert.match(await away.innerText(), /rest:http:\/\/127\.0\.0\.1:9\/repo/);
  });

  it('syncs now with live progress, and the copy appears on the remote and on the snapshot', async (t) => {
    if (!page) return t.skip('no browser or restic');
    const offsite = page.locator('article.remote[data-remote="offsite"]');
    const progressStates: string[] = [];
    await offsite.locator('button.sync-now').click();
    const line = offsite.locator('.remote-progress');
    // Running lines carry restic's numbers (percent, bytes, files, rate); the last says what was sent.
    const poll = setInterval(() => {
      line.innerText({ timeout: 1000 }).then((text) => progressStates.push(text), () => undefined);
    }, 100);
    try {
      await page.locator('article.remote[data-remote="offsite"] .remote-progress[data-state="done"]').waitFor({ timeout: 180_000 });
    } finally {
      clearInterval(poll);
    }
    assert.match(await line.innerText(), /Sync finished: 1 snapshot sent/);
    assert.ok(progressStates.some((text) => /Sending snapshot|Reading what remote/.test(text)), `phases were shown: ${progressStates.join(' | ')}`);
    const copy = page.locator(`article.remote[data-remote="offsite"] li[data-snapshot="${snapshot}"]`);
    await copy.waitFor({ timeout: 60_000 });
    assert.match(await copy.innerText(), /also in the vault/);
    await page.locator(`li.snapshot[data-id="${snapshot}"] .on-remotes`, { hasText: 'On offsite' }).waitFor({ timeout: 30_000 });
  });

  it('checks the remote and restores a copy into a new folder', async (t) => {
    if (!page) return t.skip('no browser or restic');
    const offsite = page.locator('article.remote[data-remote="offsite"]');
    await offsite.locator('button.check-remote').click();
    await offsite.locator('.remote-progress[data-kind="remote-check"][data-state="done"]').waitFor({ timeout: 120_000 });
    assert.match(await offsite.locator('.remote-progress').innerText(), /Check passed/);
    await offsite.locator(`li[data-snapshot="${snapshot}"] button.restore-remote`).click();
    const out = join(scratch, 'restored');
    await page.fill('#remote-restore-out', out);
    await page.locator('[aria-label="Restore from the remote"] button.danger').click();
    await offsite.locator('.remote-progress[data-kind="remote-restore"][data-state="done"]').waitFor({ timeout: 180_000 });
    assert.match(await offsite.locator('.remote-progress').innerText(), /Restored and checked \(\d+ files\)/);
    assert.ok(existsSync(join(out, fx.udid, 'Manifest.db')), 'the restored folder holds the Finder backup');
    assert.equal(
      readFileSync(join(out, fx.udid, 'Info.plist')).toString('base64'),
      readFileSync(join(fx.home, 'vault', 'devices', fx.udid, 'snapshots', snapshot, fx.udid, 'Info.plist')).toString('base64'),
    );
  });

  it('warns before a restore onto an iPhone and starts nothing until the box is ticked', async (t) => {
    if (!page) return t.skip('no browser or restic');
    const offsite = page.locator('article.remote[data-remote="offsite"]');
    await offsite.locator(`li[data-snapshot="${snapshot}"] button.restore-remote`).click();
    const panel = page.locator('[aria-label="Restore from the remote"]');
    await panel.locator('input[value="phone"]').check();
    const text = await panel.innerText();
    assert.match(text, /Everything on the target iPhone is replaced/);
    assert.match(text, /Turn off Find My/);
    assert.equal(await panel.locator('#remote-restore-target option').count(), 1, 'the connected, trusted phone is offered');
    const before = fx.dashboard.context.jobs.list().length;
    await panel.locator('button.danger').click();
    await page.locator('#status', { hasText: 'Tick the box' }).waitFor({ timeout: 10_000 });
    assert.equal(fx.dashboard.context.jobs.list().length, before, 'no restore started');
    await panel.locator('button', { hasText: 'Cancel' }).click();
  });

  it('never sent a password or a URL credential to the browser', async (t) => {
    if (!page) return t.skip('no browser or restic');
    await page.goto(`${fx.dashboard.origin}/#/settings`);
    await page.locator('text=Remote copies').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    assert.ok(responses.length > 5, `API answers were recorded (${responses.length})`);
    for (const text of [...responses, await page.content()]) {
      assert.ok(!text.includes(PASSWORD), 'no repository password');
      assert.ok(!text.includes(URL_SECRET), 'no credential from a URL');
      assert.ok(!text.includes('not-the-password'), 'no password file content');
    }
  });
});
