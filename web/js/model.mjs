// model.mjs: what the timeline draws at event level, rebuilt from records: per task its
// running / scheduled / waiting spans, per loop its iterations (running callbacks) and polls
// (idle), timers from armed to fired, wake-up arrows from waker to woken, marks. A window is
// the records of [from, to] plus what every task was doing at `from` (the API's `initial`);
// a whole small session is one window. Records are applied in time order; live records are
// appended as they arrive.

export const taskKey = (track, task) => `${track}:${task}`;

// The first index of a list sorted so that before(x) holds for a prefix: where it stops.
function firstNot(list, before) {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(list[mid])) lo = mid + 1; else hi = mid;
  }
  return lo;
}

function byTime(a, b) { return a.ts - b.ts || a.track - b.track || a.seq - b.seq; }

// A loop's current iteration ends at ts (if it has not already).
function endIter(l, ts) {
  const p = l.iters[l.iters.length - 1];
  if (p && p.t1 == null) p.t1 = ts;
}

export class EventWindow {
  // from/to: ns on the session clock; initial / initialTimers: the API's `initial` and
  // `timers` for `from` (what each task was doing then, and the timers pending).
  constructor(from, to, initial = [], initialTimers = []) {
    this.from = from;
    this.to = to;
    this.initial = initial;
    this.initialTimers = initialTimers;
    this.reset();
  }

  reset() {
    this.generation = (this.generation ?? 0) + 1; // a new one each time the window is rebuilt
    this.events = [];
    this.lastTs = -Infinity;
    this.seen = new Set();
    this.spans = new Map();      // task key -> [{t0, t1, state, reason, ...}]
    this.open = new Map();       // task key -> the open span
    this.byTask = new Map();     // task key (track:0 for the loop) -> [event]
    this.loops = new Map();      // track -> {iters, busy, idle, state}
    this.workers = new Map();    // track -> {jobs, open, loop}
    this.timers = new Map();     // track:id -> timer
    this.timerList = [];
    this.wakes = [];             // {ts, track, waker, wakerId, key, resume}
    this.pendingWake = new Map();// task key -> wake waiting for its resume
    this.marks = [];
    this.marksByTask = new Map(); // task key -> marks in time order
    this.created = new Map();    // task key -> create event (name, parent, site)
    this.done = new Map();       // task key -> done event
    this.maxTs = this.from;
    for (const s of this.initial) {
      const key = taskKey(s.track, s.task);
      const span = { t0: s.since, t1: null, state: s.state, reason: s.reason, initial: true,
        obj: s.obj, detail: s.detail, site: s.site, track: s.track };
      this.pushSpan(key, span);
    }
  }

  pushSpan(key, span) {
    let list = this.spans.get(key);
    if (!list) this.spans.set(key, (list = []));
    list.push(span);
    this.open.set(key, span);
  }

  closeSpan(key, ts) {
    const s = this.open.get(key);
    if (s) {
      s.t1 = ts;
      this.open.delete(key);
    }
    return s;
  }

  loop(track) {
    let l = this.loops.get(track);
    if (!l) {
      l = { iters: [], busy: [], idle: [], openBusy: null, openIdle: null };
      this.loops.set(track, l);
    }
    return l;
  }

  worker(track) {
    let w = this.workers.get(track);
    if (!w) this.workers.set(track, (w = { jobs: [], open: new Map(), loop: 0 }));
    return w;
  }

  // Adds records (any order within the batch); returns true when they all came after the
  // ones already applied, false when the window had to be rebuilt.
  add(events) {
    const fresh = [];
    for (const e of events) {
      const id = e.track * 4294967296 + e.seq; // a number: no string made per record
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      fresh.push(e);
    }
    if (!fresh.length) return true;
    fresh.sort(byTime);
    // a late `track` record of a track already known (a subscription's backlog carries them
    // where a read left them out) only names it: put in its place, not the window rebuilt
    while (fresh.length && fresh[0].ts < this.lastTs && this.known(fresh[0])) {
      this.insertTrack(fresh.shift());
    }
    if (!fresh.length) return true;
    if (fresh[0].ts < this.lastTs) {
      const all = this.events.concat(fresh).sort(byTime);
      const seen = this.seen;
      this.reset();
      this.seen = seen;
      for (const e of all) this.apply(e);
      return false;
    }
    for (const e of fresh) this.apply(e);
    return true;
  }

