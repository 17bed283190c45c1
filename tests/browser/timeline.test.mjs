// timeline.test.mjs: the browser timeline against a real daemon holding one recorded session
// per seed program (real clock), in Debian's chromium: the session list; a lane per task,
// nested under its creator; every seed's marks in the oracle's order; hover and click
// details; the inspector's ready queue on seed_ordering; zoom, pan and keys; the arrows
// switch; a session drawn from summaries when it is too large to read whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, ORACLE, until } from '../api/daemon.mjs';
import { launch, openPage, settled, shot } from './browser.mjs';

const SEEDS = ['seed_countdown', 'seed_fetch_numbers', 'seed_no_await', 'seed_ordering',
  'seed_say_after', 'seed_taskgroup', 'seed_ten_jobs'];
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

async function openSession(seed, query = '', size = undefined) {
  const page = await openPage(browser, `${d.url}${query}#session=${idOf[seed]}`, size);
  await settled(page, idOf[seed]);
  return page;
}

const laneList = (page) => page.$$eval('[data-testid=lane-list] li', (lis) =>
  lis.map((li) => ({ kind: li.dataset.kind, key: li.dataset.key, depth: Number(li.dataset.depth), name: li.textContent })));
const markTexts = (page) => page.$$eval('[data-testid=mark-list] li .text', (els) => els.map((e) => e.textContent));
const oracle = (seed) => readFileSync(join(ORACLE, `${seed}.out`), 'utf8').trimEnd().split('\n');

// The session's records, from the API, to aim the pointer at known moments.
async function events(seed) {
  return (await d.get(`/api/sessions/${idOf[seed]}/events?max=100000`)).body.events;
}

