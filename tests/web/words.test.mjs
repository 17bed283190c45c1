// words.test.mjs: the pure parts of how the timeline says things (issue 14, "Confusing"):
// colours' contrast and the text colour on each (palette.mjs), a session's length under
// the virtual clock (format.mjs), event-order ticks and cursor words (orderaxis.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLORS, contrast, textOn, legend } from '../../web/js/palette.mjs';
import { fmtClockSpan, fmtEvents } from '../../web/js/format.mjs';
import { EventWindow } from '../../web/js/model.mjs';
import { OrderAxis, TimeAxis } from '../../web/js/orderaxis.mjs';
import { EVENTS, T0 } from './records.mjs';

test('contrast is WCAG\'s, and text on every colour of the timeline reads at 4.5:1 or more', () => {
  assert.equal(Math.round(contrast('#ffffff', '#000000')), 21);
  assert.equal(contrast('#777777', '#777777'), 1);
  for (const bg of [COLORS.running, COLORS.loopBusy, COLORS.loopIdle, COLORS.job, COLORS.cursor,
    COLORS.late, COLORS.timer, '#ffffff']) {
    assert.ok(contrast(textOn(bg), bg) >= 4.5, `${textOn(bg)} on ${bg}`);
  }
  assert.equal(textOn(COLORS.loopIdle), COLORS.text, 'no white on light grey');
  assert.equal(textOn(COLORS.loopBusy), '#ffffff');
});

test('I/O wait, timer lateness and the cursor: three colours, all in the legend', () => {
  const byKey = Object.fromEntries(legend().map((l) => [l.key, l.color]));
  assert.equal(new Set([byKey.io, byKey.late, byKey.cursor]).size, 3);
  assert.ok(byKey.timer && byKey.late && byKey.cursor);
  assert.equal(byKey.late, COLORS.late);
  assert.equal(byKey.cursor, COLORS.cursor);
});

test('a virtual clock that never moved says so, not "0 ns"', () => {
  assert.equal(fmtClockSpan('virtual', 0), 'virtual clock · all at t=0');
  assert.equal(fmtClockSpan('virtual', 2e8), '200 ms · virtual clock');
  assert.equal(fmtClockSpan('real', 0), '0 ns');
  assert.equal(fmtClockSpan(undefined, 1.5e9), '1.5 s');
  assert.equal(fmtEvents(1), '1 event');
  assert.equal(fmtEvents(1200), '1,200 events');
});

test('event-order ticks "#k", the clock only where it moved; the cursor "event #k"', () => {
  // every record at one time: the clock reads t=0 under the first tick and nowhere else
  const same = EVENTS.map((e) => ({ ...e, ts: T0 }));
  const w = new EventWindow(T0, T0 + 1);
  w.add(same);
  const a = new OrderAxis(w, T0);
  const tk = a.ticks(0, a.end, 1000);
  assert.ok(tk.length > 2 && tk.every((t) => /^#\d+$/.test(t.label)));
  assert.deepEqual(tk.map((t) => t.sub).filter(Boolean), ['t=0']);
  assert.equal(a.cursorLabel(3.5), 'event #3 · t=0');
  assert.equal(a.spanLabel(0, 12), '12 events in view');
  // records at different times: the clock under each tick where it changed
  const w2 = new EventWindow(T0, T0 + 100_140);
  w2.add(EVENTS);
  const b = new OrderAxis(w2, T0);
  const subs = b.ticks(0, b.end, 2000).map((t) => t.sub);
  assert.equal(subs[0], 't=0');
  assert.ok(subs.slice(1).filter(Boolean).every((s) => s !== 't=0'));
});

test('in time, a session at one instant has one tick, "t=0"; ticks never repeat a label', () => {
  const still = new TimeAxis({ start: T0, end: T0 + 1 });
  assert.deepEqual(still.ticks(T0 - 25, T0 + 25, 1000), [{ at: T0, label: 't=0' }]);
  assert.equal(still.cursorLabel(T0 + 0.3, 0.05), 't=0');
  const fine = new TimeAxis({ start: T0, end: T0 + 1e6 });
  const labels = fine.ticks(T0, T0 + 3, 1000).map((t) => t.label);
  assert.equal(fine.cursorLabel(T0 + 2, 0.01), '2 ns', 'not 2.00 ns: no finer than a ns');
  assert.equal(new Set(labels).size, labels.length, labels.join(' | '));
});
