// compare.mjs: the compare view (#compare=A,B,...&base=B): pick two or more sessions; their
// timelines stacked on one axis, each aligned at its own start (so a run's first record is at
// 0 in every lane): in time, or in event order (orderaxis.mjs; one switch for all runs), where
// step 0 is every run's first record; one run the baseline (the first unless chosen by the
// radio in a run's title), and against it: what differs in how the runs were made
// (compareinfo.mjs: another program warned about), the ordering diff against another run as a
// list whose entries jump the timelines to their place, the turnarounds of the runs and of
// their tasks side by side; and, for several runs, how they group by ordering and by printed
// output. It reads /api/diff and /api/orderings (docs/api.md, "Comparing runs") and draws each
// timeline with the main view's own component (timeline.mjs), one canvas each.

import { api, getJSON } from './api.mjs';
import { SessionData } from './data.mjs';
import { Timeline } from './timeline.mjs';
import { GUTTER, AXIS } from './viewport.mjs';
import { taskKey } from './model.mjs';
import { sessionName } from './sessions.mjs';
import { fmtDur, fmtTime, esc } from './format.mjs';
import { runSpan } from './cmpwords.mjs';
import { groupColor, groupsHTML, turnaroundRows, turnaroundHTML, diffHTML } from './cmppanels.mjs';
import { stepRanks, stepInOther } from './steps.mjs';
import { parseHash, formatHash } from './urlstate.mjs';
import { compareNotes } from './compareinfo.mjs';
import { wheelIntent, typing } from './interact.mjs';
import { pressScrollbar, onScrollbar } from './scrollbar.mjs';

const MAX_CANVAS_H = 300;
const ZOOM_STEP = 0.8;
// a colour per ordering group (Okabe–Ito), repeated past eight
const STACK_LABEL = 'Timelines of the compared runs, aligned at their start: wheel zooms, '
  + 'drag pans, click places the cursor';

// The session ids of a #compare=1,2 hash ([] for a bare #compare), or null for other hashes.
export function compareIds(hash) {
  return /^#compare(?:[=&]|$)/.test(hash) ? parseHash(hash).compare ?? [] : null;
}

export class CompareView {
  constructor(app) {
    this.app = app;          // for its session list (app.sessions)
    this.ids = [];
    this.runs = [];          // one per session: {meta, data, lanes, vp, canvas, ...}
    this.view = [0, 1];      // the shared view, relative to each run's start (+ its shift)
    this.limit = 1;          // the longest run, relative
    this.order = false;      // x in event order (steps) rather than time (ns)
    this.base = null;        // the baseline: the session the others are diffed against
    this.against = null;     // the session whose diff against the baseline is listed
    this.diffCache = new Map(); // "a:b" -> /api/diff of a against b
    this.hideFinished = false; // "Hide finished": every run's finished tasks left out
    this.loadSeq = 0;
    this.pending = false;
    this.state = { ready: false, ids: [], jumps: 0 };
    window.looptrace = window.looptrace ?? {};
    const view = this;
    Object.defineProperty(window.looptrace, 'compare',
      { get: () => view.state, configurable: true });
    // one run as drawn: its view and cursor on its axis and, for a lane key, the lane's spans
    // (place on the axis, x in canvas px, the clock's times), for the browser test
    // the shared view, relative to each run's start (as the browser test sets it)
    window.looptrace.compareSetView = (a, b) => { view.setView(a, b); view.changed(); };
    window.looptrace.compareRun = (id, key = null) => {
      const r = view.runs.find((x) => x.id === id);
      if (!r?.vp) return null;
      const win = r.axis.order ? r.axis.win : r.data.full;
      const end = r.axis.end;
      const spans = key && win ? (win.spans.get(key) ?? []).map((s) => ({
        state: s.state, at0: s.t0, at1: s.t1 ?? end, x0: r.vp.x(s.t0), x1: r.vp.x(s.t1 ?? end),
        ts0: r.axis.time(s.t0), ts1: r.axis.time(s.t1 ?? end),
      })) : null;
      const lanes = r.lanes.map((l) => ({ key: l.key, y: r.vp.laneY(l), pinned: !!l.pinned }));
      return { axis: r.axis.order ? 'order' : 'time', view: { from: r.vp.a, to: r.vp.b },
        cursor: r.cursor, selected: r.selected, spans, lanes, hiddenNote: r.tl.noteDrawn,
        finished: r.tl.finishedCount(),
        scroll: { y: r.vp.scrollY, max: r.vp.scrollMax, thumb: r.vp.thumb() } };
    };
  }

