// tools.test.mjs: the tools people reach for in Perfetto, DevTools, gotraceui and Tracy, in
// Debian's chromium against a real daemon holding recorded seed sessions: search, the marks
// list with jump-to, links to a moment (and to a compare entry), a shift+drag range with its
// per-task totals, pinned lanes, collapsed subtrees and hidden finished tasks, the help
// overlay and the [ ] event keys, export / rename / delete, waits by await site and the
// ready → running histogram. Each saves a screenshot (tools-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, ORACLE } from '../api/daemon.mjs';
import { launch, openPage, settled, shot } from './browser.mjs';

const SEEDS = ['seed_countdown', 'seed_ordering', 'seed_say_after', 'seed_no_await'];
let d, browser;
const idOf = {};

before(async () => {
  d = await Daemon.start();
  Object.assign(idOf, await d.recordAll(SEEDS.map((s) => [s, [], s]), {},
    (seed) => readFileSync(join(ORACLE, `${seed}.out`), 'utf8')));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d.finish();
});

const state = (page) => page.evaluate(() => window.looptrace.state);
const taskLanes = async (page) => (await state(page)).lanes.filter((l) => l.kind === 'task');
const meta = async (seed) => (await d.get(`/api/sessions/${idOf[seed]}`)).body.session;
const events = async (seed) => (await d.get(`/api/sessions/${idOf[seed]}/events?max=100000`)).body.events;
// The search applied and drawn: state.lanes follows the lanes on the next frame.
const searched = (page, q) => page.waitForFunction((q) => {
  const s = window.looptrace.state;
  return s.search?.query === q && s.lanes?.filter((l) => l.kind === 'task').length === s.search.lanes;
}, q);

async function openSession(seed, hash = '') {
  const page = await openPage(browser, `${d.url}#session=${idOf[seed]}${hash}`, { width: 1600, height: 1000 });
  await settled(page, idOf[seed]);
  return page;
}

async function canvasBox(page) { return page.locator('[data-testid=timeline]').boundingBox(); }

