// storebanner.mjs: the banner that says when the collector cannot store what it takes in (a
// full disk: docs/architecture.md, "Loss"), from GET /api/status whenever the websocket
// (re)connects and from its `store` pushes after; and, while any is listed, which sessions
// lost records that could not be stored (their `unstored`). Hidden when there is neither.

import { getJSON } from './api.mjs';
import { fmtCount, esc } from './format.mjs';
import { sessionName } from './sessions.mjs';

export class StoreBanner {
  constructor(socket) {
    this.el = document.createElement('div');
    Object.assign(this.el, { id: 'store-banner', hidden: true });
    this.el.setAttribute('role', 'alert');
    this.el.dataset.testid = 'store-banner';
    document.querySelector('header').after(this.el);
    this.failing = null; // the store's state while it cannot store, else null
    this.lost = [];      // sessions with records that could not be stored
    this.pushes = 0;
    socket.on((m) => { if (m.type === 'store') { this.pushes++; this.store(m); } });
    socket.onopen.add(() => this.refresh());
  }

  // The state as GET /api/status has it, unless a push said otherwise while it was asked.
  async refresh() {
    const before = this.pushes;
    try {
      const { store } = await getJSON('/api/status');
      if (this.pushes === before) this.store(store);
    } catch { /* the daemon is gone: the socket reconnects and asks again */ }
  }

  store(s) {
    this.failing = s.ok === false ? s : null;
    this.render();
  }

  sessions(all) {
    this.lost = [...all.values()].filter((s) => s.unstored > 0).sort((a, b) => b.id - a.id);
    this.render();
  }

  render() {
    const parts = [];
    if (this.failing) {
      const f = this.failing;
      parts.push(`<p data-testid="store-failing"><strong>The collector cannot store what it
takes in:</strong> ${esc(f.error ?? 'storing failed')}. ${fmtCount(f.waiting ?? 0)} records
wait to be stored; nothing is lost yet: programs wait (or count what they drop), and storing is
tried again every second. Make room on the disk.</p>`);
    }
    if (this.lost.length) {
      const names = this.lost.slice(0, 3).map((s) => `<a href="#session=${s.id}">#${s.id} `
        + `${esc(sessionName(s))}</a> (${fmtCount(s.unstored)})`);
      if (this.lost.length > 3) names.push(`${this.lost.length - 3} more`);
      parts.push(`<p data-testid="store-lost"><strong>Records lost:</strong> the collector
stopped while it could not store them, in ${names.join(', ')}.</p>`);
    }
    const html = parts.join('');
    if (html !== this.el.innerHTML) this.el.innerHTML = html;
    this.el.hidden = !html;
    this.el.dataset.state = this.failing ? 'failing' : this.lost.length ? 'lost' : 'ok';
  }
}
