// render.mjs: draws one frame of the timeline on a canvas: the axis, the loop lanes, the
// timers lane, task lanes and worker lanes; at event level from an EventWindow (exact spans,
// marks, timers, wake-up arrows), zoomed out from the collector's per-bucket summaries (per
// pixel column: the share of time running, scheduled and waiting). Only the lanes and the
// range in view are visited, so a frame costs what is on screen. Positions are in the units
// of scene.axis (orderaxis.mjs: ns, or steps of the records' order); the words drawn (tick
// labels, durations) ask it for the clock's time.

import { COLORS, reasonColor } from './palette.mjs';
import { fmtDur } from './format.mjs';
import { firstEndingAfter, firstStartingAt } from './model.mjs';
import { GUTTER, AXIS } from './viewport.mjs';

const FONT = '11px system-ui, -apple-system, "Segoe UI", sans-serif';
const SMALL = '10px system-ui, -apple-system, "Segoe UI", sans-serif';
const widthCache = new Map();

function textW(ctx, s) {
  let w = widthCache.get(s);
  if (w === undefined) {
    w = ctx.measureText(s).width;
    if (widthCache.size > 5000) widthCache.clear();
    widthCache.set(s, w);
  }
  return w;
}

let hatch = null;
function hatchPattern(ctx) {
  if (hatch) return hatch;
  const c = document.createElement('canvas');
  c.width = c.height = 6;
  const g = c.getContext('2d');
  g.fillStyle = 'rgba(230,159,0,0.30)';
  g.fillRect(0, 0, 6, 6);
  g.strokeStyle = COLORS.ready;
  g.lineWidth = 1.5;
  g.beginPath();
  g.moveTo(-1, 7); g.lineTo(7, -1);
  g.moveTo(-1, 1); g.lineTo(1, -1);
  g.moveTo(5, 7); g.lineTo(7, 5);
  g.stroke();
  hatch = ctx.createPattern(c, 'repeat');
  return hatch;
}

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

export function draw(ctx, scene) {
  const { vp } = scene;
  const stats = { spans: 0, marks: 0, arrows: 0, buckets: 0, lanes: 0 };
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, vp.width, vp.height);
  const tk = scene.axis.ticks(vp.a, vp.b, vp.plotW);
  // grid
  ctx.fillStyle = COLORS.grid;
  for (const t of tk) ctx.fillRect(Math.round(vp.x(t.at)), AXIS, 1, vp.plotH);
  // lanes
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, AXIS, vp.width, vp.plotH);
  ctx.clip();
  const visible = [];
  for (const lane of scene.lanes) {
    const y = vp.laneY(lane);
    if (y + lane.h < AXIS || y > vp.height) continue;
    visible.push(lane);
  }
  for (const lane of visible) drawLaneBackground(ctx, scene, lane);
  ctx.save();
  ctx.beginPath();
  ctx.rect(GUTTER, AXIS, vp.plotW, vp.plotH);
  ctx.clip();
  for (const lane of visible) {
    stats.lanes++;
    if (scene.mode === 'events') drawLaneEvents(ctx, scene, lane, stats);
    else drawLaneSummary(ctx, scene, lane, stats);
  }
  if (scene.mode === 'events') {
    if (scene.opts.arrows) drawArrows(ctx, scene, stats);
    for (const lane of visible) if (lane.kind === 'task') drawMarks(ctx, scene, lane, scene.win.marksByTask?.get(lane.key), stats);
  } else {
    for (const lane of visible) if (lane.kind === 'task') drawMarks(ctx, scene, lane, scene.summaryMarks?.get(lane.key), stats);
  }
  drawCursors(ctx, scene);
  ctx.restore();
  for (const lane of visible) drawLaneName(ctx, scene, lane);
  ctx.restore();
  drawAxis(ctx, scene, tk);
  ctx.restore();
  return stats;
}

