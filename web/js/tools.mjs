// tools.mjs: the tools around the timeline: search (tasks, marks, sessions), the marks list
// with jump-to, a selected range's duration and per-task busy / scheduled / waiting, waits
// by await site, the ready → running delay histogram, the help overlay, and the session's
// actions (export for Perfetto, rename, delete). The numbers come from analysis.mjs.

import { rangeTotals, waitSites, readyDelays, matches } from './analysis.mjs';
import { fmtDur, fmtTime, esc } from './format.mjs';
import { sessionName } from './sessions.mjs';
import { taskKey } from './model.mjs';

const $ = (id) => document.getElementById(id);
const MAX_MARKS = 500;

// A table row: th, then cells (numbers right-aligned); attrs on the <tr>.
const row = (attrs, th, cells) => `<tr ${attrs}><th>${th}</th>`
  + `${cells.map((c) => `<td class="num">${c}</td>`).join('')}</tr>`;
const head = (cols) => `<tr><th>${cols[0]}</th>`
  + `${cols.slice(1).map((c) => `<th class="num">${c}</th>`).join('')}</tr>`;

export const KEYS = [
  ['W / S', 'zoom in / out at the pointer'], ['A / D', 'pan left / right'],
  ['F', 'fit the session'], ['wheel', 'zoom at the pointer (over lane names: scroll the lanes)'],
  ['shift+wheel, ↑ / ↓', 'scroll the lanes'], ['drag', 'pan'],
  ['shift+drag', 'select a range: its length and each task\'s time in it'],
  ['click', 'place the cursor, select a task'],
  ['[ / ]', 'previous / next event of the selected task (of any, else)'],
  ['P', 'pin the lane under the pointer (or the selected one) on top'],
  ['click ▾ / ▸', 'collapse / expand a task\'s subtree'],
  ['/', 'search tasks, marks and sessions'],
  ['Esc', 'clear the range and the selection'], ['?', 'this help'],
];

