// tracks/wakes.mjs: the wake-up arrows, from what woke a task (the task that finished, the
// timer that fired, a worker thread, I/O, the loop) to the moment the woken task became
// ready: the start of its scheduled (hatched) span, not where it resumed. It owns their
// geometry (one function, for drawing and hit testing alike), their drawing (bold for the
// selected task's, as waker or woken), their hit test and tooltip, and the words that say
// what ended a wait (used by the task lane's tooltips too).

import { COLORS } from '../palette.mjs';
import { AXIS } from '../viewport.mjs';
import { firstStartingAt } from '../model.mjs';
import { esc } from '../format.mjs';
import { at, length } from './words.mjs';
import { timers } from './timers.mjs';

const MAX = 4000;     // arrows drawn at most in a frame
const SLACK = 4;      // px: how near the pointer must be to an arrow

function laneCenter(scene, key) {
  const lane = scene.laneByKey.get(key);
  return lane ? scene.vp.laneY(lane) + lane.h / 2 : null;
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
    if (t && lane && scene.opts.timers) {
      return { t: t.fire ?? w.ts, y: timers.rowY(scene, lane, t) };
    }
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

// Whether the selected lane is the arrow's waker or woken task.
const isSelected = (scene, w) => !!scene.selected && (w.key === scene.selected
  || (w.waker === 'task' && `${w.track}:${w.wakerId}` === scene.selected));

// Calls fn(w, geometry) for each arrow drawn: the wakes near the view (they are in time
// order), when dense (zoomed out) at most one per pixel column of their heads; geometry:
// {x0, y0, x1, y1, dense, bold}, the tail at the waker and the head at the woken's ready.
function eachArrow(scene, fn) {
  const { vp, win } = scene;
  const wakes = win.wakes;
  const i0 = firstStartingAt(wakes, vp.a - vp.span * 0.05, 'ts');
  let inView = 0;
  for (let i = i0; i < wakes.length && wakes[i].ts <= vp.b; i++) {
    if (wakes[i].ts >= vp.a && ++inView > MAX) break;
  }
  const dense = inView * 12 > vp.plotW;
  let n = 0, lastHead = -1;
  for (let i = i0; i < wakes.length && n < MAX; i++) {
    const w = wakes[i];
    if (w.ts > vp.b) break;
    const bold = isSelected(scene, w);
    const x1 = vp.x(w.ts);
    if (dense && !bold && Math.round(x1) === lastHead) continue;
    const src = wakeSource(scene, w);
    const y1 = laneCenter(scene, w.key);
    if (!src || y1 == null) continue;
    const y0 = src.y;
    if ((y0 < AXIS && y1 < AXIS) || (y0 > vp.height && y1 > vp.height)) continue;
    if (!bold) lastHead = Math.round(x1);
    n++;
    fn(w, { x0: vp.x(src.t), y0, x1, y1, dense, bold });
  }
  return n;
}

// The curve's control points: out of the waker to the right, into the woken from the left.
const controls = (g) => [Math.max(g.x0, g.x1) + 12, g.y0, g.x1 - 14, g.y1];

function pathOf(ctx, g) {
  ctx.beginPath();
  ctx.moveTo(g.x0, g.y0);
  if (g.dense) ctx.lineTo(g.x1, g.y1);
  else ctx.bezierCurveTo(...controls(g), g.x1, g.y1);
  ctx.stroke();
  const dir = Math.sign(g.y1 - g.y0) || 1;
  const k = g.bold ? 1.4 : 1;
  ctx.beginPath();
  ctx.moveTo(g.x1, g.y1);
  ctx.lineTo(g.x1 - 7 * k, g.y1 - (4 * dir + (dir > 0 ? -1 : 1)) * k);
  ctx.lineTo(g.x1 - 7 * k, g.y1 + 3 * dir * k);
  ctx.fill();
}

// Draws the arrows: faded when dense, the selected task's bold and on top.
export function drawWakes(ctx, scene, stats) {
  const bold = [];
  stats.wakeArrows = [];
  ctx.strokeStyle = COLORS.arrow;
  ctx.fillStyle = COLORS.arrow;
  ctx.lineWidth = 1.2;
  const n = eachArrow(scene, (w, g) => {
    if (stats.wakeArrows.length < 300) {
      const wakerKey = w.waker === 'task' ? `${w.track}:${w.wakerId}` : null;
      stats.wakeArrows.push({ key: w.key, wakerKey, ts: w.ts, ...g });
    }
    if (g.bold) { bold.push(g); return; }
    ctx.globalAlpha = g.dense ? 0.3 : 1;
    pathOf(ctx, g);
  });
  ctx.globalAlpha = 1;
  ctx.strokeStyle = COLORS.arrowBold;
  ctx.fillStyle = COLORS.arrowBold;
  ctx.lineWidth = 2.6;
  for (const g of bold) pathOf(ctx, g);
  ctx.lineWidth = 1;
  stats.arrows = n;
}

// The point of the arrow's curve at u in [0, 1].
function pointAt(g, u) {
  if (g.dense) return [g.x0 + (g.x1 - g.x0) * u, g.y0 + (g.y1 - g.y0) * u];
  const [c1x, c1y, c2x, c2y] = controls(g);
  const v = 1 - u;
  const b = (p0, p1, p2, p3) => v * v * v * p0 + 3 * v * v * u * p1 + 3 * v * u * u * p2
    + u * u * u * p3;
  return [b(g.x0, c1x, c2x, g.x1), b(g.y0, c1y, c2y, g.y1)];
}

// The arrow under (x, y), or null: {type: 'wake', wake}.
export function hitWake(scene, x, y) {
  if (scene.mode !== 'events' || !scene.opts.arrows || !scene.win?.wakes) return null;
  let best = null, bestD = SLACK;
  eachArrow(scene, (w, g) => {
    if (x < Math.min(g.x0, g.x1) - 16 || x > Math.max(g.x0, g.x1) + 16) return;
    if (y < Math.min(g.y0, g.y1) - SLACK || y > Math.max(g.y0, g.y1) + SLACK) return;
    for (let k = 0; k <= 24; k++) {
      const [px, py] = pointAt(g, k / 24);
      const d = Math.hypot(px - x, py - y);
      if (d < bestD) { bestD = d; best = w; }
    }
  });
  return best && { type: 'wake', wake: best, end: wakeEnd(scene, best) };
}

// What ended a wait, from the wake that made the task ready (or a ready span, on track):
// {waker, id, track, t, finished (a task waker that had ended by then)}; null: no waker.
export function wakeEnd(scene, w, track = w.track) {
  if (!w || !w.waker || w.waker === 'none') return null;
  const id = w.wakerId, t = w.ts ?? w.t0;
  const done = w.waker === 'task' ? scene.win?.done?.get(`${track}:${id}`) : null;
  return { waker: w.waker, id, track, t, finished: !!done && done.ts <= t };
}

// The waker in words: "task T1 (it finished)", "timer #3 firing", "I/O on fd 5", ...
export function wakerWords(end, ctx) {
  switch (end.waker) {
    case 'task': {
      const who = `task <b>${esc(ctx.nameOf(end.track, end.id))}</b>`;
      return end.finished ? `${who} finishing` : who;
    }
    case 'timer': return `timer #${end.id} firing`;
    case 'io': return `I/O ready on fd ${end.id}`;
    case 'thread': return `a worker thread${end.id ? ` (job #${end.id})` : ''}`;
    case 'loop': return 'the loop itself';
    default: return esc(end.waker);
  }
}

// The line a wait's tooltip ends with: what ended it, and when.
export function endedByHTML(end, ctx) {
  return end ? `ended by ${wakerWords(end, ctx)} at ${at(ctx, end.t)}` : '';
}

export function wakeTooltip(item, ctx) {
  const w = item.wake, end = item.end;
  const woken = esc(ctx.nameOf(w.track, Number(w.key.split(':')[1])));
  const ran = w.resume != null
    ? `<br>ran at ${at(ctx, w.resume)}, after ${length(ctx, w.ts, w.resume)} scheduled`
    : '<br>not yet running';
  return `<b>wake-up</b>: ${end ? wakerWords(end, ctx) : 'something'} → <b>${woken}</b>`
    + `<br>ready at ${at(ctx, w.ts)}${ran}`;
}
