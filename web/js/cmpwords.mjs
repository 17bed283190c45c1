// cmpwords.mjs: the compare view's words for runs whose virtual clock never moved: a run's
// length in its title, and turnarounds of 0 ns said in events (records) instead.

import { fmtClockSpan, fmtEvents } from './format.mjs';

// A run's length in its title: its clock's (virtual: "all at t=0 · N events" when it never
// moved, not "0 ns").
export const runSpan = (m) => {
  const ns = m.end_ns - m.start_ns;
  const span = fmtClockSpan(m.clock, ns);
  const still = m.clock === 'virtual' && !(ns > 0) && m.events != null;
  return still ? `${span} · ${fmtEvents(m.events)}` : span;
};

// How many events a task (row.task; row.whole: the whole run) spans in run r, from its first record
// to its last (its creation to its end), when r is read whole; else null.
function eventSpan(r, row) {
  const events = r.data.full?.events;
  if (!events?.length) return null;
  if (row.whole) return events.length - 1;
  const t = r.tl.tasks.find((x) => x.name === row.task);
  if (!t) return null;
  let first = -1, last = -1;
  events.forEach((e, k) => {
    if (e.track === t.track && e.task === t.task) { if (first < 0) first = k; last = k; }
  });
  return first < 0 ? null : last - first;
}

// A turnaround of 0 ns in both runs (the virtual clock never moved): said in events instead.
export function turnInEvents(row, id, first, runs, parts) {
  const r = runs.find((x) => x.id === id);
  const n = eventSpan(r, row), n0 = id === first.id ? null : eventSpan(first, row);
  const sign = n > n0 ? '+' : n < n0 ? '−' : '±';
  const delta = n != null && n0 != null
    ? ` <span class="muted">(${sign}${Math.abs(n - n0)})</span>` : '';
  const what = n == null ? 't=0' : `t=0 · ${fmtEvents(n)}`;
  const why = 'no time passed: its length in events (records), from its first to its last';
  return `<td class="num" data-session="${id}" title="${why}">${what}${delta}${parts}</td>`;
}