  // ---- showing and hiding ----
  show(ids) {
    document.body.classList.add('comparing');
    this.mount();
    this.renderPicker(ids);
    const same = ids.length === this.ids.length && ids.every((x, i) => x === this.ids[i]);
    const base = parseHash(location.hash).base;
    if (!same) this.load(ids);
    else if (this.state.ready && ids.includes(base) && base !== this.base) this.setBase(base);
  }

  hide() {
    if (!this.el) return;
    document.body.classList.remove('comparing');
  }

  get visible() { return document.body.classList.contains('comparing'); }

  mount() {
    if (this.el) return;
    const el = document.getElementById('compare');
    el.hidden = false;
    el.innerHTML = `
<div class="cmp-bar">
  <h2>Compare runs</h2>
  <span class="muted">Pick two or more sessions:</span>
  <button id="cmp-go" data-testid="compare-go">Compare selected</button>
  <button id="cmp-fit" title="Fit the longest run (F)">Fit</button>
  <label id="cmp-order-box"><input type="checkbox" id="cmp-order"
    data-testid="compare-order"> Event order</label>
  <label title="Leave out, in every run, the lanes of tasks that finished before the view starts"
    ><input type="checkbox" id="cmp-finished" data-testid="compare-hide-finished"> Hide
    finished</label>
  <span id="cmp-status" class="muted" data-testid="compare-status"></span>
</div>
<ol id="cmp-pick" data-testid="compare-pick" aria-label="Sessions to compare"></ol>
<ul id="cmp-notes" data-testid="compare-notes" hidden
  aria-label="How the runs differ from the baseline"></ul>
<div id="cmp-main">
  <div id="cmp-left">
    <div id="cmp-stack" data-testid="compare-stack" tabindex="0" aria-label="${STACK_LABEL}"></div>
    <div id="cmp-below">
      <section aria-label="Turnarounds"><h3>Turnaround (finish − start)</h3><div id="cmp-turn"
        data-testid="compare-turnaround"></div></section>
      <section id="cmp-groups" data-testid="compare-groups" aria-label="Groups"></section>
    </div>
  </div>
  <aside id="cmp-side">
    <section aria-label="Ordering diff"><h3>Ordering diff <label id="cmp-against-box"
      hidden>against <select id="cmp-against" data-testid="compare-against"></select></label></h3>
      <div id="cmp-first" data-testid="compare-first"></div>
      <ol id="cmp-diff" data-testid="compare-diff"></ol></section>
  </aside>
</div>`;
    this.el = el;
    el.querySelector('#cmp-go').addEventListener('click', () => {
      const ids = [...el.querySelectorAll('#cmp-pick input:checked')].map((i) => Number(i.value));
      // the baseline stays when it is still compared
      location.hash = formatHash({ compare: ids,
        base: ids.includes(this.base) ? this.base : null });
    });
    el.querySelector('#cmp-fit').addEventListener('click', () => this.fit());
    el.querySelector('#cmp-order')
      .addEventListener('change', (ev) => this.setOrder(ev.target.checked));
    el.querySelector('#cmp-finished')
      .addEventListener('change', (ev) => this.setHideFinished(ev.target.checked));
    el.querySelector('#cmp-against').addEventListener('change', (ev) => {
      this.against = Number(ev.target.value);
      this.loadDiff();
    });
    this.stack = el.querySelector('#cmp-stack');
    this.attachInputs();
    new ResizeObserver(() => this.resize()).observe(this.stack);
  }

