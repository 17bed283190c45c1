// data.mjs: where the timeline's data comes from, for one open session. A session small
// enough (`fullLimit` records) is read whole once: one EventWindow, exact at every zoom. A
// larger one is never read whole: zoomed out, it is drawn from the collector's summaries,
// fetched as tiles (level L splits the session into 2^L tiles of TILE_BUCKETS buckets; the
// level is the first whose buckets are at most a pixel wide), and a coarser level stands in
// for a tile not loaded yet; zoomed in far enough that the view holds at most `eventLimit`
// records (counted from the summaries), the records of the view and half a view either side
// are fetched as an EventWindow, a page of records at a time. Frames never wait for the
// network: they draw what is here and the fetches refine it, dropping those the view no
// longer needs. The view's missing tiles are read together; once the view has all its own,
// the tiles a next wheel notch or pan would want are read ahead (prefetch: the finer level
// over the view, this level half a view either side, the coarser one a view either side),
// so that the notch finds them here. Tiles and records are parsed off the main thread
// (fetchworker.mjs).
// What x runs along is the session's axis: its clock, or (read whole) its records' order.

import { allEvents, paths } from './api.mjs';
import { offThread } from './fetchworker.mjs';
import { EventWindow } from './model.mjs';
import { firstRow, sumsAt } from './tracks/summary.mjs';
import { TimeAxis, OrderAxis } from './orderaxis.mjs';

export const TILE_BUCKETS = 1000;
const MAX_LEVEL = 40;
const MAX_WINDOWS = 6;
const PAGE = 20000;        // records a read of a window brings
const WINDOW_MAX = 100000; // records a window holds at most
const AHEAD = 8;           // tiles read ahead at once, at most (a view holds 2-4 of a level)
const tileKey = (level, k) => `${level}:${k}`;
// fn once the page is idle (at most 200 ms on); at once where there is no such thing (node)
const whenIdle = (fn) => (typeof requestIdleCallback === 'function'
  ? requestIdleCallback(fn, { timeout: 200 }) : fn());

export class SessionData {
  constructor(meta, tasks, { fullLimit = 200000, eventLimit = 40000, onChange = () => {} } = {}) {
    this.meta = meta;
    this.tasks = tasks;
    this.fullLimit = fullLimit;
    this.eventLimit = eventLimit;
    this.onChange = onChange;
    this.full = null;
    this.levels = new Map();
    this.windows = [];
    this.loads = new Map();  // tiles being read, by tileKey: {level, k, ctl, ahead}
    this.job = null;         // the events window being read: {a, b, ctl}
    this.ahead = null;       // the view the tiles read ahead are for: {a, b, level}
    this.fetches = 0;        // reads the view needed
    this.prefetches = 0;     // tiles read ahead of need
  }

  // Something the view needs is being read (a frame drawn now is not the last for it).
  get inflight() {
    if (this.job) return true;
    for (const l of this.loads.values()) if (!l.ahead) return true;
    return false;
  }

  get id() { return this.meta.id; }
  get start() { return this.meta.start_ns; }
  get end() {
    const e = this.full ? Math.max(this.full.maxTs, this.meta.end_ns) : this.meta.end_ns;
    return Math.max(e, this.start + 1);
  }
  get tiled() { return !this.full; }

  // The axis x runs along: the records' order when asked for and the session is read whole
  // (built once, then kept up with live records), else the clock.
  axis(order) {
    if (order && this.full) return (this.orderAxis ??= new OrderAxis(this.full, this.start));
    return (this.timeAxis ??= new TimeAxis(this));
  }

  async open() {
    if (this.meta.events <= this.fullLimit) {
      const live = this.meta.status === 'live';
      const r = await allEvents(this.id, this.start, live ? null : this.meta.end_ns);
      this.full = new EventWindow(this.start, Math.max(this.meta.end_ns, this.start), r.initial,
        r.timers);
      this.full.add(r.events);
    } else {
      this.geometry();
      await this.loadTile(0, 0).done;
    }
  }

  // The tiles' grid, for the session's extent now: what was read for another is dropped.
  geometry() {
    this.D = Math.max(1, this.meta.end_ns - this.start);
    this.levels = new Map();
    for (const l of this.loads.values()) l.ctl.abort();
    this.loads.clear();
    this.ahead = null;
  }

  tileRange(level, k) {
    const T = this.D / 2 ** level;
    return [this.start + Math.round(k * T), this.start + Math.round((k + 1) * T)];
  }

