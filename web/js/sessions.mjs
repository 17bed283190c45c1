// sessions.mjs: the session list: every stored session, newest first, live ones marked and
// updated from the websocket's `session` pushes as they run; a click opens one (#session=N).

import { fmtDur, fmtCount, fmtClock, esc } from './format.mjs';

export function sessionName(s) {
  if (s.label) return s.label;
  const prog = (s.argv?.[0] ?? s.program ?? '').split('/').pop();
  return [prog, ...(s.argv ?? []).slice(1)].join(' ') || `session ${s.id}`;
}

// Updates the list in place (one <li> per session, rewritten only when it changed), so
// that focus and hover survive the pushes that arrive every 100 ms while a program runs.
export function renderSessionList(ol, empty, sessions, openId) {
  const rows = [...sessions.values()].sort((a, b) => b.id - a.id);
  empty.hidden = rows.length > 0;
  const have = new Map([...ol.children].map((li) => [Number(li.dataset.session), li]));
  let prev = null;
  for (const s of rows) {
    let li = have.get(s.id);
    have.delete(s.id);
    if (!li) {
      li = document.createElement('li');
      li.dataset.session = s.id;
      li.innerHTML =
        `<a href="#session=${s.id}" data-testid="session-item" data-session="${s.id}"></a>`;
    }
    const a = li.firstElementChild;
    const html = itemHTML(s);
    if (a.dataset.html !== html) { a.innerHTML = html; a.dataset.html = html; }
    if (a.dataset.status !== s.status) a.dataset.status = s.status;
    if (s.id === openId) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
    const want = prev ? prev.nextElementSibling : ol.firstElementChild;
    if (want !== li) ol.insertBefore(li, want);
    prev = li;
  }
  for (const li of have.values()) li.remove();
}

function itemHTML(s) {
  const started = new Date(Number(BigInt(s.started_wall_ns) / 1000000n));
  const when = fmtClock(started);
  const dur = s.end_ns > s.start_ns ? fmtDur(s.end_ns - s.start_ns) : '';
  return `<span class="name">${esc(sessionName(s))}</span>
<span class="meta">#${s.id} · ${esc(when)} · ${dur ? `${dur} · ` : ''}\
${fmtCount(s.events)} events · ${s.tasks} tasks
<span class="badge ${esc(s.status)}" data-testid="session-status">${esc(s.status)}</span>${
  s.clock === 'virtual' ? ' <span class="badge">virtual clock</span>' : ''}</span>`;
}
