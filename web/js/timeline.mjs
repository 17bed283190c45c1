// timeline.mjs: one timeline: a canvas showing one session's lanes along its axis, used by the
// main view and by each run of the compare view. It owns the view (Viewport), the lanes as
// the session's tasks, loops and workers give them (lanes.mjs), the scene a frame draws
// (render.mjs: events of a window, or summaries) with the lanes' scrollbar over it
// (scrollbar.mjs), what is under a point (hit.mjs) and the words' context (details.mjs).
// Where the data comes from is data.mjs's SessionData.

import { buildLanes } from './lanes.mjs';
import { Viewport, AXIS } from './viewport.mjs';
import { draw } from './render.mjs';
import { hitTest } from './hit.mjs';
import { drawScrollbar } from './scrollbar.mjs';
import { FONT, warmUp } from './tracks/draw.mjs';
import { COLORS } from './palette.mjs';
import { taskKey } from './model.mjs';

export class Timeline {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.vp = new Viewport();
    this.dpr = 1;
    this.data = null;
    this.axis = null;
    this.lanes = [];
    this.laneByKey = new Map();
    this.tasks = [];
    this.taskByKey = new Map();
    this.opts = { arrows: true, timers: true };
    this.cursor = null;     // on the axis
    this.range = null;      // [a, b] selected, on the axis
    this.selected = null;   // a lane key
    this.links = null;      // the selected task's await edges at the cursor (awaitlinks.mjs)
    this.hoverT = null;
    this.lastScene = null;
    this.marksFor = null;
    this.marksPartial = false;
    // how the lanes are laid out: pinned on top (the loop's by default), collapsed
    // subtrees, finished tasks hidden, tasks matching a search only
    this.pinned = new Set();
    this.pinDefaults = true;
    this.collapsed = new Set();
    this.hideFinished = false;
    this.filter = null; // task -> whether to show it
    this.barActive = false; // the scrollbar's thumb is being dragged
  }

  // Shows data along axis (its clock, or its records' order).
  setSession(data, axis) {
    this.data = data;
    this.setAxis(axis);
    this.cursor = null;
    this.selected = null;
    this.links = null;
    this.hoverT = null;
    this.lastScene = null;
    this.marksFor = null;
  }

  setAxis(axis) {
    this.axis = axis;
    this.vp.minSpan = axis.minSpan;
    this.layout();
  }

  // The canvas at w × h CSS px.
  size(w, h, dpr = window.devicePixelRatio || 1) {
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    this.dpr = dpr;
    this.vp.width = w;
    this.vp.height = h;
    this.vp.scrollBy(0);
  }

  // Tasks: the API's list, completed by what the records say (live sessions grow).
  taskList() {
    const d = this.data;
    const tasks = new Map(d.tasks.map((t) => [taskKey(t.track, t.task), { ...t }]));
    const win = d.full;
    if (win) {
      for (const [key, e] of win.created) {
        if (tasks.has(key)) continue;
        tasks.set(key, { track: e.track, task: e.task, parent: e.args[0],
          name: e.name ?? `task ${e.task}`, spawn: e.site, created_ns: e.ts });
      }
      for (const [key, e] of win.done) {
        const t = tasks.get(key);
        if (t && t.finished_ns == null) { t.finished_ns = e.ts; t.outcome = e.outcome; }
      }
    }
    return [...tasks.values()].sort((a, b) => a.created_ns - b.created_ns || a.track - b.track
      || a.task - b.task);
  }

  // The lanes, top to bottom (again when tasks, loops or workers came or went).
  layout() {
    const d = this.data;
    if (!d) return;
    this.laidOut = (this.laidOut ?? 0) + 1; // a count of layouts, for who shows the lanes
    this.tasks = this.taskList();
    this.taskByKey = new Map(this.tasks.map((t) => [taskKey(t.track, t.task), t]));
    const loops = new Set(), workers = [];
    const win = d.full;
    if (win) {
      for (const t of win.loops.keys()) loops.add(t);
      for (const [track, w] of win.workers) workers.push({ track, loop: w.loop });
    } else {
      const withTasks = new Set(this.tasks.map((t) => t.track));
      for (const track of d.tile(0, 0)?.lanes.keys() ?? []) {
        if (withTasks.has(track)) loops.add(track);
        else workers.push({ track, loop: 0 });
      }
    }
    this.axis?.sync?.();
    const placed = this.axis?.order ? this.axis.win : win; // timers pack into rows as drawn
    if (this.pinDefaults) for (const t of loops) this.pinned.add(`loop:${t}`);
    const { lanes, height, pinnedH } = buildLanes(this.tasks, [...loops], workers,
      () => (placed ? placed.timerRows() : 1),
      { pinned: this.pinned, collapsed: this.collapsed, hide: (t) => this.hidden(t) });
    this.lanes = lanes;
    this.laneByKey = new Map(lanes.map((l) => [l.key, l]));
    this.vp.contentHeight = height;
    this.vp.pinnedH = pinnedH;
    this.vp.scrollBy(0);
    this.hiddenFor = this.hideFinished ? this.finishedCount() : -1;
  }

  // How many tasks finished before the view starts: the lanes "Hide finished" leaves out
  // (when on), or would (when off); counted again only when the view's start moved.
  finishedCount() {
    if (this.finishedAt?.a !== this.vp.a || this.finishedAt.tasks !== this.tasks) {
      this.finishedAt = { a: this.vp.a, tasks: this.tasks, n: this.finishedBefore() };
    }
    return this.finishedAt.n;
  }

  // What the "Hide finished" switch says of them: "(31 hidden)", or "(31)" while it is off.
  finishedNote() {
    const n = this.finishedCount();
    return !n ? '' : this.hideFinished ? `(${n} finished hidden)` : `(${n})`;
  }

  // A task left out: finished before the view starts (when asked), or not matching a search.
  hidden(t) {
    if (this.filter && !this.filter(t)) return true;
    if (!this.hideFinished || t.finished_ns == null) return false;
    return this.axis.finishedAt(t) < this.vp.a;
  }

  // Which tasks ended before the view: when it changes, the lanes are laid out again.
  finishedBefore() {
    let n = 0;
    for (const t of this.tasks) {
      if (t.finished_ns != null && this.axis.finishedAt(t) < this.vp.a) n++;
    }
    return n;
  }

  togglePin(key) {
    this.pinDefaults = false;
    if (this.pinned.has(key)) this.pinned.delete(key); else this.pinned.add(key);
    this.layout();
  }

  toggleCollapse(key) {
    if (this.collapsed.has(key)) this.collapsed.delete(key); else this.collapsed.add(key);
    this.layout();
  }

  nameOf = (track, task) => this.taskByKey.get(taskKey(track, task))?.name ?? `task ${task}`;

  // What one frame draws: the view's events (a window, or the whole session) or summaries.
  scene() {
    const d = this.data, vp = this.vp, axis = this.axis;
    const f = d.frame(vp.a, vp.b, vp.plotW, axis);
    // a window's records end at its edge: what is open there is drawn to the edge, no further
    const part = !!f.win && f.win !== d.full && !axis.order;
    const scene = {
      vp, lanes: this.lanes, laneByKey: this.laneByKey, mode: f.mode, win: f.win, tiles: f.tiles,
      axis, end: part ? Math.min(axis.end, f.win.to) : axis.end, opts: this.opts,
      nameOf: this.nameOf, hoverT: this.hoverT, cursor: this.cursor, selected: this.selected,
      windowed: part, range: this.range ?? null, links: this.links,
    };
    if (f.mode === 'events' && f.win.timerRows) f.win.timerRows();
    if (f.mode === 'summary') scene.summaryMarks = this.summaryMarks(f.tiles);
    return scene;
  }

  // Draws a frame; returns what render.mjs counted, and the time it took.
  draw() {
    const t0 = performance.now();
    if (this.hideFinished && this.finishedCount() !== this.hiddenFor) this.layout();
    this.ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const scene = this.scene();
    this.lastScene = scene;
    const stats = draw(this.ctx, scene);
    drawScrollbar(this.ctx, this.vp, this.barActive);
    this.drawHiddenNote();
    return { scene, stats, ms: performance.now() - t0 };
  }

  // Under the last lane, when "Hide finished" hides some: how many.
  drawHiddenNote() {
    const n = this.hideFinished ? this.finishedCount() : 0;
    const y = AXIS + this.vp.contentHeight - this.vp.scrollY + 14;
    this.noteDrawn = null; // what it said last, for the tests
    if (!n || y > this.vp.height - 4) return;
    this.noteDrawn = `${n} finished task${n === 1 ? '' : 's'} hidden (Hide finished)`;
    const ctx = this.ctx;
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = COLORS.muted;
    ctx.fillText(this.noteDrawn, 8, y);
  }

  // A white canvas when there is nothing to draw (a canvas without alpha starts black); the
  // fonts made ready meanwhile (tracks/draw.mjs warmUp).
  blank() {
    this.ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    this.ctx.fillStyle = '#ffffff';
    this.ctx.fillRect(0, 0, this.vp.width, this.vp.height);
    warmUp(this.ctx);
  }

  hit(x, y) { return hitTest(this.lastScene ?? this.scene(), x, y); }

  // What the words need: names, and the clock's time of a place on the axis.
  textCtx() {
    const d = this.data, axis = this.axis;
    return {
      nameOf: this.nameOf, start: d.start, end: this.lastScene?.end ?? axis.end,
      time: (c) => axis.time(c), rel: (c) => axis.time(c) - d.start,
      dur: (c0, c1) => axis.dur(c0, c1),
      steps: axis.order ? (c0, c1) => axis.steps(c0, c1) : null,
    };
  }

  // The summary marks of the tiles in view, by task, deduplicated. A tile holding more
  // marks than the summary sends (its first 2000) shows each bucket's first mark instead,
  // with how many the bucket holds; zooming in brings them all.
  summaryMarks(tiles) {
    const ids = tiles.map((t) => `${t.level}/${t.k}`).join(',');
    if (this.marksFor === ids) return this.marks;
    const byTask = new Map(), seen = new Set();
    this.marksPartial = tiles.some((t) => t.marks.length < t.marksTotal);
    for (const t of tiles) {
      for (const m of (t.marks.length < t.marksTotal ? t.markBuckets : t.marks)) {
        const id = `${m.track}/${m.seq}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const key = taskKey(m.track, m.task);
        if (!byTask.has(key)) byTask.set(key, []);
        byTask.get(key).push(m);
      }
    }
    for (const list of byTask.values()) list.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    this.marksFor = ids;
    this.marks = byTask;
    this.marksChanged = true;
    return byTask;
  }
}
