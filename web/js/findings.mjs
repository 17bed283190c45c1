// findings.mjs: two panels of the side bar for the open session: its lints (GET
// /api/sessions/N/lint), a list whose entries jump the timeline to the finding's moment and
// select its task; and the await graph at the cursor (GET /api/sessions/N/awaits?at=), the
// tree of who awaits whom, each wait with its reason, site and age, cycles said as such;
// clicking a task in it selects that task's lane, and the selected task's awaiters and what it
// awaits are tinted on the timeline (tracks/awaitlinks.mjs). The app calls changed(why).

import { getJSON } from './api.mjs';
import { fmtDur, esc } from './format.mjs';
import { taskKey } from './model.mjs';
import { awaitLinks } from './tracks/awaitlinks.mjs';

const section = (id, title, into) => {
  const s = document.createElement(into === 'side' ? 'section' : 'div');
  s.id = id;
  s.dataset.testid = id;
  s.innerHTML = `<h2>${esc(title)}</h2><div class="body"></div>`;
  document.getElementById(into).appendChild(s);
  return s.querySelector('.body');
};

export class Findings {
  constructor(app) {
    this.app = app;
    this.lints = section('lints', 'Lints', 'side');
    this.awaits = section('awaits', 'Who awaits whom', 'inspector'); // in the inspector
    this.session = null;
    this.cursorAsked = undefined;
    this.seq = 0;
    this.g = null;       // the await graph at the cursor, as the API gave it
    this.linked = null;  // [graph, selected key] the timeline's links were made from
    app.state.lints = null;
    app.state.awaits = null;
    app.state.links = null;
  }

  changed(why) {
    const d = this.app.data;
    if (!d) return;
    if (why === 'open' || d.id !== this.session) { this.g = null; this.load(d.id); }
    if (this.app.cursor !== this.cursorAsked) this.graph(d.id, this.app.cursor);
    this.relate();
  }

  // The selected task's await edges for the timeline to draw, when the graph or the selection
  // changed; the lanes' roles reach the text mirror too (state.links: the tasks' names).
  relate() {
    const key = this.app.selected?.key ?? null;
    if (this.linked && this.linked[0] === this.g && this.linked[1] === key) return;
    this.linked = [this.g, key];
    const links = awaitLinks(this.g, key);
    this.app.tl.links = links;
    this.app.mirrorDirty = true;
    const names = (keys) => keys.map((k) => this.app.laneByKey.get(k)?.name ?? k).sort();
    this.app.state.links = links && { task: this.app.selected.name, at_ns: this.g.at_ns,
      awaiters: names(links.awaiters), awaited: names(links.awaited) };
  }

  async load(id) {
    this.session = id;
    // null until this session's answer: opening a session replaces app.state, and a test (or
    // the mirror) must not take the previous session's list, or no list, for this one's
    this.app.state.lints = null;
    this.app.state.lintError = null;
    this.lints.innerHTML = '<p class="muted">linting…</p>';
    try {
      const r = await getJSON(`/api/sessions/${id}/lint`);
      if (this.session !== id) return;
      this.list = r.findings;
      this.app.state.lints = r.findings.map((f) =>
        ({ lint: f.lint, name: f.name, file: f.file, line: f.line, at_ns: f.at_ns }));
      this.lints.innerHTML = r.findings.length === 0 ? '<p class="muted">Nothing found.</p>'
        : `<ol>${r.findings.map((f, i) => `<li><button data-i="${i}" data-testid="finding">`
          + `<b>${esc(f.lint)}</b> ${esc(f.name)} `
          + `${f.file ? `<code>${esc(f.file)}:${f.line}</code> ` : ''}`
          + `${f.percent != null ? `${f.percent}% self` : fmtDur(f.ns)}</button></li>`)
          .join('')}</ol>`;
      for (const b of this.lints.querySelectorAll('button'))
        b.onclick = () => this.jump(this.list[Number(b.dataset.i)]);
    } catch (err) {
      if (this.session !== id) return;
      this.app.state.lintError = err.message;
      this.lints.innerHTML = `<p class="muted">${esc(err.message)}</p>`;
    }
  }

  // The timeline to the finding: its moment centred, the cursor there, its task selected.
  jump(f) {
    const app = this.app;
    const t = app.axis.coord(f.at_ns);
    const half = (app.vp.b - app.vp.a) / 2;
    app.vp.set(t - half, t + half);
    const lane = app.laneByKey.get(taskKey(f.track, f.task));
    if (lane) app.select(lane);
    app.setCursor(t);
    app.changed('zoom', true);
    app.state.jumped = { lint: f.lint, at_ns: f.at_ns, task: f.name };
  }

  async graph(id, cursor) {
    this.cursorAsked = cursor;
    const seq = ++this.seq;
    if (cursor == null) {
      this.awaits.innerHTML = '<p class="muted">Click the timeline to place the cursor.</p>';
      this.app.state.awaits = null;
      this.g = null;
      return;
    }
    const at = Math.round(this.app.axis.time(cursor));
    try {
      const g = await getJSON(`/api/sessions/${id}/awaits?at=${at}`);
      if (seq !== this.seq) return;
      this.g = { ...g, at_ns: at };
      this.relate();
      this.app.changed('select');
      const node = (n) => {
        const w = n.waits;
        const site = w?.file ? ` <code>${esc(w.file)}:${w.line}</code>` : '';
        const what = w ? `${esc(w.reason)}${site} for ${fmtDur(n.for_ns)}` : esc(n.state);
        const kids = (n.awaits ?? []).map(node).join('');
        return `<li data-testid="await-node" data-key="${taskKey(n.track, n.task)}">`
          + `${n.via ? `<span class="muted">${esc(n.via)}</span> ` : ''}`
          + `<button class="task">${esc(n.name)}</button> ${what}`
          + `${n.cycle ? ' <b>(cycle)</b>' : ''}`
          + `${kids ? `<ul>${kids}</ul>` : ''}</li>`;
      };
      const cycles = g.cycles.map((c) => c.map((m) => esc(m.name)).join(' → ')).join('; ');
      this.awaits.innerHTML = `<ul>${g.roots.map(node).join('')}</ul>`
        + (cycles ? `<p data-testid="await-cycles"><b>cycle:</b> ${cycles}</p>` : '');
      for (const b of this.awaits.querySelectorAll('button.task'))
        b.onclick = () => {
          const lane = this.app.laneByKey.get(b.closest('li').dataset.key);
          if (lane) this.app.select(lane);
          this.app.changed('select');
        };
      const flat = (n) => ({ name: n.name, via: n.via ?? null, reason: n.waits?.reason ?? null,
        awaits: (n.awaits ?? []).map(flat) });
      this.app.state.awaits = { at_ns: at, roots: g.roots.map(flat),
        cycles: g.cycles.map((c) => c.map((m) => m.name)) };
    } catch (err) {
      if (seq !== this.seq) return;
      this.awaits.innerHTML = `<p class="muted">${esc(err.message)}</p>`;
      this.g = null;
      this.relate();
      this.app.changed('select');
    }
  }
}


