// livecost.test.mjs: what following a live session costs the page (and so the traced program
// beside it): a live frame only when something in view changed, none while the page is
// hidden, the title and session list rewritten with its progress at most once a second, and the view still moving with the newest records when they are in view. Frames
// are counted from the page's own state (window.looptrace.state.frames), never timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { until } from '../api/daemon.mjs';
import { harness, openPage, settled, shot } from './browser.mjs';

const h = harness();

const st = (page) => page.evaluate(() => {
  const s = window.looptrace.state;
  return { frames: s.frames, pushes: s.pushes, liveFrames: s.liveFrames, liveSkipped: s.liveSkipped,
    view: s.view, end: s.end, status: s.status, follow: s.follow,
    has: window.looptrace.app.data.end }; // end: as last drawn; has: the records come so far
});
// Waits until n more pushes of live records came than in s (the program still runs).
const morePushes = (page, s, n) => page.waitForFunction(([p, n]) =>
  window.looptrace.state.pushes >= p + n, [s.pushes, n], { timeout: 20000 });
// ... and until the records came reach 0.6 s further (the program's clock): time for
// several live frames (at most 10 a second) to be drawn, were they drawn.
const moreTime = (page, s) => page.waitForFunction((t) => window.looptrace.app.data.end > t + 6e8,
  s.has, { timeout: 20000 });
// The page told it is hidden (another tab in front), or shown again.
const setHidden = (page, hidden) => page.evaluate((hidden) => {
  if (hidden) {
    Object.defineProperty(document, 'hidden', { value: true, configurable: true });
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
  } else {
    delete document.hidden;
    delete document.visibilityState;
  }
  document.dispatchEvent(new Event('visibilitychange'));
}, hidden);

test('following a live session: frames only for what is in view, none while hidden', async () => {
  // paced: a 1 ms sleep between bursts, 10,000 records a second for up to 20 s (a timer
  // armed in every batch); stopped once the test has seen what it needs
  const prog = h.d.run('collector_load', ['200000', '10000'], { LOOPTRACE_LABEL: 'live cost' });
  try {
    const id = await until(async () => (await h.d.get('/api/sessions')).body.sessions
      .find((s) => s.label === 'live cost')?.id, 'the live session', 20000);
    const page = await openPage(h.browser, `${h.d.url}#session=${id}`, { width: 1400, height: 800 });
    await settled(page, id);
    const s0 = await st(page);
    assert.equal(s0.status, 'live');
    assert.equal(s0.follow, true);
    await morePushes(page, s0, 3);

    // the user looks back at the first 2 ms: what comes is all after it, nothing to draw
    await page.uncheck('[data-testid=follow]');
    const start = await page.evaluate(() => window.looptrace.app.data.start);
    await page.evaluate((a) => window.looptrace.view.set(a, a + 2e6), start);
    await page.waitForFunction((a) => window.looptrace.state.view.from === a, start);
    // (and the title and session list, rewritten from the progress pushed every 100 ms:
    // each rewrite is a frame of the page's own, so at most one a second)
    await page.evaluate(() => {
      const w = window.lt_dom = { writes: 0, t0: performance.now() };
      const o = new MutationObserver(() => { w.writes++; });
      for (const id of ['title', 'session-list'])
        o.observe(document.getElementById(id), { childList: true, subtree: true, characterData: true });
    });
    const a0 = await st(page);
    await morePushes(page, a0, 8);
    await moreTime(page, a0);
    const a1 = await st(page);
    const dom = await page.evaluate(() => ({ writes: window.lt_dom.writes,
      s: (performance.now() - window.lt_dom.t0) / 1000 }));
    assert.ok(dom.writes <= Math.ceil(dom.s) + 1,
      `the title and list were rewritten ${dom.writes} times in ${dom.s.toFixed(1)} s`);
    assert.ok(a1.has > a0.has, 'the session grew');
    assert.ok(a1.frames - a0.frames <= 1, `${a1.frames - a0.frames} frames drawn for `
      + `${a1.pushes - a0.pushes} pushes of records out of view`);
    assert.deepEqual(a1.view, a0.view, 'the view stayed where the user put it');

    // following again: the view moves with the newest records, a live frame at a time
    await page.check('[data-testid=follow]');
    const b0 = await st(page);
    await page.waitForFunction((f) => window.looptrace.state.liveFrames >= f + 3, b0.liveFrames,
      { timeout: 20000 });
    const b1 = await st(page);
    assert.ok(b1.view.to > b0.view.to, 'the view moved on');
    assert.ok(b1.view.from <= b1.end && b1.end <= b1.view.to, 'the newest record is in view');
    assert.ok(b1.liveFrames - b0.liveFrames <= b1.pushes - b0.pushes + 1,
      'at most a live frame per push');
    await shot(page, 'livecost-following');

    // hidden (another tab in front): records keep coming, nothing is drawn
    await setHidden(page, true);
    const c0 = await st(page);
    await morePushes(page, c0, 8);
    await moreTime(page, c0);
    const c1 = await st(page);
    assert.ok(c1.frames - c0.frames <= 1, `${c1.frames - c0.frames} frames drawn while hidden`);
    // shown again: what came meanwhile is drawn, and the view is at the newest records
    await setHidden(page, false);
    await page.waitForFunction((f) => window.looptrace.state.liveFrames >= f + 2, c1.liveFrames,
      { timeout: 20000 });
    const c2 = await st(page);
    assert.ok(c2.view.to > c1.view.to && c2.end <= c2.view.to, JSON.stringify(c2));
    assert.deepEqual(page.errors, []);
    await page.close();
  } finally {
    prog.kill();
    await prog.done;
  }
});
