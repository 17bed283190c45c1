// order.test.mjs: the event-order axis (web/js/orderaxis.mjs) in Debian's chromium against a
// real daemon. seed_ordering recorded under the virtual clock puts every step before T1's
// sleep on one timestamp: in event order each record is a step, so main's first step and
// T1, T3, T2's run left to right at their records' ranks, wide enough to see, where the time
// axis stacks them on one pixel; the words keep the clock's units (a 200 ms sleep reads 200
// ms, with the events it spans); the inspector replays to an event (event #k); the switch
// defaults to the session's clock and is off, saying why, for a session too large to read
// whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, ORACLE } from '../api/daemon.mjs';
import { launch, openPage, settled, shot } from './browser.mjs';

let d, browser;
const idOf = {};

before(async () => {
  d = await Daemon.start();
  Object.assign(idOf, await d.recordAll([['seed_ordering', [], 'virtual', { LOOPTRACE_CLOCK: 'virtual' }]]));
  Object.assign(idOf, await d.recordAll([['seed_ordering', [], 'real', {}]], {},
    () => readFileSync(join(ORACLE, 'seed_ordering.out'), 'utf8')));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d.finish();
});

async function open(label, query = '') {
  const page = await openPage(browser, `${d.url}${query}#session=${idOf[label]}`);
  await settled(page, idOf[label]);
  return page;
}

// The session's records in the order the timeline merges them (time, track, seq), as the
// API sends them, and its tasks' lane keys by name.
async function records(label) {
  const { session } = (await d.get(`/api/sessions/${idOf[label]}`)).body;
  return (await d.get(`/api/sessions/${idOf[label]}/events?from=${session.start_ns}&to=${session.end_ns}&max=100000`)).body.events;
}
async function keys(label) {
  const { tasks } = (await d.get(`/api/sessions/${idOf[label]}/tasks`)).body;
  return Object.fromEntries(tasks.map((t) => [t.name, `${t.track}:${t.task}`]));
}

const firstRunning = (page, key) => page.evaluate((k) => window.looptrace.spans(k).find((s) => s.state === 'running'), key);
const axisMode = (page) => page.evaluate(() => window.looptrace.state.axis);
const ORDER = ['main', 'T1', 'T3', 'T2']; // the oracle's: main's first step, then creation order

