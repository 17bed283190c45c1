// render.mjs: draws one frame of the timeline on a canvas: the axis, then each lane in view
// by its kind (tracks/: loop, timers, task, worker), from an EventWindow at event level or
// from the collector's per-bucket summaries zoomed out, then the wake-up arrows, the marks,
// the selected task's await edges (tracks/awaitlinks.mjs) and the cursors. Only the lanes
// and the range in view are visited, so a frame costs what is on screen. Positions are in
// the units of scene.axis (orderaxis.mjs: ns, or steps of the records' order); the words
// drawn (tick labels, durations) ask it for the clock's time.

import { COLORS } from './palette.mjs';
import { GUTTER, AXIS } from './viewport.mjs';
import { TRACKS } from './tracks/index.mjs';
import { FONT, SMALL, textW } from './tracks/draw.mjs';
import { firstStartingAt } from './model.mjs';
import { drawLinkEdges } from './tracks/awaitlinks.mjs';

export { waitLabel } from './tracks/task.mjs';

export function draw(ctx, scene) {
  const { vp } = scene;
  const stats = { spans: 0, marks: 0, arrows: 0, buckets: 0, lanes: 0, labels: [] };
  ctx.save();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, vp.width, vp.height);
  const tk = scene.axis.ticks(vp.a, vp.b, vp.plotW);
  // grid
  ctx.fillStyle = COLORS.grid;
  for (const t of tk) ctx.fillRect(Math.round(vp.x(t.at)), AXIS, 1, vp.plotH);
  // the scrolling lanes, then the pinned ones over them on top; arrows and cursors over all
  const pinned = scene.lanes.filter((l) => l.pinned);
  const top = AXIS + vp.pinnedH;
  drawRegion(ctx, scene, scene.lanes.filter((l) => !l.pinned), top, vp.height, stats);
  if (pinned.length) {
    drawRegion(ctx, scene, pinned, AXIS, top, stats);
    ctx.fillStyle = '#bbbbbb';
    ctx.fillRect(0, top - 1, vp.width, 1);
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(GUTTER, AXIS, vp.plotW, vp.plotH);
  ctx.clip();
  if (scene.mode === 'events' && scene.opts.arrows) drawArrows(ctx, scene, stats);
  drawLinkEdges(ctx, scene);
  drawCursors(ctx, scene);
  ctx.restore();
  drawAxis(ctx, scene, tk);
  ctx.restore();
  return stats;
}

// The lanes of one region of the plot ([y0, y1]): backgrounds, each lane by its kind, what
// is drawn over them (marks), and their names in the gutter.
function drawRegion(ctx, scene, lanes, y0, y1, stats) {
  const { vp } = scene;
  if (y1 <= y0) return;
  const visible = lanes.filter((l) => {
    const y = vp.laneY(l);
    return y + l.h >= y0 && y <= y1;
  });
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, y0, vp.width, y1 - y0);
  ctx.clip();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, y0, vp.width, y1 - y0);
  for (const lane of visible) drawLaneBackground(ctx, scene, lane);
  ctx.save();
  ctx.beginPath();
  ctx.rect(GUTTER, y0, vp.plotW, y1 - y0);
  ctx.clip();
  for (const lane of visible) {
    stats.lanes++;
    const track = TRACKS[lane.kind];
    if (scene.mode === 'events') track.drawEvents(ctx, scene, lane, stats);
    else track.drawSummary(ctx, scene, lane, stats);
  }
  for (const lane of visible) TRACKS[lane.kind].drawOver?.(ctx, scene, lane, stats);
  ctx.restore();
  for (const lane of visible) drawLaneName(ctx, scene, lane);
  ctx.restore();
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
  TRACKS[lane.kind].drawBackground?.(ctx, scene, lane);
}

