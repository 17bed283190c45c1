// order.test.mjs: web/js/orderaxis.mjs (x as the records' order, mapped to the clock both
// ways; a task's end at its done record) and web/js/steps.mjs (a run's ordering steps, and
// where another run stands at one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventWindow } from '../../web/js/model.mjs';
import { OrderAxis, TimeAxis } from '../../web/js/orderaxis.mjs';
import { stepRanks, stepInOther } from '../../web/js/steps.mjs';
import { EVENTS, T0 } from './records.mjs';

const axis = () => { const w = new EventWindow(T0, T0 + 100_140); w.add(EVENTS); return new OrderAxis(w, T0); };

test('each record is a step; times map to steps and back', () => {
  const a = axis();
  assert.equal(a.end, EVENTS.length - 1);
  EVENTS.forEach((e, k) => assert.equal(a.time(k), e.ts));
  assert.equal(a.coord(T0 + 30), 4, 'the first record at that time');
  // between records of different times: interpolated, and back to the same time
  const c = a.coord(T0 + 50_000);
  assert.ok(c > 11 && c < 12, `${c}`);
  assert.equal(a.time(c), T0 + 50_000);
  assert.equal(a.dur(11, 12), 100_000);
  assert.equal(a.steps(3, 7), 4);
  assert.equal(a.coord(T0 - 5), 0, 'clamped');
});

test('the model in steps: spans run from record to record; deadlines sit at their step', () => {
  const a = axis();
  const t1 = a.win.spans.get('1:2').map((s) => [s.state, s.t0, s.t1]);
  assert.deepEqual(t1[0], ['ready', 5, 7]);
  const tm = a.win.timers.get('1:7');
  assert.equal(a.time(tm.deadline), T0 + 100_070);
});

test('a task ends at the step of its done record, under a virtual clock too', () => {
  // every record at one time, as a virtual clock that never moved has them
  const still = EVENTS.map((e) => ({ ...e, ts: T0 }));
  const w = new EventWindow(T0, T0);
  w.add(still);
  const a = new OrderAxis(w, T0);
  const done = still.map((e, k) => [e, k]).filter(([e]) => e.kind === 'done');
  assert.ok(done.length > 0);
  for (const [e, k] of done) {
    assert.equal(a.finishedAt({ track: e.track, task: e.task, finished_ns: T0 }), k);
  }
  assert.equal(a.coord(T0), 0, 'the clock alone would put every end at step 0');
  assert.equal(a.finishedAt({ track: 9, task: 9, finished_ns: T0 }), 0,
    'no done record: the clock');
  assert.equal(new TimeAxis({}).finishedAt({ finished_ns: T0 + 5 }), T0 + 5);
});

test('the clock axis is the identity, ticks from the session start', () => {
  const a = new TimeAxis({ start: T0, end: T0 + 1e9 });
  assert.equal(a.coord(5), 5);
  assert.deepEqual(a.ticks(T0, T0 + 1e9, 1000).map((t) => t.label).slice(0, 2), ['0 ms', '200 ms']);
});

test('ordering steps: resume, suspend, done, mark and fire records, by track and seq', () => {
  const ranks = stepRanks(EVENTS);
  const kinds = ranks.map((k) => EVENTS[k].kind);
  assert.deepEqual(kinds, ['resume', 'suspend', 'resume', 'mark', 'suspend', 'timer-fire', 'resume', 'done',
    'resume', 'done']);
});

test('where another run stands at a step of the first, from their diff', () => {
  const diff = { same: false, entries: [
    { op: 'skip', a: 0, b: 0, count: 3 },
    { op: '-', a: 3, b: null },
    { op: '+', a: null, b: 3 },
    { op: ' ', a: 4, b: 4 },
  ] };
  assert.equal(stepInOther(diff, 1), 1, 'in the unchanged run');
  assert.equal(stepInOther(diff, 3), 3, 'a step b lacks: b\'s next step');
  assert.equal(stepInOther(diff, 4), 4);
  assert.equal(stepInOther(diff, 9), null, 'past the entries');
  assert.equal(stepInOther({ same: true }, 7), 7);
});
