// browser.mjs: what the browser tests (and bench/browser) run the UI in: Debian's chromium
// driven by playwright-core (no browser download), headless, with a fresh profile and no
// background networking; pages of the UI served by a real daemon (tests/api/daemon.mjs);
// helpers to wait on the page's own state (window.looptrace) instead of sleeping, and to
// save a screenshot per test into LT_SCREENSHOT_DIR.
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.LT_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = process.env.LT_SCREENSHOT_DIR ?? join(tmpdir(), 'looptrace-screenshots');

// playwright gives every launch a new empty profile of its own (--user-data-dir in a fresh
// temporary directory, removed on close), as the machine notes ask.
export async function launch() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return browser;
}

// The daemon and the browser a test file's tests share: started before the first test
// (the daemon first, then `setup(d)`, say to record the sessions the tests open), stopped
// after the last; h.d and h.browser are there once the tests run.
export function harness(setup) {
  const h = { d: null, browser: null };
  before(async () => {
    const { Daemon } = await import('../api/daemon.mjs');
    h.d = await Daemon.start();
    await setup?.(h.d);
    h.browser = await launch();
  });
  after(async () => {
    await h.browser?.close();
    await h.d?.finish();
  });
  return h;
}

// A page of the UI at url, laptop-sized, with console errors collected in page.errors.
export async function openPage(browser, url, { width = 1366, height = 768 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  await page.goto(url);
  return page;
}

// Waits until the page has drawn the session (and any fetch it started has landed).
export async function settled(page, session, timeout = 20000) {
  await page.waitForFunction((id) => {
    const s = window.looptrace?.state;
    return s && s.ready && s.session === id && !s.loading;
  }, session, { timeout });
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
