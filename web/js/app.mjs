// app.mjs: the page: the session list (kept current over the websocket), opening a session
// (#session=N), the frame loop that redraws the canvas when something changed, hover and
// selection panels, the inspector at the cursor, live following, the axis x runs along (the
// clock, or the records' order: orderaxis.mjs; the "Event order" switch), and
// window.looptrace: the state the page shows, as data, for tests, the benchmark and anyone
// curious.
// URL options: ?fullLimit=N (read sessions of at most N records whole), ?eventLimit=N.

import { api, Socket } from './api.mjs';
import { SessionData } from './data.mjs';
import { buildLanes } from './lanes.mjs';
import { Viewport, GUTTER, AXIS } from './viewport.mjs';
import { draw } from './render.mjs';
import { hitTest } from './hit.mjs';
import { loopStateAt } from './inspector.mjs';
import { EventWindow, taskKey } from './model.mjs';
import { tooltipHTML, taskPanelHTML, inspectorHTML } from './details.mjs';
import { renderSessionList, sessionName } from './sessions.mjs';
import { attachInputs } from './interact.mjs';
import { legend } from './palette.mjs';
import { fmtDur, fmtCount, esc } from './format.mjs';
import { updateMirror } from './mirror.mjs';
import { CompareView, compareIds } from './compare.mjs';
import { StoreBanner } from './storebanner.mjs';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const limits = {
  fullLimit: Number(params.get('fullLimit') ?? 200000),
  eventLimit: Number(params.get('eventLimit') ?? 40000),
};

class App {
  constructor() {
    this.canvas = $('timeline');
    this.ctx = this.canvas.getContext('2d', { alpha: false });
    this.vp = new Viewport();
    this.sessions = new Map();
    this.data = null;
    this.axis = null;          // what x runs along: data.axis(order)
    this.lanes = [];
    this.laneByKey = new Map();
    this.opts = { arrows: true, timers: true, follow: true };
    this.hoverT = null;
    this.cursor = null;
    this.selected = null;
    this.frameMs = [];
    this.lastStats = {};
    this.pending = false;
    this.openSeq = 0;
    this.state = { ready: false, session: null, frames: 0 };
    window.looptrace = this.hook();
    this.compare = new CompareView(this); // #compare=A,B,...: compare.mjs
  }

  // ---- the session list ----
  async start() {
    $('legend').innerHTML = legend().map((l) =>
      `<span><i class="${l.style === 'hatch' ? 'hatch' : l.style}" style="${l.style === 'hatch' ? '' : `background:${l.color}`}"></i>${esc(l.label)}</span>`).join('')
      + '<span><i style="background:#000;width:2px"></i>mark (a printed line)</span><span>→ wake-up (waker to woken)</span>';
    this.socket = new Socket();
    this.storeBanner = new StoreBanner(this.socket); // a full disk, records lost
    this.socket.on((m) => this.onPush(m));
    this.socket.onopen.add(() => this.resubscribe());
    attachInputs(this.canvas, this);
    this.resize();
    if (/session=\d+/.test(location.hash)) this.route(); // no need to wait for the list
    const { sessions } = await api.sessions();
    for (const s of sessions) this.sessions.set(s.id, s);
    this.renderSessions();
    new ResizeObserver(() => this.resize()).observe($('canvas-box'));
    for (const k of ['arrows', 'timers', 'follow']) {
      $(k).addEventListener('change', () => {
        this.opts[k] = $(k).checked;
        if (k === 'follow' && this.opts.follow) this.followNow();
        this.changed('opts');
      });
    }
    $('order').addEventListener('change', () => this.setOrder($('order').checked));
    $('compare-open').addEventListener('click', () => { location.hash = `#compare=${this.data?.id ?? ''}`; });
    $('fit').addEventListener('click', () => this.fit());
    $('zoom-in').addEventListener('click', () => { this.vp.zoom(0.6); this.changed('zoom'); });
    $('zoom-out').addEventListener('click', () => { this.vp.zoom(1 / 0.6); this.changed('zoom'); });
    $('toggle-sessions').addEventListener('click', () => {
      const hidden = $('sessions').classList.toggle('hidden');
      $('toggle-sessions').setAttribute('aria-expanded', String(!hidden));
    });
    window.addEventListener('hashchange', () => this.route());
    this.route();
  }

