/**
 * The Devices page follows phones coming and going without a daemon (`lifeboat serve` alone): the
 * dashboard listens to usbmuxd while a page is open and sends a `devices` event on each change, so the
 * virtual iPhone's card goes when its cable is pulled and comes back when it is plugged in — well
 * before the page's slow 30 s refresh. Also over plain SSE, and the Listen connection closes with the
 * last page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from './support/browser.js';
import { startDashboardFixture, type DashboardFixture } from './support/dashboard.js';
import { readEvents } from './support/sse.js';

interface DevicesEvent {
  readonly attached: Array<{ udid: string; connections: string[] }>;
}

describe('Devices page follows plug and unplug without a daemon', () => {
  let fx: DashboardFixture;
  let browser: Browser | undefined;

  before(async () => {
    fx = await startDashboardFixture({ seed: 'web-live' });
  });
  after(async () => {
    await browser?.close();
    await fx?.close();
  });

  it('sends a devices event over SSE when the phone is unplugged and plugged back', async () => {
    assert.equal(((await fx.sim.mux.request({ type: 'ListListeners' }))['ListenerList'] as unknown[]).length, 0, 'no Listen before a page listens');
    const events = await fx.api('/api/events');
    const seen: DevicesEvent[] = [];
    const reading = readEvents(events, (type, data) => {
      if (type === 'devices') seen.push(data as DevicesEvent);
      return seen.length === 2;
    });
    // The watch starts with the stream; give it its opening list before changing anything.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    fx.sim.set(fx.udid, 'plugged=false');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    fx.sim.set(fx.udid, 'plugged=true');
    await Promise.race([reading, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${seen.length} devices event(s)`)), 20_000))]);
    // The stream is closed now (readEvents cancels it): the dashboard's usbmuxd Listen goes with it.
    const listeners = async (): Promise<number> => ((await fx.sim.mux.request({ type: 'ListListeners' }))['ListenerList'] as unknown[]).length;
    const deadline = Date.now() + 10_000;
    while ((await listeners()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await listeners(), 0, 'no Listen connection without a page');
    const has = (e: DevicesEvent | undefined): string[] | undefined => e?.attached.find((d) => d.udid === fx.udid)?.connections;
    assert.equal(has(seen[0])?.includes('USB') ?? false, false, `unplugged: ${JSON.stringify(seen[0])}`);
    assert.equal(has(seen[1])?.includes('USB'), true, `plugged: ${JSON.stringify(seen[1])}`);
  });

  it('removes and brings back the card in Chromium, without a reload', async (t) => {
    browser = await launchChromium(t);
    if (!browser) return;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(fx.dashboard.url);
    const card = page.locator(`article.device[data-udid="${fx.udid}"]`);
    await card.waitFor({ timeout: 30_000 });
    assert.match(await card.innerText(), /USB cable/);
    assert.equal(await card.locator('button.backup-now').isEnabled(), true);
    await page.waitForTimeout(1000); // the server's watch has its opening list
    const started = Date.now();
    fx.sim.set(fx.udid, 'plugged=false');
    // Never backed up, so nothing in the vault keeps the card: it goes (or, on Wi-Fi too, loses its cable).
    await page.locator(`article.device[data-udid="${fx.udid}"]`, { hasText: 'USB cable' }).waitFor({ state: 'detached', timeout: 15_000 });
    assert.ok(Date.now() - started < 15_000, 'well before the 30 s refresh');
    fx.sim.set(fx.udid, 'plugged=true');
    await page.locator(`article.device[data-udid="${fx.udid}"]`, { hasText: 'USB cable' }).waitFor({ timeout: 15_000 });
    assert.equal(await card.locator('button.backup-now').isEnabled(), true, 'Back Up Now is usable again');
  });
});