  // The picker: every stored session, newest first, checked when it is compared.
  renderPicker(ids = this.ids) {
    if (!this.el) return;
    const rows = [...this.app.sessions.values()].sort((a, b) => b.id - a.id);
    const want = new Set(ids);
    const ol = this.el.querySelector('#cmp-pick');
    const have = new Set([...ol.querySelectorAll('input:checked')].map((i) => Number(i.value)));
    const checked = ids.length || !ol.children.length ? want : have;
    ol.innerHTML = rows.map((s) => {
      const dur = s.end_ns > s.start_ns ? ` · ${fmtDur(s.end_ns - s.start_ns)}` : '';
      return `<li><label data-testid="compare-pick-item" data-session="${s.id}">
<input type="checkbox" value="${s.id}"${checked.has(s.id) ? ' checked' : ''}> `
        + `${esc(sessionName(s))} <span class="muted">#${s.id}${dur}</span></label></li>`;
    }).join('');
  }

  sessionsChanged() { if (this.visible) this.renderPicker(); }

  status(text) { this.el.querySelector('#cmp-status').textContent = text; }

  // ---- loading ----
  async load(ids) {
    const seq = ++this.loadSeq;
    this.ids = ids;
    this.state = { ready: false, ids, jumps: 0 };
    this.runs = [];
    this.diffCache = new Map();
    this.stack.innerHTML = '';
    for (const id of ['#cmp-groups', '#cmp-turn', '#cmp-first', '#cmp-diff', '#cmp-notes']) {
      this.el.querySelector(id).innerHTML = '';
    }
    this.el.querySelector('#cmp-notes').hidden = true;
    if (ids.length < 2) {
      this.status(ids.length ? 'pick one more session' : '');
      this.stack.innerHTML = '<p class="muted">Tick two or more sessions above and press '
        + '“Compare selected”: their timelines stack here on one time axis, with the diff of '
        + 'their orderings beside them.</p>';
      return;
    }
    this.status('loading…');
    try {
      const runs = await Promise.all(ids.map(async (id) => {
        const [{ session }, { tasks }] = await Promise.all([api.session(id), api.tasks(id)]);
        const data = new SessionData(session, tasks, { onChange: () => this.changed() });
        await data.open();
        return { id, meta: session, data, tasks };
      }));
      if (seq !== this.loadSeq) return;
      this.runs = runs;
      // in event order when every run is under the virtual clock (and read whole)
      this.order = runs.every((r) => r.data.full && r.meta.clock === 'virtual');
      for (const r of runs) {
        r.axis = r.data.axis(this.order);
        r.shift = 0;
        this.buildTimeline(r);
      }
      this.measure();
      this.renderOrderToggle();
      const place = parseHash(location.hash);
      const base = ids.includes(place.base) ? place.base : ids[0];
      const [groups] = await Promise.all([
        getJSON(`/api/orderings?sessions=${ids.join(',')}`),
        this.useBase(base, this.against),
      ]);
      if (seq !== this.loadSeq) return;
      this.groups = groups;
      this.renderGroups();
      this.renderBase();
      this.resize();
      this.fit();
      this.status(`${ids.length} runs, aligned at their start${this.order ? ' (event #0)' : ''}`);
      // a link to a diff entry opens there
      if (place.entry != null && this.diffs.get(this.against)?.entries[place.entry]) {
        this.jump(place.entry);
      }
      this.state.ready = true;
    } catch (err) {
      if (seq === this.loadSeq) this.status(`could not compare: ${err.message}`);
    }
  }

  // The diff of session a against b (read once).
  async diff(a, b) {
    const key = `${a}:${b}`;
    if (!this.diffCache.has(key)) {
      const d = await getJSON(`/api/diff?a=${a}&b=${b}&max=2000`);
      this.diffCache.set(key, d);
    }
    return this.diffCache.get(key);
  }

  // Makes id the baseline: the diff of it against every other run (this.diffs, by the
  // other's id), the run listed against it (want if it can be, else the first other). False
  // when another baseline was asked for meanwhile (that one wins).
  async useBase(id, want = null) {
    const token = this.baseSeq = (this.baseSeq ?? 0) + 1;
    const others = this.ids.filter((x) => x !== id);
    const diffs = await Promise.all(others.map((b) => this.diff(id, b)));
    if (token !== this.baseSeq) return false;
    this.base = id;
    this.diffs = new Map(others.map((b, k) => [b, diffs[k]]));
    this.against = others.includes(want) ? want : others[0];
    this.state.base = id;
    return true;
  }

