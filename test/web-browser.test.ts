/**
 * The dashboard in a real Chromium (playwright-core) against a real server and virtual iPhone:
 * the token leaves the address bar; the device card shows the right last-backup state (never → backed
 * up → overdue → at risk, with an injected clock); Back Up Now, pressed from the keyboard, shows live
 * progress and ends with the new snapshot in the timeline; a conversation and a photo from the phone's
 * ground truth are visible; a doctor finding comes and goes with its cause; the setup advisor writes the config; the page fits a phone-wide screen; a browser without the token sees nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { DeviceTruth } from '../sim/data/index.js';
import { launchChromium } from './support/browser.js';
import { startDashboardFixture, type DashboardFixture } from './support/dashboard.js';

const HOUR = 3_600_000;

describe('web dashboard in Chromium', () => {
  let fx: DashboardFixture;
  let browser: Browser | undefined;
  let page: Page;
  let offset = 0;
  let snapshot = '';
  let truth: DeviceTruth;

  before(async () => {
    fx = await startDashboardFixture({ seed: 'web-browser', dashboard: { now: () => new Date(Date.now() + offset) } });
  });
  after(async () => {
    await browser?.close();
    await fx?.close();
  });

  it('opens with the token, drops it from the address bar, and shows a never-backed-up card', async (t) => {
    browser = await launchChromium(t);
    if (!browser) return;
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(fx.dashboard.url);
    assert.equal(page.url(), `${fx.dashboard.origin}/`, 'the token is gone from the URL');
    const card = page.locator(`article.device[data-udid="${fx.udid}"]`);
    await card.waitFor({ timeout: 30_000 });
    assert.equal(await card.getAttribute('data-health'), 'red');
    assert.match(await card.innerText(), /Never backed up/);
    assert.match(await card.innerText(), /iPhone/);
  });

  it('backs up now from the keyboard with live progress, and the snapshot appears in the timeline', async (t) => {
    if (!browser) return t.skip('no browser');
    const card = page.locator(`article.device[data-udid="${fx.udid}"]`);
    const button = card.locator('button.backup-now');
    await button.focus();
    await page.keyboard.press('Enter');
    const text = card.locator('.progress-text');
    // While running, the line shows bytes, files and a rate; at the end it names the snapshot.
    await text.filter({ hasText: /\d+ files? · .*\/s/ }).waitFor({ timeout: 120_000 });
    await text.filter({ hasText: /Backup finished: snapshot/ }).waitFor({ timeout: 180_000 });
    snapshot = /snapshot (\S+) saved/.exec(await text.innerText())?.[1] ?? '';
    assert.match(snapshot, /^\d{8}T\d+Z-[0-9a-f]{6}$/);
    await page.locator(`article.device[data-udid="${fx.udid}"][data-health="green"]`).waitFor({ timeout: 30_000 });
    assert.match(await card.innerText(), /Backed up/);
    await page.goto(`${fx.dashboard.origin}/#/snapshots/${fx.udid}`);
    const item = page.locator(`li.snapshot[data-id="${snapshot}"]`);
    await item.waitFor({ timeout: 30_000 });
    assert.match(await item.innerText(), /Not verified/);
    await item.locator('button.verify').click();
    await page.locator(`li.snapshot[data-id="${snapshot}"] .badge.green`, { hasText: 'Verified' }).waitFor({ timeout: 60_000 });
  });

  it('turns the card amber when the backup is overdue and red when it is stale', async (t) => {
    if (!browser) return t.skip('no browser');
    const card = page.locator(`article.device[data-udid="${fx.udid}"]`);
    offset = 30 * HOUR; // the default policy: every 24 h, alert after 72 h
    await page.goto(`${fx.dashboard.origin}/#/devices`);
    await page.reload();
    await card.waitFor();
    assert.equal(await card.getAttribute('data-health'), 'amber');
    assert.match(await card.innerText(), /Backup overdue/);
    offset = 80 * HOUR;
    await page.reload();
    await card.waitFor();
    assert.equal(await card.getAttribute('data-health'), 'red');
    assert.match(await card.innerText(), /Not backed up[\s\S]*older than 72 h/);
    offset = 0;
  });

  it('shows a conversation and a photo from the phone\'s ground truth', async (t) => {
    if (!browser) return t.skip('no browser');
    truth = await fx.sim.simulator.fileSystem(fx.sim.simulator.phone(fx.udid)!).truth();
    const chat = truth.chats.find((c) => c.messages.some((m) => m.text.length > 3 && !m.reaction && !m.unsent && !m.text.includes('\uFFFC')))!;
    const message = [...chat.messages].reverse().find((m) => m.text.length > 3 && !m.reaction && !m.unsent && !m.text.includes('\uFFFC'))!;
    await page.goto(`${fx.dashboard.origin}/#/inside/${fx.udid}/${snapshot}/messages`);
    await page.locator(`.chat-list a[data-chat="${chat.guid}"]`).click();
    const thread = page.locator(`.thread[data-chat="${chat.guid}"]`);
    await thread.waitFor({ timeout: 30_000 });
    const bubble = thread.locator(`.msg[data-guid="${message.guid}"]`);
    assert.equal((await bubble.locator('.text').innerText()).trim(), message.text.trim());
    assert.equal(await bubble.evaluate((el) => el.classList.contains('me')), message.fromMe);

    const photo = [...truth.photos].filter((p) => p.kind === 'photo' && /\.JPG$/i.test(p.fileName)).sort((a, b) => b.captured.localeCompare(a.captured))[0]!;
    await page.goto(`${fx.dashboard.origin}/#/inside/${fx.udid}/${snapshot}/photos`);
    const tile = page.locator(`.photos li[data-path="${photo.relativePath}"]`);
    await tile.waitFor({ timeout: 30_000 });
    await tile.locator('img').scrollIntoViewIfNeeded();
    const image = tile.locator('img');
    const loaded = async (): Promise<number> => image.evaluate((img) => ((img as unknown as { complete: boolean }).complete ? (img as unknown as { naturalWidth: number }).naturalWidth : 0));
    const deadline = Date.now() + 30_000;
    while ((await loaded()) === 0 && Date.now() < deadline) await page.waitForTimeout(200);
    const naturalWidth = await loaded();
    assert.equal(naturalWidth, photo.width, 'the original from the backup is displayed');
    const datetime = await tile.locator('time').getAttribute('datetime');
    assert.equal(new Date(datetime!).getTime(), new Date(photo.captured).getTime(), 'its capture date is shown');
  });

  it('gives HEIC photos a download tile (the original), never a broken image', async (t) => {
    if (!browser) return t.skip('no browser');
    // The photos page from the previous test is open. The virtual iPhone's HEICs are HEIF containers
    // (ftyp heic, an hvc1 primary item, an Exif item) whose HEVC data no browser decodes.
    const heic = page.locator('.photos a.placeholder.heic').first();
    await heic.waitFor({ timeout: 30_000 });
    assert.match(await heic.innerText(), /HEIC photo\s*download .+\.HEIC/i);
    const path = await heic.evaluate((a) => a.closest('li')?.getAttribute('data-path') ?? '');
    const photo = truth.photos.find((p) => p.relativePath === path);
    assert.ok(photo && /\.HEIC$/i.test(photo.fileName), `the tile is a HEIC of the ground truth (${path})`);
    const href = (await heic.getAttribute('href'))!;
    const original = await page.evaluate(async (url) => [...new Uint8Array(await (await fetch(url)).arrayBuffer()).subarray(4, 12)], href);
    assert.equal(Buffer.from(original).toString('latin1'), 'ftypheic', 'the download is the original HEIC');
    assert.equal(await page.locator('.photos img[src*=".HEIC" i]').count(), 0, 'no <img> for a HEIC');
    // Every image the grid does show decodes (scrolled into view, lazily loaded).
    const images = page.locator('.photos img');
    const count = Math.min(await images.count(), 12);
    assert.ok(count > 0);
    for (let i = 0; i < count; i++) {
      const img = images.nth(i);
      await img.scrollIntoViewIfNeeded();
      const width = async (): Promise<number> => img.evaluate((el) => ((el as unknown as { complete: boolean }).complete ? (el as unknown as { naturalWidth: number }).naturalWidth : -1));
      const deadline = Date.now() + 30_000;
      while ((await width()) === -1 && Date.now() < deadline) await page.waitForTimeout(100);
      assert.ok((await width()) > 0, `image ${i} decodes`);
    }
  });

  it('shows a doctor finding while its cause is on, and clears it when it is off', async (t) => {
    if (!browser) return t.skip('no browser');
    const finding = page.locator(`article.finding[data-finding="low-power-mode"][data-udid="${fx.udid}"]`);
    fx.sim.set(fx.udid, 'lowPower=true');
    await page.goto(`${fx.dashboard.origin}/#/doctor`);
    await finding.waitFor({ timeout: 60_000 });
    assert.match(await finding.innerText(), /Low Power Mode is on[\s\S]*Fix: Turn it off/);
    fx.sim.set(fx.udid, 'lowPower=false');
    await page.locator('button', { hasText: 'Check again' }).click();
    await finding.waitFor({ state: 'detached', timeout: 60_000 });
    assert.equal(await page.locator('article.finding[data-finding="low-power-mode"]').count(), 0);
  });

  it('runs the setup advisor as a wizard from the keyboard and writes its policy to the config', async (t) => {
    if (!browser) return t.skip('no browser');
    await page.goto(`${fx.dashboard.origin}/#/settings`);
    await page.locator('button', { hasText: 'Start the setup advisor' }).click();
    await page.locator('#q-dataGb').fill('300');
    await page.keyboard.press('Enter');
    // Radio questions: the first answer is chosen; Enter moves on. Storage needs a tick.
    for (let i = 0; i < 10; i++) {
      const storage = page.locator('input[name="q-storage"][value="external"]');
      if (await storage.count()) await storage.check();
      const see = page.locator('button', { hasText: 'See the recommendation' });
      if (await see.count()) {
        await see.click();
        break;
      }
      await page.locator('.advisor button.primary').press('Enter');
    }
    const recommendation = page.locator('.recommendation');
    await recommendation.waitFor({ timeout: 30_000 });
    assert.match(await recommendation.innerText(), /Next steps/);
    await page.locator('button', { hasText: 'Use this as my backup policy' }).click();
    await page.locator('#status', { hasText: 'Saved' }).waitFor({ timeout: 30_000 });
    const config = JSON.parse(readFileSync(join(fx.home, 'config.json'), 'utf8')) as { defaults: { intervalHours: number; retention: object } };
    assert.ok(config.defaults.intervalHours > 0 && Object.keys(config.defaults.retention).length > 0, JSON.stringify(config.defaults));
  });

  it('fits a phone-wide screen', async (t) => {
    if (!browser) return t.skip('no browser');
    await page.setViewportSize({ width: 390, height: 844 });
    for (const hash of ['#/devices', `#/snapshots/${fx.udid}`, `#/inside/${fx.udid}/${snapshot}/messages`]) {
      await page.goto(`${fx.dashboard.origin}/${hash}`);
      await page.locator('main h1').waitFor();
      const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
      assert.ok(width <= 390, `${hash} is ${width}px wide`);
    }
  });

  it('shows nothing to a browser without the token', async (t) => {
    if (!browser) return t.skip('no browser');
    const stranger = await browser.newContext();
    const other = await stranger.newPage();
    const api = await other.goto(`${fx.dashboard.origin}/api/devices`);
    assert.equal(api?.status(), 401);
    const home = await other.goto(`${fx.dashboard.origin}/`);
    assert.equal(home?.status(), 401);
    assert.match(await other.innerText('body'), /needs its key/);
    assert.doesNotMatch(await other.content(), new RegExp(fx.udid));
    await stranger.close();
  });
});
