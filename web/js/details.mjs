// details.mjs: the words around the canvas: the hover tooltip (each lane kind's own, from
// tracks/), the selected task's panel (busy / scheduled / waiting totals, its records) and
// the loop-state inspector's panel. Positions come in the
// axis' units (ns, or ranks in the records' order); the words are always the clock's, with
// the event's number (#k, its rank) added on the order axis.

import { fmtDur, fmtTime, fmtSite, esc } from './format.mjs';
import { reasonColor, COLORS } from './palette.mjs';
import { waitLabel } from './tracks/task.mjs';
import { TRACKS } from './tracks/index.mjs';
import { wakeTooltip } from './tracks/wakes.mjs';

// ctx: {nameOf(track, task), rel(c) -> ns from the start, dur(c0, c1) -> ns, time(c) -> ns,
// steps(c0, c1) (on the order axis, else null), start (ns), end (axis units)}
export function tooltipHTML(hit, ctx) {
  if (!hit || !hit.item) return '';
  if (hit.item.type === 'wake') return wakeTooltip(hit.item, ctx);
  return TRACKS[hit.lane.kind].tooltip(hit.item, hit.lane, ctx);
}

function bar(parts) {
  const total = parts.reduce((s, p) => s + p.v, 0) || 1;
  const span = (p) => `<span style="width:${(100 * p.v) / total}%;background:${p.color}" `
    + `title="${esc(p.label)}"></span>`;
  return `<div class="sharebar">${parts.map(span).join('')}</div>`;
}

const atSite = (site) => (site ? ` at ${esc(fmtSite(site))}` : '');

const describe = (e, nameOf, timeOf) => {
  switch (e.kind) {
    case 'create': return `created “${esc(e.name ?? '')}”${atSite(e.site)}`;
    case 'ready': {
      const by = e.waker === 'task' ? esc(nameOf(e.track, e.args[0])) : `${e.waker} #${e.args[0]}`;
      return `ready (${e.cause}${e.waker && e.waker !== 'none' ? `, by ${by}` : ''})`;
    }
    case 'resume': return 'resumed';
    case 'suspend': {
      const wait = { reason: e.reason, obj: e.args[0], detail: e.args[2], t0: e.ts,
        track: e.track, ev: e };
      return `suspended: ${esc(waitLabel(wait, nameOf, timeOf))}${atSite(e.site)}`;
    }
    case 'done': return `done (${e.outcome})`;
    case 'mark': return `mark “${esc(e.text ?? '')}”`;
    case 'timer-arm': return `armed timer #${e.args[0]}`;
    case 'cancel': return 'cancel requested';
    default: return esc(e.kind);
  }
};

// A row of the totals table: a state, its swatch and words, and its time.
const totalRow = (state, swatch, words, ns) =>
  `  <tr data-state="${state}"><th>${swatch}${words}</th><td class="num">${fmtDur(ns)}</td></tr>`;

// The selected task's panel. info: the API's task (its times on the clock); totals:
// {running, ready, waiting} in ns; events: its records as placed on the axis (may be null
// when not loaded).
export function taskPanelHTML(lane, info, totals, events, ctx) {
  const at = (t) => fmtTime(ctx.rel(t), 1000);
  const atClock = (t) => fmtTime(t - ctx.start, 1000);
  const parent = info?.parent ? ctx.nameOf(lane.track, info.parent) : '(top level)';
  const rank = (e) => (ctx.steps
    ? `<td class="num muted" title="event number (rank in the records' order)">#${e.ts}</td>` : '');
  const rows = (events ?? []).slice(0, 400).map((e) => `<tr>${rank(e)}<td class="num">${at(e.ts)}`
    + `</td><td>${describe(e, ctx.nameOf, ctx.time)}</td></tr>`).join('');
  const more = events && events.length > 400
    ? `<p class="muted">… and ${events.length - 400} more</p>` : '';
  const spawn = info?.spawn ? ` at <code>${esc(fmtSite(info.spawn))}</code>` : '';
  const ended = info?.finished_ns != null
    ? `${atClock(info.finished_ns)} (${esc(info.outcome)})` : 'still running';
  const lived = info ? `${atClock(info.created_ns)} → ${ended}` : '?';
  const waitColor = reasonColor('task');
  const share = bar([{ v: totals.running, color: COLORS.running, label: 'running' },
    { v: totals.ready, color: COLORS.ready, label: 'scheduled' },
    { v: totals.waiting, color: waitColor, label: 'waiting' }]);
  const list = events ? `<table class="events" data-testid="task-events">${rows}</table>${more}`
    : '<p class="muted">Zoom in to load this task\'s events.</p>';
  return `<h2 data-testid="selected-name">${esc(lane.name)}</h2>
<dl class="facts">
  <dt>task</dt><dd>#${lane.task} on loop ${lane.track}</dd>
  <dt>created by</dt><dd>${esc(parent)}${spawn}</dd>
  <dt>lived</dt><dd>${lived}</dd>
</dl>
<table class="totals" data-testid="totals">
${totalRow('running', `<i style="background:${COLORS.running}"></i>`, 'busy (running)',
    totals.running)}
${totalRow('ready', '<i class="hatch"></i>', 'scheduled (ready)', totals.ready)}
${totalRow('waiting', `<i style="background:${waitColor}"></i>`, 'waiting', totals.waiting)}
</table>
${share}
<h3>Events${events ? ` (${events.length})` : ''}</h3>
${list}`;
}