  // Swaps the baseline to id: what is relative to it is made again (the runs' notes, the
  // diff list and its first divergence, the turnarounds' differences); the cursors go.
  async setBase(id) {
    if (!this.state.ready) { this.markBase(); return; } // until loaded, the link's holds
    if (id === this.base || !this.ids.includes(id)) return;
    const seq = this.loadSeq, old = this.base;
    this.status('diffing against the new baseline…');
    // the run listed against the old baseline stays, unless it is the new one: then the old
    const won = await this.useBase(id, this.against === id ? old : this.against);
    if (!won || seq !== this.loadSeq) return;
    for (const r of this.runs) { r.cursor = null; r.selected = null; r.shift = 0; }
    this.state.cursor = null;
    this.renderBase();
    history.replaceState(null, '', formatHash({ compare: this.ids, base: id }));
    this.status(`${this.ids.length} runs, aligned at their start${this.order ? ' (step 0)' : ''}`);
    this.state.swaps = (this.state.swaps ?? 0) + 1;
    this.changed();
  }

  // The baseline's radio checked, its title tinted.
  markBase() {
    for (const r of this.runs) {
      const is = r.id === this.base;
      r.block.classList.toggle('cmp-baseline', is);
      r.block.querySelector('.cmp-base input').checked = is;
    }
  }

  // Everything drawn relative to the baseline.
  renderBase() {
    this.markBase();
    const sel = this.el.querySelector('#cmp-against');
    const option = (id) => `<option value="${id}"${id === this.against ? ' selected' : ''}>`
      + `#${id} ${esc(sessionName(this.runs.find((r) => r.id === id).meta))}</option>`;
    sel.innerHTML = this.ids.filter((id) => id !== this.base).map(option).join('');
    this.el.querySelector('#cmp-against-box').hidden = this.ids.length < 3;
    this.renderNotes();
    this.renderTurnarounds();
    this.renderDiff();
  }

  // Under the picker: another program warned about, other arguments, clock or tasks noted.
  renderNotes() {
    const base = this.runs.find((r) => r.id === this.base);
    const notes = compareNotes(base, this.runs.filter((r) => r !== base));
    const ul = this.el.querySelector('#cmp-notes');
    ul.hidden = !notes.length;
    ul.innerHTML = notes.map((n) => `<li class="cmp-${n.level}" data-testid="compare-${n.level}"`
      + ` data-session="${n.id}">${n.level === 'warn' ? '<b>⚠ Another program.</b> ' : ''}`
      + `${esc(n.text)}</li>`).join('');
    this.state.notes = notes.map((n) => ({ level: n.level, id: n.id, what: n.what, text: n.text }));
  }

  async loadDiff() {
    const seq = this.loadSeq;
    if (!this.diffs.has(this.against)) {
      const d = await this.diff(this.base, this.against);
      if (seq !== this.loadSeq) return;
      this.diffs.set(this.against, d);
    }
    for (const r of this.runs) { r.cursor = null; r.selected = null; }
    this.renderDiff();
    this.changed();
  }

  // One run's block: its title and canvas, its lanes.
  buildTimeline(r) {
    const d = r.data;
    r.cursor = null;
    r.selected = null;
    const block = document.createElement('div');
    block.className = 'cmp-run';
    block.dataset.session = r.id;
    block.dataset.testid = 'compare-run';
    const radio = '<label class="cmp-base" title="The baseline: the run the others are diffed'
      + ' against and their turnarounds measured from"><input type="radio" name="cmp-base"'
      + ` value="${r.id}" data-testid="compare-base"> baseline</label>`;
    block.innerHTML = `<div class="cmp-title">${radio}<i class="cmp-chip"></i>`
      + `<b>${esc(sessionName(r.meta))}</b> <span class="muted">#${r.id} · ${runSpan(r.meta)}`
      + '</span> <span class="cmp-group muted"></span></div><canvas></canvas>';
    block.querySelector('.cmp-base input').addEventListener('change', () => this.setBase(r.id));
    r.block = block;
    r.canvas = block.querySelector('canvas');
    r.canvas.setAttribute('aria-label', `Timeline of session ${r.id}`);
    r.tl = new Timeline(r.canvas);
    r.tl.hideFinished = this.hideFinished;
    r.tl.setSession(d, r.axis);
    r.vp = r.tl.vp;
    this.layout(r);
    this.stack.appendChild(block);
  }