function drawLaneBackground(ctx, scene, lane) {
  const { vp } = scene;
  const y = vp.laneY(lane);
  if (scene.selected && lane.key === scene.selected) {
    ctx.fillStyle = COLORS.selection;
    ctx.fillRect(0, y, vp.width, lane.h);
  }
  ctx.fillStyle = '#f3f3f3';
  ctx.fillRect(0, y + lane.h - 1, vp.width, 1);
  if (lane.kind === 'task' && lane.info) {
    // the task's life: from creation to its end, a faint band (at its records when loaded)
    const { axis, win } = scene;
    const created = win?.created?.get(lane.key), done = win?.done?.get(lane.key);
    const a = vp.x(created ? created.ts : axis.coord(lane.info.created_ns));
    const b = vp.x(done ? done.ts : lane.info.finished_ns != null ? axis.coord(lane.info.finished_ns) : scene.end);
    ctx.fillStyle = '#f7f7f7';
    const x0 = Math.max(GUTTER, a), x1 = Math.min(vp.width, b);
    if (x1 > x0) ctx.fillRect(x0, y + 2, x1 - x0, lane.h - 4);
  }
}

function drawLaneName(ctx, scene, lane) {
  const { vp } = scene;
  const y = vp.laneY(lane);
  ctx.fillStyle = '#fafafa';
  ctx.fillRect(0, y, GUTTER - 1, lane.h);
  ctx.fillStyle = '#dddddd';
  ctx.fillRect(GUTTER - 1, y, 1, lane.h);
  ctx.font = lane.kind === 'task' ? FONT : `600 ${FONT}`;
  ctx.fillStyle = lane.kind === 'timers' ? COLORS.muted : COLORS.text;
  ctx.textBaseline = 'middle';
  const indent = 8 + lane.depth * 12;
  if (lane.depth > 0) {
    ctx.fillStyle = '#bbbbbb';
    ctx.fillRect(indent - 8, y + lane.h / 2, 5, 1);
    ctx.fillStyle = COLORS.text;
  }
  let name = lane.name;
  const room = GUTTER - indent - 6;
  while (name.length > 3 && textW(ctx, name) > room) name = `${name.slice(0, -2)}…`;
  ctx.fillText(name, indent, y + lane.h / 2 + 0.5);
}

function clampX(x, vp) { return Math.max(GUTTER - 2, Math.min(vp.width + 2, x)); }

