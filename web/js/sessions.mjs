// sessions.mjs: the session list: every stored session, newest first, live ones marked and
// updated from the websocket's `session` pushes as they run; a click opens one (#session=N).

import { fmtDur, fmtCount, esc } from './format.mjs';

export function sessionName(s) {
  if (s.label) return s.label;
  const prog = (s.argv?.[0] ?? s.program ?? '').split('/').pop();
  return [prog, ...(s.argv ?? []).slice(1)].join(' ') || `session ${s.id}`;
}

export function renderSessionList(ol, empty, sessions, openId) {
  const rows = [...sessions.values()].sort((a, b) => b.id - a.id);
  empty.hidden = rows.length > 0;
  ol.innerHTML = rows.map((s) => {
    const started = new Date(Number(BigInt(s.started_wall_ns) / 1000000n));
    const when = started.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const dur = s.end_ns > s.start_ns ? fmtDur(s.end_ns - s.start_ns) : '';
    return `<li><a href="#session=${s.id}" data-testid="session-item" data-session="${s.id}" data-status="${esc(s.status)}"${s.id === openId ? ' aria-current="page"' : ''}>
<span class="name">${esc(sessionName(s))}</span>
<span class="meta">#${s.id} · ${esc(when)} · ${dur ? `${dur} · ` : ''}${fmtCount(s.events)} events · ${s.tasks} tasks
<span class="badge ${esc(s.status)}" data-testid="session-status">${esc(s.status)}</span>${s.clock === 'virtual' ? ' <span class="badge">virtual clock</span>' : ''}</span></a></li>`;
  }).join('');
}
