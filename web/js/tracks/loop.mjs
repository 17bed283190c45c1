// tracks/loop.mjs: the event loop's lane: its iterations (running callbacks, dark) against
// its polls (idle, light), each iteration's number and ready callbacks where there is room,
// each poll's length; zoomed out, the busy and idle share per pixel column.

import { COLORS } from '../palette.mjs';
import { fmtDur, esc } from '../format.mjs';
import { firstEndingAfter } from '../model.mjs';
import { GUTTER } from '../viewport.mjs';
import { SMALL, textW, fillSpans, within, fills } from './draw.mjs';
import { columns, runs } from './summary.mjs';
import { length, at, plural } from './words.mjs';
import { queueLabel } from './labels.mjs';

// Busy (bar height: the share of time) over idle (a light band) per pixel column: the loop's
// summary, and a worker thread's with its job colour.
export function drawBusySummary(ctx, scene, lane, stats, busyColor) {
  const y = scene.vp.laneY(lane);
  const c = columns(scene, (t) => t.lanes.get(lane.track), [1, 2], 2);
  if (!c) return;
  stats.buckets += c.W;
  const idle = fills(), busy = fills(); // idle under busy
  runs(c.W, (x) => Math.round(c.acc[x * 2 + 1] * 8), (x0, x1, q) => {
    if (q) idle.rect(COLORS.loopIdle, GUTTER + x0, y + 3, x1 - x0, lane.h - 6);
  });
  runs(c.W, (x) => Math.round(Math.min(1, c.acc[x * 2]) * 12), (x0, x1, q) => {
    if (!q) return;
    const bh = Math.max(2, ((lane.h - 12) * q) / 12);
    busy.rect(busyColor, GUTTER + x0, y + lane.h / 2 - bh / 2, x1 - x0, bh);
  });
  idle.draw(ctx);
  busy.draw(ctx);
}

// What a summarised loop or worker lane holds around the pointer.
export function busyBucketHTML(item, lane, ctx) {
  const span = item.b - item.a;
  return `<b>${esc(lane.name)}</b> from ${at(ctx, item.a)}, ${fmtDur(span)} summarised:<br>`
    + `running callbacks ${fmtDur(item.busy)}, polling ${fmtDur(item.idle)}, `
    + `${item.records} records`;
}

export const loop = {
  kind: 'loop',
  height: () => 30,

  drawEvents(ctx, scene, lane) {
    const { vp, win, end } = scene;
    const y = vp.laneY(lane);
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
      // the label on the iteration's busy part (light text on dark), or, where that is too
      // narrow, on a light backing: never light text over the idle grey
      const x1 = Math.min(vp.width, vp.x(it.t1 ?? end));
      const lx = Math.max(x0, GUTTER) + 3;
      const label = `#${it.n} · ${it.cbs} cb`;
      const busy = within(l.busy, it.t0, end, 0);
      const bx1 = busy ? Math.min(x1, vp.x(busy.t1 ?? end)) : lx;
      const onBusy = bx1 - lx >= textW(ctx, label) + 3;
      queueLabel(scene, lane, { x: lx, y: y + lane.h / 2, text: label,
        maxX: onBusy ? bx1 - 3 : x1 - 3, on: onBusy ? COLORS.loopBusy : null });
      lastX = x0;
    }
    const idle = l.idle;
    let k = firstEndingAfter(idle, vp.a, end);
    for (; k < idle.length && idle[k].t0 <= vp.b; k++) {
      const s = idle[k];
      const x0 = Math.max(GUTTER, vp.x(s.t0)), x1 = Math.min(vp.width, vp.x(s.t1 ?? end));
      const label = `idle ${fmtDur(scene.axis.dur(s.t0, s.t1 ?? end))}`;
      if (x1 - x0 > textW(ctx, label) + 8) {
        queueLabel(scene, lane, { x: x0 + 4, y: y + lane.h / 2, text: label, maxX: x1 - 4,
          on: COLORS.loopIdle });
      }
    }
  },

  drawSummary(ctx, scene, lane, stats) {
    drawBusySummary(ctx, scene, lane, stats, COLORS.loopBusy);
  },

  hit(scene, lane, t) {
    const l = scene.win.loops.get(lane.track);
    if (!l) return null;
    const idle = within(l.idle, t, scene.end, 0);
    if (idle) return { type: 'idle', idle };
    const it = within(l.iters, t, scene.end, scene.vp.nsPerPx);
    return it ? { type: 'iter', iter: it } : null;
  },

  tooltip(item, lane, ctx) {
    if (item.type === 'bucket') return busyBucketHTML(item, lane, ctx);
    if (item.type === 'iter') {
      const it = item.iter;
      return `<b>loop iteration #${it.n}</b>: ${plural(it.cbs, 'callback')} ready<br>`
        + `ran for ${length(ctx, it.t0, it.t1 ?? ctx.end)} from ${at(ctx, it.t0)}`;
    }
    if (item.type === 'idle') {
      const p = item.idle;
      const none = p.timeout == null || p.timeout > 9e18 || p.timeout < 0;
      return `<b>loop polling (idle)</b> for ${length(ctx, p.t0, p.t1 ?? ctx.end)}<br>`
        + `timeout ${none ? 'none' : fmtDur(p.timeout)}; ${plural(p.nev ?? 0, 'I/O event')}<br>`
        + `${at(ctx, p.t0)} → ${at(ctx, p.t1 ?? ctx.end)}`;
    }
    return '';
  },
};