export class Tools {
  constructor(app) {
    this.app = app;
    this.query = '';
    this.range = null;
    $('search').addEventListener('input', () => this.search($('search').value));
    $('hide-finished').addEventListener('change', () => {
      app.tl.hideFinished = $('hide-finished').checked;
      app.rebuildLanes();
      app.changed('opts');
    });
    $('help-open').addEventListener('click', () => this.help());
    $('help-overlay').addEventListener('click', (ev) => {
      if (ev.target.id === 'help-overlay') this.help(false);
    });
    $('help-keys').innerHTML = KEYS.map(([k, what]) =>
      `<tr><th><kbd>${esc(k)}</kbd></th><td>${esc(what)}</td></tr>`).join('');
    $('marks-list').addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-i]');
      if (b) this.jumpToMark(this.markRows[Number(b.dataset.i)]);
    });
    $('rename-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.rename($('rename').value);
    });
    $('delete').addEventListener('click', () => this.remove());
  }

  help(show = $('help-overlay').hidden) {
    $('help-overlay').hidden = !show;
    this.app.state.help = show;
  }

  // ---- search ----
  search(q) {
    this.query = q.trim();
    const tl = this.app.tl;
    tl.filter = this.query ? (t) => matches(this.query, t.name) : null;
    this.app.rebuildLanes();
    for (const li of $('session-list').children) {
      li.hidden = !!this.query && !matches(this.query, li.textContent);
    }
    this.marks();
    this.app.changed('opts');
    const lanes = tl.lanes.filter((l) => l.kind === 'task').length;
    this.app.state.search = { query: this.query, lanes };
  }

  // ---- per session ----
  opened() {
    const d = this.app.data;
    this.range = null;
    this.renderRange();
    $('session-actions').hidden = false;
    $('export').href = `/api/sessions/${d.id}/export?format=chrome`;
    $('export').download = `looptrace-${d.id}.json`;
    $('rename').value = d.meta.label ?? '';
    $('delete').disabled = d.meta.status === 'live';
    this.refresh();
  }

  // The marks list and the analyses, again (new data, another axis, a search).
  refresh() {
    this.marks();
    this.analyse();
  }

  // Every mark at hand (the whole session, or what the summaries in view hold), in order.
  marks() {
    const app = this.app, scene = app.lastScene;
    const d = app.data;
    if (!d) return;
    const win = app.axis?.order ? app.axis.win : d.full;
    let all;
    if (win) all = win.sortedMarks();
    else if (scene?.mode === 'summary') {
      all = [...(scene.summaryMarks?.values() ?? [])].flat().sort((a, b) => a.ts - b.ts);
    }
    else all = scene?.win ? scene.win.sortedMarks() : [];
    const shown = all.filter((m) => !this.query || matches(this.query, m.text)
      || matches(this.query, app.nameOf(m.track, m.task)));
    this.markRows = shown.slice(0, MAX_MARKS);
    // the session's start is t=0 (as on the axis), not "0 µs"
    const at = (c) => {
      const t = app.axis.time(c) - d.start;
      return t ? fmtTime(t, 1000) : 't=0';
    };
    $('marks-count').textContent = `${shown.length}${win ? '' : ' (in view)'}`;
    const item = (m, i) => `<li><button data-i="${i}" data-testid="marks-item">`
      + `<span class="when">${esc(at(m.ts))}</span> `
      + `<span class="who">${esc(app.nameOf(m.track, m.task))}</span> ${esc(m.text)}</button></li>`;
    const more = shown.length - MAX_MARKS;
    $('marks-list').innerHTML = this.markRows.map(item).join('')
      + (more > 0 ? `<li class="muted">… ${more} more: search to narrow</li>` : '');
    app.state.marksList = this.markRows.length;
  }

  jumpToMark(m) {
    const app = this.app, vp = app.vp;
    const span = Math.min(vp.span, Math.max(vp.minSpan * 20, (app.axis.end - app.axis.start) / 20));
    vp.set(m.ts - span / 2, m.ts + span / 2);
    app.setCursor(m.ts);
    const lane = app.laneByKey.get(taskKey(m.track, m.task));
    if (lane) { app.select(lane); app.reveal(lane); }
    app.changed('zoom');
    app.state.jumped = { text: m.text, at: m.ts };
  }

  // ---- a selected range ----
  setRange(a, b) {
    this.range = b > a ? [a, b] : null;
    this.renderRange();
    this.app.tl.range = this.range;
    this.app.changed('range');
  }

  renderRange() {
    const el = $('range-body'), app = this.app;
    if (!this.range || !app.lastScene) {
      el.innerHTML = '<p class="muted">Shift+drag over the timeline to select a range.</p>';
      app.state.range = null;
      return;
    }
    const [a, b] = this.range;
    const axis = app.axis;
    const rows = rangeTotals(app.lanes, app.lastScene, a, b, (c0, c1) => axis.dur(c0, c1));
    const len = axis.dur(a, b);
    const from = fmtTime(axis.time(a) - app.data.start, 1000);
    el.innerHTML = `<p data-testid="range-length"><b>${fmtDur(len)}</b> from ${from}</p>`
      + `<table class="totals">${head(['task', 'busy', 'sched.', 'waiting'])}`
      + rows.map((r) => row(`data-testid="range-row" data-key="${r.key}"`, esc(r.name),
        [fmtDur(r.running), fmtDur(r.ready), fmtDur(r.waiting)])).join('')
      + '</table>';
    app.state.range = { from: a, to: b, ns: len, tasks: rows };
  }

  // ---- waits by await site, and ready → running delays (the session read whole, or the
  // events in view) ----
  analyse() {
    const app = this.app;
    const win = app.axis?.order ? app.axis.win : app.data?.full ?? app.lastScene?.win;
    if (!win?.spans) {
      $('wait-sites').innerHTML = '<p class="muted">Zoom in until every event is drawn.</p>';
      $('delay-histogram').innerHTML = '';
      app.state.analysis = null;
      return;
    }
    const dur = (c0, c1) => app.axis.dur(c0, c1);
    const sites = waitSites(win, dur, app.lastScene?.end ?? app.axis.end).slice(0, 12);
    $('wait-sites').innerHTML = `<table class="totals">${head(['await site', 'n', 'total', 'max'])}`
      + sites.map((x) => row('data-testid="wait-site"',
        `<code>${esc(x.site)}</code> ${esc(x.reason)}`,
        [x.count, fmtDur(x.total), fmtDur(x.max)])).join('')
      + '</table>';
    const h = readyDelays(win, dur);
    const top = Math.max(1, ...h.bins.map((x) => x.count));
    const bin = (x) => `<tr data-testid="delay-bin"><th>${fmtDur(x.lo)}–${fmtDur(x.hi)}</th>`
      + `<td><span style="width:${Math.max(1, (100 * x.count) / top)}%"></span></td>`
      + `<td class="num">${x.count}</td></tr>`;
    $('delay-histogram').innerHTML = !h.n
      ? '<p class="muted">No task became ready and then ran here.</p>'
      : `<p class="muted">${h.n} delays: median ${fmtDur(h.p50)}, p99 ${fmtDur(h.p99)}, `
        + `max ${fmtDur(h.max)}</p><table class="hist">${h.bins.map(bin).join('')}</table>`;
    app.state.analysis = { sites, delays: h };
  }

  // ---- the session's actions ----
  async rename(label) {
    const d = this.app.data;
    const r = await this.app.socket.ask('label', { session: d.id, label });
    $('rename-status').textContent = r.ok === false ? `not renamed: ${r.error}` : 'renamed';
  }

  async remove() {
    const d = this.app.data;
    const what = `session #${d.id} (${sessionName(d.meta)})`;
    if (!window.confirm(`Delete ${what} and its records?`)) return;
    const r = await this.app.socket.ask('delete', { session: d.id });
    $('rename-status').textContent = r.ok === false ? `not deleted: ${r.error}`
      : `deleted #${d.id}`;
  }
}