  // A run's lanes on its axis (the timeline builds them as the main view's).
  layout(r) {
    r.tl.setAxis(r.axis);
    r.lanes = r.tl.lanes;
    r.laneByKey = r.tl.laneByKey;
  }

  // "Hide finished", for every run at once (each counts its own tasks against its own view);
  // the canvases take their new heights.
  setHideFinished(on) {
    this.hideFinished = on;
    for (const r of this.runs) {
      r.tl.hideFinished = on;
      r.tl.layout();
    }
    this.state.hideFinished = on;
    this.resize();
  }

  // The longest run on the axis, and the deepest zoom.
  measure() {
    this.limit = Math.max(1, ...this.runs.map((r) => r.axis.end - r.axis.start));
    this.minSpan = this.runs[0]?.axis.minSpan ?? 50;
  }

  // The "Event order" switch: only when every run is read whole.
  renderOrderToggle() {
    const box = this.el.querySelector('#cmp-order');
    const tiled = this.runs.filter((r) => !r.data.full).map((r) => `#${r.id}`);
    box.checked = this.order;
    box.disabled = tiled.length > 0;
    this.el.querySelector('#cmp-order-box').title = tiled.length
      ? `Event order needs every run read whole: ${tiled.join(', ')} `
        + `${tiled.length === 1 ? 'is' : 'are'} too large, drawn from summaries, in time`
      : 'x is the order of the records, one place each (event #0: every run\'s first record), '
        + 'instead of time';
    this.state.axis = this.order ? 'order' : 'time';
  }

  // Switches every run between time and event order: the cursors stay, the view fits.
  setOrder(on) {
    this.order = !!on && this.runs.every((r) => r.data.full);
    for (const r of this.runs) {
      const old = r.axis;
      r.axis = r.data.axis(this.order);
      r.shift = 0;
      if (r.cursor != null) r.cursor = r.axis.coord(old.time(r.cursor));
      this.layout(r);
    }
    this.hoverT = null;
    this.measure();
    this.renderOrderToggle();
    this.status(`${this.runs.length} runs, aligned at their start`
      + `${this.order ? ' (event #0)' : ''}`);
    this.resize();
    this.fit();
  }

  // ---- the side panels ----
  renderGroups() {
    const g = this.groups;
    const el = this.el.querySelector('#cmp-groups');
    const byId = new Map(g.runs.map((x) => [x.id, x]));
    for (const r of this.runs) {
      const x = byId.get(r.id);
      r.ordering = x.ordering;
      r.output = x.output;
      r.block.querySelector('.cmp-chip').style.background = groupColor(x.ordering);
      const seed = x.shuffle_seed != null ? ` · shuffle seed ${x.shuffle_seed}` : '';
      r.block.querySelector('.cmp-group').textContent =
        `· ordering ${x.ordering} · output ${x.output}${seed}`;
    }
    el.innerHTML = groupsHTML(g);
    this.state.groups = { orderings: g.distinct_orderings, outputs: g.distinct_outputs };
  }

  // Runs as columns: the whole run, then each task matched by identity across the runs; the
  // differences from the baseline.
  renderTurnarounds() {
    const baseline = this.runs.find((r) => r.id === this.base);
    const cols = this.runs.map((r) => r.id);
    const rows = turnaroundRows(baseline, this.diffs);
    this.el.querySelector('#cmp-turn').innerHTML = turnaroundHTML(rows, cols, baseline, this.runs);
    const base = (row) => row.cells.get(baseline.id)?.turnaround;
    const ns = (row, id) => row.cells.get(id)?.turnaround ?? null;
    // each run's turnaround, and its difference from the baseline's (null where either lacks it)
    this.state.turnarounds = [...rows.values()].map((row) => ({ task: row.task,
      ns: cols.map((id) => ns(row, id)),
      delta: cols.map((id) => (ns(row, id) != null && base(row) != null
        ? ns(row, id) - base(row) : null)) }));
    this.state.runs = this.runs.map((r) => ({ id: r.id, label: sessionName(r.meta),
      turnaround: r.data.end - r.data.start, lanes: r.lanes.length }));
  }

