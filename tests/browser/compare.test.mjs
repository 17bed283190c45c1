// compare.test.mjs: the compare view (web/js/compare.mjs) in Debian's chromium against a real
// daemon holding sequential and concurrent say_after and shuffled demo_fifo runs (virtual
// clock, so every time is exact): reached from the session list's Compare button by ticking
// sessions; two timelines stacked on one axis aligned at their start, in event order by
// default (virtual clock) and in time at the switch; the turnarounds side by side (3 units
// against 2); the ordering diff as a list whose entries jump both timelines to their place;
// shuffled runs grouped by ordering and output, each run's tasks in event order as its own
// ordering has them, a diff entry centring every run on its own record of the step; zoom
// moving every timeline together; "Hide finished" in every run at once; and back to the
// single-session view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, until } from '../api/daemon.mjs';
import { launch, openPage, settled, shot } from './browser.mjs';

let d, browser;
const idOf = {};

before(async () => {
  d = await Daemon.start();
  const runs = [['say_after', ['sequential'], 'sequential', {}], ['say_after', ['concurrent'], 'concurrent', {}]];
  for (let seed = 1; seed <= 3; seed++) runs.push(['demo_fifo', [], `fifo#${seed}`, { LOOPTRACE_SHUFFLE: String(seed) }]);
  Object.assign(idOf, await d.recordAll(runs, { LOOPTRACE_CLOCK: 'virtual' }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d.finish();
});

const compareState = (page) => page.evaluate(() => window.looptrace.compare);
// A frame begun after every change so far has drawn (a frame already due when the view
// changed does not count: it may have run before the change).
const drawnNow = () => {
  const c = window.looptrace.compare;
  return c.drawnChanges === c.changes;
};
// The switch to time (the runs are virtual-clock ones, so they open in event order).
async function inTime(page) {
  assert.equal((await compareState(page)).axis, 'order', 'virtual-clock runs open in event order');
  await page.uncheck('[data-testid=compare-order]');
  await page.waitForFunction(() => window.looptrace.compare.axis === 'time');
}
const ready = (page, ids) => page.waitForFunction((want) => {
  const c = window.looptrace?.compare;
  return c?.ready && c.ids.join(',') === want.join(',') && c.frames > 0;
}, ids, { timeout: 20000 });

test('picked from the session list: two timelines on one axis, 3 units against 2, the diff beside them', async () => {
  const page = await openPage(browser, `${d.url}#session=${idOf.sequential}`);
  await settled(page, idOf.sequential);
  await page.click('[data-testid=compare-open]');
  await page.waitForSelector('[data-testid=compare-pick-item]');
  assert.equal(await page.isVisible('#main'), false, 'the single timeline makes way');
  assert.equal(await page.isVisible('[data-testid=fit]'), false, 'and its controls with it');
  // the open session comes ticked; tick the concurrent run too and compare
  assert.equal(await page.isChecked(`[data-testid=compare-pick-item][data-session="${idOf.sequential}"] input`), true);
  await page.check(`[data-testid=compare-pick-item][data-session="${idOf.concurrent}"] input`);
  await page.click('[data-testid=compare-go]');
  const ids = [idOf.sequential, idOf.concurrent].sort((a, b) => b - a); // the picker lists newest first
  await ready(page, ids);
  assert.equal(new URL(page.url()).hash, `#compare=${ids.join(',')}`);
  // one canvas per run, titled with its name and turnaround
  const titles = await page.$$eval('[data-testid=compare-stack] .cmp-title', (els) => els.map((e) => e.textContent));
  assert.equal(titles.length, 2);
  assert.match(titles.find((t) => t.includes('concurrent')), /200 ms · virtual clock/);
  assert.match(titles.find((t) => t.includes('sequential')), /300 ms · virtual clock/);
  assert.equal(await page.$$eval('[data-testid=compare-stack] canvas', (cs) => cs.length), 2);

  // aligned at the start: direct it in the usual order (sequential first) for the numbers
  await page.goto(`${d.url}#compare=${idOf.sequential},${idOf.concurrent}`);
  await ready(page, [idOf.sequential, idOf.concurrent]);
  await inTime(page);
  const s = await compareState(page);
  const whole = s.turnarounds.find((r) => r.task === 'whole run');
  assert.deepEqual(whole.ns, [3e8, 2e8]);
  assert.deepEqual(s.turnarounds.find((r) => r.task === 'main').ns, [3e8, 2e8]);
  assert.deepEqual(s.turnarounds.find((r) => r.task === 'say_after(hello)').ns, [null, 1e8]);
  const row = await page.$$eval('[data-testid=compare-turnaround-row]', (rs) => rs.map((r) => r.textContent));
  assert.match(row[0], /whole run\s*300 ms.*200 ms \(−100 ms\)/s);
  // the view starts fitted to the longer run, from its start
  assert.ok(s.view.from <= 0 && s.view.to >= 3e8, JSON.stringify(s.view));
  // the diff: where they first diverge, then the aligned steps
  assert.equal(s.diff.same, false);
  assert.match(s.diff.first.text_a, /^main sleeps at say_after\.c:\d+$/);
  assert.match(s.diff.first.text_b, /^main awaits say_after\(hello\) at say_after\.c:\d+$/);
  const entries = await page.$$eval('[data-testid=compare-entry]', (bs) => bs.map((b) => b.textContent));
  assert.ok(entries.some((t) => t.startsWith('−') && t.includes('main sleeps')));
  assert.ok(entries.some((t) => t.startsWith('+') && t.includes('main awaits say_after(hello)')));
  assert.match(await page.textContent('[data-testid=compare-groups]'), /2 distinct orderings, 2 distinct outputs/);
  assert.ok(await page.locator('[data-testid=compare-entry] .when').count() > 0, 'steps at 0, 100 and 200 ms: a time column');
  await shot(page, 'compare-say_after');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a diff entry jumps both timelines to its place: each cursor at its own time, the task lanes selected', async () => {
  const page = await openPage(browser, `${d.url}#compare=${idOf.sequential},${idOf.concurrent}`);
  await ready(page, [idOf.sequential, idOf.concurrent]);
  await inTime(page);
  await page.click('[data-testid=compare-first-divergence]');
  let s = await compareState(page);
  assert.equal(s.jumps, 1);
  assert.deepEqual([s.cursor.a, s.cursor.b], [0, 0]);
  assert.equal(s.cursor.text, 'main sleeps at say_after.c:20');
  assert.ok(s.cursor.ka && s.cursor.kb, 'the lane of the step in each run');
  // a step only the concurrent run has, at 200 ms there, while sequential stands at 300 ms
  const buttons = await page.$$('[data-testid=compare-entry]');
  let target = null;
  for (const b of buttons) if ((await b.textContent()).includes('timer of say_after(world) fires')) target = b;
  assert.ok(target);
  await target.click();
  s = await compareState(page);
  assert.equal(s.jumps, 2);
  assert.deepEqual([s.cursor.a, s.cursor.b], [3e8, 2e8]);
  assert.ok(s.view.from <= 2e8 && s.view.to >= 3e8, 'both places in view');
  assert.equal(await page.$eval('#cmp-diff li[aria-current] button', (b) => b.textContent.includes('say_after(world) fires')), true);
  await shot(page, 'compare-jumped');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('wheel, keys and drag move every timeline together', async () => {
  const page = await openPage(browser, `${d.url}#compare=${idOf.sequential},${idOf.concurrent}`);
  await ready(page, [idOf.sequential, idOf.concurrent]);
  const canvas = await page.$$('[data-testid=compare-stack] canvas');
  const box = await canvas[1].boundingBox();
  const s0 = await compareState(page);
  await page.mouse.move(box.x + 190 + (box.width - 190) / 2, box.y + 60);
  await page.mouse.wheel(0, -300);
  await page.waitForFunction((w) => { const v = window.looptrace.compare.view; return v.to - v.from < w; }, s0.view.to - s0.view.from);
  const s1 = await compareState(page);
  await page.keyboard.press('d');
  await page.waitForFunction((f) => window.looptrace.compare.view.from > f, s1.view.from);
  await page.mouse.move(box.x + 400, box.y + 60);
  await page.mouse.down();
  await page.mouse.move(box.x + 500, box.y + 60, { steps: 4 });
  await page.mouse.up();
  const s2 = await compareState(page);
  assert.ok(s2.view.to - s2.view.from < s0.view.to - s0.view.from);
  await page.keyboard.press('f');
  await page.waitForFunction((v) => window.looptrace.compare.view.from === v.from && window.looptrace.compare.view.to === v.to, s0.view);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('shuffled runs: grouped by ordering and output, diffed against the one chosen', async () => {
  const ids = [1, 2, 3].map((k) => idOf[`fifo#${k}`]);
  const page = await openPage(browser, `${d.url}#compare=${ids.join(',')}`);
  await ready(page, ids);
  const s = await compareState(page);
  assert.ok(s.groups.orderings >= 2, JSON.stringify(s.groups));
  assert.ok(s.groups.outputs >= 2);
  assert.ok((await page.$$('[data-testid=compare-ordering-group]')).length >= 2);
  const titles = await page.$$eval('[data-testid=compare-stack] .cmp-title', (els) => els.map((e) => e.textContent));
  titles.forEach((t, k) => assert.match(t, new RegExp(`shuffle seed ${k + 1}`)));
  assert.equal(s.diff.b, ids[1]);
  await page.selectOption('[data-testid=compare-against]', String(ids[2]));
  await page.waitForFunction((b) => window.looptrace.compare.diff.b === b, ids[2]);
  await shot(page, 'compare-shuffled');
  // back to one session: its timeline again
  await page.click(`[data-testid=session-item][data-session="${ids[0]}"]`);
  await settled(page, ids[0]);
  assert.equal(await page.isVisible('[data-testid=compare]'), false);
  assert.equal(await page.isVisible('#main'), true);
  assert.equal(await page.isVisible('[data-testid=fit]'), true);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// A run's ordering, step by step ({kind, key, t, text}), from its diff against another with
// every step listed.
async function orderingOf(id, other) {
  const r = (await d.get(`/api/diff?a=${id}&b=${other}&context=-1&max=100000`)).body;
  return r.entries.filter((e) => e.a != null).sort((x, y) => x.a - y.a).map((e) => ({ kind: e.kind, key: e.ka, t: e.ta, text: e.text }));
}
const KIND = { 'timer-fire': 'fire' }; // a record's kind as a step's

test('shuffled runs in event order: each run\'s tasks first run in the order its own ordering says, at distinct places', async () => {
  const ids = [1, 2, 3].map((k) => idOf[`fifo#${k}`]);
  const page = await openPage(browser, `${d.url}#compare=${ids.join(',')}`);
  await ready(page, ids);
  assert.equal((await compareState(page)).axis, 'order');
  assert.equal(await page.isChecked('[data-testid=compare-order]'), true);
  const firsts = [];
  for (const id of ids) {
    const ordering = await orderingOf(id, ids.find((x) => x !== id));
    // the tasks in the order they first resume, as the collector's ordering has them
    const want = [...new Set(ordering.filter((s) => s.kind === 'resume').map((s) => s.key))];
    assert.ok(want.length >= 6, JSON.stringify(want)); // main and A..E at least
    const seen = [];
    for (const key of want) seen.push({ key, ...(await page.evaluate(([i, k]) => window.looptrace.compareRun(i, k), [id, key])).spans.find((s) => s.state === 'running') });
    for (let k = 1; k < seen.length; k++) {
      assert.ok(seen[k].at0 > seen[k - 1].at0, `${id}: ${seen[k - 1].key} then ${seen[k].key}`);
      assert.ok(seen[k].x0 - seen[k - 1].x0 >= 2, `${id}: ${seen[k - 1].key} and ${seen[k].key} apart on screen`);
    }
    assert.equal(new Set(seen.map((s) => s.ts0)).size, 1, 'and all of it at one time, t = 0');
    firsts.push((await page.evaluate((i) => window.looptrace.compareRun(i), id)).view);
  }
  // aligned at step 0: every run shows the same steps
  for (const v of firsts) assert.deepEqual(v, firsts[0]);
  assert.ok(firsts[0].from <= 0);
  assert.equal(await page.locator('[data-testid=compare-entry] .when').count(), 0, 'every step at 0 ns: no time column');
  await shot(page, 'compare-shuffled-order');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('in event order a diff entry centres every run on its own record of the step', async () => {
  const ids = [1, 2, 3].map((k) => idOf[`fifo#${k}`]);
  const page = await openPage(browser, `${d.url}#compare=${ids.join(',')}`);
  await ready(page, ids);
  const orderings = {};
  for (const id of ids) orderings[id] = await orderingOf(id, ids.find((x) => x !== id));
  const diff = (await d.get(`/api/diff?a=${ids[0]}&b=${ids[1]}&max=2000`)).body;
  const check = async (k, jumps) => {
    await page.click(`[data-testid=compare-entry][data-k="${k}"]`);
    // the jump, then a frame that drew its view (each run's view is set as it is drawn)
    await page.waitForFunction(`window.looptrace.compare.jumps === ${jumps} && (${drawnNow})()`);
    const s = await compareState(page);
    const e = diff.entries[k];
    assert.equal(s.cursor.entry, k);
    // the pair's steps are the entry's (or, where a run lacks it, that run's next step)
    const next = (side) => diff.entries.slice(k).find((x) => x[side] != null)[side];
    assert.equal(s.cursor.runs[0].step, next('a'));
    assert.equal(s.cursor.runs[1].step, next('b'));
    for (const place of s.cursor.runs) {
      // each run's cursor is on the record of its step, and the run is centred there
      const step = orderings[place.id][place.step];
      assert.ok(step, `${place.id} has step ${place.step}`);
      assert.deepEqual([KIND[place.kind] ?? place.kind, place.key, place.ts], [step.kind, step.key, step.t], `${place.id}: ${step.text}`);
      const run = await page.evaluate((i) => window.looptrace.compareRun(i), place.id);
      assert.equal(run.cursor, place.at);
      assert.ok(Math.abs((run.view.from + run.view.to) / 2 - place.at) < 0.01, `${place.id} centred on ${place.at}: ${JSON.stringify(run.view)}`);
    }
    return s;
  };
  // the first divergence: a step both runs have somewhere, each at its own place
  const kd = diff.entries.findIndex((x) => x.op === '-' || x.op === '+');
  let s = await check(kd, 1);
  assert.equal(s.cursor.text, diff.entries[kd].text);
  await shot(page, 'compare-shuffled-order-jumped');
  // a step only the second run has: the first stands at its next step
  const kb = diff.entries.findIndex((x) => x.op === '+');
  s = await check(kb, 2);
  assert.equal(s.cursor.runs[0].step, diff.entries.slice(kb).find((x) => x.a != null).a);
  assert.notEqual(s.cursor.runs[0].at, s.cursor.runs[1].at, 'the runs are centred each on its own place, not on one step number');
  // Fit aligns them at step 0 again
  await page.click('#cmp-fit');
  await page.waitForFunction(`window.looptrace.compare.view.from <= 0 && (${drawnNow})()`);
  const views = [];
  for (const id of ids) views.push((await page.evaluate((i) => window.looptrace.compareRun(i), id)).view);
  for (const v of views) assert.deepEqual(v, views[0]);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('"Hide finished" leaves out, in every run, the tasks that finished before the view', async () => {
  const ids = [idOf['fifo#1'], idOf['fifo#2'], idOf['fifo#3']];
  const page = await openPage(browser, `${d.url}#compare=${ids.join(',')}`,
    { width: 1400, height: 900 });
  await ready(page, ids);
  const runs = () => page.evaluate((ids) => ids.map((id) => window.looptrace.compareRun(id)), ids);
  const all = await runs();
  // from the middle of the runs on: some of their tasks have finished by then, not all
  const { view } = await compareState(page);
  const from = view.from + (view.to - view.from) * 0.5;
  await page.evaluate(([a, b]) => window.looptrace.compareSetView(a, b), [from, view.to]);
  await page.waitForFunction(`window.looptrace.compare.view.from >= ${from - 1}`
    + ` && (${drawnNow})()`); // drawn there
  const late = await runs();
  const tasks = (r) => r.lanes.filter((l) => /^\d+:\d+$/.test(l.key)).length;
  assert.ok(late.every((r) => r.finished > 0 && r.finished < tasks(r)),
    `finished before the view: ${late.map((r) => `${r.finished} of ${tasks(r)}`)}`);
  assert.deepEqual(late.map((r) => r.lanes.length), all.map((r) => r.lanes.length),
    'nothing hidden until asked');
  await page.check('[data-testid=compare-hide-finished]');
  await page.waitForFunction((want) => window.looptrace.compare.hideFinished && want.every((n, i) =>
    window.looptrace.compareRun(window.looptrace.compare.ids[i]).lanes.length === n),
  late.map((r, i) => all[i].lanes.length - r.finished));
  const hidden = await runs();
  for (const r of hidden) {
    assert.equal(r.hiddenNote, `${r.finished} finished task${r.finished === 1 ? '' : 's'} hidden`
      + ' (Hide finished)');
  }
  await shot(page, 'compare-hide-finished');
  // off again: every lane back
  await page.uncheck('[data-testid=compare-hide-finished]');
  await page.waitForFunction((want) => want.every((n, i) =>
    window.looptrace.compareRun(window.looptrace.compare.ids[i]).lanes.length === n),
  all.map((r) => r.lanes.length));
  assert.deepEqual(page.errors, []);
  await page.close();
});
