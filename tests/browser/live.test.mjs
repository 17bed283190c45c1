// live.test.mjs: live mode. A program runs while the page is open: its session appears in
// the list marked live, opens, and grows as the program goes (new marks and lanes), the view
// following the newest events; when the program ends the session reads complete and holds
// every line it printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, openPage, settled, shot } from './browser.mjs';
import { contrast } from '../../web/js/palette.mjs';

const h = harness();

const state = (page) => page.evaluate(() => {
  const s = window.looptrace.state;
  return { marks: s.marks?.length ?? 0, lanes: s.lanes?.filter((l) => l.kind === 'task').length ?? 0, view: s.view, end: s.end, status: s.status, follow: s.follow };
});

test('a running program: its session is marked live, grows while it runs and the view follows it', async () => {
  const page = await openPage(h.browser, h.d.url);
  await page.waitForSelector('#sessions-empty:not([hidden])'); // no sessions yet, and it says so
  // 3 workers ticking every ~40 ms, 100 times: about 4 s, time enough for a loaded machine
  // to open the page and see it grow while it runs
  const prog = h.d.run('demo_ticker', ['100', '40', '3'], { LOOPTRACE_LABEL: 'ticker' });
  const item = await page.waitForSelector('[data-testid=session-item][data-status=live]');
  assert.match(await item.textContent(), /ticker/);
  assert.match(await item.textContent(), /live/);
  // the live badge is legible: WCAG contrast of its text on its colour at least 4.5
  const hex = (rgb) => `#${rgb.match(/\d+/g).slice(0, 3)
    .map((x) => Number(x).toString(16).padStart(2, '0')).join('')}`;
  // (read from the list as it is now, once styled: the list is drawn again as rows come, and
  // a badge caught between has no computed style yet)
  const badge = await page.waitForFunction(() => {
    const b = document.querySelector('[data-testid=session-item] .badge.live');
    const c = b && getComputedStyle(b);
    return c?.color && c.backgroundColor ? [c.color, c.backgroundColor] : false;
  }).then((j) => j.jsonValue());
  const ratio = contrast(hex(badge[0]), hex(badge[1]));
  assert.ok(ratio >= 4.5, `live badge ${badge.join(' on ')}: contrast ${ratio.toFixed(2)}`);
  const id = Number(await item.getAttribute('data-session'));
  await page.click(`[data-testid=session-item][data-session="${id}"]`);
  await settled(page, id);
  const s0 = await state(page);
  assert.equal(s0.status, 'live');
  assert.equal(s0.follow, true);
  await shot(page, 'live-opened');
  // new marks arrive and the view keeps the newest record in sight
  await page.waitForFunction((n) => window.looptrace.state.marks.length >= n + 6, s0.marks, { timeout: 10000 });
  // past the first view's right edge, the view has moved on with it
  await page.waitForFunction((to) => window.looptrace.state.end > to + 2e8, s0.view.to, { timeout: 10000 });
  const s1 = await state(page);
  assert.ok(s1.view.to > s0.view.to, 'the view moved on');
  assert.ok(s1.view.to >= s1.end && s1.view.from <= s1.end, 'the newest record is in view');
  assert.ok(s1.end > s0.end, 'the session grew');
  await page.waitForFunction(() => window.looptrace.state.lanes.filter((l) => l.kind === 'task').length >= 4);
  await shot(page, 'live-growing');
  const r = await prog.done;
  assert.equal(r.code, 0);
  await page.waitForSelector(`[data-testid=session-item][data-session="${id}"][data-status=complete]`, { timeout: 10000 });
  await page.waitForFunction(() => window.looptrace.state.status === 'complete');
  const lines = r.out.trimEnd().split('\n');
  await page.waitForFunction((n) => window.looptrace.state.marks.length === n, lines.length);
  const marks = await page.$$eval('[data-testid=mark-list] li .text', (els) => els.map((e) => e.textContent));
  assert.deepEqual(marks, lines);
  const names = (await page.evaluate(() => window.looptrace.state.lanes)).filter((l) => l.kind === 'task').map((l) => l.name);
  for (const w of ['main', 'worker 1', 'worker 2', 'worker 3']) assert.ok(names.includes(w), w);
  await shot(page, 'live-finished');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a live session in event order: a step per record as they come, the view following the newest', async () => {
  const page = await openPage(h.browser, h.d.url);
  const prog = h.d.run('demo_ticker', ['120', '40', '2'], { LOOPTRACE_LABEL: 'ticker in order' }); // ~5 s: still live once the page is up, under load too
  const item = await page.waitForSelector('[data-testid=session-item][data-status=live]');
  const id = Number(await item.getAttribute('data-session'));
  await page.click(`[data-testid=session-item][data-session="${id}"]`);
  await settled(page, id);
  assert.equal(await page.evaluate(() => window.looptrace.state.axis), 'time', 'a real-clock session opens in time');
  await page.check('[data-testid=order]');
  await page.waitForFunction(() => window.looptrace.state.axis === 'order');
  const s0 = await state(page);
  // the steps grow with the records, and the newest stays in view
  await page.waitForFunction((end) => window.looptrace.state.end > end + 40, s0.end, { timeout: 10000 });
  const s1 = await state(page);
  assert.ok(s1.view.from <= s1.end && s1.end <= s1.view.to, JSON.stringify(s1));
  await shot(page, 'live-order');
  const r = await prog.done;
  assert.equal(r.code, 0);
  await page.waitForFunction(() => window.looptrace.state.status === 'complete', null, { timeout: 10000 });
  // in the end, one step per record of the session, and every printed line
  const all = (await h.d.get(`/api/sessions/${id}/events?max=100000`)).body.events;
  await page.waitForFunction((n) => window.looptrace.state.end === n - 1, all.length);
  const lines = r.out.trimEnd().split('\n');
  await page.waitForFunction((n) => window.looptrace.state.marks.length === n, lines.length);
  assert.deepEqual(await page.$$eval('[data-testid=mark-list] li .text', (els) => els.map((e) => e.textContent)), lines);
  assert.deepEqual(page.errors, []);
  await page.close();
});