  renderSessions() {
    renderSessionList($('session-list'), $('sessions-empty'), this.sessions, this.data?.id);
    this.storeBanner?.sessions(this.sessions);
    this.compare.sessionsChanged();
  }

  route() {
    const compared = compareIds(location.hash);
    if (compared) return this.compare.show(compared);
    this.compare.hide();
    const m = /session=(\d+)/.exec(location.hash);
    let id = m ? Number(m[1]) : null;
    if (id == null && this.sessions.size) {
      // nothing chosen: the newest live session, else the newest one
      const all = [...this.sessions.values()].sort((a, b) => b.id - a.id);
      id = (all.find((s) => s.status === 'live') ?? all[0]).id;
    }
    if (id != null && id !== this.data?.id && id !== this.openingId) this.open(id);
  }

  onPush(m) {
    if (m.type === 'session') {
      this.sessions.set(m.session, m.row);
      this.renderSessions();
      if (this.data && m.session === this.data.id) this.sessionProgress(m.row);
      else if (!this.data && !/session=/.test(location.hash)) this.route();
    } else if (m.type === 'session_deleted') {
      this.sessions.delete(m.session);
      this.renderSessions();
    } else if (m.type === 'events' && this.data && m.session === this.data.id) {
      this.liveEvents(m.events);
    } else if (m.type === 'resync' && this.data && m.session === this.data.id) {
      this.resubscribe(true);
    }
  }

  // ---- one session ----
  async open(id) {
    const seq = ++this.openSeq;
    this.openingId = id;
    const t0 = performance.now();
    this.state = { ready: false, session: id, frames: 0 };
    $('status').textContent = 'loading…';
    try {
      const [{ session }, { tasks }] = await Promise.all([api.session(id), api.tasks(id)]);
      if (seq !== this.openSeq) return;
      const data = new SessionData(session, tasks, { ...limits, onChange: (err) => this.changed(err ? 'error' : 'data') });
      await data.open();
      if (seq !== this.openSeq) return;
      if (this.data) this.socket.ask('unsubscribe', { session: this.data.id });
      this.data = data;
      this.cursor = null;
      this.selected = null;
      this.hoverT = null;
      // many records share a time under the virtual clock: there x is their order
      this.axis = data.axis(session.clock === 'virtual');
      this.vp.minSpan = this.axis.minSpan;
      this.renderOrderToggle();
      this.rebuildLanes();
      this.vp.setLimits(this.axis.start, this.axis.end);
      this.vp.scrollY = 0;
      this.fit(false);
      this.liveFit = session.status === 'live';
      if (this.opts.follow) this.followNow();
      $('details').innerHTML = '<p class="muted">Click a task\'s lane to see its totals and events.</p>';
      this.renderTitle();
      this.renderSessions();
      this.subscribe();
      this.openMs = performance.now() - t0;
      this.state.openMs = this.openMs;
      this.changed('open');
    } catch (err) {
      if (seq === this.openSeq) $('status').textContent = `could not open session ${id}: ${err.message}`;
    } finally {
      if (seq === this.openSeq) this.openingId = null;
    }
  }

  renderTitle() {
    const s = this.data.meta;
    $('title').innerHTML = `<b>${esc(sessionName(s))}</b> <span class="muted">#${s.id} · ${fmtDur(s.end_ns - s.start_ns)} · ${fmtCount(s.events)} events · ${s.tasks} tasks</span><span class="badge ${esc(s.status)}">${esc(s.status)}</span>`;
  }

  subscribe() {
    const d = this.data;
    if (!d || d.meta.status !== 'live' || !d.full) return;
    const fromSeq = 0;
    this.socket.ask('subscribe', { session: d.id, from_seq: fromSeq }).then((r) => {
      if (!r.ok) console.warn('looptrace: subscribe failed', r.error);
    });
  }

  resubscribe() { if (this.data?.meta.status === 'live') this.subscribe(); }

