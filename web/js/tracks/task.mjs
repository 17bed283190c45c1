// tracks/task.mjs: a task's lane: its life as a faint band; running slices (full height,
// blue, named), scheduled spans (hatched orange), waiting spans (half height, coloured and
// labelled by what they wait for); the lines it printed as marks; zoomed out, the share of
// each state per pixel column. Its hit test and tooltips say the same in words.

import { COLORS, FAMILY_LABEL, reasonColor, reasonFamily } from '../palette.mjs';
import { fmtDur, fmtSite, esc } from '../format.mjs';
import { firstEndingAfter, firstStartingAt } from '../model.mjs';
import { GUTTER } from '../viewport.mjs';
import { SMALL, textW, hatchPattern, clampX, within, fills } from './draw.mjs';
import { columns, runs } from './summary.mjs';
import { length, at } from './words.mjs';
import { drawLinkTint } from './awaitlinks.mjs';
import { queueLabel, claim } from './labels.mjs';
import { wakeEnd, wakerWords, endedByHTML } from './wakes.mjs';

// The label a waiting span shows: what it waits for. timeOf: the clock at the span's start
// (the axis' time(), for spans placed in steps).
export function waitLabel(span, nameOf, timeOf = (t) => t) {
  switch (span.reason) {
    case 'sleep': return span.detail ? `sleep ${fmtDur(span.detail - timeOf(span.t0))}` : 'sleep';
    case 'task': return `await ${span.obj ? nameOf(span.track, span.obj) : 'task'}`;
    case 'future': return span.obj ? `await future #${span.obj}` : 'await future';
    case 'gather': return 'gather';
    case 'io': return span.detail != null && span.ev ? `I/O fd ${span.detail}` : 'I/O';
    case 'stream': return span.detail != null && span.ev ? `stream fd ${span.detail}` : 'stream';
    case 'process': return span.detail ? `process ${span.detail}` : 'process';
    case 'executor': return span.detail ? `worker job #${span.detail}` : 'worker thread';
    case 'lock': case 'event': case 'semaphore': case 'queue': case 'condition':
    case 'barrier':
      return span.obj ? `${span.reason} #${span.obj}` : span.reason;
    default: return span.reason ?? 'waiting';
  }
}

function drawSpan(ctx, scene, lane, s, x0, x1, y) {
  const h = lane.h, w = Math.max(1, x1 - x0), vp = scene.vp;
  if (s.state === 'running') {
    ctx.fillStyle = COLORS.running;
    ctx.fillRect(x0, y + 2, w, h - 4);
    if (w > 30) {
      const lx = Math.max(x0, GUTTER) + 4;
      queueLabel(scene, lane, { x: lx, y: y + h / 2, text: lane.name, maxX: x1 - 4,
        on: COLORS.running });
    }
  } else if (s.state === 'ready') {
    ctx.fillStyle = hatchPattern(ctx);
    ctx.fillRect(x0, y + 2, w, h - 4);
  } else {
    ctx.fillStyle = reasonColor(s.reason);
    ctx.fillRect(x0, y + h * 0.3, w, h * 0.4);
    if (w <= 30) return;
    const label = waitLabel({ ...s, track: lane.track }, scene.nameOf, (t) => scene.axis.time(t));
    const tw = textW(ctx, label);
    const vx0 = Math.max(x0, GUTTER), vx1 = Math.min(x1, vp.width);
    const lx = Math.max(vx0 + 4, (vx0 + vx1) / 2 - tw / 2);
    queueLabel(scene, lane, { x: lx, y: y + h / 2, text: label, maxX: vx1 - 4 });
  }
}

