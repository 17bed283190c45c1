// orderaxis.mjs: what x runs along, and the mapping between it and the session clock.
// TimeAxis: the clock itself (ns), as the timeline always drew. OrderAxis, for a session read
// whole: the records' order. Record k (its rank in the order the model merges records: time,
// then track, then seq; the words call it "event #k", "step" is the compare view's
// ordering step) sits at step k, every record one equal step, so a virtual-clock
// session, whose records share a handful of timestamps, spreads out instead of stacking on
// one pixel. Its `win` is the session's model rebuilt in steps (each record's ts replaced by
// its rank), so spans run from the step of the record that opens them to the step of the one
// that closes them and the renderer, hit testing and inspector work on it unchanged. A time
// that is no record (a timer's deadline, a task's creation from the tasks API, a window's
// `since`) maps to the first record at or after it, interpolated between neighbours of
// different times, so that time(coord(t)) is t inside the session. Text always shows the
// clock: callers turn coordinates into times with time(c) and dur(c0, c1).

import { EventWindow } from './model.mjs';
import { fmtDur, fmtTime, ticks } from './format.mjs';

// The clock at a place, from the session's start: "t=0" there, else its duration.
const clockWords = (t) => (t === 0 ? 't=0' : fmtDur(t));

// x is the clock (ns); data: the SessionData (start, end), which live sessions move.
export class TimeAxis {
  constructor(data) { this.data = data; }
  get order() { return false; }
  get start() { return this.data.start; }
  get end() { return this.data.end; }
  get minSpan() { return 50; }                 // ns: the deepest zoom
  get followSpan() { return [1e9, 30e9]; }     // live: the whole run, at least 1 s, at most 30 s
  coord(t) { return t; }
  // where a task (the tasks API's) ended: its finished_ns
  finishedAt(task) { return task.finished_ns; }
  time(c) { return c; }
  dur(c0, c1) { return c1 - c0; }
  steps() { return null; }
  sync() {}

  // Ticks at 1-2-5 steps of time from the session's start: [{at, label}], no two with one
  // label (steps under a ns). A session whose records are all at one instant (a virtual
  // clock that never moved) has one tick there, "t=0", not 0, 10, 20 ns of nothing.
  ticks(a, b, px) {
    const o = this.start;
    if (this.end - o <= 1) return o >= a && o <= b ? [{ at: o, label: 't=0' }] : [];
    const tk = ticks(a - o, b - o, px);
    const out = [];
    for (const t of tk.list) {
      const label = fmtTime(t, tk.step);
      if (label !== out[out.length - 1]?.label) out.push({ at: t + o, label });
    }
    return out;
  }

  spanLabel(a, b) { return `${fmtDur(b - a)} in view`; }
  // the clock at the cursor, to no finer than a ns ("t=0" where every record is)
  cursorLabel(c, perPx) {
    if (this.end - this.start <= 1) return 't=0';
    return fmtTime(c - this.start, Math.max(1, perPx));
  }
}

// x is the records' order; full: the session's EventWindow (read whole), start: its start.
export class OrderAxis {
  constructor(full, start) {
    this.full = full;
    this.origin = start;
    this.rebuild();
  }

  get order() { return true; }
  get start() { return 0; }
  get end() { this.sync(); return Math.max(0, this.ts.length - 1); }
  get minSpan() { return 4; }                  // steps
  get followSpan() { return [200, 20000]; }

  // Follows the session's window: records appended live are appended here (the mapping
  // extends); a window rebuilt for records that came out of order is rebuilt here.
  sync() {
    if (this.full.generation !== this.gen) this.rebuild();
    else if (this.full.events.length > this.ts.length) {
      this.append(this.full.events.slice(this.ts.length));
    }
  }