  liveEvents(events) {
    const d = this.data;
    d.addLive(events);
    if (events.some((e) => e.kind === 'create' || e.kind === 'done' || e.kind === 'track' || e.kind === 'timer-arm')) this.rebuildLanes();
    this.vp.setLimits(this.axis.start, Math.max(this.axis.end, this.vp.limits[1]));
    if (this.opts.follow) this.followNow();
    this.changed('live');
  }

  sessionProgress(row) {
    const d = this.data;
    const wasLive = d.meta.status === 'live';
    d.extend(row);
    this.vp.setLimits(this.axis.start, Math.max(this.axis.end, row.status === 'live' ? this.vp.limits[1] : 0));
    if (d.tiled && !d.full) this.rebuildLanes();
    if (this.opts.follow && wasLive) this.followNow();
    this.renderTitle();
    if (wasLive && row.status !== 'live') api.tasks(d.id).then(({ tasks }) => { d.tasks = tasks; this.rebuildLanes(); this.changed('data'); });
    this.changed('live');
  }

  // Keeps the newest records in view. Until the user zooms, the view shows the whole run so
  // far (in time at least 1 s, at most the last 30 s; in order at least 200 steps, at most
  // the last 20,000); after, it keeps the width they chose.
  followNow() {
    const d = this.data;
    if (!d || d.meta.status !== 'live') return;
    const { start, end, followSpan: [least, most] } = this.axis;
    const span = this.liveFit ? Math.min(most, Math.max(least, (end - start) * 1.05)) : this.vp.span;
    this.vp.setLimits(start, Math.max(end, start + span));
    if (end - start <= span * 0.97) this.vp.set(start - span * 0.01, start + span * 0.99);
    else this.vp.set(end - span * 0.97, end + span * 0.03);
  }

  // Tasks: the API's list, completed by what the records say (live sessions grow).
  taskList() {
    const d = this.data;
    const tasks = new Map(d.tasks.map((t) => [taskKey(t.track, t.task), { ...t }]));
    const win = d.full;
    if (win) {
      for (const [key, e] of win.created) if (!tasks.has(key))
        tasks.set(key, { track: e.track, task: e.task, parent: e.args[0], name: e.name ?? `task ${e.task}`, spawn: e.site, created_ns: e.ts });
      for (const [key, e] of win.done) { const t = tasks.get(key); if (t && t.finished_ns == null) { t.finished_ns = e.ts; t.outcome = e.outcome; } }
    }
    return [...tasks.values()].sort((a, b) => a.created_ns - b.created_ns || a.track - b.track || a.task - b.task);
  }

  rebuildLanes() {
    const d = this.data;
    this.tasks = this.taskList();
    this.taskByKey = new Map(this.tasks.map((t) => [taskKey(t.track, t.task), t]));
    const loops = new Set(), workers = [];
    const win = d.full;
    if (win) {
      for (const t of win.loops.keys()) loops.add(t);
      for (const [track, w] of win.workers) workers.push({ track, loop: w.loop });
    } else {
      const tile = d.tile(0, 0);
      const withTasks = new Set(this.tasks.map((t) => t.track));
      for (const track of tile?.lanes.keys() ?? []) (withTasks.has(track) ? loops.add(track) : workers.push({ track, loop: 0 }));
    }
    this.axis?.sync();
    const placed = this.axis?.order ? this.axis.win : win; // timers pack into rows as drawn
    const rows = (track) => (placed ? placed.timerRows() : 1);
    const { lanes, height } = buildLanes(this.tasks, [...loops], workers, rows);
    this.lanes = lanes;
    this.laneByKey = new Map(lanes.map((l) => [l.key, l]));
    this.vp.contentHeight = height;
    this.mirrorDirty = true;
  }

  nameOf = (track, task) => this.taskByKey?.get(taskKey(track, task))?.name ?? `task ${task}`;

  fit(redraw = true) {
    if (!this.data) return;
    this.vp.setLimits(this.axis.start, this.axis.end);
    this.vp.fit();
    if (redraw) this.changed('fit');
  }