  renderDiff() {
    const d = this.diffs.get(this.against);
    const first = this.el.querySelector('#cmp-first');
    const ol = this.el.querySelector('#cmp-diff');
    const a = this.base, b = this.against;
    const html = diffHTML(d, a, b);
    first.innerHTML = html.first;
    first.querySelector('button')?.addEventListener('click', () => {
      const k = d.entries.findIndex((e) => e.op === '-' || e.op === '+');
      if (k >= 0) this.jump(k);
    });
    ol.innerHTML = html.entries;
    ol.onclick = (ev) => {
      const btn = ev.target.closest('button[data-k]');
      if (btn) this.jump(Number(btn.dataset.k));
    };
    this.state.diff = { a, b, same: d.same, entries: d.entries.length,
      first: d.first_divergence, turnaround: d.turnaround };
  }

  // Jumps both timelines of the diffed pair to entry k: each run's cursor at its own place,
  // the lane of the step's task selected, the view around both places.
  jump(k) {
    history.replaceState(null, '', formatHash({ compare: this.ids, base: this.base, entry: k }));
    if (this.order) return this.jumpInOrder(k);
    const d = this.diffs.get(this.against);
    const e = d.entries[k];
    const ra = this.runs.find((r) => r.id === this.base);
    const rb = this.runs.find((r) => r.id === this.against);
    ra.cursor = ra.data.start + e.ta;
    rb.cursor = rb.data.start + e.tb;
    // a step one run lacks: that run's lane is the one of its next step
    const lane = (side) => d.entries.slice(k).find((x) => x[side] != null)?.[side] ?? null;
    ra.selected = lane('ka');
    rb.selected = lane('kb');
    for (const r of [ra, rb]) this.reveal(r, r.selected);
    const lo = Math.min(e.ta, e.tb), hi = Math.max(e.ta, e.tb);
    let span = this.view[1] - this.view[0];
    if (hi - lo > span * 0.8) span = (hi - lo) * 1.5 || span;
    const mid = (lo + hi) / 2;
    this.setView(mid - span / 2, mid + span / 2);
    this.markEntry(k);
    this.state.cursor = { a: e.ta, b: e.tb, entry: k, ka: ra.selected, kb: rb.selected,
      text: e.text };
    this.state.jumps++;
    this.changed();
  }

  // In event order, entry k's step is a record in each run: every run's cursor goes on its
  // own record of that step (a run that lacks it: its next step; runs beyond the diffed pair
  // by their own diff against the baseline), and every run is centred on it, the runs aligned
  // there instead of at step 0 (Fit aligns them at step 0 again).
  jumpInOrder(k) {
    const d = this.diffs.get(this.against);
    const e = d.entries[k];
    const next = (side) => d.entries.slice(k).find((x) => x[side] != null)?.[side] ?? null;
    const stepA = next('a');
    const places = [];
    const ra = this.runs.find((r) => r.id === this.base);
    for (const r of this.runs) {
      let step;
      if (r === ra) step = stepA;
      else if (r.id === this.against) step = next('b');
      else step = stepA == null ? null : stepInOther(this.diffs.get(r.id), stepA);
      r.axis.sync();
      const ranks = stepRanks(r.data.full.events);
      const at = step == null ? null : step < ranks.length ? ranks[step] : r.axis.end;
      r.cursor = at;
      const rec = at == null ? null : r.axis.win.events[at];
      r.selected = rec && rec.task ? taskKey(rec.track, rec.task) : null;
      this.reveal(r, r.selected);
      places.push({ id: r.id, step, at, kind: rec?.kind ?? null, key: r.selected,
        ts: rec ? rec.time - r.data.start : null });
    }
    const c0 = ra.cursor ?? 0;
    for (const r of this.runs) r.shift = r.cursor == null ? 0 : r.cursor - c0;
    let span = this.view[1] - this.view[0];
    if (span > this.limit / 2) span = Math.max(this.minSpan * 5, this.limit / 4);
    this.setView(c0 - span / 2, c0 + span / 2);
    this.markEntry(k);
    const rb = this.runs.find((r) => r.id === this.against);
    this.state.cursor = { a: ra.cursor, b: rb.cursor, entry: k, ka: ra.selected, kb: rb.selected,
      text: e.text, runs: places };
    this.state.jumps++;
    this.changed();
  }

