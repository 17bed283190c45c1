// words.test.mjs: what the timeline's words, colours and arrows say, in Debian's chromium
// against a real daemon (issue 14, "Confusing"). A virtual-clock session whose clock never
// moved (demo_fifo) says "all at t=0" with its count of events, not "0 ns", in the title, the
// ticks, the compare view's titles and turnarounds; a record's rank is "event #k" (the
// compare diff keeps "step"); a wait's tooltip says what ended it, and the wake-up arrows
// point at the moment the woken task became ready, can be hovered and are bold for the
// selected task; I/O, lateness and the cursor each have their colour, the timers' are in the
// legend, lane words never overlap and contrast with what they stand on, the last tick
// label stays inside the canvas, and the status line has a row of its own. Screenshots go
// to words/*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../api/daemon.mjs';
import { launch, openPage, settled, shot } from './browser.mjs';

let d, browser;
const idOf = {};

before(async () => {
  d = await Daemon.start();
  Object.assign(idOf, await d.recordAll([['demo_fifo', [], 'fifo'],
    ['demo_fifo', [], 'fifo-shuffled', { LOOPTRACE_SHUFFLE: '2' }],
    ['seed_ordering', [], 'ordering']],
  { LOOPTRACE_CLOCK: 'virtual' }));
  Object.assign(idOf, await d.recordAll([['seed_countdown', [], 'countdown']]));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d.finish();
});

async function open(label, size = { width: 1600, height: 1000 }) {
  const page = await openPage(browser, `${d.url}#session=${idOf[label]}`, size);
  await settled(page, idOf[label]);
  return page;
}

const stats = (page) => page.evaluate(() => window.looptrace.stats());
const lanes = (page) => page.evaluate(() => window.looptrace.state.lanes);
const events = async (label) =>
  (await d.get(`/api/sessions/${idOf[label]}/events?max=100000`)).body.events;
const taskKeys = async (label) => Object.fromEntries(
  (await d.get(`/api/sessions/${idOf[label]}/tasks`)).body.tasks
    .map((t) => [t.name, `${t.track}:${t.task}`]));
// A frame drawn after what the page was asked (frames counted past n).
// A frame begun after every change so far has drawn (counting frames would not do: one due
// when the test acted may run before the action, and count).
const drawn = (page) => page.waitForFunction(() => {
  const s = window.looptrace.state;
  return s.drawnChanges === s.changes;
});
async function setView(page, a, b) {
  await page.evaluate(([x, y]) => window.looptrace.view.set(x, y), [a, b]);
  await drawn(page);
}
async function tooltipAt(page, x, y) {
  const box = await page.locator('[data-testid=timeline]').boundingBox();
  await page.mouse.move(box.x + x, box.y + y);
  await page.waitForSelector('[data-testid=tooltip]:not([hidden])');
  return page.textContent('[data-testid=tooltip]');
}