// A tick per mark, kept 4 px apart (denser marks, as thinned summaries give, stay ticks
// rather than a solid bar), with a head where they stand apart, and the text where it fits
// before the next mark (whole, or cut when at least 14 px of it shows; the last one, at the
// right edge, left of its tick).
export function drawMarks(ctx, scene, lane, marks, stats) {
  if (!marks || !marks.length) return;
  const { vp } = scene;
  const y = vp.laneY(lane);
  let i = firstStartingAt(marks, vp.a - vp.nsPerPx * 200, 'ts');
  let labelEnd = -1e9, lastTick = -1e9;
  ctx.font = SMALL;
  ctx.textBaseline = 'middle';
  for (; i < marks.length && marks[i].ts <= vp.b; i++) {
    const m = marks[i];
    const x = vp.x(m.ts);
    const next = marks[i + 1] ? vp.x(marks[i + 1].ts) : Infinity;
    if (x >= GUTTER - 1 && x - lastTick >= 4) {
      ctx.fillStyle = COLORS.mark;
      ctx.fillRect(Math.round(x) - 1, y + 1, 2, lane.h - 2);
      if (x - lastTick >= 10 && next - x >= 10) {
        ctx.beginPath();
        ctx.moveTo(x - 4, y + 1); ctx.lineTo(x + 4, y + 1); ctx.lineTo(x, y + 6);
        ctx.fill();
      }
      lastTick = x;
      claim(scene, lane, x - 2, x + 2);
      stats.marks++;
    }
    const tw = textW(ctx, m.text);
    if (x + 4 > labelEnd && (next - x > tw + 10 || next - x > 60)) {
      // right of its tick; at the canvas' right edge, where it would be cut, left of it when
      // the room there is free of labels and ticks
      const prev = i > 0 ? vp.x(marks[i - 1].ts) : -Infinity;
      const right = Math.min(next - 6, vp.width - 2) - Math.max(x + 4, GUTTER + 2);
      const left = x - 6 - Math.max(labelEnd, prev + 4, GUTTER + 2);
      const edge = next >= vp.width && right < tw && left > right;
      const lx = edge ? x - 4 - Math.min(tw, left) : Math.max(x + 4, GUTTER + 2);
      const w = Math.min(tw, Math.max(0, edge ? left : right));
      if ((w >= tw || w > 14) && lx < vp.width) {
        ctx.fillStyle = 'rgba(255,255,255,0.92)';
        ctx.fillRect(lx - 2, y + 4, w + 4, lane.h - 8);
        ctx.fillStyle = COLORS.text;
        ctx.save();
        ctx.beginPath();
        ctx.rect(lx - 2, y, w + 4, lane.h);
        ctx.clip();
        ctx.fillText(m.text, lx, y + lane.h / 2 + 0.5);
        ctx.restore();
        labelEnd = lx + w + 4;
        claim(scene, lane, lx - 2, lx + w + 2, m.text, stats);
        if (stats.labels.length < 500) stats.labels.push(m.text);
      }
    }
  }
}

function nearMark(marks, t, slack) {
  if (!marks?.length) return null;
  const i = firstStartingAt(marks, t - slack, 'ts');
  let best = null;
  for (let k = i; k < marks.length && marks[k].ts <= t + slack; k++)
    if (!best || Math.abs(marks[k].ts - t) < Math.abs(best.ts - t)) best = marks[k];
  return best;
}

// The share of each state per pixel column, quantised so that runs of equal columns are
// drawn as one rectangle per state.
function drawSummary(ctx, scene, lane, stats) {
  const y = scene.vp.laneY(lane);
  const h = lane.h - 4;
  const c = columns(scene, (t) => t.tasks.get(lane.key), [1, 2, 3], 3);
  if (!c) return;
  stats.buckets += c.W;
  const Q = 16;
  const reasons = [];
  const q = (x) => {
    const b = c.acc[x * 3], r = c.acc[x * 3 + 1], w = c.acc[x * 3 + 2];
    const qb = Math.round(Math.min(1, b) * Q), qr = Math.round(Math.min(1, r) * Q);
    const qw = Math.round(Math.min(1, w) * Q);
    let ri = 0;
    if (qw) {
      ri = reasons.indexOf(c.reason[x]);
      if (ri < 0) ri = reasons.push(c.reason[x]) - 1;
    }
    return ((qb * 17 + qr) * 17 + qw) * 64 + ri;
  };
  const out = fills(), hatch = hatchPattern(ctx);
  runs(c.W, q, (x0, x1, key) => {
    const ri = key % 64, qw = Math.floor(key / 64) % 17;
    const qr = Math.floor(key / (64 * 17)) % 17, qb = Math.floor(key / (64 * 17 * 17));
    let yy = y + 2 + h;
    const seg = (n, style, alpha) => {
      if (n <= 0) return;
      const hh = (h * n) / Q;
      yy -= hh;
      out.rect(style, GUTTER + x0, yy, x1 - x0, hh, alpha);
    };
    seg(qb, COLORS.running, 1);
    seg(qr, hatch, 1);
    if (qw) seg(qw, reasonColor(reasons[ri]), 0.6);
    stats.spans++;
  });
  out.draw(ctx);
}

