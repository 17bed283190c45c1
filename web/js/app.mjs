// app.mjs: the page: the session list (kept current over the websocket), opening a session
// (#session=N), the frame loop that redraws the canvas when something changed, hover and
// selection panels, the inspector at the cursor, live following, the axis x runs along (the
// clock, or the records' order: orderaxis.mjs; the "Event order" switch), and
// window.looptrace: the state the page shows, as data, for tests, the benchmark and anyone
// curious.
// URL options: ?fullLimit=N (read sessions of at most N records whole), ?eventLimit=N.

import { api, Socket } from './api.mjs';
import { SessionData } from './data.mjs';
import { Timeline } from './timeline.mjs';
import { GUTTER, AXIS } from './viewport.mjs';
import { loopStateAt } from './inspector.mjs';
import { EventWindow, taskKey } from './model.mjs';
import { tooltipHTML, taskPanelHTML, inspectorHTML } from './details.mjs';
import { renderSessionList, sessionName } from './sessions.mjs';
import { attachInputs } from './interact.mjs';
import { legend } from './palette.mjs';
import { fmtCount, fmtClockSpan, fmtEvents, esc } from './format.mjs';
import { updateMirror } from './mirror.mjs';
import { linkRole } from './tracks/awaitlinks.mjs';
import { CompareView, compareIds } from './compare.mjs';
import { Findings } from './findings.mjs';
import { ConnectionBanner } from './connection.mjs';
import { Tools } from './tools.mjs';
import { parseHash, formatHash } from './urlstate.mjs';
import { TOGGLE_W } from './render.mjs';
import { StoreBanner } from './storebanner.mjs';

const $ = (id) => document.getElementById(id);
// Live frames: at most LIVE_FPS a second, and spaced so that drawing takes at most LIVE_SHARE
// of the time (a frame of a big session's whole run costs 20-150 ms of a core the traced
// program shares); none while the page is hidden or when what came is out of view.
const LIVE_FPS = 10;
const LIVE_SHARE = 0.05;
// ms: a live session's progress in the title and the session list is at most this late
const PROGRESS_GAP = 1000;
const LIVE_GAP_MAX = 2000; // ms: however slow its frames, a followed view moves every 2 s
// records that change the lanes (a task, a loop or worker, a timer's row)
const LANE_KINDS = new Set(['create', 'done', 'track', 'timer-arm']);
// The note over the timeline when there is no session to draw (null: none).
function notice(text) {
  const el = $('notice');
  el.hidden = !text;
  el.textContent = text ?? '';
}
const params = new URLSearchParams(location.search);
const limits = {
  fullLimit: Number(params.get('fullLimit') ?? 200000),
  eventLimit: Number(params.get('eventLimit') ?? 40000),
};

class App {
  constructor() {
    this.tl = new Timeline($('timeline')); // the canvas, its view, lanes and scene
    this.canvas = this.tl.canvas;
    this.vp = this.tl.vp;
    this.sessions = new Map();
    this.data = null;
    this.opts = { arrows: true, timers: true, follow: true };
    this.tl.opts = this.opts;
    this.selected = null;      // the selected lane
    this.frameMs = [];
    this.lastStats = {};
    this.pending = false;
    this.openSeq = 0;
    this.state = { ready: false, session: null, frames: 0 };
    this.lastLive = -Infinity;   // when the last live frame was drawn (performance.now())
    this.liveDrawMs = 0;         // and what it took
    this.liveDirty = null;       // what came live since: {lo, lanes} (lo: the earliest ts)
    window.looptrace = this.hook();
    this.compare = new CompareView(this); // #compare=A,B,...: compare.mjs
    this.findings = new Findings(this);   // lints and the await graph: findings.mjs
  }