  // The diff's entry k is the current one (aria-current), no other.
  markEntry(k) {
    for (const li of this.el.querySelectorAll('#cmp-diff li[aria-current]')) {
      li.removeAttribute('aria-current');
    }
    this.el.querySelector(`#cmp-diff button[data-k="${k}"]`)?.parentElement
      .setAttribute('aria-current', 'true');
  }

  // Scrolls run r's lanes so that the lane key is in sight.
  reveal(r, key) {
    const lane = key && r.laneByKey.get(key);
    if (!lane) return;
    const vp = r.vp;
    if (lane.y < vp.scrollY || lane.y + lane.h > vp.scrollY + vp.plotH) {
      vp.scrollBy(lane.y - vp.scrollY - vp.plotH / 3);
    }
  }

  // ---- the shared view ----
  setView(a, b) {
    const span = Math.max(this.minSpan ?? 50, Math.min(b - a, this.limit * 1.1));
    // in event order a jump centres the runs on a step anywhere, even the first or the last
    const room = Math.max(this.limit * 0.05, this.order ? span / 2 : 0);
    a = Math.max(-room, Math.min(a, this.limit + room - span));
    this.view = [a, a + span];
    this.state.view = { from: this.view[0], to: this.view[1] };
    this.changed();
  }

  fit() {
    for (const r of this.runs) r.shift = 0;
    const pad = this.limit * 0.01;
    this.setView(-pad, this.limit + pad);
  }

  zoom(factor, t = (this.view[0] + this.view[1]) / 2) {
    const [a, b] = this.view;
    this.setView(t - (t - a) * factor, t + (b - t) * factor);
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    for (const r of this.runs) {
      // the canvas' own width (inside its block's border and the stack's padding): drawn at
      // any other, it would be scaled, and the pointer miss what it points at
      const w = Math.max(200, r.canvas.clientWidth);
      // (and room under the lanes to say how many "Hide finished" hides)
      const note = r.tl.hideFinished && r.tl.finishedCount() ? 18 : 0;
      const h = Math.min(MAX_CANVAS_H, AXIS + r.vp.contentHeight + 6 + note);
      r.canvas.style.height = `${h}px`;
      r.tl.size(w, h, dpr);
    }
    this.changed();
  }