test('search narrows the task lanes, the marks list and the session list', async () => {
  const page = await openSession('seed_ordering');
  assert.equal((await taskLanes(page)).length >= 4, true);
  await page.fill('[data-testid=search]', 't1');
  await searched(page, 't1');
  assert.deepEqual((await taskLanes(page)).map((l) => l.name), ['T1']);
  const marks = await page.$$eval('[data-testid=marks-item]', (bs) => bs.map((b) => b.textContent));
  assert.ok(marks.length > 0 && marks.every((m) => /t1/i.test(m)), marks.join(' | '));
  await page.fill('[data-testid=search]', 'countdown');
  await searched(page, 'countdown');
  const shown = await page.$$eval('#session-list li', (lis) => lis.filter((li) => !li.hidden).map((li) => li.textContent));
  assert.equal(shown.length, 1);
  assert.match(shown[0], /seed_countdown/);
  await shot(page, 'tools-search');
  await page.fill('[data-testid=search]', '');
  await searched(page, '');
  assert.ok((await taskLanes(page)).length >= 4, 'all back');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the marks list, in order, jumps to a mark: cursor on it, its task selected, in view', async () => {
  const page = await openSession('seed_countdown');
  const items = await page.$$eval('[data-testid=marks-item]', (bs) => bs.map((b) => b.textContent));
  const oracle = readFileSync(join(ORACLE, 'seed_countdown.out'), 'utf8').trimEnd().split('\n');
  assert.equal(items.length, oracle.length);
  oracle.forEach((line, i) => assert.ok(items[i].endsWith(` ${line}`), `${items[i]} is ${line}`));
  const k = oracle.indexOf('5');
  await page.click(`[data-testid=marks-item] >> nth=${k}`);
  // the jump drawn: the cursor and view in state follow on the next frame
  await page.waitForFunction(() => window.looptrace.state.jumped && window.looptrace.state.cursor === window.looptrace.state.jumped.at);
  const s = await state(page);
  const mark = (await events('seed_countdown')).find((e) => e.kind === 'mark' && e.text === '5');
  assert.equal(s.cursor, mark.ts);
  assert.equal(s.selected.name, 'countdown');
  assert.ok(s.view.from < mark.ts && mark.ts < s.view.to);
  assert.ok(s.view.to - s.view.from < (await meta('seed_countdown')).end_ns - (await meta('seed_countdown')).start_ns, 'zoomed in');
  await shot(page, 'tools-marks-jump');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the address is a link to the moment: view, cursor and selected task open the same', async () => {
  const page = await openSession('seed_ordering');
  const m = await meta('seed_ordering');
  await page.evaluate(([a, b]) => window.looptrace.view.set(a, b), [m.start_ns + 1e6, m.start_ns + 50e6]);
  const key = (await taskLanes(page)).find((l) => l.name === 'T3').key;
  const y = await page.evaluate((k) => window.looptrace.view.laneY(k), key);
  const box = await canvasBox(page);
  await page.mouse.click(box.x + 700, box.y + y);
  await page.waitForFunction(() => /cursor=.*task=/.test(window.looptrace.state.hash ?? ''));
  const s0 = await state(page);
  assert.equal(s0.selected.key, key);
  const url = page.url();
  assert.match(url, /#session=\d+&axis=time&view=\d+,\d+&cursor=\d+&task=\d+:\d+$/);
  const again = await openPage(browser, url, { width: 1600, height: 1000 });
  await settled(again, idOf.seed_ordering);
  await again.waitForFunction(() => window.looptrace.state.inspector);
  const s1 = await state(again);
  assert.equal(s1.selected.key, key);
  assert.equal(s1.cursor, Math.round(s0.cursor));
  assert.ok(Math.abs(s1.view.from - s0.view.from) <= 1 && Math.abs(s1.view.to - s0.view.to) <= 1);
  await shot(again, 'tools-link');
  // a compare entry in the link
  const cmp = await openPage(browser, `${d.url}#compare=${idOf.seed_ordering},${idOf.seed_say_after}&entry=3`);
  await cmp.waitForFunction(() => window.looptrace.compare?.ready, null, { timeout: 20000 });
  assert.equal((await cmp.evaluate(() => window.looptrace.compare.cursor)).entry, 3);
  await shot(cmp, 'tools-link-compare');
  for (const p of [page, again, cmp]) { assert.deepEqual(p.errors, []); await p.close(); }
});

test('a click on another session is not undone by the address of the one shown', async () => {
  // The order a CI run once met: the shown session's address is written (150 ms after its
  // last change) after a click changed the address and before the hashchange is handled.
  const page = await openSession('seed_ordering');
  await page.waitForFunction(() => !window.looptrace.app.hashQueued);
  await page.evaluate((id) => {
    window.looptrace.app.syncHash();
    history.pushState(null, '', `#session=${id}`); // the address changed, no hashchange yet
  }, idOf.seed_countdown);
  await page.waitForFunction(() => !window.looptrace.app.hashQueued);
  assert.match(page.url(), new RegExp(`#session=${idOf.seed_countdown}$`));
  await page.evaluate(() => window.dispatchEvent(new HashChangeEvent('hashchange')));
  await settled(page, idOf.seed_countdown, 5000);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('shift+drag selects a range: its length and each task\'s busy, scheduled and waiting in it', async () => {
  const page = await openSession('seed_say_after');
  const box = await canvasBox(page);
  const y = box.y + 200;
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + 400, y);
  await page.mouse.down();
  await page.mouse.move(box.x + 600, y, { steps: 5 });
  await page.mouse.move(box.x + 800, y, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const s = await state(page);
  assert.ok(s.range, 'a range');
  const [t0, t1] = await page.evaluate(() => [window.looptrace.app.vp.t(400), window.looptrace.app.vp.t(800)]);
  assert.ok(Math.abs(s.range.from - t0) < 1e3 && Math.abs(s.range.to - t1) < 1e3);
  assert.equal(s.range.ns, s.range.to - s.range.from);
  // each task's totals are its spans as drawn, cut to the range
  for (const row of s.range.tasks) {
    const spans = await page.evaluate((k) => window.looptrace.spans(k), row.key);
    const want = { running: 0, ready: 0, waiting: 0 };
    for (const sp of spans) {
      const a = Math.max(s.range.from, sp.at0), b = Math.min(s.range.to, sp.at1);
      if (b > a) want[sp.state] += b - a;
    }
    assert.deepEqual([row.running, row.ready, row.waiting], [want.running, want.ready, want.waiting], row.name);
  }
  assert.ok(s.range.tasks.length >= 2);
  assert.match(await page.textContent('[data-testid=range-length]'), /ms/);
  await shot(page, 'tools-range');
  await page.keyboard.press('Escape');
  assert.equal((await state(page)).range, null);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('lanes: a pinned lane stays on top while the rest scroll; a subtree collapses; finished tasks hide', async () => {
  const page = await openPage(browser, `${d.url}#session=${idOf.seed_ordering}`, { width: 1600, height: 260 });
  await settled(page, idOf.seed_ordering);
  const laneY = (k) => page.evaluate((k) => window.looptrace.view.laneY(k), k);
  // the loop's lane is pinned: it does not scroll away
  const loopY = await laneY('loop:1');
  const t2 = (await taskLanes(page)).find((l) => l.name === 'T2').key;
  const y2 = await laneY(t2);
  await page.evaluate(() => { window.looptrace.app.vp.scrollBy(60); window.looptrace.app.changed('scroll'); });
  assert.equal(await laneY('loop:1'), loopY);
  assert.ok((await laneY(t2)) < y2, 'T2 scrolled');
  // P over T2 pins it: it moves up under the loop and no longer scrolls
  const box = await canvasBox(page);
  await page.mouse.move(box.x + 700, box.y + (await laneY(t2)));
  await page.keyboard.press('p');
  await page.waitForFunction((k) => window.looptrace.app.laneByKey.get(k)?.pinned, t2);
  const pinnedY = await laneY(t2);
  await page.evaluate(() => { window.looptrace.app.vp.scrollBy(-60); window.looptrace.app.changed('scroll'); });
  assert.equal(await laneY(t2), pinnedY);
  await shot(page, 'tools-pinned');
  await page.close();

  const p2 = await openSession('seed_ordering');
  const main = (await taskLanes(p2)).find((l) => l.name === 'main');
  const b2 = await canvasBox(p2);
  const all = (await taskLanes(p2)).length;
  // a click on main's toggle folds its subtree (T1, T2, T3) into main's lane
  await p2.mouse.click(b2.x + 190 - 8, b2.y + (await p2.evaluate((k) => window.looptrace.view.laneY(k), main.key)));
  await p2.waitForFunction((n) => window.looptrace.state.lanes.filter((l) => l.kind === 'task').length === n - 3, all);
  assert.ok(!(await taskLanes(p2)).some((l) => /^T\d$/.test(l.name)));
  await shot(p2, 'tools-collapsed');
  await p2.mouse.click(b2.x + 190 - 8, b2.y + (await p2.evaluate((k) => window.looptrace.view.laneY(k), main.key)));
  await p2.waitForFunction((n) => window.looptrace.state.lanes.filter((l) => l.kind === 'task').length === n, all);
  // hide finished: a view after T1, T2 and T3 ended leaves them out, main stays
  const tasks = (await d.get(`/api/sessions/${idOf.seed_ordering}/tasks`)).body.tasks;
  const lastChild = Math.max(...tasks.filter((t) => /^T\d$/.test(t.name)).map((t) => t.finished_ns));
  const mainEnd = tasks.find((t) => t.name === 'main').finished_ns;
  await p2.check('[data-testid=hide-finished]');
  await p2.evaluate(([a, b]) => window.looptrace.view.set(a, b), [lastChild + 1, mainEnd + 1e6]);
  await p2.waitForFunction(() => !window.looptrace.state.lanes.some((l) => /^T\d$/.test(l.name)));
  const left = (await taskLanes(p2)).map((l) => l.name);
  assert.ok(left.includes('main'), left.join(','));
  await shot(p2, 'tools-hide-finished');
  assert.deepEqual(p2.errors, []);
  await p2.close();
});

test('? opens the help; [ and ] step the cursor through the selected task\'s records', async () => {
  const page = await openSession('seed_ordering');
  await page.keyboard.press('?');
  await page.waitForSelector('[data-testid=help-overlay]:not([hidden])');
  assert.match(await page.textContent('[data-testid=help-overlay]'), /previous \/ next event/);
  await shot(page, 'tools-help');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=help-overlay]', { state: 'hidden' });
  const key = (await taskLanes(page)).find((l) => l.name === 'T1').key;
  const box = await canvasBox(page);
  await page.mouse.click(box.x + 191 + 1, box.y + (await page.evaluate((k) => window.looptrace.view.laneY(k), key)));
  const t1 = (await events('seed_ordering')).filter((e) => `${e.track}:${e.task}` === key);
  await page.evaluate(() => window.looptrace.setCursor(null));
  // state.cursor follows the cursor on the next frame: wait for each to land there
  await page.waitForFunction(() => window.looptrace.state.cursor == null);
  const seen = [];
  for (let i = 0; i < 4; i++) {
    const before = (await state(page)).cursor;
    await page.keyboard.press(']');
    await page.waitForFunction((c) => {
      const s = window.looptrace.state;
      return s.stepped && s.cursor != null && s.cursor !== c && s.cursor === s.stepped.at;
    }, before);
    seen.push((await state(page)).cursor);
  }
  const times = [...new Set(t1.map((e) => e.ts))].slice(0, 4);
  assert.deepEqual(seen, times);
  await page.keyboard.press('[');
  await page.waitForFunction((c) => window.looptrace.state.cursor === c, times[2]);
  await shot(page, 'tools-step');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('export for Perfetto, rename and delete from the page', async () => {
  const page = await openSession('seed_no_await');
  const href = await page.getAttribute('[data-testid=export]', 'href');
  const trace = (await d.get(href)).body;
  assert.ok(Array.isArray(trace.traceEvents) && trace.traceEvents.length > 0, 'Chrome trace JSON');
  await page.fill('[data-testid=rename]', 'renamed run');
  await page.click('[data-testid=rename-go]');
  await page.waitForFunction((id) => document.querySelector(`[data-testid=session-item][data-session="${id}"]`)
    ?.textContent.includes('renamed run'), idOf.seed_no_await);
  assert.equal((await meta('seed_no_await')).label, 'renamed run');
  await shot(page, 'tools-actions');
  page.once('dialog', (dlg) => dlg.accept());
  await page.click('[data-testid=delete]');
  await page.waitForFunction((id) => !document.querySelector(`[data-testid=session-item][data-session="${id}"]`), idOf.seed_no_await);
  assert.equal((await d.get(`/api/sessions/${idOf.seed_no_await}`)).status, 404);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('waits by await site and the ready → running delays of the session', async () => {
  const page = await openSession('seed_say_after');
  await page.waitForFunction(() => window.looptrace.state.analysis);
  const a = (await state(page)).analysis;
  const evs = await events('seed_say_after');
  // every sleep suspend of the records is counted at its site
  const sleeps = evs.filter((e) => e.kind === 'suspend' && e.reason === 'sleep').length;
  const counted = a.sites.filter((s) => s.reason === 'sleep').reduce((n, s) => n + s.count, 0);
  assert.equal(counted, sleeps);
  assert.ok(a.sites.some((s) => /seed_say_after\.c:\d+/.test(s.site)), JSON.stringify(a.sites));
  // as many delays as resumes that followed a ready record of the same task
  const resumes = evs.filter((e) => e.kind === 'resume').length;
  assert.equal(a.delays.n, resumes);
  assert.equal(a.delays.bins.reduce((n, b) => n + b.count, 0), a.delays.n);
  assert.equal(await page.locator('[data-testid=delay-bin]').count(), a.delays.bins.length);
  // the sites' table fits the side bar: a long file:line wraps, no column is cut off
  const fit = await page.$eval('#wait-sites', (el) => {
    const t = el.querySelector('table');
    return { table: t.getBoundingClientRect().right, box: el.getBoundingClientRect().right };
  });
  assert.ok(fit.table <= fit.box + 0.5, JSON.stringify(fit));
  await page.locator('[data-testid=delay-histogram]').scrollIntoViewIfNeeded();
  await shot(page, 'tools-analysis');
  assert.deepEqual(page.errors, []);
  await page.close();
});
