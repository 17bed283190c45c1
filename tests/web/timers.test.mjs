// timers.test.mjs: web/js/tracks/timers.mjs says why a timer fired late, from its loop's own
// records: asleep in its poll (its timeout rounded up to whole ms, then the wake-up itself,
// then the loop's I/O) or busy with a step or callbacks that ran over the deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventWindow } from '../../web/js/model.mjs';
import { timers, lateWhy } from '../../web/js/tracks/timers.mjs';
import { EVENTS, T0 } from './records.mjs';

const ctx = { nameOf: (track, task) => ({ 1: 'main', 2: 'T1' })[task], start: T0,
  time: (c) => c, rel: (c) => c - T0, dur: (a, b) => b - a, steps: null };
const windowOf = (events, to) => { const w = new EventWindow(T0, T0 + to); w.add(events); return w; };

test('a timer due while the loop slept: the timeout\'s rounding, the wake-up, the I/O', () => {
  // records.mjs: timer 7 due at 100_070; the poll from 80 with a 100 µs timeout ends at 100_080
  const w = windowOf(EVENTS, 100_140);
  const tm = w.timers.get('1:7');
  assert.deepEqual(lateWhy(w, tm, T0 + 100_140), { asleep: true, rounding: 10, woke: 0, after: 10 });
  // a poll that returned late: 300 µs after its timeout
  const late = EVENTS.map((e) => (e.kind === 'poll-end' ? { ...e, ts: e.ts + 300_000 } : e.ts > T0 + 100_080
    ? { ...e, ts: e.ts + 300_000, args: e.kind === 'timer-fire' ? [7, 300_020] : e.args } : e));
  const w2 = windowOf(late, 400_140);
  const why = lateWhy(w2, w2.timers.get('1:7'), T0 + 400_140);
  assert.deepEqual(why, { asleep: true, rounding: 10, woke: 300_000, after: 10 });
  const tip = timers.tooltip({ type: 'timer', timer: w2.timers.get('1:7'), why }, null, ctx);
  assert.match(tip, /asleep in its poll at the deadline/);
  assert.match(tip, /the kernel woke it 300(\.0+)? µs after that \(most likely its thread waited for a CPU/);
});

test('a timer due while a step ran: the task running then, and for how long after', () => {
  let seq = 0;
  const r = (dt, kind, task, extra = {}) => ({ ts: T0 + dt, track: 1, seq: ++seq, task, kind,
    args: [], ...extra });
  const events = [
    r(0, 'create', 1, { name: 'main', args: [0] }),
    r(0, 'ready', 1, { cause: 'spawn', waker: 'none', args: [0] }),
    r(10, 'iter', 0, { args: [1, 1] }),
    r(20, 'resume', 1),
    r(30, 'timer-arm', 1, { args: [9, T0 + 1_000] }),
    r(50_000, 'suspend', 1, { reason: 'sleep', args: [9, 0, T0 + 1_000] }),
    r(50_010, 'timer-fire', 0, { args: [9, 49_010] }),
  ];
  const w = windowOf(events, 50_010);
  const why = lateWhy(w, w.timers.get('1:9'), T0 + 50_010);
  assert.deepEqual(why, { asleep: false, key: '1:1', until: 49_000 });
  const tip = timers.tooltip({ type: 'timer', timer: w.timers.get('1:9'), why }, null, ctx);
  assert.match(tip, /busy at the deadline: main was running, for 49(\.0+)? µs more/);
  // a timer that fired on time says nothing of why
  const onTime = { ...w.timers.get('1:9'), late: 0 };
  assert.equal(lateWhy(w, onTime, T0 + 50_010), null);
});