export function inspectorHTML(st, ctx, error = null) {
  if (error) return `<p class="error" data-testid="inspector-error">${esc(error)}</p>`;
  if (!st) {
    return '<p class="muted">Click the timeline to place the cursor: the loop\'s state at that '
      + 'moment shows here.</p>';
  }
  const at = (t) => fmtTime(ctx.rel(t), 1000);
  const name = (key) => {
    const [tr, tk] = key.split(':').map(Number);
    return esc(ctx.nameOf(tr, tk));
  };
  const ready = st.ready.map((r) => `<li data-key="${r.key}">${name(r.key)} <span class="muted">`
    + `since ${at(r.since)}${r.cause ? `, ${esc(r.cause)}` : ''}</span></li>`).join('');
  const timers = st.timers.map((tm) => {
    const whose = tm.task ? `, ${esc(ctx.nameOf(tm.track, tm.task))}` : '';
    return `<li>timer #${tm.id} due ${at(tm.deadline)} <span class="muted">`
      + `(in ${fmtDur(ctx.dur(st.t, tm.deadline))}${whose})</span></li>`;
  }).join('');
  const waiting = st.waiting.map((w) => {
    const what = w.obj != null || w.detail != null
      ? waitLabel({ reason: w.reason, obj: w.obj, detail: w.detail, t0: w.since, track: w.track,
        ev: true }, ctx.nameOf, ctx.time)
      : w.reason;
    return `<li data-key="${w.key}">${name(w.key)}: <b>${esc(what)}</b> <span class="muted">`
      + `since ${at(w.since)}${atSite(w.site)}</span></li>`;
  }).join('');
  let loop = 'not started';
  if (st.iter?.polling) loop = `polling for I/O / timers (iteration #${st.iter.n ?? '?'})`;
  else if (st.iter) loop = `iteration #${st.iter.n}: ${st.iter.cbs} callbacks ready`;
  const step = ctx.steps ? ` (event #${Math.floor(st.t)})` : '';
  const running = st.running ? name(st.running.key)
    : '<span class="muted">no task (the loop itself)</span>';
  const partial = st.partial ? '<p class="muted">Rebuilt from the records loaded around here: '
    + 'timers armed earlier are not listed.</p>' : '';
  return `<p>At <b data-testid="inspector-time">${at(st.t)}</b>${step}: ${esc(loop)}</p>
<h3>Running</h3><p data-testid="inspector-running">${running}</p>
<h3>Ready queue <span class="muted">(runs in this order)</span></h3>
<ol data-testid="ready-queue">${ready || '<li class="muted empty">empty</li>'}</ol>
<h3>Pending timers <span class="muted">(by deadline)</span></h3>
<ol data-testid="pending-timers">${timers || '<li class="muted empty">none</li>'}</ol>
<h3>Suspended tasks wait on</h3>
<ul data-testid="waiting-tasks">${waiting || '<li class="muted empty">none</li>'}</ul>
${partial}`;
}
