// browser.mjs: what the browser tests (and bench/browser) run the UI in: Debian's chromium
// driven by playwright-core (no browser download), headless, with a fresh profile and no
// background networking; pages of the UI served by a real daemon (tests/api/daemon.mjs);
// helpers to wait on the page's own state (window.looptrace) instead of sleeping, and to
// save a screenshot per test into LT_SCREENSHOT_DIR.
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const CHROMIUM = process.env.LT_CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = process.env.LT_SCREENSHOT_DIR ?? join(tmpdir(), 'looptrace-screenshots');

// Chromium 156's browser UI keeps a hidden omnibox popup page (chrome://omnibox-popup.top-chrome)
// alive in a renderer of its own, headless too, which took 45 % of a core for nothing: on this
// 2-core machine the page under test got half the CPU it should (a loop ran 2x slower than in
// node, the timeline's first frame 80-110 ms of wall for 38 ms of CPU). Puppeteer turns it off
// the same way. Chromium keeps only the last --disable-features, and Playwright passes its own
// list: that one is left out and given again with these (a launch checks that one is left).
const OFF = ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];
function playwrightDisabled() {
  const dir = dirname(createRequire(import.meta.url).resolve('playwright-core/package.json'));
  const src = readFileSync(join(dir, 'lib/coreBundle.js'), 'utf8');
  const m = /disabledFeatures = \[([^\]]*)\]/.exec(src);
  if (!m) throw new Error('browser.mjs: Playwright\'s --disable-features list is not where it was');
  return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
}

// playwright gives every launch a new empty profile of its own (--user-data-dir in a fresh
// temporary directory, removed on close), as the machine notes ask.
export async function launch() {
  const theirs = playwrightDisabled();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    ignoreDefaultArgs: [`--disable-features=${theirs.join(',')}`],
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--disable-features=${[...theirs, ...OFF].join(',')}`],
  });
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  await cdp.detach();
  const pid = processInfo.find((p) => p.type === 'browser')?.id;
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const lists = argv.filter((a) => a.startsWith('--disable-features='));
  if (lists.length !== 1 || !OFF.every((f) => lists[0].includes(f))) {
    await browser.close();
    throw new Error(`browser.mjs: chromium has ${lists.length} --disable-features lists`);
  }
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

// Waits until the page has drawn the session (and any fetch it started has landed). A
// timeout says what the page was at (its state, hash and errors): a flake can be read.
export async function settled(page, session, timeout = 20000) {
  try {
    await page.waitForFunction((id) => {
      const s = window.looptrace?.state;
      return s && s.ready && s.session === id && !s.loading;
    }, session, { timeout });
  } catch (err) {
    const at = await page.evaluate(() => {
      const s = window.looptrace?.state ?? {};
      return { hash: location.hash, session: s.session, ready: s.ready, loading: s.loading,
        error: s.error, frames: s.frames, open: window.looptrace?.app?.data?.id ?? null };
    }).catch((e) => ({ unreadable: e.message }));
    err.message += ` (waiting for session ${session}: ${JSON.stringify(at)}; page errors: `
      + `${JSON.stringify(page.errors ?? [])})`;
    throw err;
  }
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