  // Reads tile k of level unless it is here or being read; ahead: read ahead of need (a
  // later need makes it needed: one read serves both). The load, or null.
  loadTile(level, k, ahead = false) {
    if (this.tile(level, k)) return null;
    const key = tileKey(level, k);
    const busy = this.loads.get(key);
    if (busy) { if (!ahead) busy.ahead = false; return busy; }
    const [from, to] = this.tileRange(level, k);
    const l = { level, k, ctl: new AbortController(), ahead };
    if (ahead) this.prefetches++; else this.fetches++;
    this.loads.set(key, l);
    const levels = this.levels;
    l.done = offThread(paths.summary(this.id, from, to, TILE_BUCKETS), 'summary', l.ctl.signal)
      .then((tile) => {
        tile.level = level;
        tile.k = k;
        let m = levels.get(level);
        if (!m) levels.set(level, (m = new Map()));
        m.set(k, tile);
        return tile;
      }).finally(() => { if (this.loads.get(key) === l) this.loads.delete(key); });
    return l;
  }

  // Reads the tiles ks of level together (or ahead of need).
  loadTiles(level, ks, ahead = false) {
    for (const k of ks) {
      const l = this.loadTile(level, k, ahead);
      if (l) this.watch(l);
    }
  }

  // Once a load ends: a needed tile redraws (or says why it failed); one read ahead reads on.
  watch(l) {
    if (l.watched) return;
    l.watched = true;
    l.done.then(() => (l.ahead ? this.readAhead() : this.onChange()), (err) => {
      if (err.name === 'AbortError' || l.ahead) return;
      console.warn('looptrace: fetch failed', err);
      this.onChange(err);
    });
  }

  // The first and last tile of level over [a, b].
  tilesOver(a, b, level) {
    const T = this.D / 2 ** level;
    return [Math.max(0, Math.floor((a - this.start) / T)),
      Math.min(2 ** level - 1, Math.floor((b - this.start) / T))];
  }

  // Tiles of level over [a, b] not here.
  missingOf(a, b, level) {
    if (level < 0 || level > MAX_LEVEL) return [];
    const [k0, k1] = this.tilesOver(a, b, level);
    const out = [];
    for (let k = k0; k <= k1; k++) if (!this.tile(level, k)) out.push(k);
    return out;
  }

  // Reads ahead for this.ahead, the view {a, b, level} of the last frame that had all it
  // needed: a batch at a time, at most AHEAD tiles, finer level first; a tile the view came to
  // need meanwhile is needed now and no longer read ahead.
  readAhead() {
    const view = this.ahead;
    if (!view) return;
    for (const l of this.loads.values()) if (l.ahead) return; // one batch at a time
    const { a, b, level } = view, span = b - a;
    const want = [[level + 1, a, b], [level, a - span / 2, b + span / 2],
      [level - 1, a - span, b + span]];
    for (const [L, lo, hi] of want) {
      const ks = this.missingOf(lo, hi, L).slice(0, AHEAD);
      if (!ks.length) continue;
      this.loadTiles(L, ks, true);
      return;
    }
  }

  tile(level, k) { return this.levels.get(level)?.get(k) ?? null; }

  levelFor(nsPerPx) {
    const L = Math.ceil(Math.log2(this.D / (TILE_BUCKETS * Math.max(nsPerPx, 1e-9))));
    return Math.max(0, Math.min(MAX_LEVEL, L));
  }

  // The summary tiles to draw [a, b] with, each clipped to the part it stands for.
  summaryTiles(a, b, level) {
    const out = [];
    const [k0, k1] = this.tilesOver(a, b, level);
    const missing = [];
    for (let k = k0; k <= k1; k++) {
      const [from, to] = this.tileRange(level, k);
      let tile = this.tile(level, k);
      if (!tile) {
        missing.push(k);
        for (let L = level - 1; L >= 0 && !tile; L--)
          tile = this.tile(L, Math.floor(k / 2 ** (level - L)));
      }
      if (tile) out.push({ ...tile, clipFrom: from, clipTo: to });
    }
    return { tiles: out, missing };
  }

  // An upper bound of the records in [a, b], from the finest summary at hand.
  estimate(tiles, a, b) {
    let n = 0;
    for (const t of tiles) {
      const lo = Math.max(a, t.clipFrom), hi = Math.min(b, t.clipTo);
      if (hi < lo) continue;
      const b0 = Math.floor((lo - t.from) / t.bw), b1 = Math.floor((hi - t.from) / t.bw);
      for (const rows of t.lanes.values())
        for (let i = firstRow(rows, b0); i < rows.n && rows.v[i * rows.s] <= b1; i++)
          n += rows.v[i * rows.s + 3];
    }
    return n;
  }

  windowFor(a, b) {
    const lo = Math.max(a, this.start), hi = Math.min(b, this.end);
    const i = this.windows.findIndex((w) => w.from <= lo && hi <= w.to);
    if (i < 0) return null;
    const w = this.windows[i];
    if (i) { this.windows.splice(i, 1); this.windows.unshift(w); }
    return w;
  }

