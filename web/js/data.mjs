// data.mjs: where the timeline's data comes from, for one open session. A session small
// enough (`fullLimit` records) is read whole once: one EventWindow, exact at every zoom. A
// larger one is never read whole: zoomed out, it is drawn from the collector's summaries,
// fetched as tiles (level L splits the session into 2^L tiles of TILE_BUCKETS buckets; the
// level is the first whose buckets are at most a pixel wide), and a coarser level stands in
// for a tile not loaded yet; zoomed in far enough that the view holds at most `eventLimit`
// records (counted from the summaries), the records of the view and half a view either side
// are fetched as an EventWindow, a page of records at a time. Frames never wait for the
// network: they draw what is here and the fetches refine it, one request at a time,
// dropping those the view no longer needs; tiles and records are parsed off the main
// thread (fetchworker.mjs).
// What x runs along is the session's axis: its clock, or (read whole) its records' order.

import { allEvents, paths } from './api.mjs';
import { offThread } from './fetchworker.mjs';
import { EventWindow, firstStartingAt } from './model.mjs';
import { TimeAxis, OrderAxis } from './orderaxis.mjs';

export const TILE_BUCKETS = 1000;
const MAX_LEVEL = 40;
const MAX_WINDOWS = 6;
const PAGE = 20000;        // records a read of a window brings
const WINDOW_MAX = 100000; // records a window holds at most

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
    this.inflight = null;
    this.fetches = 0;
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
      const r = await allEvents(this.id, this.start, this.meta.status === 'live' ? null : this.meta.end_ns);
      this.full = new EventWindow(this.start, Math.max(this.meta.end_ns, this.start), r.initial, r.timers);
      this.full.add(r.events);
    } else {
      this.geometry();
      await this.loadTile(0, 0);
    }
  }

  geometry() {
    this.D = Math.max(1, this.meta.end_ns - this.start);
    this.levels = new Map();
  }

  tileRange(level, k) {
    const T = this.D / 2 ** level;
    return [this.start + Math.round(k * T), this.start + Math.round((k + 1) * T)];
  }

  async loadTile(level, k, signal) {
    const [from, to] = this.tileRange(level, k);
    let m = this.levels.get(level);
    if (!m) this.levels.set(level, (m = new Map()));
    this.fetches++;
    const tile = await offThread(paths.summary(this.id, from, to, TILE_BUCKETS), 'summary', signal);
    tile.level = level;
    tile.k = k;
    m.set(k, tile);
    return tile;
  }

  tile(level, k) { return this.levels.get(level)?.get(k) ?? null; }

  levelFor(nsPerPx) {
    const L = Math.ceil(Math.log2(this.D / (TILE_BUCKETS * Math.max(nsPerPx, 1e-9))));
    return Math.max(0, Math.min(MAX_LEVEL, L));
  }

  // The summary tiles to draw [a, b] with, each clipped to the part it stands for.
  summaryTiles(a, b, level) {
    const T = this.D / 2 ** level;
    const out = [];
    const k0 = Math.max(0, Math.floor((a - this.start) / T));
    const k1 = Math.min(2 ** level - 1, Math.floor((b - this.start) / T));
    const missing = [];
    for (let k = k0; k <= k1; k++) {
      const [from, to] = this.tileRange(level, k);
      let tile = this.tile(level, k);
      if (!tile) {
        missing.push(k);
        for (let L = level - 1; L >= 0 && !tile; L--) tile = this.tile(L, Math.floor(k / 2 ** (level - L)));
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
        for (let i = firstStartingAt(rows, b0, 0); i < rows.length && rows[i][0] <= b1; i++) n += rows[i][3];
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
    let want = null;
    if (est <= this.eventLimit) want = { kind: 'events', a, b };
    else if (missing.length) want = { kind: 'tile', level, k: missing[Math.floor(missing.length / 2)] };
    this.request(want);
    return { mode: 'summary', tiles, level, estimate: est };
  }

  request(want) {
    const same = (x, y) => x && y && x.kind === y.kind && (x.kind === 'tile' ? x.level === y.level && x.k === y.k : true);
    if (this.inflight) {
      if (same(this.inflight.want, want)) return;
      if (this.inflight.want.kind === 'tile' && want?.kind === 'tile' && this.inflight.want.level === want.level) return;
      this.inflight.ctl.abort();
      this.inflight = null;
    }
    if (!want) return;
    const ctl = new AbortController();
    const job = { want, ctl };
    this.inflight = job;
    const run = want.kind === 'tile' ? this.loadTile(want.level, want.k, ctl.signal) : this.loadWindow(want.a, want.b, ctl.signal);
    run.then(() => {
      if (this.inflight === job) this.inflight = null;
      this.onChange();
    }, (err) => {
      if (this.inflight === job) this.inflight = null;
      if (err.name !== 'AbortError') { console.warn('looptrace: fetch failed', err); this.onChange(err); }
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
    this.fetches++;
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
    this.loadTile(0, 0).then(() => this.onChange(), () => {});
  }

  // A task's time running / scheduled / waiting over the whole session.
  totals(key) {
    if (this.full) return this.full.totals(key, this.start, this.end);
    const out = { running: 0, ready: 0, waiting: 0 };
    for (const r of this.tile(0, 0)?.tasks.get(key) ?? []) {
      out.running += r[1]; out.ready += r[2]; out.waiting += r[3];
    }
    return out;
  }
}