  known(e) {
    return e.kind === 'track' && (e.args[0] === 2 ? this.workers.has(e.track)
      : this.loops.has(e.track));
  }

  insertTrack(e) {
    const at = (list) => firstNot(list, (x) => byTime(x, e) <= 0); // the first after e
    this.events.splice(at(this.events), 0, e);
    const key = taskKey(e.track, e.task);
    let list = this.byTask.get(key);
    if (!list) this.byTask.set(key, (list = []));
    list.splice(at(list), 0, e);
    if (e.args[0] === 2) this.worker(e.track).loop = e.args[2];
  }

  apply(e) {
    this.events.push(e);
    this.lastTs = e.ts;
    if (e.ts > this.maxTs) this.maxTs = e.ts;
    if (e.ts > this.to) this.to = e.ts;
    const key = taskKey(e.track, e.task);
    let list = this.byTask.get(key);
    if (!list) this.byTask.set(key, (list = []));
    list.push(e);
    const a = e.args;
    switch (e.kind) {
      case 'create': this.created.set(key, e); break;
      case 'ready': {
        this.closeSpan(key, e.ts);
        const span = { t0: e.ts, t1: null, state: 'ready', cause: e.cause, waker: e.waker,
          wakerId: a[0], ev: e };
        this.pushSpan(key, span);
        if (e.cause === 'wakeup') {
          const w = { ts: e.ts, track: e.track, waker: e.waker, wakerId: a[0], obj: a[1], key,
            resume: null };
          this.wakes.push(w);
          this.pendingWake.set(key, w);
        }
        break;
      }
      case 'resume': {
        this.closeSpan(key, e.ts);
        this.pushSpan(key, { t0: e.ts, t1: null, state: 'running', ev: e });
        const w = this.pendingWake.get(key);
        if (w) {
          w.resume = e.ts;
          this.pendingWake.delete(key);
        }
        break;
      }
      case 'suspend': {
        const run = this.closeSpan(key, e.ts);
        if (run) run.endEv = e;
        if (e.reason === 'yield') {
          this.pushSpan(key, { t0: e.ts, t1: null, state: 'ready', cause: 'yield', ev: e });
        } else {
          this.pushSpan(key, { t0: e.ts, t1: null, state: 'waiting', reason: e.reason, obj: a[0],
            detail: a[2], site: e.site, ev: e });
        }
        break;
      }
      case 'done': {
        const run = this.closeSpan(key, e.ts);
        if (run) run.endEv = e;
        this.done.set(key, e);
        break;
      }
      case 'mark': {
        const m = { ts: e.ts, track: e.track, seq: e.seq, task: e.task, text: e.text ?? '' };
        this.marks.push(m);
        let ml = this.marksByTask.get(key);
        if (!ml) this.marksByTask.set(key, (ml = []));
        ml.push(m);
        break;
      }
      case 'loop-start': {
        const l = this.loop(e.track);
        l.openBusy = { t0: e.ts, t1: null };
        l.busy.push(l.openBusy);
        break;
      }
      case 'iter': {
        const l = this.loop(e.track);
        endIter(l, e.ts);
        l.iters.push({ t0: e.ts, t1: null, n: a[0], cbs: a[1] });
        if (!l.openBusy) { l.openBusy = { t0: e.ts, t1: null }; l.busy.push(l.openBusy); }
        break;
      }
      case 'poll': {
        const l = this.loop(e.track);
        endIter(l, e.ts);
        if (l.openBusy) { l.openBusy.t1 = e.ts; l.openBusy = null; }
        l.openIdle = { t0: e.ts, t1: null, timeout: a[0] };
        l.idle.push(l.openIdle);
        break;
      }
      case 'poll-end': {
        const l = this.loop(e.track);
        if (l.openIdle) { l.openIdle.t1 = e.ts; l.openIdle.nev = a[0]; l.openIdle = null; }
        l.openBusy = { t0: e.ts, t1: null };
        l.busy.push(l.openBusy);
        break;
      }
      case 'loop-stop': {
        const l = this.loop(e.track);
        endIter(l, e.ts);
        if (l.openBusy) { l.openBusy.t1 = e.ts; l.openBusy = null; }
        if (l.openIdle) { l.openIdle.t1 = e.ts; l.openIdle = null; }
        l.stopped = e.ts;
        break;
      }
      case 'track':
        if (a[0] === 2) this.worker(e.track).loop = a[2];
        else this.loop(e.track);
        break;
      case 'exec-start': {
        const w = this.worker(e.track);
        w.loop = a[1];
        const j = { t0: e.ts, t1: null, job: a[0] };
        w.jobs.push(j);
        w.open.set(a[0], j);
        break;
      }
      case 'exec-end': {
        const w = this.worker(e.track);
        const j = w.open.get(a[0]);
        if (j) { j.t1 = e.ts; j.status = a[1]; w.open.delete(a[0]); }
        break;
      }
      case 'timer-arm': {
        const t = { id: a[0], track: e.track, task: e.task, arm: e.ts, deadline: a[1], fire: null,
          late: null, cancel: null };
        this.timers.set(`${e.track}:${a[0]}`, t);
        this.timerList.push(t);
        break;
      }
      case 'timer-fire':
      case 'timer-cancel': {
        let t = this.timers.get(`${e.track}:${a[0]}`);
        if (!t) { // armed before this window opened
          t = { id: a[0], track: e.track, task: 0, arm: null, deadline: null, fire: null,
            late: null, cancel: null };
          this.timers.set(`${e.track}:${a[0]}`, t);
          this.timerList.push(t);
        }
        if (e.kind === 'timer-fire') {
          t.fire = e.ts;
          t.late = a[1];
          if (t.deadline == null) t.deadline = e.ts - a[1];
        }
        else t.cancel = e.ts;
        break;
      }
      default: break;
    }
  }

