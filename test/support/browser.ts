/**
 * Debian's Chromium driven by playwright-core for the dashboard's browser tests. Skips locally when
 * Chromium is missing and fails under CI=true (requireTool). As root (containers) Chromium's sandbox
 * cannot start, so --no-sandbox is passed then and only then.
 */
import type { TestContext } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { requireTool } from './require-tool.js';

export const CHROMIUM = process.env['LIFEBOAT_CHROMIUM'] ?? '/usr/bin/chromium';

export async function launchChromium(t: TestContext): Promise<Browser | undefined> {
  if (!requireTool(t, 'chromium')) return undefined;
  return chromium.launch({
    executablePath: CHROMIUM,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    timeout: 60_000,
  });
}