  // what x runs along (data.axis(order)), the lanes, the cursor: the timeline's
  get axis() { return this.tl.axis; }
  get lanes() { return this.tl.lanes; }
  get laneByKey() { return this.tl.laneByKey; }
  get taskByKey() { return this.tl.taskByKey; }
  get lastScene() { return this.tl.lastScene; }
  get cursor() { return this.tl.cursor; }
  set cursor(t) { this.tl.cursor = t; }
  get hoverT() { return this.tl.hoverT; }
  set hoverT(t) { this.tl.hoverT = t; }
  nameOf = (track, task) => this.tl.nameOf(track, task);

  // ---- the session list ----
  async start() {
    $('legend').innerHTML = legend().map((l) =>
      `<span><i class="${l.style === 'hatch' ? 'hatch' : l.style}" `
      + `style="${l.style === 'hatch' ? '' : `background:${l.color}`}"></i>${esc(l.label)}</span>`)
      .join('')
      + '<span><i style="background:#000;width:2px"></i>mark (a printed line)</span>'
      + '<span>→ wake-up (waker to woken)</span>';
    this.socket = new Socket();
    this.storeBanner = new StoreBanner(this.socket); // a full disk, records lost
    this.socket.on((m) => this.onPush(m));
    this.connection = new ConnectionBanner($('connection'));
    this.socket.onclose.add(() => this.connection.lost('its websocket closed'));
    this.socket.onopen.add(() => {
      if (this.connection.down) this.relist();
      this.connection.back();
      this.resubscribe();
    });
    this.tools = new Tools(this);
    attachInputs(this.canvas, this);
    this.resize();
    if (/session=\d+/.test(location.hash)) this.route(); // no need to wait for the list
    const { sessions } = await api.sessions();
    for (const s of sessions) this.sessions.set(s.id, s);
    this.listed = true;
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
    $('compare-open').addEventListener('click', () => {
      location.hash = `#compare=${this.data?.id ?? ''}`;
    });
    $('fit').addEventListener('click', () => this.fit());
    $('zoom-in').addEventListener('click', () => { this.vp.zoom(0.6); this.changed('zoom'); });
    $('zoom-out').addEventListener('click', () => { this.vp.zoom(1 / 0.6); this.changed('zoom'); });
    $('toggle-sessions').addEventListener('click', () => {
      const hidden = $('sessions').classList.toggle('hidden');
      $('toggle-sessions').setAttribute('aria-expanded', String(!hidden));
    });
    window.addEventListener('hashchange', () => this.route());
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && this.liveDirty) this.liveChanged(); // what came while hidden
    });
    this.route();
  }

  // The collector is back: its session list again (sessions may have ended meanwhile).
  async relist() {
    let sessions;
    try { ({ sessions } = await api.sessions()); } catch { return; }
    this.sessions = new Map(sessions.map((s) => [s.id, s]));
    this.renderSessions();
    const row = this.data && this.sessions.get(this.data.id);
    if (row) this.sessionProgress(row);
  }

  // A session's row, from a `session` push: the list rewritten at once when a session began,
  // ended or was renamed, and a live one's progress (a push every 100 ms) with the next frame
  // or within a second: every DOM change costs the page a frame of its own (style, layout,
  // paint and a commit), which 10 a second made more work than drawing a followed run.
  sessionRow(id, row) {
    const was = this.sessions.get(id);
    this.sessions.set(id, row);
    if (!was || was.status !== row.status || was.label !== row.label) this.renderSessions();
    else this.later('list');
  }

  // DOM text that may wait for the next frame, or PROGRESS_GAP at the latest: 'list', 'title'.
  later(what) {
    (this.domDirty ??= new Set()).add(what);
    if (this.domTimer) return;
    this.domTimer = setTimeout(() => this.flushDom(), PROGRESS_GAP);
  }

  flushDom() {
    clearTimeout(this.domTimer);
    this.domTimer = null;
    const dirty = this.domDirty;
    this.domDirty = null;
    if (dirty?.has('list')) this.renderSessions();
    if (dirty?.has('title') && this.data) this.renderTitle();
  }

  renderSessions() {
    this.domDirty?.delete('list');
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
    if (id == null && this.listed && !this.sessions.size) {
      this.blank();
      notice('No sessions yet. Run a program traced to this collector: LOOPTRACE=unix:SOCKET '
        + 'PROGRAM (the socket `looptrace serve` printed), or `looptrace record -- PROGRAM`.');
    }
    if (id != null && id !== this.data?.id && id !== this.openingId) this.open(id);
  }

  // A white canvas when there is nothing to draw (a canvas without alpha starts black).
  blank() { this.tl.blank(); }

  onPush(m) {
    if (m.type === 'session') {
      this.sessionRow(m.session, m.row);
      if (this.data && m.session === this.data.id) this.sessionProgress(m.row);
      else if (!this.data && !/session=/.test(location.hash)) this.route();
    } else if (m.type === 'session_deleted') {
      this.sessions.delete(m.session);
      this.renderSessions();
    } else if (m.type === 'events' && this.data && m.session === this.data.id) {
      this.state.pushes = (this.state.pushes ?? 0) + 1;
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
    this.state = { ready: false, session: id, frames: 0, liveFrames: 0, liveSkipped: 0,
      pushes: 0 };
    this.liveDirty = null;
    this.liveEnd = undefined; // the end the last live frame saw
    $('status').textContent = 'loading…';
    // what was under the pointer belongs to the session shown until now
    this.hover = null;
    this.hoverT = null;
    this.hideTooltip();
    notice(null);
    try {
      const [{ session }, { tasks }] = await Promise.all([api.session(id), api.tasks(id)]);
      if (seq !== this.openSeq) return;
      const data = new SessionData(session, tasks, { ...limits, onChange: (err) => {
        if (err?.offline) this.connection.lost(err.message);
        this.changed(err ? 'error' : 'data');
      } });
      await data.open();
      if (seq !== this.openSeq) return;
      if (this.data) this.socket.ask('unsubscribe', { session: this.data.id });
      this.data = data;
      this.selected = null;
      // many records share a time under the virtual clock: there x is their order
      this.tl.setSession(data, data.axis(session.clock === 'virtual'));
      this.state.wasLive = session.status === 'live';
      this.renderOrderToggle();
      this.mirrorDirty = true;
      this.vp.setLimits(this.axis.start, this.axis.end);
      this.vp.scrollY = 0;
      this.fit(false);
      this.liveFit = session.status === 'live';
      if (this.opts.follow) this.followNow();
      $('details').innerHTML =
        '<p class="muted">Click a task\'s lane to see its totals and events.</p>';
      this.applyPlace(parseHash(location.hash), id);
      this.renderTitle();
      this.renderSessions();
      this.subscribe();
      this.openMs = performance.now() - t0;
      this.state.openMs = this.openMs;
      this.changed('open');
      this.tools.opened();
    } catch (err) {
      if (seq === this.openSeq) {
        $('status').textContent = '';
        if (this.data) this.socket.ask('unsubscribe', { session: this.data.id });
        this.data = null;
        this.state = { ready: false, session: id, frames: 0, error: err.message };
        $('title').textContent = '';
        this.blank();
        notice(err.status === 404
          ? `No session #${id} in this collector's database. Pick one from the list.`
          : `Could not open session #${id}: ${err.message}`);
      }
    } finally {
      if (seq === this.openSeq) this.openingId = null;
    }
  }

  // A link's place (urlstate.mjs): its axis, view, cursor and selected task, on session id.
  applyPlace(p, id) {
    if (p.session !== id) return;
    if (p.axis && (p.axis === 'order') !== this.axis.order) this.setOrder(p.axis === 'order');
    if (p.view) { this.vp.set(p.view[0], p.view[1]); this.liveFit = false; this.follow(false); }
    if (p.cursor != null) this.setCursor(p.cursor);
    if (p.task) {
      const lane = this.laneByKey.get(p.task);
      if (lane) { this.select(lane); this.reveal(lane); }
    }
  }

  follow(on) {
    this.opts.follow = on;
    $('follow').checked = on;
  }

  // The address follows the place shown (replaced, not pushed: Back leaves the session).
  syncHash() {
    if (this.hashQueued) return;
    this.hashQueued = true;
    setTimeout(() => {
      this.hashQueued = false;
      if (!this.data || this.compare.visible) return;
      // A click on another session (or a compare link) changes the address before its
      // hashchange is handled: writing this session's place now would undo that navigation.
      const at = parseHash(location.hash);
      if (at.compare || (at.session != null && at.session !== this.data.id)) return;
      const h = formatHash({ session: this.data.id, axis: this.axis.order ? 'order' : 'time',
        view: [this.vp.a, this.vp.b], cursor: this.cursor, task: this.selected?.key ?? null });
      if (h !== location.hash) history.replaceState(null, '', h);
      this.state.hash = h;
    }, 150);
  }

  // Scrolls the lanes so that lane is in sight.
  reveal(lane) {
    const vp = this.vp;
    if (lane.pinned) return;
    const top = vp.scrollY + vp.pinnedH, bottom = vp.scrollY + vp.plotH;
    if (lane.y < top || lane.y + lane.h > bottom) {
      vp.scrollBy(lane.y - top - (vp.plotH - vp.pinnedH) / 3);
    }
  }

  // [ and ]: the cursor to the previous / next record of the selected task (of any task when
  // none is selected), the view moved to keep it in sight.
  stepEvent(dir) {
    const d = this.data;
    const win = this.axis.order ? this.axis.win : d?.full ?? this.lastScene?.win;
    if (!win) return;
    const list = this.selected ? win.byTask.get(this.selected.key) ?? [] : win.events;
    const at = this.cursor ?? (dir > 0 ? -Infinity : Infinity);
    let e = null;
    if (dir > 0) e = list.find((x) => x.ts > at);
    else for (let i = list.length - 1; i >= 0 && !e; i--) if (list[i].ts < at) e = list[i];
    if (!e) return;
    const vp = this.vp;
    if (e.ts < vp.a || e.ts > vp.b) vp.pan(e.ts - (vp.a + vp.b) / 2);
    this.setCursor(e.ts);
    this.state.stepped = { kind: e.kind, at: e.ts, task: `${e.track}:${e.task}` };
    this.changed('pan', true);
  }

  togglePin(lane) {
    if (!lane) return;
    this.tl.togglePin(lane.key);
    this.mirrorDirty = true;
    this.changed('opts');
  }

  renderTitle() {
    this.domDirty?.delete('title');
    const s = this.data.meta;
    const span = fmtClockSpan(s.clock, s.end_ns - s.start_ns);
    $('title').innerHTML = `<b>${esc(sessionName(s))}</b> <span class="muted">#${s.id} · `
      + `${span} · ${fmtEvents(s.events)} · ${s.tasks} tasks</span>`
      + `<span class="badge ${esc(s.status)}">${esc(s.status)}</span>`;
  }

  subscribe() {
    const d = this.data;
    if (!d || d.meta.status !== 'live' || !d.full) return;
    const fromSeq = 0;
    // the rows form: a third of the bytes, and numbers to parse (api.mjs rowsToEvents)
    this.socket.ask('subscribe', { session: d.id, from_seq: fromSeq, form: 'rows' }).then((r) => {
      if (!r.ok) console.warn('looptrace: subscribe failed', r.error);
    });
  }

  resubscribe() { if (this.data?.meta.status === 'live') this.subscribe(); }

  // Live records: applied to the model at once (appended), drawn by the next live frame.
  liveEvents(events) {
    // (a subscription's backlog repeats what was read, with `track` records a read may have
    // left out: the model puts those in place without rebuilding, EventWindow.add)
    this.data.addLive(events);
    const lv = this.liveDirty ??= { lo: Infinity, lanes: false };
    for (const e of events) {
      if (e.ts < lv.lo) lv.lo = e.ts;
      if (LANE_KINDS.has(e.kind)) lv.lanes = true;
    }
    this.liveChanged();
  }

  // Something came live: a live frame when its time comes (see LIVE_FPS), none while hidden.
  liveChanged() {
    this.liveDirty ??= { lo: Infinity, lanes: false };
    if (this.liveQueued || document.hidden) return;
    const gap = Math.min(LIVE_GAP_MAX, Math.max(1000 / LIVE_FPS, this.liveDrawMs / LIVE_SHARE));
    const wait = Math.max(0, this.lastLive + gap - performance.now());
    this.liveQueued = true;
    setTimeout(() => { this.liveQueued = false; this.liveFrame(); }, wait);
  }

  // What came live since the last live frame, laid out once (lanes, the view following the
  // newest records); drawn only when some of it is in view: the records from the earliest
  // that came, and what was open at the previous end, drawn to the new end.
  liveFrame() {
    const lv = this.liveDirty, d = this.data;
    if (!lv || !d || document.hidden) return;
    this.liveDirty = null;
    // records that come after the session row saying the run ended: its last ones, all listed
    // and drawn, and the view refit to take them in (unless the user chose a view)
    const ended = d.meta.status !== 'live';
    if (ended) this.mirrorDirty = true;
    const vp = this.vp, axis = this.axis;
    // a timer armed, a task begun or ended: laid out again, drawn if that changed the lanes
    const shape = () => `${this.lanes.length}:${vp.contentHeight}`;
    const was = shape();
    if (lv.lanes) this.rebuildLanes();
    const relaid = shape() !== was;
    vp.setLimits(axis.start, ended ? axis.end : Math.max(axis.end, vp.limits[1]));
    const [a, b] = [vp.a, vp.b];
    if (this.opts.follow) this.followNow();
    if (ended && this.liveFit) this.fit(false);
    const lo = lv.lo === Infinity ? Infinity : axis.coord(lv.lo);
    const from = Math.min(lo, this.liveEnd ?? Infinity);
    this.liveEnd = axis.end;
    if (ended || relaid || vp.a !== a || vp.b !== b || (from <= vp.b && axis.end >= vp.a)) {
      this.liveDrawing = true;
      this.changed('live');
    } else this.state.liveSkipped++;
  }

  sessionProgress(row) {
    const d = this.data;
    const wasLive = d.meta.status === 'live';
    d.extend(row);
    if (wasLive && row.status === 'live') {
      this.later('title');
      // the end moved (and a summarised session's lanes may have): the next live frame
      this.liveChanged();
      if (d.tiled) this.liveDirty.lanes = true;
      return;
    }
    this.renderTitle();
    const limit = row.status === 'live' ? this.vp.limits[1] : 0;
    this.vp.setLimits(this.axis.start, Math.max(this.axis.end, limit));
    if (d.tiled) this.rebuildLanes();
    if (wasLive && row.status !== 'live') {
      // the run ended: unless the user chose a view, show all of it
      if (this.liveFit) { this.vp.setLimits(this.axis.start, this.axis.end); this.fit(false); }
      api.tasks(d.id).then(({ tasks }) => {
        d.tasks = tasks;
        this.rebuildLanes();
        this.changed('data');
      });
    }
    this.changed('live');
  }

  // Keeps the newest records in view. Until the user zooms, the view shows the whole run so
  // far (in time at least 1 s, at most the last 30 s; in order at least 200 steps, at most
  // the last 20,000); after, it keeps the width they chose.
  followNow() {
    const d = this.data;
    if (!d || d.meta.status !== 'live') return;
    const { start, end, followSpan: [least, most] } = this.axis;
    const span = this.liveFit ? Math.min(most, Math.max(least, (end - start) * 1.05))
      : this.vp.span;
    this.vp.setLimits(start, Math.max(end, start + span));
    if (end - start <= span * 0.97) this.vp.set(start - span * 0.01, start + span * 0.99);
    else this.vp.set(end - span * 0.97, end + span * 0.03);
  }

  rebuildLanes() {
    this.tl.layout();
    this.mirrorDirty = true;
  }

  fit(redraw = true) {
    if (!this.data) return;
    this.vp.setLimits(this.axis.start, this.axis.end);
    this.vp.fit();
    if (redraw) this.changed('fit');
  }

  // ---- drawing ----
  resize() {
    const box = $('canvas-box');
    this.tl.size(box.clientWidth, box.clientHeight);
    this.changed('resize');
  }

  // Something changed: draw on the next animation frame. manual: the user moved the view.
  changed(why, manual = false) {
    // what a frame begun from now on draws (tests wait for drawnChanges to catch up: a count
    // of frames alone may be met by a frame that was due, and ran, before the change)
    this.state.changes = (this.state.changes ?? 0) + 1;
    if (manual && this.opts.follow && this.data?.meta.status === 'live') {
      this.opts.follow = false;
      $('follow').checked = false;
    }
    if (why === 'zoom') this.liveFit = false;
    if (why === 'data' || why === 'open') this.mirrorDirty = true;
    // the text mirror of a live session: at most once a second
    if (why === 'live' && !(performance.now() - this.mirrorAt < 1000)) this.mirrorDirty = true;
    if (why !== 'scroll' && why !== 'opts' && why !== 'hover') this.inspectorDirty = true;
    this.findings.changed(why);
    if (why !== 'hover' && why !== 'scroll' && why !== 'live' && why !== 'resize') this.syncHash();
    if (!['hover', 'cursor', 'select', 'live'].includes(why)) this.toolsDirty = true;
    // while live, the marks list and analyses at most every 2 s, and so that they take at
    // most LIVE_SHARE of the time (they read the whole session: 0.1-0.5 s at 300k records)
    const toolsGap = Math.max(2000, (this.toolsMs ?? 0) / LIVE_SHARE);
    if (why === 'live' && !(performance.now() - this.toolsAt < toolsGap)) this.toolsDirty = true;
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.frame(); });
  }

  frame() {
    if (!this.data) { this.blank(); return; }
    const changes = this.state.changes;
    if (this.opts.follow) this.followNow(); // records that came since the live frame's turn
    const { scene, stats, ms } = this.tl.draw();
    this.state.drawnChanges = changes;
    this.marksPartial = this.tl.marksPartial;
    if (this.tl.marksChanged) { this.tl.marksChanged = false; this.mirrorDirty = true; }
    if (this.tl.laidOut !== this.mirrorLayout) {
      this.mirrorLayout = this.tl.laidOut;
      this.mirrorDirty = true;
    }
    this.frameMs.push(ms);
    if (this.domDirty?.size) this.flushDom(); // in this frame, not one of its own
    if (this.liveDrawing) {
      this.liveDrawing = false;
      this.lastLive = performance.now();
      // smoothed: one slow frame (a collection, a first draw) does not stall the view
      this.liveDrawMs = this.state.liveFrames ? (this.liveDrawMs + ms) / 2 : ms;
      this.state.liveFrames++;
    }
    if (this.frameMs.length > 2000) this.frameMs.splice(0, 1000);
    this.lastStats = { ...stats, ms, mode: scene.mode };
    const note = this.tl.finishedNote(); // how many lanes "Hide finished" leaves out
    if ($('finished-count').textContent !== note) $('finished-count').textContent = note;
    const d = this.data;
    const thinned = this.marksPartial ? ', marks thinned to one per bucket: zoom in for all' : '';
    const from = scene.mode === 'events' ? 'every event'
      : `summaries (level ${scene.tiles?.[0]?.level ?? 0})${thinned}`;
    $('status').textContent = `${from} · ${stats.spans} drawn in ${ms.toFixed(1)} ms`
      + `${d.inflight ? ' · loading…' : ''}`;
    if (this.mirrorDirty && !this.mirrorQueued) {
      // the text mirror is rewritten after the frame, off the drawing path
      this.mirrorQueued = true;
      setTimeout(() => {
        this.mirrorQueued = false;
        if (!this.mirrorDirty || !this.lastScene) return;
        this.mirrorDirty = false;
        this.mirrorAt = performance.now();
        this.updateMirror(this.lastScene);
      }, 0);
    }
    if (this.inspectorDirty) { this.inspectorDirty = false; this.updateInspector(); }
    if (this.toolsDirty && !this.toolsQueued) {
      // the marks list and the analyses, at most 4 times a second, off the drawing path
      this.toolsQueued = true;
      setTimeout(() => {
        this.toolsQueued = false;
        if (!this.toolsDirty || !this.data) return;
        this.toolsDirty = false;
        this.toolsAt = performance.now();
        this.tools.refresh();
        if (this.tools.range) this.tools.renderRange();
        this.toolsMs = performance.now() - this.toolsAt;
      }, 250);
    }
    this.state.frames++;
    this.state.mode = scene.mode;
    this.state.cursor = this.cursor;
    this.state.view = { from: this.vp.a, to: this.vp.b };
    this.state.arrows = stats.arrows;
    this.state.lastFrameMs = ms;
    this.state.lastFrameAt = performance.now();
    this.state.pending = !!d.inflight;
    this.state.loading = !!d.inflight;
    this.state.end = this.axis.end;
    this.state.window = scene.windowed ? { from: scene.win.from, to: scene.win.to } : null;
    this.state.axis = this.axis.order ? 'order' : 'time';
    this.state.status = d.meta.status;
    this.state.follow = this.opts.follow;
    if (!this.state.ready) { this.state.ready = true; this.state.readyMs = performance.now(); }
  }

  updateMirror(scene) {
    const marks = scene.mode === 'events' ? scene.win.sortedMarks()
      : [...(scene.summaryMarks?.values() ?? [])].flat()
        .sort((a, b) => a.ts - b.ts || a.track - b.track || a.seq - b.seq);
    const lanes = this.lanes.map((l) => ({ key: l.key, kind: l.kind, name: l.name, depth: l.depth,
      await: linkRole(this.tl.links, l.key) }));
    this.state.lanes = lanes;
    this.state.marks = marks.map((m) => ({ text: m.text, ts: this.axis.time(m.ts), at: m.ts,
      task: taskKey(m.track, m.task) }));
    updateMirror($('lane-list'), $('mark-list'), lanes, marks, this, this.axis);
  }

  // ---- pointer ----
  hoverAt(x, y) {
    if (!this.data || x == null) {
      this.hoverT = null;
      this.hideTooltip();
      this.changed('hover');
      return;
    }
    const hit = this.tl.hit(x, y);
    this.hoverT = x > GUTTER && y > AXIS ? this.vp.t(x) : null;
    this.hover = hit;
    const html = tooltipHTML(hit, this.textCtx());
    const tip = $('tooltip');
    if (!html) tip.hidden = true;
    else {
      tip.innerHTML = html;
      tip.hidden = false;
      // beside the pointer, right of and below it, or left of / above it in the canvas's
      // right / lower half; never measured (that forced the page's layout on every hover)
      // (anchored by its right / bottom edge there, so that it keeps its width)
      const left = x > this.vp.width / 2, up = y > this.vp.height / 2;
      tip.style.left = left ? 'auto' : `${x + 14}px`;
      tip.style.right = left ? `${this.vp.width - x + 14}px` : 'auto';
      tip.style.top = up ? 'auto' : `${y + 16}px`;
      tip.style.bottom = up ? `${this.vp.height - y + 8}px` : 'auto';
    }
    this.state.hover = hit?.item
      ? { lane: hit.lane.key, type: hit.item.type, text: tip.textContent } : null;
    this.changed('hover');
  }

  hideTooltip() { $('tooltip').hidden = true; }

  clickAt(x, y) {
    if (!this.data) return;
    const hit = this.tl.hit(x, y);
    if (hit?.lane?.children && x < GUTTER && x >= GUTTER - TOGGLE_W) {
      this.tl.toggleCollapse(hit.lane.key);
      this.mirrorDirty = true;
      this.changed('opts');
      return;
    }
    if (x > GUTTER && y > AXIS) this.setCursor(this.vp.t(x));
    this.select(hit?.lane?.kind === 'task' ? hit.lane : null);
  }

  // What the words need: names, and the clock's time of a place on the axis.
  textCtx() { return this.tl.textCtx(); }

  // The "Event order" switch: on for the order axis; only sessions read whole have one.
  renderOrderToggle() {
    const d = this.data;
    $('order').checked = this.axis.order;
    $('order').disabled = !d.full;
    $('order-box').title = d.full
      ? 'x is the order of the records, one place each (event #0, #1, …), instead of time: '
        + 'for sessions whose records share timestamps (the virtual clock)'
      : `Event order needs the whole session read: this one has ${fmtCount(d.meta.events)} `
        + `records, more than the ${fmtCount(d.fullLimit)} read whole, so it is drawn from `
        + 'summaries, in time';
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
      this.tl.setAxis(next);
      this.mirrorDirty = true;
      vp.setLimits(next.start, next.end);
      if (whole || !(b - a >= next.minSpan)) vp.fit(); else vp.set(a, b);
      if (this.opts.follow) this.followNow();
      if (this.selected) this.select(this.laneByKey.get(this.selected.key) ?? null);
    }
    this.renderOrderToggle();
    this.changed('axis');
  }

  select(lane) {
    this.selected = lane;
    this.tl.selected = lane?.key ?? null;
    const details = $('details');
    if (!lane) {
      details.innerHTML = '<p class="muted">Click a task\'s lane to see its totals and events.</p>';
      this.state.selected = null;
    } else {
      const d = this.data;
      const totals = d.totals(lane.key);
      const win = this.axis.order ? this.axis.win : d.full ?? this.lastScene?.win;
      const events = win ? (win.byTask.get(lane.key) ?? []) : null;
      details.innerHTML = taskPanelHTML(lane, this.taskByKey.get(lane.key), totals, events,
        this.textCtx());
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
    if (this.cursor == null || !d) {
      body.innerHTML = inspectorHTML(null);
      this.state.inspector = null;
      return;
    }
    const t = this.cursor;
    let win = this.axis.order ? this.axis.win : d.full;
    if (!win) {
      win = d.windows.find((w) => w.from <= t && t <= w.to);
      if (!win) {
        // the API takes whole ns: the records at or before the cursor's ns
        const at = Math.floor(t);
        try {
          const r = await api.events(d.id, at, at, 1);
          win = new EventWindow(at, at, r.initial, r.timers);
          win.add(r.events.filter((e) => e.ts <= at));
        } catch (err) {
          if (this.cursor !== t) return;
          body.innerHTML = inspectorHTML(null, null,
            `could not read the state there: ${err.message}`);
          this.state.inspector = { t, error: err.message };
          return;
        }
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
          x0: app.vp.x(s.t0), x1: app.vp.x(s.t1 ?? end),
          ts0: app.axis.time(s.t0), ts1: app.axis.time(s.t1 ?? end),
        }));
      },
      view: {
        set: (a, b) => { app.vp.set(a, b); app.changed('zoom'); },
        get: () => ({ from: app.vp.a, to: app.vp.b }),
        fit: () => app.fit(),
        // canvas x (CSS px, relative to the canvas) of time t, and the y of a lane's middle
        x: (t) => app.vp.x(t),
        laneY: (key) => {
          const l = app.laneByKey.get(key);
          return l ? app.vp.laneY(l) + l.h / 2 : null;
        },
      },
      setCursor: (t) => app.setCursor(t),
      frameTimes: () => app.frameMs.slice(),
      resetFrameTimes: () => { app.frameMs = []; },
      stats: () => ({ ...app.lastStats, fetches: app.data?.fetches ?? 0, openMs: app.openMs }),
    };
  }
}

new App().start();