function drawLaneName(ctx, scene, lane) {
  const { vp } = scene;
  const y = vp.laneY(lane);
  ctx.fillStyle = '#fafafa';
  ctx.fillRect(0, y, GUTTER - 1, lane.h);
  TRACKS[lane.kind].drawGutter?.(ctx, scene, lane);
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
  // a task with children: a toggle at the gutter's right end (▾ open, ▸ collapsed)
  const toggle = lane.children > 0;
  let name = lane.collapsed ? `${lane.name} (+${lane.children})` : lane.name;
  const room = GUTTER - indent - (toggle ? 22 : 6);
  while (name.length > 3 && textW(ctx, name) > room) name = `${name.slice(0, -2)}…`;
  ctx.fillText(name, indent, y + lane.h / 2 + 0.5);
  if (toggle) {
    ctx.fillStyle = COLORS.muted;
    ctx.fillText(lane.collapsed ? '▸' : '▾', GUTTER - TOGGLE_W + 4, y + lane.h / 2 + 0.5);
  }
  if (lane.pinned) { // pinned: a bar at the left edge
    ctx.fillStyle = COLORS.running;
    ctx.fillRect(0, y + 2, 3, lane.h - 4);
  }
}

// The width of a lane's collapse toggle at the right end of the gutter.
export const TOGGLE_W = 16;

function laneCenter(scene, key) {
  const lane = scene.laneByKey.get(key);
  return lane ? scene.vp.laneY(lane) + lane.h / 2 : null;
}

// Wake-up arrows from waker to woken. Only the wakes near the view are visited (they are in
// time order, and a wake's arrow is short: from becoming ready to resuming); dense ones
// (zoomed out) are faded, straight, and at most one per pixel column of their heads, so
// that the lanes stay readable and a frame costs the screen, not the records.
function drawArrows(ctx, scene, stats) {
  const { vp, win } = scene;
  const wakes = win.wakes;
  const i0 = firstStartingAt(wakes, vp.a - vp.span, 'ts');
  let inView = 0;
  for (let i = i0; i < wakes.length && wakes[i].ts <= vp.b; i++) {
    if ((wakes[i].resume ?? wakes[i].ts) >= vp.a && ++inView > 4000) break;
  }
  const dense = inView * 12 > vp.plotW;
  ctx.strokeStyle = COLORS.arrow;
  ctx.fillStyle = COLORS.arrow;
  ctx.lineWidth = 1.2;
  ctx.globalAlpha = dense ? 0.3 : 1;
  let n = 0, lastHead = -1;
  for (let i = i0; i < wakes.length; i++) {
    const w = wakes[i];
    if (w.ts > vp.b) break;
    const tEnd = w.resume ?? w.ts;
    if (tEnd < vp.a) continue;
    const x1 = vp.x(tEnd);
    if (dense && Math.round(x1) === lastHead) continue;
    const src = wakeSource(scene, w);
    const ty = laneCenter(scene, w.key);
    if (!src || ty == null) continue;
    const x0 = vp.x(src.t);
    const y0 = src.y;
    if ((y0 < AXIS && ty < AXIS) || (y0 > vp.height && ty > vp.height)) continue;
    lastHead = Math.round(x1);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    if (dense) ctx.lineTo(x1, ty);
    else ctx.bezierCurveTo(Math.max(x0, x1) + 12, y0, x1 - 14, ty, x1, ty);
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
    if (t && lane && scene.opts.timers) {
      return { t: t.fire ?? w.ts, y: TRACKS.timers.rowY(scene, lane, t) };
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

function drawCursors(ctx, scene) {
  const { vp } = scene;
  if (scene.range) {
    const x0 = vp.x(scene.range[0]), x1 = vp.x(scene.range[1]);
    ctx.fillStyle = 'rgba(0, 114, 178, 0.12)';
    ctx.fillRect(x0, AXIS, x1 - x0, vp.plotH);
    ctx.fillStyle = COLORS.running;
    ctx.fillRect(Math.round(x0), AXIS, 1, vp.plotH);
    ctx.fillRect(Math.round(x1), AXIS, 1, vp.plotH);
  }
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
  const how = scene.axis.order ? 'event order: a step per record'
    : scene.mode === 'events' ? 'every event' : 'summarised';
  ctx.fillText(how, 8, 21);
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