// woke: what ended a wait (the wake-up after it: tracks/wakes.mjs wakeEnd), or made it ready.
function spanHTML(s, lane, ctx, woke) {
  const name = esc(lane.name);
  const end = s.t1 ?? ctx.end;
  const when = `${at(ctx, s.t0)} → ${at(ctx, end)}`;
  const dur = `${length(ctx, s.t0, end)}${s.t1 == null ? ' so far' : ''}`;
  const by = (id) => esc(ctx.nameOf(lane.track, id));
  if (s.state === 'running') {
    const e = s.endEv;
    const how = !e ? '' : e.kind === 'done' ? `then finished (${esc(e.outcome)})`
      : `then suspended (${esc(e.reason)})`;
    return `<b>${name}</b> running for <b>${dur}</b><br>${when}${how ? `<br>${how}` : ''}`;
  }
  if (s.state === 'ready') {
    const why = s.cause === 'yield' ? 'yielded (sleep 0), back in the ready queue'
      : s.cause === 'spawn'
        ? `created${s.waker === 'task' ? ` by ${by(s.wakerId)}` : ''}, waiting for its first step`
        : woke ? `woken by ${wakerWords(woke, ctx)}` : '';
    return `<b>${name}</b> scheduled (ready, not yet running) for <b>${dur}</b><br>`
      + `${why}<br>${when}`;
  }
  const label = waitLabel({ ...s, track: lane.track }, ctx.nameOf, ctx.time);
  const site = s.site ? `<br>await at <code>${esc(fmtSite(s.site))}</code>`
    : s.initial ? '<br>(the wait began before the records loaded here)' : '';
  const family = esc(FAMILY_LABEL[reasonFamily(s.reason)] ?? s.reason);
  const ended = woke ? `<br>${endedByHTML(woke, ctx)}` : '';
  return `<b>${name}</b> waiting for <b>${dur}</b>: ${family}<br>`
    + `on <b>${esc(label)}</b>${site}<br>${when}${ended}`;
}

function bucketHTML(item, lane, ctx) {
  const span = item.b - item.a;
  const pc = (v) => `${Math.round((100 * v) / span)}%`;
  const part = (what, v) => `${what} ${fmtDur(v)} (${pc(v)})`;
  return `<b>${esc(lane.name)}</b> from ${at(ctx, item.a)}, ${fmtDur(span)} summarised:<br>`
    + `${part('running', item.running)}, ${part('scheduled', item.ready)}, `
    + `${part('waiting', item.waiting)}${item.reason ? `, mostly on ${esc(item.reason)}` : ''}`
    + '<br><i>zoom in for every event</i>';
}