  // ---- drawing ----
  resize() {
    const box = $('canvas-box');
    const dpr = window.devicePixelRatio || 1;
    const w = box.clientWidth, h = box.clientHeight;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    this.dpr = dpr;
    this.vp.width = w;
    this.vp.height = h;
    this.vp.scrollBy(0);
    this.changed('resize');
  }

  // Something changed: draw on the next animation frame. manual: the user moved the view.
  changed(why, manual = false) {
    if (manual && this.opts.follow && this.data?.meta.status === 'live') {
      this.opts.follow = false;
      $('follow').checked = false;
    }
    if (why === 'zoom') this.liveFit = false;
    if (why === 'data' || why === 'live' || why === 'open') this.mirrorDirty = true;
    if (why !== 'scroll' && why !== 'opts' && why !== 'hover') this.inspectorDirty = true;
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.frame(); });
  }

  scene() {
    const d = this.data;
    const f = d.frame(this.vp.a, this.vp.b, this.vp.plotW, this.axis);
    const scene = {
      vp: this.vp, lanes: this.lanes, laneByKey: this.laneByKey, mode: f.mode, win: f.win, tiles: f.tiles,
      axis: this.axis, end: this.axis.end, opts: this.opts, nameOf: this.nameOf, hoverT: this.hoverT,
      cursor: this.cursor, selected: this.selected?.key ?? null,
    };
    if (f.mode === 'events' && f.win.timerRows) f.win.timerRows();
    if (f.mode === 'summary') scene.summaryMarks = summaryMarks(f.tiles, this);
    return scene;
  }

  frame() {
    if (!this.data) return;
    const t0 = performance.now();
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const scene = this.scene();
    this.lastScene = scene;
    const stats = draw(ctx, scene);
    const ms = performance.now() - t0;
    this.frameMs.push(ms);
    if (this.frameMs.length > 2000) this.frameMs.splice(0, 1000);
    this.lastStats = { ...stats, ms, mode: scene.mode };
    const d = this.data;
    $('status').textContent = `${scene.mode === 'events' ? 'every event' : `summaries (level ${scene.tiles?.[0]?.level ?? 0})${this.marksPartial ? ', marks thinned to one per bucket: zoom in for all' : ''}`} · ${stats.spans} drawn in ${ms.toFixed(1)} ms${d.inflight ? ' · loading…' : ''}`;
    if (this.mirrorDirty && !this.mirrorQueued) {
      // the text mirror is rewritten after the frame, off the drawing path
      this.mirrorQueued = true;
      setTimeout(() => {
        this.mirrorQueued = false;
        if (!this.mirrorDirty || !this.lastScene) return;
        this.mirrorDirty = false;
        this.updateMirror(this.lastScene);
      }, 0);
    }
    if (this.inspectorDirty) { this.inspectorDirty = false; this.updateInspector(); }
    this.state.frames++;
    this.state.mode = scene.mode;
    this.state.view = { from: this.vp.a, to: this.vp.b };
    this.state.arrows = stats.arrows;
    this.state.lastFrameMs = ms;
    this.state.loading = !!d.inflight;
    this.state.end = this.axis.end;
    this.state.axis = this.axis.order ? 'order' : 'time';
    this.state.status = d.meta.status;
    this.state.follow = this.opts.follow;
    if (!this.state.ready) { this.state.ready = true; this.state.readyMs = performance.now(); }
  }

  updateMirror(scene) {
    const marks = scene.mode === 'events' ? scene.win.sortedMarks() : [...(scene.summaryMarks?.values() ?? [])].flat().sort((a, b) => a.ts - b.ts || a.track - b.track || a.seq - b.seq);
    const lanes = this.lanes.map((l) => ({ key: l.key, kind: l.kind, name: l.name, depth: l.depth }));
    this.state.lanes = lanes;
    this.state.marks = marks.map((m) => ({ text: m.text, ts: this.axis.time(m.ts), at: m.ts, task: taskKey(m.track, m.task) }));
    updateMirror($('lane-list'), $('mark-list'), lanes, marks, this, this.axis);
  }

  // ---- pointer ----
  hoverAt(x, y) {
    if (!this.data || x == null) { this.hoverT = null; this.hideTooltip(); this.changed('hover'); return; }
    const scene = this.lastScene ?? this.scene();
    const hit = hitTest(scene, x, y);
    this.hoverT = x > GUTTER && y > AXIS ? this.vp.t(x) : null;
    this.hover = hit;
    const html = tooltipHTML(hit, this.textCtx());
    const tip = $('tooltip');
    if (!html) tip.hidden = true;
    else {
      tip.innerHTML = html;
      tip.hidden = false;
      const box = $('canvas-box');
      const w = tip.offsetWidth, h = tip.offsetHeight;
      tip.style.left = `${Math.min(x + 14, box.clientWidth - w - 4)}px`;
      tip.style.top = `${y + 16 + h > box.clientHeight ? y - h - 8 : y + 16}px`;
    }
    this.state.hover = hit?.item ? { lane: hit.lane.key, type: hit.item.type, text: tip.textContent } : null;
    this.changed('hover');
  }

  hideTooltip() { $('tooltip').hidden = true; }

  clickAt(x, y) {
    if (!this.data) return;
    const scene = this.lastScene ?? this.scene();
    const hit = hitTest(scene, x, y);
    if (x > GUTTER && y > AXIS) this.setCursor(this.vp.t(x));
    this.select(hit?.lane?.kind === 'task' ? hit.lane : null);
  }

  // What the words need: names, and the clock's time of a place on the axis.
  textCtx() {
    const d = this.data, axis = this.axis;
    return {
      nameOf: this.nameOf, start: d.start, end: axis.end,
      time: (c) => axis.time(c), rel: (c) => axis.time(c) - d.start, dur: (c0, c1) => axis.dur(c0, c1),
      steps: axis.order ? (c0, c1) => axis.steps(c0, c1) : null,
    };
  }

  // The "Event order" switch: on for the order axis; only sessions read whole have one.
  renderOrderToggle() {
    const d = this.data;
    $('order').checked = this.axis.order;
    $('order').disabled = !d.full;
    $('order-box').title = d.full
      ? 'x is the order of the records, one step each, instead of time: for sessions whose records share timestamps (the virtual clock)'
      : `Event order needs the whole session read: this one has ${fmtCount(d.meta.events)} records, more than the ${fmtCount(d.fullLimit)} read whole, so it is drawn from summaries, in time`;
  }

  // Switches x between time and the records' order, keeping what was in view (or the whole
  // session when it was all in view, or when the view would shrink to nothing) and the cursor.
  setOrder(on) {
    const d = this.data;
    if (!d) return;
    const old = this.axis, next = d.axis(on);
    if (next !== old) {
      const vp = this.vp;
      const whole = vp.a <= old.start && vp.b >= old.end;
      const a = next.coord(old.time(vp.a)), b = next.coord(old.time(vp.b));
      if (this.cursor != null) this.cursor = next.coord(old.time(this.cursor));
      this.hoverT = null;
      this.hideTooltip();
      this.axis = next;
      vp.minSpan = next.minSpan;
      vp.setLimits(next.start, next.end);
      this.rebuildLanes();
      if (whole || !(b - a >= next.minSpan)) vp.fit(); else vp.set(a, b);
      if (this.opts.follow) this.followNow();
      if (this.selected) this.select(this.laneByKey.get(this.selected.key) ?? null);
    }
    this.renderOrderToggle();
    this.changed('axis');
  }

  select(lane) {
    this.selected = lane;
    const details = $('details');
    if (!lane) {
      details.innerHTML = '<p class="muted">Click a task\'s lane to see its totals and events.</p>';
      this.state.selected = null;
    } else {
      const d = this.data;
      const totals = d.totals(lane.key);
      const win = this.axis.order ? this.axis.win : d.full ?? this.lastScene?.win;
      const events = win ? (win.byTask.get(lane.key) ?? []) : null;
      details.innerHTML = taskPanelHTML(lane, this.taskByKey.get(lane.key), totals, events, this.textCtx());
      this.state.selected = { key: lane.key, name: lane.name, totals };
    }
    this.changed('select');
  }

  setCursor(t) {
    this.cursor = t;
    this.inspectorDirty = true;
    this.changed('cursor');
  }

  async updateInspector() {
    const body = $('inspector-body');
    const d = this.data;
    if (this.cursor == null || !d) { body.innerHTML = inspectorHTML(null); this.state.inspector = null; return; }
    const t = this.cursor;
    let win = this.axis.order ? this.axis.win : d.full;
    if (!win) {
      win = d.windows.find((w) => w.from <= t && t <= w.to);
      if (!win) {
        const r = await api.events(d.id, t, t, 1);
        win = new EventWindow(t, t, r.initial, r.timers);
        win.add(r.events.filter((e) => e.ts <= t));
      }
    }
    if (this.cursor !== t) return;
    win.sessionStart = d.start;
    const st = loopStateAt(win, t);
    body.innerHTML = inspectorHTML(st, this.textCtx());
    const nm = (key) => this.nameOf(...key.split(':').map(Number));
    this.state.inspector = {
      t, running: st.running ? nm(st.running.key) : null,
      ready: st.ready.map((r) => nm(r.key)),
      timers: st.timers.map((x) => ({ id: x.id, deadline: x.deadline })),
      waiting: st.waiting.map((w) => ({ task: nm(w.key), reason: w.reason })),
      partial: st.partial,
    };
  }

  // ---- window.looptrace ----
  hook() {
    const app = this;
    return {
      get state() { return app.state; },
      app,
      // the view, the cursor and x are in the axis' units: ns, or steps in event order
      axis: {
        get mode() { return app.axis?.order ? 'order' : 'time'; },
        set: (order) => app.setOrder(order),
        coord: (t) => app.axis.coord(t),
        time: (c) => app.axis.time(c),
      },
      // a lane's spans as drawn: state, place on the axis, x in canvas px, the clock's times
      spans: (key) => {
        const scene = app.lastScene;
        if (!scene?.win) return null;
        const end = scene.end;
        return (scene.win.spans.get(key) ?? []).map((s) => ({
          state: s.state, reason: s.reason ?? null, at0: s.t0, at1: s.t1 ?? end,
          x0: app.vp.x(s.t0), x1: app.vp.x(s.t1 ?? end), ts0: app.axis.time(s.t0), ts1: app.axis.time(s.t1 ?? end),
        }));
      },
      view: {
        set: (a, b) => { app.vp.set(a, b); app.changed('zoom'); },
        get: () => ({ from: app.vp.a, to: app.vp.b }),
        fit: () => app.fit(),
        // canvas x (CSS px, relative to the canvas) of time t, and the y of a lane's middle
        x: (t) => app.vp.x(t),
        laneY: (key) => { const l = app.laneByKey.get(key); return l ? app.vp.laneY(l) + l.h / 2 : null; },
      },
      setCursor: (t) => app.setCursor(t),
      frameTimes: () => app.frameMs.slice(),
      resetFrameTimes: () => { app.frameMs = []; },
      stats: () => ({ ...app.lastStats, fetches: app.data?.fetches ?? 0, openMs: app.openMs }),
    };
  }
}

// The summary marks of the tiles in view, by task, deduplicated.
function summaryMarks(tiles, app) {
  const ids = tiles.map((t) => `${t.level}/${t.k}`).join(',');
  if (app._marksFor === ids) return app._marks;
  const byTask = new Map(), seen = new Set();
  // a tile holding more marks than the summary sends (its first 2000) shows each bucket's
  // first mark instead, with how many the bucket holds; zooming in brings them all
  app.marksPartial = tiles.some((t) => t.marks.length < t.marksTotal);
  for (const t of tiles) for (const m of (t.marks.length < t.marksTotal ? t.markBuckets : t.marks)) {
    const id = `${m.track}/${m.seq}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const key = taskKey(m.track, m.task);
    if (!byTask.has(key)) byTask.set(key, []);
    byTask.get(key).push(m);
  }
  for (const list of byTask.values()) list.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
  app._marksFor = ids;
  app._marks = byTask;
  app.mirrorDirty = true;
  return byTask;
}

new App().start();