  changed() {
    this.state.changes = (this.state.changes ?? 0) + 1; // as the single view counts them
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.frame(); });
  }

  frame() {
    if (!this.visible) return;
    const changes = this.state.changes;
    let grown = false; // a run's lanes laid out again, to another height
    for (const r of this.runs) {
      const vp = r.vp, axis = r.axis;
      const origin = axis.start + r.shift;
      vp.setLimits(axis.start, axis.start + this.limit);
      vp.a = origin + this.view[0];
      vp.b = origin + this.view[1];
      r.tl.hoverT = this.hoverT != null ? origin + this.hoverT : null;
      r.tl.cursor = r.cursor;
      r.tl.selected = r.selected;
      const height = vp.contentHeight;
      r.tl.draw(); // (which lays the lanes out again when "Hide finished" hides others now)
      r.lanes = r.tl.lanes;
      r.laneByKey = r.tl.laneByKey;
      if (vp.contentHeight !== height) grown = true;
    }
    this.state.frames = (this.state.frames ?? 0) + 1;
    this.state.drawnChanges = changes; // what a test waits for (app.mjs changed())
    if (grown) this.resize(); // each canvas as tall as its lanes now are
  }

  // ---- input: one handler for the whole stack, which moves every timeline together ----
  runAt(ev) {
    const canvas = ev.target.closest?.('canvas');
    const r = canvas && this.runs.find((x) => x.canvas === canvas);
    if (!r) return null;
    const box = canvas.getBoundingClientRect();
    return { r, x: ev.clientX - box.left, y: ev.clientY - box.top };
  }

  relAt(r, x) {
    return x > GUTTER ? r.vp.t(x) - r.axis.start - r.shift : (this.view[0] + this.view[1]) / 2;
  }

  attachInputs() {
    const stack = this.stack;
    let drag = null;
    stack.addEventListener('wheel', (ev) => {
      const at = this.runAt(ev);
      if (!at) return;
      ev.preventDefault();
      // as in the main view (interact.mjs): over the lane names or the scrollbar, or with
      // shift, the wheel scrolls that run's lanes; else it zooms or pans every run
      const want = wheelIntent(ev, at.x, at.r.vp);
      if (want.scroll != null) { at.r.vp.scrollBy(want.scroll); this.changed(); return; }
      const span = this.view[1] - this.view[0];
      if (want.pan != null) {
        const dt = (want.pan * span) / at.r.vp.plotW;
        this.setView(this.view[0] + dt, this.view[1] + dt);
        return;
      }
      this.zoom(want.zoom, this.relAt(at.r, at.x));
    }, { passive: false });
    stack.addEventListener('mousedown', (ev) => {
      const at = this.runAt(ev);
      if (!at || ev.button !== 0) return;
      stack.focus();
      const bar = pressScrollbar(at.r.vp, at.x, at.y);
      if (bar) { // that run's scrollbar: its thumb follows the pointer
        drag = { ...at, bar };
        at.r.tl.barActive = true;
        this.changed();
        return;
      }
      drag = { ...at, x0: ev.clientX, y0: ev.clientY, view: this.view.slice(),
        scroll: at.r.vp.scrollY, moved: false };
    });
    window.addEventListener('mousemove', (ev) => {
      if (drag?.bar) {
        drag.bar.move(ev.clientY - drag.r.canvas.getBoundingClientRect().top);
        this.changed();
        return;
      }
      if (drag) {
        const dx = ev.clientX - drag.x0, dy = ev.clientY - drag.y0;
        if (!drag.moved && Math.hypot(dx, dy) < 4) return;
        drag.moved = true;
        const dt = (dx * (drag.view[1] - drag.view[0])) / drag.r.vp.plotW;
        drag.r.vp.scrollY = drag.scroll;
        drag.r.vp.scrollBy(-dy);
        this.setView(drag.view[0] - dt, drag.view[1] - dt);
        return;
      }
      const at = this.visible && this.runAt(ev);
      const bar = !!at && onScrollbar(at.r.vp, at.x, at.y);
      if (at) at.r.canvas.classList.toggle('on-scrollbar', bar);
      if (at) this.hoverRun = at.r; // the run the arrow keys scroll
      const t = at && !bar && at.x > GUTTER && at.y > AXIS ? this.relAt(at.r, at.x) : null;
      if (t !== this.hoverT) { this.hoverT = t; this.changed(); }
    });
    window.addEventListener('mouseup', () => {
      if (!drag) return;
      const { r, x, moved, bar } = drag;
      drag = null;
      if (bar) { r.tl.barActive = false; this.changed(); return; }
      if (moved || x <= GUTTER) return;
      // a click places the cursor at that time (relative) in every timeline
      const t = this.relAt(r, x);
      for (const run of this.runs) run.cursor = run.axis.start + run.shift + t;
      this.state.cursor = { a: t, b: t };
      this.changed();
    });
    document.addEventListener('keydown', (ev) => {
      if (!this.visible || !this.runs.length) return;
      if (typing(ev.target)) return;
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const span = this.view[1] - this.view[0];
      switch (ev.key.toLowerCase()) {
        case 'w': this.zoom(ZOOM_STEP, this.hoverT ?? undefined); break;
        case 's': this.zoom(1 / ZOOM_STEP, this.hoverT ?? undefined); break;
        case 'a': this.setView(this.view[0] - span * 0.15, this.view[1] - span * 0.15); break;
        case 'd': this.setView(this.view[0] + span * 0.15, this.view[1] + span * 0.15); break;
        case 'f': this.fit(); break;
        case 'arrowdown': case 'arrowup': case 'pagedown': case 'pageup': {
          // the lanes of the run last under the pointer (the first, before any)
          const r = this.runs.includes(this.hoverRun) ? this.hoverRun : this.runs[0];
          const page = ev.key.startsWith('Page') ? r.vp.plotH * 0.8 : 40;
          r.vp.scrollBy(ev.key.endsWith('Down') ? page : -page);
          this.changed();
          break;
        }
        default: return;
      }
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }, true);
  }
}