  rebuild() {
    const full = this.full;
    this.gen = full.generation;
    this.ts = full.events.map((e) => e.ts);    // the clock at each step
    this.pending = new Map();                  // timers due past the last record (live)
    this.done = new Map();                     // "track:task" -> the step of its done record
    const initial = full.initial.map((s) => ({ ...s, since: this.coord(s.since) }));
    const timers = (full.initialTimers ?? []).map((t) => ({ ...t, armed: this.coord(t.armed),
      deadline: this.coord(t.deadline) }));
    this.win = new EventWindow(0, 0, initial, timers);
    this.add(full.events, 0);
  }

  append(events) {
    const n0 = this.ts.length;
    for (const e of events) this.ts.push(e.ts);
    this.add(events, n0);
    // deadlines that were past the last record land where the new records put them
    const last = this.ts[this.ts.length - 1];
    for (const [key, deadline] of this.pending) {
      const t = this.win.timers.get(key);
      if (t) t.deadline = this.coord(deadline);
      if (!t || deadline <= last) this.pending.delete(key);
    }
  }

  // The records from rank n0 on, in steps: ts is the rank, `time` the clock's.
  add(events, n0) {
    const last = this.ts[this.ts.length - 1];
    this.win.add(events.map((e, k) => {
      const r = { ...e, ts: n0 + k, time: e.ts };
      if (e.kind === 'done') this.done.set(`${e.track}:${e.task}`, n0 + k);
      if (e.kind === 'timer-arm') {
        r.args = [e.args[0], this.coord(e.args[1]), ...e.args.slice(2)];
        if (e.args[1] > last) this.pending.set(`${e.track}:${e.args[0]}`, e.args[1]);
      }
      return r;
    }));
  }

  // Where a task ended: the step of its done record. (Its finished_ns is no help under a
  // virtual clock: every record is at one time, so the first step would do for every task.)
  finishedAt(task) {
    this.sync();
    return this.done.get(`${task.track}:${task.task}`) ?? this.coord(task.finished_ns);
  }

  // The step of time t: the first record at or after it, between two records of different
  // times the fraction of the way t is between them; clamped to the records.
  coord(t) {
    const ts = this.ts, n = ts.length;
    if (!n || t <= ts[0]) return 0;
    if (t >= ts[n - 1]) return t === ts[n - 1] ? firstAtOrAfter(ts, t) : n - 1;
    const i = firstAtOrAfter(ts, t);
    if (ts[i] === t) return i;
    return i - 1 + (t - ts[i - 1]) / (ts[i] - ts[i - 1]);
  }

  // The clock at step c (a record's own ts at whole steps).
  time(c) {
    const ts = this.ts, n = ts.length;
    if (!n) return this.origin;
    if (c <= 0) return ts[0];
    if (c >= n - 1) return ts[n - 1];
    const i = Math.floor(c), f = c - i;
    return f ? ts[i] + f * (ts[i + 1] - ts[i]) : ts[i];
  }

  dur(c0, c1) { return this.time(c1) - this.time(c0); }
  steps(c0, c1) { return Math.round(c1 - c0); }

  // Ticks at 1-2-5 event numbers, each with the clock there when it moved since the tick
  // before (the first tick always has it): [{at, label, sub}]. A session whose records
  // share one time reads "t=0" once, not "0 ns" under every tick.
  ticks(a, b, px) {
    const step = Math.max(1, Math.round(ticks(a, b, px).step));
    const out = [];
    let last = null;
    const c0 = Math.max(0, Math.ceil(a / step) * step), c1 = Math.min(b, this.end);
    for (let c = c0; c <= c1 && out.length < 200; c += step) {
      const t = this.time(c) - this.origin;
      out.push({ at: c, label: `#${c}`, sub: t === last ? '' : clockWords(t) });
      last = t;
    }
    return out;
  }

  spanLabel(a, b) { return `${Math.round(b - a)} events in view`; }
  cursorLabel(c) {
    return `event #${Math.floor(c)} · ${clockWords(this.time(Math.floor(c)) - this.origin)}`;
  }
}

function firstAtOrAfter(ts, t) {
  let lo = 0, hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] < t) lo = mid + 1; else hi = mid;
  }
  return lo;
}