test('a virtual clock that never moved: "all at t=0", no "0 ns" on every tick', async () => {
  const page = await open('fifo');
  const title = await page.textContent('[data-testid=session-title]');
  assert.match(title, /virtual clock · all at t=0 · \d+ events/);
  assert.doesNotMatch(title, /\b[01] ns\b/);
  const s = await stats(page);
  assert.ok(s.ticks.length >= 3, JSON.stringify(s.ticks));
  assert.ok(s.ticks.every((t) => /^#\d+$/.test(t.label)), 'ticks are event numbers');
  const subs = s.ticks.map((t) => t.sub).filter(Boolean);
  assert.deepEqual(subs, ['t=0'], 'the clock under the first tick only: it never moves');
  // the cursor and the inspector name the event by its number, not a "step"
  await page.evaluate(() => window.looptrace.setCursor(5.5));
  await drawn(page);
  await page.waitForFunction(() =>
    /event #5\b/.test(document.querySelector('[data-testid=inspector]').textContent));
  assert.doesNotMatch(await page.textContent('[data-testid=inspector]'), /\bstep\b/);
  // a slice's length: the clock's (0 ns) and the events it spans
  const key = (await lanes(page)).find((l) => l.kind === 'task' && l.name !== 'main').key;
  const run = await page.evaluate((k) =>
    window.looptrace.spans(k).find((x) => x.state === 'running'), key);
  const y = await page.evaluate((k) => window.looptrace.view.laneY(k), key);
  const tip = await tooltipAt(page, (run.x0 + run.x1) / 2, y);
  assert.match(tip, /\(\d+ events?\)/);
  assert.doesNotMatch(tip, /steps?\b/);
  // the marks list puts each line at the clock's words too: t=0, not "0 µs"
  const marks = await page.$$eval('[data-testid=marks-item] .when',
    (xs) => xs.map((x) => x.textContent));
  assert.ok(marks.length >= 5 && marks.every((m) => m === 't=0'), marks.join(' | '));
  await shot(page, 'virtual-all-at-0');
  // in time (the switch off), where the records stack on one instant: no tick repeats a label
  await page.uncheck('[data-testid=order]');
  await page.waitForFunction(() => window.looptrace.state.axis === 'time');
  await page.click('[data-testid=fit]');
  await drawn(page);
  const labels = (await stats(page)).ticks.map((t) => t.label);
  assert.ok(labels.length >= 1);
  assert.equal(new Set(labels).size, labels.length, labels.join(' | '));
  assert.ok(labels.every((l) => !/^0 ns$/.test(l)) || labels.length === 1, labels.join(' | '));
  await shot(page, 'virtual-all-at-0-in-time');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('compare runs that never moved: turnarounds in events; "step" for the diff', async () => {
  const ids = [idOf.fifo, idOf['fifo-shuffled']];
  const page = await openPage(browser, `${d.url}#compare=${ids.join(',')}`,
    { width: 1600, height: 1000 });
  await page.waitForFunction((want) => {
    const c = window.looptrace?.compare;
    return c?.ready && c.ids.join(',') === want && c.frames > 0;
  }, ids.join(','), { timeout: 20000 });
  const titles = await page.$$eval('[data-testid=compare-stack] .cmp-title',
    (els) => els.map((e) => e.textContent));
  assert.equal(titles.length, 2);
  for (const t of titles) {
    assert.match(t, /virtual clock · all at t=0 · \d+ events/);
    assert.doesNotMatch(t, /\b[01] ns\b/);
  }
  const turn = await page.textContent('[data-testid=compare-turnaround]');
  assert.doesNotMatch(turn, /\b0 ns\b/);
  const whole = await page.$$eval('[data-testid=compare-turnaround-row]',
    (rows) => rows[0].textContent);
  assert.match(whole, /t=0 · \d+ events/);
  assert.match(await page.textContent('#cmp-status'), /event #0/);
  // the diff's steps are ordering steps: they keep the word
  assert.match(await page.textContent('[data-testid=compare]'), /step/);
  await shot(page, 'compare-all-at-0');
  assert.deepEqual(page.errors, []);
  await page.close();
});

// The bezier of tracks/wakes.mjs at u: where a point of the arrow is drawn.
function onArrow(g, u) {
  const c = [Math.max(g.x0, g.x1) + 12, g.y0, g.x1 - 14, g.y1];
  const v = 1 - u;
  const b = (p0, p1, p2, p3) => v * v * v * p0 + 3 * v * v * u * p1 + 3 * v * u * u * p2
    + u * u * u * p3;
  return [b(g.x0, c[0], c[2], g.x1), b(g.y0, c[1], c[3], g.y1)];
}

test('who woke it: the wait says; the arrow hits the ready, hovers, is bold', async () => {
  // seed_ordering under the virtual clock, in event order: a task made ready and resumed at
  // the same time still has two records, two places on the axis
  const page = await open('ordering');
  assert.equal(await page.evaluate(() => window.looptrace.state.axis), 'order');
  const { session } = (await d.get(`/api/sessions/${idOf.ordering}`)).body;
  const ev = (await d.get(`/api/sessions/${idOf.ordering}/events?from=${session.start_ns}`
    + `&to=${session.end_ns}&max=100000`)).body.events; // in the order the timeline ranks them
  const key = await taskKeys('ordering');
  const nameOf = Object.fromEntries(Object.entries(key).map(([name, k]) => [k, name]));
  // of the wakes by a task, the one scheduled longest (in events) before it resumed
  const kOf = (e) => `${e.track}:${e.task}`;
  const wakes = ev.map((e, rank) => ({ e, rank }))
    .filter(({ e }) => e.kind === 'ready' && e.cause === 'wakeup' && e.waker === 'task')
    .map((w) => ({ ...w, resume: ev.findIndex((r, k) => k > w.rank && r.kind === 'resume'
      && kOf(r) === kOf(w.e)) }));
  const longest = (a, b) => (b.resume - b.rank > a.resume - a.rank ? b : a);
  const { e: ready, rank, resume } = wakes.reduce(longest);
  const woken = kOf(ready), waker = `${ready.track}:${ready.args[0]}`;
  const [wokenName, wakerName] = [nameOf[woken], nameOf[waker]];
  assert.ok(resume - rank >= 2, `resumed ${resume - rank} events after it became ready`);
  await setView(page, rank - 12, resume + 12);
  // the wait's tooltip: what ended it, and when
  const wait = await page.evaluate(([k, t]) => window.looptrace.spans(k)
    .find((s) => s.state === 'waiting' && s.at1 === t), [woken, rank]);
  assert.ok(wait, `${wokenName} waits until ${wakerName} makes it ready`);
  const yMain = await page.evaluate((k) => window.looptrace.view.laneY(k), woken);
  const tip = await tooltipAt(page, (Math.max(wait.x0, 260) + wait.x1) / 2, yMain);
  assert.match(tip, new RegExp(`ended by task ${wakerName} finishing at`));
  // the arrow: from T1's lane to main's, its head where main became ready, not where it resumed
  const arrow = (await stats(page)).wakeArrows.find((a) => a.key === woken && a.ts === rank);
  assert.ok(arrow, 'the wake is drawn');
  const xReady = await page.evaluate((t) => window.looptrace.view.x(t), rank);
  const xResume = await page.evaluate((t) => window.looptrace.view.x(t), resume);
  assert.ok(Math.abs(arrow.x1 - xReady) < 0.5 && xResume - xReady > 40,
    JSON.stringify({ arrow, xReady, xResume }));
  assert.equal(arrow.y1, yMain);
  assert.equal(arrow.y0, await page.evaluate((k) => window.looptrace.view.laneY(k), waker));
  assert.equal(arrow.bold, false);
  // hovering it says waker → woken, and when
  const [hx, hy] = onArrow(arrow, 0.5);
  const wtip = await tooltipAt(page, hx, hy);
  assert.match(wtip, new RegExp(`wake-up: task ${wakerName} finishing → ${wokenName}`));
  assert.match(wtip, /ready at .*ran at .*scheduled/);
  await shot(page, 'wake-hover');
  // selecting the waker (its lane, away from the arrow) draws its wakes bold
  const box = await page.locator('[data-testid=timeline]').boundingBox();
  await page.mouse.click(box.x + 60, box.y + arrow.y0);
  await page.waitForFunction(() => window.looptrace.state.selected != null);
  await drawn(page);
  const after = (await stats(page)).wakeArrows;
  assert.equal(after.find((a) => a.key === woken && a.ts === rank).bold, true);
  assert.ok(after.filter((a) => a.key !== waker && a.wakerKey !== waker).every((a) => !a.bold));
  await shot(page, 'wake-selected');
  assert.deepEqual(page.errors, []);
  await page.close();
});

// WCAG contrast of two '#rrggbb' colours.
function contrast(a, b) {
  const lum = (hex) => {
    const v = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// The canvas under each label, just above its letters (its middle - 6 px), every 3 px
// along it: what the text stands on, as drawn.
const under = (page, boxes) => page.evaluate((bs) => {
  const c = document.querySelector('[data-testid=timeline]');
  const g = c.getContext('2d');
  const k = c.width / c.clientWidth;
  const hex = (d) => `#${[d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  return bs.map((b) => {
    const y = window.looptrace.view.laneY(b.lane) - 6;
    const out = [];
    for (let x = b.x0 + 1; x < b.x1; x += 3) out.push(hex(g.getImageData(x * k, y * k, 1, 1).data));
    return out;
  });
}, boxes);

// Every word drawn in a lane: apart from the others of its lane, legible on what it is on.
async function checkLabels(page, what, some = true) {
  const boxes = (await stats(page)).boxes;
  if (some) assert.ok(boxes.length > 0, `${what}: labels drawn`);
  const bgs = await under(page, boxes);
  const byLane = new Map();
  boxes.forEach((b, i) => {
    for (const bg of bgs[i]) {
      assert.ok(contrast(b.fg, bg) >= 4.5, `${what}: "${b.text}" ${b.fg} on ${bg} (${b.lane})`);
    }
    if (!byLane.has(b.lane)) byLane.set(b.lane, []);
    byLane.get(b.lane).push(b);
  });
  for (const [lane, list] of byLane) {
    list.sort((a, b) => a.x0 - b.x0);
    for (let k = 1; k < list.length; k++) {
      assert.ok(list[k].x0 >= list[k - 1].x1 - 0.01,
        `${what}, lane ${lane}: "${list[k - 1].text}" and "${list[k].text}" overlap`);
    }
  }
}

test('a colour means one thing; lane words never collide; tick and status fit', async () => {
  const page = await open('countdown');
  // the legend: I/O wait, lateness and the cursor in three colours; the timers' in it
  const legend = await page.$$eval('#legend span', (ss) => ss.filter((s) => s.querySelector('i'))
    .map((s) => ({ text: s.textContent,
      color: getComputedStyle(s.querySelector('i')).backgroundColor })));
  const colorOf = (re) => legend.find((l) => re.test(l.text))?.color;
  const io = colorOf(/I\/O/), late = colorOf(/timer late/), cursor = colorOf(/^cursor/);
  assert.ok(io && late && cursor && colorOf(/timer armed/), JSON.stringify(legend));
  assert.equal(new Set([io, late, cursor]).size, 3, JSON.stringify({ io, late, cursor }));
  // at Fit and zoomed in: the words of each lane apart and legible (what is under them read
  // with the arrows off, which cross lanes), the ticks inside
  await page.uncheck('[data-testid=arrows]');
  await drawn(page);
  const canvas = await page.locator('[data-testid=timeline]').boundingBox();
  const s = await stats(page);
  await checkLabels(page, 'fit');
  assert.ok(s.ticks.length >= 3);
  for (const t of s.ticks) {
    assert.ok(t.x + t.w <= canvas.width, `tick ${t.label} cut: ${JSON.stringify(t)}`);
  }
  const view = await page.evaluate(() => window.looptrace.view.get());
  for (const f of [0.02, 0.1, 0.3]) {
    const a = view.from + (view.to - view.from) * f;
    await setView(page, a, a + (view.to - view.from) * f);
    await checkLabels(page, `zoom ${f}`);
  }
  // an iteration that began left of the view: its label has the rest of its busy part, not
  // the idle grey after it ("#1 ·#2 cb", white on light grey, before)
  const ev = await events('countdown');
  const iters = ev.map((e, i) => ({ e, i })).filter(({ e }) => e.kind === 'iter')
    .map(({ e, i }) => ({ t0: e.ts,
      t1: ev.slice(i + 1).find((x) => x.kind === 'poll' && x.track === e.track)?.ts }));
  const it = iters.filter((x) => x.t1).reduce((a, b) => (b.t1 - b.t0 > a.t1 - a.t0 ? b : a));
  const len = it.t1 - it.t0;
  await setView(page, it.t0 + 0.7 * len, it.t0 + 15 * len);
  await checkLabels(page, 'an iteration begun left of the view', false);
  await shot(page, 'loop-label-edge');
  // the status line: under the canvas, not over its lanes
  const status = await page.locator('[data-testid=status]').boundingBox();
  assert.ok(status.y >= canvas.y + canvas.height - 0.5, JSON.stringify({ status, canvas }));
  await page.click('[data-testid=fit]');
  await shot(page, 'colours-labels');
  assert.deepEqual(page.errors, []);
  await page.close();
});