test('the session list holds every recorded session; a session shows a lane per task, nested under its creator', async () => {
  const page = await openSession('seed_ordering');
  const items = await page.$$eval('[data-testid=session-item]', (as) => as.map((a) => ({ id: Number(a.dataset.session), status: a.dataset.status, text: a.textContent })));
  // every stored session (a real-clock seed that missed its output on a loaded machine was
  // run again: its earlier run is a session too)
  assert.equal(items.length, (await d.get('/api/sessions')).body.sessions.length);
  assert.ok(items.length >= SEEDS.length);
  for (const seed of SEEDS) {
    const it = items.find((i) => i.id === idOf[seed]);
    assert.ok(it && it.text.includes(seed) && it.status === 'complete', seed);
  }
  const tasks = (await d.get(`/api/sessions/${idOf.seed_ordering}/tasks`)).body.tasks;
  const lanes = await laneList(page);
  assert.deepEqual(lanes.filter((l) => l.kind === 'task').map((l) => l.name), tasks.map((t) => t.name));
  assert.deepEqual(lanes.slice(0, 2).map((l) => l.kind), ['loop', 'timers']);
  const depth = Object.fromEntries(lanes.filter((l) => l.kind === 'task').map((l) => [l.name, l.depth]));
  assert.deepEqual([depth.main, depth.T1, depth.T3, depth.T2], [0, 1, 1, 1]);
  assert.equal(await page.textContent('[data-testid=session-title]').then((t) => t.includes('seed_ordering')), true);
  await shot(page, 'lanes-seed_ordering');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the marks of each seed session read in the oracle order', async () => {
  const page = await openSession(SEEDS[0]);
  for (const seed of SEEDS) {
    await page.click(`[data-testid=session-item][data-session="${idOf[seed]}"]`); // the user's way in
    await settled(page, idOf[seed]);
    assert.deepEqual(await markTexts(page), oracle(seed), seed);
    const lanes = await laneList(page);
    const tasks = (await d.get(`/api/sessions/${idOf[seed]}/tasks`)).body.tasks;
    assert.equal(lanes.filter((l) => l.kind === 'task').length, tasks.length, `${seed}: a lane per task`);
  }
  await shot(page, 'marks-seed_ten_jobs');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('hover tells the wait, its duration and the await line; a click selects the task with its totals and events', async () => {
  const page = await openSession('seed_ordering');
  const ev = await events('seed_ordering');
  const sleep = ev.find((e) => e.kind === 'suspend' && e.reason === 'sleep' && e.task === 2);
  const wake = ev.find((e) => e.kind === 'ready' && e.task === 2 && e.ts > sleep.ts);
  const mid = (sleep.ts + wake.ts) / 2;
  const canvas = await page.$('[data-testid=timeline]');
  const box = await canvas.boundingBox();
  const at = await page.evaluate((t) => ({ x: window.looptrace.view.x(t), y: window.looptrace.view.laneY('1:2') }), mid);
  await page.mouse.move(box.x + at.x, box.y + at.y);
  await page.waitForSelector('[data-testid=tooltip]:not([hidden])');
  const tip = await page.textContent('[data-testid=tooltip]');
  assert.match(tip, /T1 waiting for 2\d\d(\.\d+)? ms: sleeping on a timer/); // 200 ms and its lateness
  assert.match(tip, /sleep 200 ms/);
  assert.match(tip, /seed_ordering\.c:7 in T1/);
  await shot(page, 'hover-sleep');
  // a mark: "T1 start"
  const mark = ev.find((e) => e.kind === 'mark' && e.text === 'T1 start');
  await page.evaluate((t) => window.looptrace.view.set(t - 20000, t + 20000), mark.ts);
  await page.waitForFunction(() => window.looptrace.state.view.to - window.looptrace.state.view.from < 50000);
  const mx = await page.evaluate((t) => window.looptrace.view.x(t), mark.ts);
  await page.mouse.move(box.x + mx, box.y + at.y);
  await page.waitForFunction(() => /T1 start/.test(document.querySelector('[data-testid=tooltip]').textContent));
  // click: select T1
  await page.mouse.click(box.x + mx + 40, box.y + at.y);
  await page.waitForSelector('[data-testid=selected-name]');
  assert.equal(await page.textContent('[data-testid=selected-name]'), 'T1');
  const sel = await page.evaluate(() => window.looptrace.state.selected);
  const done = ev.find((e) => e.kind === 'done' && e.task === 2);
  const resume = ev.find((e) => e.kind === 'resume' && e.task === 2);
  const spawned = ev.find((e) => e.kind === 'ready' && e.task === 2);
  assert.ok(Math.abs(sel.totals.waiting - (wake.ts - sleep.ts)) < 1, 'waiting = the sleep');
  assert.ok(Math.abs(sel.totals.ready - (resume.ts - spawned.ts) - (ev.find((e) => e.kind === 'resume' && e.task === 2 && e.ts > wake.ts).ts - wake.ts)) < 1, 'scheduled = both waits in the ready queue');
  assert.ok(Math.abs(sel.totals.running + sel.totals.ready + sel.totals.waiting - (done.ts - spawned.ts)) < 1, 'the three add up to its life');
  const rows = await page.$$eval('[data-testid=task-events] tr', (trs) => trs.map((tr) => tr.textContent));
  assert.ok(rows.some((r) => /suspended: sleep 200 ms at .*seed_ordering\.c:7/.test(r)), rows.join('\n'));
  assert.ok(rows.some((r) => /mark “T1 end”/.test(r)));
  assert.match(await page.textContent('[data-testid=totals]'), /busy \(running\).*scheduled \(ready\).*waiting/s);
  await shot(page, 'selected-T1');
  assert.deepEqual(page.errors, []);
  await page.close();
});

// the tooltip is placed without measuring it (that forced the page's layout on every hover):
// beside the pointer, on the side of it where it fits
test('a tooltip near any edge of the timeline stays inside it', async () => {
  const page = await openSession('seed_ordering', '', { width: 1366, height: 500 });
  const box = await (await page.$('[data-testid=timeline]')).boundingBox();
  // main's lane (it lives the whole run) near the left and the right edge
  const { y, left, right } = await page.evaluate(() => {
    const v = window.looptrace.view, s = window.looptrace.state;
    return { y: v.laneY('1:1') + 8, left: v.x(s.view.from) + 8, right: v.x(s.view.to) - 8 };
  });
  for (const x of [box.x + left, box.x + right]) {
    await page.mouse.move(x, box.y + y);
    await page.waitForFunction(() => document.querySelector('[data-testid=tooltip]').hidden === false);
    const tip = await (await page.$('[data-testid=tooltip]')).boundingBox();
    assert.ok(tip.x >= box.x && tip.x + tip.width <= box.x + box.width + 1
      && tip.y >= box.y && tip.y + tip.height <= box.y + box.height + 1,
    `the tooltip at x ${x} is inside: ${JSON.stringify(tip)} in ${JSON.stringify(box)}`);
    // as wide as the same tooltip at the box's left edge (it was squeezed to ~80 px there)
    const natural = await page.evaluate(() => {
      const tip = document.querySelector('[data-testid=tooltip]');
      const c = tip.cloneNode(true);
      Object.assign(c.style, { left: '0px', right: 'auto', top: '0px', bottom: 'auto',
        visibility: 'hidden' });
      tip.parentElement.appendChild(c);
      const w = c.getBoundingClientRect().width;
      c.remove();
      return w;
    });
    assert.ok(tip.width >= natural - 1, `it keeps its width: ${tip.width} px of ${natural}`);
    if (x === box.x + right) await shot(page, 'tooltip-right-edge');
    await page.mouse.move(box.x + 5, box.y + 2); // off the lanes: hidden again
  }
  await page.close();
});

test('the inspector shows T1, T3, T2 queued in that order after main\'s first step', async () => {
  const page = await openSession('seed_ordering');
  const ev = await events('seed_ordering');
  const first = ev.find((e) => e.kind === 'suspend' && e.task === 1);
  const next = ev.find((e) => e.kind === 'resume' && e.ts > first.ts);
  await page.evaluate(([a, b]) => window.looptrace.view.set(a - (b - a), b + (b - a)), [first.ts, next.ts]);
  await page.waitForFunction((a) => window.looptrace.state.view.from < a, first.ts);
  const box = await (await page.$('[data-testid=timeline]')).boundingBox();
  const at = await page.evaluate(([a, b]) => ({ x: window.looptrace.view.x((a + b) / 2), y: window.looptrace.view.laneY('1:1') }), [first.ts, next.ts]);
  await page.mouse.click(box.x + at.x, box.y + at.y);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=ready-queue] li:not(.empty)').length > 0);
  const queue = await page.$$eval('[data-testid=ready-queue] li', (lis) => lis.map((li) => li.textContent.split(' ')[0]));
  assert.deepEqual(queue, ['T1', 'T3', 'T2']);
  const insp = await page.evaluate(() => window.looptrace.state.inspector);
  assert.ok(insp.t > first.ts && insp.t < next.ts);
  assert.equal(insp.running, null);
  assert.deepEqual(insp.waiting, [{ task: 'main', reason: 'task' }]);
  assert.match(await page.textContent('[data-testid=waiting-tasks]'), /main: await T1/);
  await shot(page, 'inspector-ordering');
  // in the long poll: nothing ready, T1's timer pending, T1 asleep, main awaiting T1
  const poll = ev.find((e) => e.kind === 'poll');
  const arm = ev.find((e) => e.kind === 'timer-arm');
  await page.evaluate((t) => window.looptrace.setCursor(t), poll.ts + 1000);
  await page.waitForFunction(() => window.looptrace.state.inspector?.timers.length === 1);
  const st = await page.evaluate(() => window.looptrace.state.inspector);
  assert.deepEqual(st.ready, []);
  assert.equal(st.timers[0].deadline, arm.args[1]);
  assert.deepEqual(st.waiting.map((w) => `${w.task}:${w.reason}`).sort(), ['T1:sleep', 'main:task']);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the inspector is exact in a session read by windows: timers and waits begun earlier', async () => {
  // too large to read whole (as forced here): the cursor's window starts in the long poll,
  // after T1 armed its timer and main began to await T1; the collector says both
  const page = await openSession('seed_ordering', '?fullLimit=10&eventLimit=20');
  const ev = await events('seed_ordering');
  const poll = ev.find((e) => e.kind === 'poll');
  const arm = ev.find((e) => e.kind === 'timer-arm');
  await page.evaluate((t) => window.looptrace.setCursor(t), poll.ts + 1000);
  await page.waitForFunction(() => window.looptrace.state.inspector?.timers.length === 1);
  const st = await page.evaluate(() => window.looptrace.state.inspector);
  assert.equal(st.timers[0].deadline, arm.args[1]);
  assert.deepEqual(st.waiting.map((w) => `${w.task}:${w.reason}`).sort(), ['T1:sleep', 'main:task']);
  assert.equal(st.partial, false);
  assert.match(await page.textContent('[data-testid=waiting-tasks]'), /main: await T1/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('wheel zooms at the pointer, drag and A/D pan, W/S zoom, F fits', async () => {
  const page = await openSession('seed_say_after');
  const view = () => page.evaluate(() => window.looptrace.state.view);
  const box = await (await page.$('[data-testid=timeline]')).boundingBox();
  const v0 = await view();
  const x = box.x + 600, y = box.y + 200;
  const tAt = (v) => v.from + ((600 - 190) / (box.width - 190)) * (v.to - v.from);
  await page.mouse.move(x, y);
  await page.mouse.wheel(0, -400);
  await page.waitForFunction((w) => window.looptrace.state.view.to - window.looptrace.state.view.from < w, v0.to - v0.from);
  const v1 = await view();
  assert.ok(Math.abs(tAt(v1) - tAt(v0)) < (v0.to - v0.from) / (box.width - 190), 'the time under the pointer stays put');
  await page.keyboard.press('w');
  await page.waitForFunction((w) => window.looptrace.state.view.to - window.looptrace.state.view.from < w * 0.81, v1.to - v1.from);
  const v2 = await view();
  await page.keyboard.press('d');
  await page.waitForFunction((a) => window.looptrace.state.view.from > a, v2.from);
  const v3 = await view();
  assert.ok(Math.abs((v3.from - v2.from) - 0.15 * (v2.to - v2.from)) < 2);
  await page.keyboard.press('a');
  await page.waitForFunction((a) => window.looptrace.state.view.from < a, v3.from);
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 100, y, { steps: 4 });
  await page.mouse.up();
  const v4 = await view();
  assert.ok(v4.from < v2.from, 'dragging right shows earlier times');
  await page.keyboard.press('s');
  await page.waitForFunction((w) => window.looptrace.state.view.to - window.looptrace.state.view.from > w, v4.to - v4.from);
  await page.keyboard.press('f');
  await page.waitForFunction((a) => Math.abs(window.looptrace.state.view.from - a) < 1, v0.from);
  assert.deepEqual(await view(), v0);
  await shot(page, 'fit-seed_say_after');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('wake-up arrows and timers can be switched off', async () => {
  const page = await openSession('seed_say_after');
  const ev = await events('seed_say_after');
  const wakes = ev.filter((e) => e.kind === 'ready' && e.cause === 'wakeup').length;
  assert.ok(wakes > 0);
  assert.equal(await page.evaluate(() => window.looptrace.state.arrows), wakes);
  await page.click('[data-testid=arrows]');
  await page.waitForFunction(() => window.looptrace.state.arrows === 0);
  await page.click('[data-testid=timers]');
  await shot(page, 'arrows-off');
  await page.click('[data-testid=arrows]');
  await page.waitForFunction((n) => window.looptrace.state.arrows === n, wakes);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a late timer\'s tooltip says why it was late, from the loop\'s own records', async () => {
  const page = await openSession('seed_say_after');
  const ev = await events('seed_say_after');
  const fire = ev.find((e) => e.kind === 'timer-fire' && e.args[1] > 0);
  const deadline = fire.ts - fire.args[1];
  // the loop's poll around the deadline, as the records have it
  const polls = ev.filter((e) => e.kind === 'poll' && e.ts <= deadline);
  const poll = polls[polls.length - 1];
  const end = ev.find((e) => e.kind === 'poll-end' && e.ts > poll.ts);
  assert.ok(end.ts >= deadline && end.ts <= fire.ts, 'the loop slept through the deadline');
  const lane = (await laneList(page)).find((l) => l.kind === 'timers');
  const at = await page.evaluate(([id, key]) => {
    const app = window.looptrace.app, tm = app.tl.lastScene.win.timerList.find((t) => t.id === id);
    const top = app.vp.laneY(app.laneByKey.get(key)); // its row's middle, as timers.mjs draws it
    return { x: app.vp.x((tm.arm + tm.fire) / 2), y: top + 6 + (tm.row ?? 0) * 7 };
  }, [fire.args[0], lane.key]);
  const box = await (await page.$('[data-testid=timeline]')).boundingBox();
  await page.mouse.move(box.x + at.x, box.y + at.y);
  await page.waitForFunction((id) => document.querySelector('[data-testid=tooltip]')
    .textContent.includes(`timer #${id}`), fire.args[0]);
  const tip = await page.textContent('[data-testid=tooltip]');
  assert.match(tip, /the loop was asleep in its poll at the deadline/);
  assert.match(tip, /the kernel woke it [\d.]+ [nµm]?s after/);
  await shot(page, 'timer-late-why');
  assert.deepEqual(page.errors, []);
  await page.close();
});

// issue 14: the first wheel notch after opening a large session waited 90-150 ms for the
// finer level's tiles, read one at a time once it asked; they are read ahead now
test('a wheel notch on a summarised session finds its tiles read ahead', async () => {
  const page = await openSession('seed_taskgroup', '?fullLimit=10&eventLimit=5');
  const data = () => page.evaluate(() => {
    const a = window.looptrace.app, d = a.data;
    return { fetches: d.fetches, ahead: d.prefetches, reading: d.loads.size,
      want: d.levelFor(a.vp.span / a.vp.plotW), drawn: a.tl.lastScene.tiles.map((t) => t.level),
      mode: window.looptrace.state.mode, loading: window.looptrace.state.loading };
  });
  // the page idle once it read ahead (5 s at most: without reads ahead, the assert below says)
  await page.waitForFunction(() => window.looptrace.app.data.prefetches > 0
    && window.looptrace.app.data.loads.size === 0 && !window.looptrace.state.loading,
  null, { timeout: 5000 }).catch(() => {});
  const before = await data();
  assert.equal(before.mode, 'summary');
  assert.ok(before.ahead > 0, 'tiles were read ahead once the view had its own');
  const box = await (await page.$('[data-testid=timeline]')).boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + 120);
  // notches in (each 0.78 of the view) until the view wants the finer level
  let after = before;
  for (let i = 0; i < 4 && after.want === before.want; i++) {
    const changes = await page.evaluate(() => window.looptrace.state.changes);
    await page.mouse.wheel(0, -100);
    // the notch changed the view, and a frame begun after it drew it
    await page.waitForFunction((c) => window.looptrace.state.changes > c
      && window.looptrace.state.drawnChanges === window.looptrace.state.changes, changes);
    after = await data();
  }
  assert.ok(after.want > before.want, `a finer level (${before.want} -> ${after.want})`);
  assert.equal(after.fetches, before.fetches, 'the notch needed no read');
  assert.equal(after.loading, false);
  assert.ok(after.drawn.length && after.drawn.every((L) => L === after.want),
    `drawn from level ${after.want} itself: ${after.drawn}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a session too large to read whole is drawn from summaries, and from events once zoomed in', async () => {
  const seed = 'seed_taskgroup';
  const page = await openSession(seed, '?fullLimit=10&eventLimit=20');
  assert.equal(await page.evaluate(() => window.looptrace.state.mode), 'summary');
  const stats = await page.evaluate(() => window.looptrace.stats());
  assert.equal(stats.fetches, 1, 'one summary, no events');
  assert.deepEqual(await markTexts(page), oracle(seed), 'marks from the summary');
  const tasks = (await d.get(`/api/sessions/${idOf[seed]}/tasks`)).body.tasks;
  assert.deepEqual((await laneList(page)).filter((l) => l.kind === 'task').map((l) => l.name), tasks.map((t) => t.name));
  await shot(page, 'summary-seed_taskgroup');
  // zoom onto the first mark: few records there, so they are fetched and drawn one by one
  const ev = await events(seed);
  const m = ev.find((e) => e.kind === 'mark');
  await page.evaluate((t) => window.looptrace.view.set(t - 2000, t + 2000), m.ts);
  await page.waitForFunction(() => window.looptrace.state.mode === 'events' && !window.looptrace.state.loading);
  assert.deepEqual(page.errors, []);
  await page.close();
});