  // What to draw for [a, b] (on axis) over px pixels: {mode: 'events', win} or {mode:
  // 'summary', tiles}; starts the fetch that would refine it.
  frame(a, b, px, axis = null) {
    if (axis?.order) { axis.sync(); return { mode: 'events', win: axis.win }; }
    if (this.full) return { mode: 'events', win: this.full };
    const level = this.levelFor((b - a) / px);
    const { tiles, missing } = this.summaryTiles(a, b, level);
    const win = this.windowFor(a, b);
    if (win) return { mode: 'events', win, tiles };
    const est = this.estimate(tiles, a, b);
    if (est <= this.eventLimit) this.need({ kind: 'events', a, b });
    else this.need(missing.length ? { kind: 'tiles', level, ks: missing } : null);
    // all of the view is here: read ahead what its next notch or pan would want, once the
    // page is idle (the frame drawn: its reads and parsing must not take the frame's core);
    // not while live (its tiles are made again as it grows: the reads would be for nothing,
    // and a live session's summaries are replays, beside the traced program on its cores)
    if (est > this.eventLimit && !missing.length && this.meta.status !== 'live') {
      this.ahead = { a, b, level };
      if (!this.aheadQueued) {
        this.aheadQueued = true;
        whenIdle(() => { this.aheadQueued = false; this.readAhead(); });
      }
    } else this.ahead = null;
    return { mode: 'summary', tiles, level, estimate: est };
  }

  // What the view needs read (null: nothing): the reads it no longer needs are dropped (tiles
  // of other levels, an events window), those read ahead for a view gone too.
  need(want) {
    const keep = (l) => want?.kind === 'tiles' && (l.level === want.level
      || (l.ahead && Math.abs(l.level - want.level) <= 1));
    for (const [key, l] of this.loads) {
      if (want?.kind === 'events' || (!keep(l) && (want || !l.ahead))) {
        l.ctl.abort();
        this.loads.delete(key);
      }
    }
    if (this.job && !(want?.kind === 'events')) { this.job.ctl.abort(); this.job = null; }
    if (!want) return;
    if (want.kind === 'tiles') { this.loadTiles(want.level, want.ks); return; }
    if (this.job) return; // one window at a time: it is for about this view
    const job = { ctl: new AbortController() };
    this.job = job;
    this.fetches++;
    this.loadWindow(want.a, want.b, job.ctl.signal).then(() => {
      if (this.job === job) this.job = null;
      this.onChange();
    }, (err) => {
      if (this.job === job) this.job = null;
      if (err.name === 'AbortError') return;
      console.warn('looptrace: fetch failed', err);
      this.onChange(err);
    });
  }

  // The records of the view and half a view either side, read a page at a time, parsed off
  // the main thread and applied a slice per task (fetchworker.mjs: one page parsed and
  // applied at once blocked the page for 150-450 ms), at most WINDOW_MAX of them; the window
  // is used once complete.
  async loadWindow(a, b, signal) {
    const span = b - a;
    const from = Math.max(this.start, Math.floor(a - span / 2));
    const to = Math.min(this.end, Math.ceil(b + span / 2));
    let w = null;
    const onSlice = (events, head) => {
      w ??= new EventWindow(from, to, head.initial, head.timers);
      if (!signal?.aborted) w.add(events);
    };
    let n = 0, at = from;
    for (;;) {
      const r = await offThread(paths.events(this.id, at, to, PAGE), 'events', signal, onSlice);
      w ??= new EventWindow(from, to, r.initial, r.timers);
      n += r.kept;
      if (r.complete) break;
      if (n >= WINDOW_MAX) { w.to = r.next_from - 1; break; }
      at = r.next_from;
    }
    this.windows.unshift(w);
    if (this.windows.length > MAX_WINDOWS) this.windows.pop();
  }

  // Live records of a session read whole.
  addLive(events) { if (this.full) this.full.add(events); }

  // A live session that is summarised: its tiles are redone on the new extent.
  extend(meta) {
    const grew = meta.end_ns !== this.meta.end_ns || meta.events !== this.meta.events;
    this.meta = meta;
    if (this.full) { if (meta.end_ns > this.full.to) this.full.to = meta.end_ns; return; }
    if (!grew) return;
    const now = performance.now();
    if (this.lastRegrid && now - this.lastRegrid < 1000 && meta.status === 'live') return;
    this.lastRegrid = now;
    this.geometry();
    this.windows = [];
    this.loadTiles(0, [0]);
  }

  // A task's time running / scheduled / waiting over the whole session.
  totals(key) {
    if (this.full) return this.full.totals(key, this.start, this.end);
    const tile = this.tile(0, 0);
    if (!tile) return { running: 0, ready: 0, waiting: 0 };
    const { running, ready, waiting } = sumsAt({ tiles: [{ ...tile, clipFrom: tile.from,
      clipTo: tile.to }] }, { kind: 'task', key }, tile.from, tile.to);
    return { running, ready, waiting };
  }
}
