// model.test.mjs: web/js/model.mjs rebuilds spans, timers, wake-ups and marks from records
// as the timeline draws them, and web/js/inspector.mjs replays the loop's state at a moment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventWindow, firstEndingAfter, firstStartingAt } from '../../web/js/model.mjs';
import { loopStateAt } from '../../web/js/inspector.mjs';
import { EVENTS, T0 } from './records.mjs';

const whole = () => { const w = new EventWindow(T0, T0 + 100_140); w.add(EVENTS); return w; };

test('a task\'s spans: scheduled, running, waiting on what, and its totals', () => {
  const w = whole();
  const t1 = w.spans.get('1:2').map((s) => [s.state, s.t0 - T0, s.t1 - T0, s.reason ?? null]);
  assert.deepEqual(t1, [['ready', 30, 50, null], ['running', 50, 70, null],
    ['waiting', 70, 100_090, 'sleep'], ['ready', 100_090, 100_110, null], ['running', 100_110, 100_120, null]]);
  assert.deepEqual(w.totals('1:2'), { running: 30, ready: 40, waiting: 100_020 });
  const main = w.spans.get('1:1');
  assert.equal(main.find((s) => s.state === 'waiting').obj, 2, 'main awaits T1');
});

test('wake-ups go from the waker to where the woken task resumed; timers fire late', () => {
  const w = whole();
  const wakes = w.wakes.map((x) => [x.key, x.waker, x.wakerId, x.ts - T0, x.resume - T0]);
  assert.deepEqual(wakes, [['1:2', 'timer', 7, 100_090, 100_110], ['1:1', 'task', 2, 100_120, 100_130]]);
  const tm = w.timers.get('1:7');
  assert.deepEqual([tm.arm - T0, tm.deadline - T0, tm.fire - T0, tm.late], [70, 100_070, 100_090, 20]);
  assert.deepEqual(w.marks.map((m) => m.text), ['hi']);
  const loop = w.loops.get(1);
  assert.deepEqual(loop.idle.map((p) => [p.t0 - T0, p.t1 - T0]), [[80, 100_080]]);
  assert.deepEqual(loop.iters.map((i) => i.n), [1, 2]);
});

test('records arriving out of order rebuild the window to the same spans', () => {
  const w = new EventWindow(T0, T0 + 100_140);
  assert.equal(w.add(EVENTS.slice(10)), true);
  assert.equal(w.add(EVENTS.slice(0, 10)), false, 'rebuilt');
  assert.equal(w.add(EVENTS.slice(3, 6)), true, 'duplicates are dropped');
  assert.deepEqual(w.spans.get('1:2'), whole().spans.get('1:2'));
});

test('binary searches over spans and marks', () => {
  const list = [{ t0: 0, t1: 10 }, { t0: 10, t1: 20 }, { t0: 20, t1: null }];
  assert.equal(firstEndingAfter(list, 15, 100), 1);
  assert.equal(firstEndingAfter(list, 50, 100), 2, 'the open span ends at end');
  assert.equal(firstEndingAfter(list, 150, 100), 3);
  assert.equal(firstStartingAt([{ ts: 1 }, { ts: 5 }, { ts: 9 }], 5, 'ts'), 1);
});

test('the inspector at a moment: running task, ready queue in order, timers, waits', () => {
  const w = whole();
  const at35 = loopStateAt(w, T0 + 35);
  assert.equal(at35.running.key, '1:1');
  assert.deepEqual(at35.ready.map((r) => r.key), ['1:2']);
  const at75 = loopStateAt(w, T0 + 75);
  assert.equal(at75.running, null);
  assert.deepEqual(at75.timers.map((t) => [t.id, t.deadline - T0]), [[7, 100_070]]);
  assert.deepEqual(at75.waiting.map((x) => [x.key, x.reason]), [['1:1', 'task'], ['1:2', 'sleep']]);
  const at100095 = loopStateAt(w, T0 + 100_095);
  assert.deepEqual(at100095.timers, [], 'fired');
  assert.deepEqual(at100095.ready.map((r) => [r.key, r.waker]), [['1:2', 'timer']]);
  assert.equal(at100095.iter.polling, false);
});

test('a late track record of a known track goes in its place without a rebuild', () => {
  const w = whole();
  const n = w.events.length;
  const late = { track: 1, seq: 1000, ts: T0 - 5, kind: 'track', flags: 0, task: 0,
    args: [1, 7, 0] };
  assert.equal(w.add([late]), true, 'not rebuilt');
  assert.equal(w.events.length, n + 1, 'kept: a record the API has is not lost');
  assert.equal(w.events[0], late, 'first: it sorts before every other record');
  assert.equal(w.byTask.get('1:0')[0], late);
  assert.deepEqual(w.spans.get('1:2'), whole().spans.get('1:2'));
  // a track not known yet is a record like any other: the window is rebuilt with it
  assert.equal(w.add([{ ...late, track: 9, seq: 0 }]), false);
  assert.ok(w.loops.has(9));
});