test('a virtual-clock session opens in event order: main, T1, T3, T2 run left to right, each at its records', async () => {
  const page = await open('virtual');
  assert.equal(await axisMode(page), 'order');
  assert.equal(await page.isChecked('[data-testid=order]'), true);
  assert.equal(await page.isEnabled('[data-testid=order]'), true);
  const ev = await records('virtual');
  const key = await keys('virtual');
  const slices = [];
  for (const name of ORDER) slices.push({ name, ...await firstRunning(page, key[name]) });
  // under the virtual clock they all start at the same time...
  assert.equal(new Set(slices.map((s) => s.ts0)).size, 1, JSON.stringify(slices));
  for (const s of slices) {
    // ...but each spans the steps from its resume record to the record that suspends or ends it
    const [track, task] = key[s.name].split(':').map(Number);
    const resume = ev.findIndex((e) => e.kind === 'resume' && e.track === track && e.task === task);
    const stop = ev.findIndex((e, i) => i > resume && (e.kind === 'suspend' || e.kind === 'done') && e.track === track && e.task === task);
    assert.deepEqual([s.at0, s.at1], [resume, stop], s.name);
    assert.ok(s.x1 - s.x0 >= 4, `${s.name} is ${s.x1 - s.x0} px wide at fit`);
  }
  for (let k = 1; k < slices.length; k++)
    assert.ok(slices[k].x0 >= slices[k - 1].x1 - 0.01, `${slices[k - 1].name} before ${slices[k].name}: ${JSON.stringify(slices)}`);
  // every mark at a place of its own, in the oracle's order, on the clock's time
  const marks = await page.evaluate(() => window.looptrace.state.marks);
  assert.deepEqual(marks.map((m) => m.text), readFileSync(join(ORACLE, 'seed_ordering.out'), 'utf8').trimEnd().split('\n'));
  for (let k = 1; k < marks.length; k++) assert.ok(marks[k].at > marks[k - 1].at, 'marks at distinct steps');
  assert.equal(marks.at(-1).ts - marks[0].ts, 2e8, 'the clock\'s times: T1\'s 200 ms sleep between them');
  await shot(page, 'order-seed_ordering');
  // the cursor at a step: after main's first suspend, T1, T3, T2 queued in that order
  const mainSuspend = ev.findIndex((e) => e.kind === 'suspend' && e.task === 1);
  await page.evaluate((c) => window.looptrace.setCursor(c + 0.5), mainSuspend);
  await page.waitForFunction(() => window.looptrace.state.inspector?.ready.length > 0);
  assert.deepEqual((await page.evaluate(() => window.looptrace.state.inspector)).ready, ['T1', 'T3', 'T2']);
  assert.match(await page.textContent('[data-testid=inspector]'), new RegExp(`event #${mainSuspend}\\b`));

  // in time, the same slices collapse onto one place
  await page.click('[data-testid=order]');
  await page.waitForFunction(() => window.looptrace.state.axis === 'time' && window.looptrace.state.frames > 0);
  const collapsed = [];
  for (const name of ORDER) collapsed.push(await firstRunning(page, key[name]));
  assert.ok(Math.max(...collapsed.map((s) => s.x0)) - Math.min(...collapsed.map((s) => s.x0)) < 1, JSON.stringify(collapsed));
  assert.ok(collapsed.every((s) => s.x1 - s.x0 < 1));
  await shot(page, 'time-seed_ordering');
  // and back
  await page.click('[data-testid=order]');
  await page.waitForFunction(() => window.looptrace.state.axis === 'order');
  const again = await firstRunning(page, key.T2);
  assert.ok(again.x0 - (await firstRunning(page, key.main)).x0 > 12);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('in event order, hover tells the clock\'s durations and the events they span', async () => {
  const page = await open('virtual');
  const key = await keys('virtual');
  const sleep = await page.evaluate((k) => window.looptrace.spans(k).find((s) => s.reason === 'sleep'), key.T1);
  assert.equal(sleep.ts1 - sleep.ts0, 2e8);
  const box = await (await page.$('[data-testid=timeline]')).boundingBox();
  const y = await page.evaluate((k) => window.looptrace.view.laneY(k), key.T1);
  await page.mouse.move(box.x + (sleep.x0 + sleep.x1) / 2, box.y + y);
  await page.waitForSelector('[data-testid=tooltip]:not([hidden])');
  const tip = await page.textContent('[data-testid=tooltip]');
  assert.match(tip, new RegExp(`T1 waiting for 200 ms \\(${sleep.at1 - sleep.at0} events\\): sleeping on a timer`));
  assert.match(tip, /sleep 200 ms/);
  await shot(page, 'order-hover-sleep');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the switch follows the clock, and is off for a session too large to read whole', async () => {
  let page = await open('real');
  assert.equal(await axisMode(page), 'time', 'a real-clock session opens in time');
  assert.equal(await page.isChecked('[data-testid=order]'), false);
  assert.equal(await page.isEnabled('[data-testid=order]'), true);
  await page.close();
  page = await open('virtual', '?fullLimit=10&eventLimit=20');
  assert.equal(await page.evaluate(() => window.looptrace.state.mode), 'summary');
  assert.equal(await axisMode(page), 'time', 'summaries are in time, whatever the clock');
  assert.equal(await page.isEnabled('[data-testid=order]'), false);
  assert.match(await page.getAttribute('#order-box', 'title'), /needs the whole session read/);
  assert.deepEqual(page.errors, []);
  await page.close();
});