export const task = {
  kind: 'task',
  height: () => 22,

  // the task's life: from creation to its end, a faint band (at its records when loaded);
  // over it, the tint of an awaiter of the selected task or of what it awaits (awaitlinks)
  drawBackground(ctx, scene, lane) {
    const { vp, axis, win } = scene;
    if (lane.info) {
      const y = vp.laneY(lane);
      const created = win?.created?.get(lane.key), done = win?.done?.get(lane.key);
      const a = vp.x(created ? created.ts : axis.coord(lane.info.created_ns));
      const b = vp.x(done ? done.ts : lane.info.finished_ns != null
        ? axis.coord(lane.info.finished_ns) : scene.end);
      ctx.fillStyle = '#f7f7f7';
      const x0 = Math.max(GUTTER, a), x1 = Math.min(vp.width, b);
      if (x1 > x0) ctx.fillRect(x0, y + 2, x1 - x0, lane.h - 4);
    }
    drawLinkTint(ctx, scene, lane, GUTTER, vp.width);
  },

  // the gutter under the name: the same tint, so that the role shows by the name too
  drawGutter(ctx, scene, lane) {
    drawLinkTint(ctx, scene, lane, 0, GUTTER - 1);
  },

  drawEvents(ctx, scene, lane, stats) {
    const { vp, win, end } = scene;
    const y = vp.laneY(lane);
    const spans = win.spans.get(lane.key);
    if (!spans) return;
    let i = firstEndingAfter(spans, vp.a, end);
    ctx.font = SMALL;
    ctx.textBaseline = 'middle';
    // spans under a pixel wide are summed per pixel column, drawn as the state that held
    // the column longest (what the summaries do zoomed out): a frame costs the screen
    let col = -1;
    const acc = { running: 0, ready: 0, waiting: 0 };
    let reason = null, lastState = 'running';
    const flush = () => {
      if (col < 0) return;
      const none = !acc.running && !acc.ready && !acc.waiting; // spans of no length
      const state = none ? lastState : acc.running >= acc.ready && acc.running >= acc.waiting
        ? 'running' : acc.ready >= acc.waiting ? 'ready' : 'waiting';
      drawSpan(ctx, scene, lane, { state, reason }, col, col + 1, y);
      stats.spans++;
      col = -1;
      acc.running = acc.ready = acc.waiting = 0;
    };
    for (; i < spans.length; i++) {
      const s = spans[i];
      if (s.t0 > vp.b) break;
      const x0 = clampX(vp.x(s.t0), vp), x1 = clampX(vp.x(s.t1 ?? end), vp);
      if (x1 - x0 < 1) {
        const c = Math.floor(x0);
        if (c !== col) { flush(); col = c; }
        acc[s.state] += x1 - x0;
        lastState = s.state;
        if (s.state === 'waiting') reason = s.reason;
        continue;
      }
      flush();
      drawSpan(ctx, scene, lane, s, x0, x1, y);
      stats.spans++;
    }
    flush();
  },

  drawSummary,

  // drawn over every lane (and the arrows): the marks of the window, or of the summaries
  drawOver(ctx, scene, lane, stats) {
    const marks = scene.mode === 'events' ? scene.win.marksByTask?.get(lane.key)
      : scene.summaryMarks?.get(lane.key);
    drawMarks(ctx, scene, lane, marks, stats);
  },

  hit(scene, lane, t) {
    const px = scene.vp.nsPerPx;
    const m = nearMark(scene.win.marksByTask.get(lane.key), t, 4 * px);
    if (m) return { type: 'mark', mark: m };
    const spans = scene.win.spans.get(lane.key) ?? [];
    const s = within(spans, t, scene.end, 2 * px);
    if (!s) return null;
    // what ended a wait: the wake-up that made the task ready after it
    const next = s.state === 'waiting' && s.t1 != null ? spans[spans.indexOf(s) + 1] : null;
    const ready = s.state === 'ready' ? s : next?.state === 'ready' ? next : null;
    return { type: 'span', span: s, end: ready && wakeEnd(scene, ready, lane.track) };
  },

  hitSummary(scene, lane, t) {
    const m = nearMark(scene.summaryMarks?.get(lane.key), t, 4 * scene.vp.nsPerPx);
    return m ? { type: 'mark', mark: m } : null;
  },

  tooltip(item, lane, ctx) {
    switch (item.type) {
      case 'mark': {
        const m = item.mark;
        const who = esc(ctx.nameOf(m.track, m.task));
        return `<b>mark</b> “${esc(m.text)}”<br>printed by <b>${who}</b> at ${at(ctx, m.ts)}`;
      }
      case 'span': return spanHTML(item.span, lane, ctx, item.end);
      case 'bucket': return bucketHTML(item, lane, ctx);
      default: return '';
    }
  },
};
