// render.mjs: draws one frame of the timeline on a canvas: the axis, then each lane in view
// by its kind (tracks/: loop, timers, task, worker), from an EventWindow at event level or
// from the collector's per-bucket summaries zoomed out, the marks, the lanes' words (placed
// apart: tracks/labels.mjs), then the wake-up arrows (tracks/wakes.mjs), the selected
// task's await edges (tracks/awaitlinks.mjs) and the cursors. Only the lanes
// and the range in view are visited, so a frame costs what is on screen. Positions are in
// the units of scene.axis (orderaxis.mjs: ns, or steps of the records' order); the words
// drawn (tick labels, durations) ask it for the clock's time.

import { COLORS, textOn } from './palette.mjs';
import { GUTTER, AXIS } from './viewport.mjs';
import { TRACKS } from './tracks/index.mjs';
import { FONT, SMALL, textW } from './tracks/draw.mjs';
import { drawLinkEdges } from './tracks/awaitlinks.mjs';
import { drawWakes } from './tracks/wakes.mjs';
import { drawLabels } from './tracks/labels.mjs';

export { waitLabel } from './tracks/task.mjs';

export function draw(ctx, scene) {
  const { vp } = scene;
  const stats = { spans: 0, marks: 0, arrows: 0, buckets: 0, lanes: 0, labels: [], boxes: [],
    ticks: [] };
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
  if (scene.mode === 'events' && scene.opts.arrows) drawWakes(ctx, scene, stats);
  drawLinkEdges(ctx, scene);
  drawCursors(ctx, scene);
  ctx.restore();
  drawAxis(ctx, scene, tk, stats);
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
  drawLabels(ctx, scene, stats);
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

function drawAxis(ctx, scene, tk, stats) {
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
    // a label that would run past the right edge ends at it instead (the last one after Fit)
    const w = Math.max(textW(ctx, t.label), t.sub ? textW(ctx, t.sub) * 0.9 : 0);
    const lx = Math.min(Math.round(x) + 3, vp.width - w - 3);
    ctx.fillText(t.label, lx, t.sub ? 8 : 10);
    stats.ticks.push({ x: lx, w, label: t.label, sub: t.sub ?? null });
    if (t.sub) {
      // the clock at that event, under its number
      ctx.font = SMALL;
      ctx.fillStyle = COLORS.muted;
      ctx.fillText(t.sub, lx, 20);
      ctx.font = FONT;
      ctx.fillStyle = COLORS.text;
    }
  }
  ctx.fillStyle = '#fafafa';
  ctx.fillRect(0, 0, GUTTER - 1, AXIS - 1);
  ctx.fillStyle = COLORS.muted;
  ctx.fillText(scene.axis.spanLabel(vp.a, vp.b), 8, 10);
  const how = scene.axis.order ? 'event order: one record each'
    : scene.mode === 'events' ? 'every event' : 'summarised';
  ctx.fillText(how, 8, 21);
  if (scene.cursor != null) {
    const x = vp.x(scene.cursor);
    if (x >= GUTTER) {
      const label = scene.axis.cursorLabel(scene.cursor, vp.nsPerPx);
      const w = textW(ctx, label) + 8;
      ctx.fillStyle = COLORS.cursor;
      ctx.fillRect(x - w / 2, AXIS - 12, w, 12);
      ctx.fillStyle = textOn(COLORS.cursor);
      ctx.fillText(label, x - w / 2 + 4, AXIS - 6);
    }
  }
}