  // The span of a task at time t (or null).
  spanAt(key, t) {
    const list = this.spans.get(key);
    if (!list) return null;
    const i = firstEndingAfter(list, t, this.to);
    const s = list[i];
    return s && s.t0 <= t ? s : null;
  }

  // Time per state of a task within [a, b]: {running, ready, waiting} in ns.
  totals(key, a = this.from, b = this.to) {
    const out = { running: 0, ready: 0, waiting: 0 };
    for (const s of this.spans.get(key) ?? []) {
      const t0 = Math.max(a, s.t0), t1 = Math.min(b, s.t1 ?? b);
      if (t1 > t0) out[s.state] += t1 - t0;
    }
    return out;
  }

  // Marks sorted as the program printed them (time, then track and sequence).
  sortedMarks() { return this.marks.slice().sort(byTime); }

  // Where the timers lane puts each timer: a row so that timers of a row do not overlap.
  timerRows(maxRows = 4) {
    if (this._rowsFor === this.timerList.length) return this._rows;
    const ends = [];
    for (const t of this.timerList) {
      const t0 = t.arm ?? this.from, t1 = t.fire ?? t.cancel ?? this.to;
      let r = ends.findIndex((end) => end <= t0);
      if (r < 0) r = ends.length < maxRows ? ends.length : ends.indexOf(Math.min(...ends));
      ends[r] = t1;
      t.row = r;
    }
    this._rowsFor = this.timerList.length;
    this._rows = Math.max(1, ends.length);
    return this._rows;
  }

  covers(a, b) { return this.from <= a && b <= this.to; }
}

// Index of the first span (sorted, not overlapping) that ends after t; open spans end at `end`.
export function firstEndingAfter(list, t, end) {
  return firstNot(list, (x) => (x.t1 ?? end) < t);
}

// Index of the first item with t0 >= t (items sorted by t0).
export function firstStartingAt(list, t, field = 't0') {
  return firstNot(list, (x) => x[field] < t);
}