function drawLaneEvents(ctx, scene, lane, stats) {
  const { vp, win } = scene;
  const y = vp.laneY(lane);
  const end = scene.end;
  if (lane.kind === 'loop') {
    const l = win.loops.get(lane.track);
    if (!l) return;
    ctx.fillStyle = COLORS.loopIdle;
    fillSpans(ctx, vp, l.idle, end, y + 3, lane.h - 6);
    ctx.fillStyle = COLORS.loopBusy;
    fillSpans(ctx, vp, l.busy, end, y + 6, lane.h - 12);
    // iterations: boundaries and, where there is room, their number and callback count
    const its = l.iters;
    let i = Math.max(0, firstEndingAfter(its, vp.a, end) - 1);
    let lastX = -1e9;
    ctx.font = SMALL;
    ctx.textBaseline = 'middle';
    for (; i < its.length && its[i].t0 <= vp.b; i++) {
      const it = its[i];
      const x0 = vp.x(it.t0);
      if (x0 - lastX < 2) continue;
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(x0, y + 6, 1, lane.h - 12);
      const x1 = vp.x(it.t1 ?? end);
      const label = `#${it.n} · ${it.cbs} cb`;
      if (x1 - x0 > textW(ctx, label) + 6) {
        ctx.fillStyle = '#ffffff';
        ctx.fillText(label, Math.max(x0, GUTTER) + 3, y + lane.h / 2);
      }
      lastX = x0;
    }
    const idle = l.idle;
    let k = firstEndingAfter(idle, vp.a, end);
    ctx.fillStyle = '#555555';
    for (; k < idle.length && idle[k].t0 <= vp.b; k++) {
      const s = idle[k];
      const x0 = Math.max(GUTTER, vp.x(s.t0)), x1 = Math.min(vp.width, vp.x(s.t1 ?? end));
      const label = `idle ${fmtDur(scene.axis.dur(s.t0, s.t1 ?? end))}`;
      if (x1 - x0 > textW(ctx, label) + 8) ctx.fillText(label, x0 + 4, y + lane.h / 2);
    }
    return;
  }
  if (lane.kind === 'timers') {
    if (!scene.opts.timers) return;
    for (const t of win.timerList) {
      if (t.track !== lane.track) continue;
      const t0 = t.arm ?? win.from, t1 = t.fire ?? t.cancel ?? end;
      if (t1 < vp.a || t0 > vp.b) continue;
      const ry = y + 4 + (t.row ?? 0) * 7;
      const x0 = clampX(vp.x(t0), vp), xd = clampX(vp.x(Math.min(t.deadline ?? t1, t1)), vp), x1 = clampX(vp.x(t1), vp);
      ctx.fillStyle = COLORS.timer;
      ctx.fillRect(x0, ry, Math.max(1, xd - x0), 4);
      if (t.fire != null && t.late > 0) {
        ctx.fillStyle = COLORS.late;
        ctx.fillRect(xd, ry, Math.max(1, x1 - xd), 4);
      }
      ctx.fillStyle = t.cancel != null ? COLORS.muted : COLORS.text;
      ctx.fillRect(x1 - 1, ry - 1, 2, 6);
      stats.spans++;
    }
    return;
  }
  if (lane.kind === 'worker') {
    const w = win.workers.get(lane.track);
    if (!w) return;
    ctx.fillStyle = COLORS.job;
    fillSpans(ctx, vp, w.jobs, end, y + 3, lane.h - 6);
    ctx.strokeStyle = '#8a7d00';
    ctx.font = SMALL;
    ctx.textBaseline = 'middle';
    for (let i = firstEndingAfter(w.jobs, vp.a, end); i < w.jobs.length && w.jobs[i].t0 <= vp.b; i++) {
      const j = w.jobs[i];
      const x0 = vp.x(j.t0), x1 = vp.x(j.t1 ?? end);
      ctx.strokeRect(x0 + 0.5, y + 3.5, Math.max(1, x1 - x0), lane.h - 7);
      const label = `job #${j.job}`;
      if (x1 - x0 > textW(ctx, label) + 6) { ctx.fillStyle = '#000'; ctx.fillText(label, Math.max(GUTTER, x0) + 3, y + lane.h / 2); ctx.fillStyle = COLORS.job; }
    }
    return;
  }
  const spans = win.spans.get(lane.key);
  if (!spans) return;
  const h = lane.h;
  let i = firstEndingAfter(spans, vp.a, end);
  let lastX1 = -1e9, lastState = '';
  ctx.font = SMALL;
  ctx.textBaseline = 'middle';
  for (; i < spans.length; i++) {
    const s = spans[i];
    if (s.t0 > vp.b) break;
    let x0 = vp.x(s.t0), x1 = vp.x(s.t1 ?? end);
    if (x1 < lastX1 + 0.6 && s.state === lastState && x1 - x0 < 0.6) continue; // sub-pixel, same look
    x0 = clampX(x0, vp);
    x1 = clampX(x1, vp);
    const w = Math.max(1, x1 - x0);
    stats.spans++;
    if (s.state === 'running') {
      ctx.fillStyle = COLORS.running;
      ctx.fillRect(x0, y + 2, w, h - 4);
      if (w > 40) {
        const name = lane.name;
        if (textW(ctx, name) + 8 < w) { ctx.fillStyle = '#ffffff'; ctx.fillText(name, x0 + 4, y + h / 2); }
      }
    } else if (s.state === 'ready') {
      ctx.fillStyle = hatchPattern(ctx);
      ctx.fillRect(x0, y + 2, w, h - 4);
    } else {
      ctx.fillStyle = reasonColor(s.reason);
      ctx.fillRect(x0, y + h * 0.3, w, h * 0.4);
      if (w > 30) {
        const label = waitLabel({ ...s, track: lane.track }, scene.nameOf, (t) => scene.axis.time(t));
        const tw = textW(ctx, label);
        const vx0 = Math.max(x0, GUTTER), vx1 = Math.min(x1, vp.width);
        if (tw + 8 < vx1 - vx0) {
          const lx = (vx0 + vx1) / 2 - tw / 2;
          ctx.fillStyle = 'rgba(255,255,255,0.85)';
          ctx.fillRect(lx - 2, y + h * 0.3, tw + 4, h * 0.4);
          ctx.fillStyle = COLORS.text;
          ctx.fillText(label, lx, y + h / 2);
        }
      }
    }
    lastX1 = x1;
    lastState = s.state;
  }
}

function fillSpans(ctx, vp, list, end, y, h) {
  let i = firstEndingAfter(list, vp.a, end);
  let last = -1e9;
  for (; i < list.length && list[i].t0 <= vp.b; i++) {
    const x0 = clampX(vp.x(list[i].t0), vp), x1 = clampX(vp.x(list[i].t1 ?? end), vp);
    if (x1 < last + 0.5 && x1 - x0 < 0.5) continue;
    ctx.fillRect(x0, y, Math.max(1, x1 - x0), h);
    last = x1;
  }
}

// Per pixel column, the share of each state in the summary buckets under it.
function columns(scene, rowsOf, cols, ncol) {
  const { vp } = scene;
  const W = Math.ceil(vp.plotW);
  const acc = new Float64Array(W * ncol);
  const reason = new Array(W);
  const best = new Float64Array(W);
  let any = false;
  for (const tile of scene.tiles) {
    const rows = rowsOf(tile);
    if (!rows || !rows.length) continue;
    const bw = tile.bw;
    const bFirst = Math.floor((Math.max(vp.a, tile.from) - tile.from) / bw);
    let i = firstStartingAt(rows, bFirst, 0);
    const px = vp.plotW / vp.span; // px per ns
    for (; i < rows.length; i++) {
      const r = rows[i];
      const t0 = tile.from + r[0] * bw;
      if (t0 > vp.b || t0 >= tile.to) break;
      const t1 = Math.min(t0 + bw, tile.to);
      const c0 = (Math.max(t0, tile.clipFrom, vp.a) - vp.a) * px;
      const c1 = (Math.min(t1, tile.clipTo, vp.b) - vp.a) * px;
      if (c1 <= c0) continue;
      any = true;
      const share = 1 / (t1 - t0);
      for (let c = Math.floor(c0); c < Math.min(W, Math.ceil(c1)); c++) {
        const cover = Math.min(c1, c + 1) - Math.max(c0, c);
        if (cover <= 0) continue;
        for (let k = 0; k < ncol; k++) acc[c * ncol + k] += r[cols[k]] * share * cover;
        if (r[4] && r[3] * cover > best[c]) { best[c] = r[3] * cover; reason[c] = r[4]; }
      }
    }
  }
  return any ? { acc, reason, W } : null;
}

function drawLaneSummary(ctx, scene, lane, stats) {
  const { vp } = scene;
  const y = vp.laneY(lane);
  const h = lane.h - 4;
  if (lane.kind === 'loop' || lane.kind === 'worker') {
    const c = columns(scene, (t) => t.lanes.get(lane.track), [1, 2], 2);
    if (!c) return;
    stats.buckets += c.W;
    runs(ctx, c.W, (x) => Math.round(c.acc[x * 2 + 1] * 8), (x0, x1, q) => {
      if (!q) return;
      ctx.fillStyle = COLORS.loopIdle;
      ctx.fillRect(GUTTER + x0, y + 3, x1 - x0, lane.h - 6);
    });
    runs(ctx, c.W, (x) => Math.round(Math.min(1, c.acc[x * 2]) * 12), (x0, x1, q) => {
      if (!q) return;
      ctx.fillStyle = lane.kind === 'worker' ? COLORS.job : COLORS.loopBusy;
      const bh = Math.max(2, ((lane.h - 12) * q) / 12);
      ctx.fillRect(GUTTER + x0, y + lane.h / 2 - bh / 2, x1 - x0, bh);
    });
    return;
  }
  if (lane.kind !== 'task') return;
  const c = columns(scene, (t) => t.tasks.get(lane.key), [1, 2, 3], 3);
  if (!c) return;
  stats.buckets += c.W;
  // each column's look as one number (quantised shares and the main waiting reason), so
  // that runs of equal columns are drawn as one rectangle per state
  const Q = 16;
  const reasons = [];
  const q = (x) => {
    const b = c.acc[x * 3], r = c.acc[x * 3 + 1], w = c.acc[x * 3 + 2];
    const qb = Math.round(Math.min(1, b) * Q), qr = Math.round(Math.min(1, r) * Q), qw = Math.round(Math.min(1, w) * Q);
    let ri = 0;
    if (qw) {
      ri = reasons.indexOf(c.reason[x]);
      if (ri < 0) ri = reasons.push(c.reason[x]) - 1;
    }
    return ((qb * 17 + qr) * 17 + qw) * 64 + ri;
  };
  runs(ctx, c.W, q, (x0, x1, key) => {
    const ri = key % 64, qw = Math.floor(key / 64) % 17, qr = Math.floor(key / (64 * 17)) % 17, qb = Math.floor(key / (64 * 17 * 17));
    let yy = y + 2 + h;
    const seg = (n, style) => {
      if (n <= 0) return;
      const hh = (h * n) / Q;
      yy -= hh;
      ctx.fillStyle = style;
      ctx.fillRect(GUTTER + x0, yy, x1 - x0, hh);
    };
    seg(qb, COLORS.running);
    seg(qr, hatchPattern(ctx));
    if (qw) {
      ctx.globalAlpha = 0.6;
      seg(qw, reasonColor(reasons[ri]));
      ctx.globalAlpha = 1;
    }
    stats.spans++;
  });
}

// Calls fn(x0, x1, key) for each run of columns with the same key.
function runs(ctx, W, keyOf, fn) {
  let start = 0, cur = keyOf(0);
  for (let x = 1; x <= W; x++) {
    const k = x < W ? keyOf(x) : undefined;
    if (k !== cur) {
      fn(start, x, cur);
      start = x;
      cur = k;
    }
  }
}

function drawMarks(ctx, scene, lane, marks, stats) {
  if (!marks || !marks.length) return;
  const { vp } = scene;
  const y = vp.laneY(lane);
  let i = firstStartingAt(marks, vp.a - vp.nsPerPx * 200, 'ts');
  let labelEnd = -1e9;
  ctx.font = SMALL;
  ctx.textBaseline = 'middle';
  for (; i < marks.length && marks[i].ts <= vp.b; i++) {
    const m = marks[i];
    const x = vp.x(m.ts);
    if (x >= GUTTER - 1) {
      ctx.fillStyle = COLORS.mark;
      ctx.fillRect(Math.round(x) - 1, y + 1, 2, lane.h - 2);
      ctx.beginPath();
      ctx.moveTo(x - 4, y + 1); ctx.lineTo(x + 4, y + 1); ctx.lineTo(x, y + 6);
      ctx.fill();
      stats.marks++;
    }
    const tw = textW(ctx, m.text);
    const next = marks[i + 1] ? vp.x(marks[i + 1].ts) : Infinity;
    if (x + 4 > labelEnd && (next - x > tw + 10 || next - x > 60)) {
      const lx = Math.max(x + 4, GUTTER + 2);
      const w = Math.min(tw, Math.max(0, next - lx - 6));
      if (w > 14 && lx < vp.width) {
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
      }
    }
  }
}

function laneCenter(scene, key) {
  const lane = scene.laneByKey.get(key);
  return lane ? scene.vp.laneY(lane) + lane.h / 2 : null;
}

function drawArrows(ctx, scene, stats) {
  const { vp, win } = scene;
  ctx.strokeStyle = COLORS.arrow;
  ctx.fillStyle = COLORS.arrow;
  ctx.lineWidth = 1.2;
  // dense arrows (zoomed out) are faded so that the lanes stay readable
  let inView = 0;
  for (const w of win.wakes) if ((w.resume ?? w.ts) >= vp.a && w.ts <= vp.b && ++inView > 4000) break;
  ctx.globalAlpha = inView * 12 > vp.plotW ? 0.3 : 1;
  let n = 0;
  for (const w of win.wakes) {
    const tEnd = w.resume ?? w.ts;
    if (tEnd < vp.a || w.ts > vp.b) continue;
    const src = wakeSource(scene, w);
    const ty = laneCenter(scene, w.key);
    if (!src || ty == null) continue;
    const x0 = vp.x(src.t), x1 = vp.x(tEnd);
    const y0 = src.y;
    if ((y0 < AXIS && ty < AXIS) || (y0 > vp.height && ty > vp.height)) continue;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    const mx = Math.max(x0, x1) + 12;
    ctx.bezierCurveTo(mx, y0, x1 - 14, ty, x1, ty);
    ctx.stroke();
    const dir = Math.sign(ty - y0) || 1;
    ctx.beginPath();
    ctx.moveTo(x1, ty);
    ctx.lineTo(x1 - 7, ty - 4 * dir + (dir > 0 ? -1 : 1));
    ctx.lineTo(x1 - 7, ty + 3 * dir);
    ctx.fill();
    if (++n > 4000) break;
  }
  ctx.globalAlpha = 1;
  stats.arrows = n;
}

// Where a wake-up comes from: a task's lane, the timer that fired, a worker, or the loop.
export function wakeSource(scene, w) {
  if (w.waker === 'task') {
    const y = laneCenter(scene, `${w.track}:${w.wakerId}`);
    return y == null ? null : { t: w.ts, y };
  }
  if (w.waker === 'timer') {
    const t = scene.win.timers.get(`${w.track}:${w.wakerId}`);
    const lane = scene.laneByKey.get(`timers:${w.track}`);
    if (t && lane && scene.opts.timers) return { t: t.fire ?? w.ts, y: scene.vp.laneY(lane) + 6 + (t.row ?? 0) * 7 };
  }
  if (w.waker === 'thread') {
    for (const [track] of scene.win.workers) {
      const y = laneCenter(scene, `worker:${track}`);
      if (y != null) return { t: w.ts, y };
    }
  }
  const y = laneCenter(scene, `loop:${w.track}`);
  return y == null ? null : { t: w.ts, y };
}

function drawCursors(ctx, scene) {
  const { vp } = scene;
  if (scene.hoverT != null) {
    ctx.fillStyle = 'rgba(0,0,0,0.25)';
    ctx.fillRect(Math.round(vp.x(scene.hoverT)), AXIS, 1, vp.plotH);
  }
  if (scene.cursor != null) {
    const x = Math.round(vp.x(scene.cursor));
    ctx.fillStyle = COLORS.cursor;
    for (let y = AXIS; y < vp.height; y += 8) ctx.fillRect(x, y, 2, 5);
  }
}

function drawAxis(ctx, scene, tk) {
  const { vp } = scene;
  ctx.fillStyle = '#fafafa';
  ctx.fillRect(0, 0, vp.width, AXIS);
  ctx.fillStyle = '#cccccc';
  ctx.fillRect(0, AXIS - 1, vp.width, 1);
  ctx.font = FONT;
  ctx.textBaseline = 'middle';
  ctx.fillStyle = COLORS.text;
  for (const t of tk) {
    const x = vp.x(t.at);
    if (x < GUTTER) continue;
    ctx.fillRect(Math.round(x), AXIS - 7, 1, 6);
    ctx.fillText(t.label, Math.round(x) + 3, t.sub ? 8 : 10);
    if (t.sub) {
      // the clock at that step, under its number
      ctx.font = SMALL;
      ctx.fillStyle = COLORS.muted;
      ctx.fillText(t.sub, Math.round(x) + 3, 20);
      ctx.font = FONT;
      ctx.fillStyle = COLORS.text;
    }
  }
  ctx.fillStyle = '#fafafa';
  ctx.fillRect(0, 0, GUTTER - 1, AXIS - 1);
  ctx.fillStyle = COLORS.muted;
  ctx.fillText(scene.axis.spanLabel(vp.a, vp.b), 8, 10);
  ctx.fillText(scene.axis.order ? 'event order: a step per record' : scene.mode === 'events' ? 'every event' : 'summarised', 8, 21);
  if (scene.cursor != null) {
    const x = vp.x(scene.cursor);
    if (x >= GUTTER) {
      const label = scene.axis.cursorLabel(scene.cursor, vp.nsPerPx);
      const w = textW(ctx, label) + 8;
      ctx.fillStyle = COLORS.cursor;
      ctx.fillRect(x - w / 2, AXIS - 12, w, 12);
      ctx.fillStyle = '#ffffff';
      ctx.fillText(label, x - w / 2 + 4, AXIS - 6);
    }
  }
}
