// tracks/timers.mjs: a loop's timers lane: each timer from armed to its deadline (sky blue),
// then how late it fired (vermillion), packed into rows that do not overlap; event level only.

import { COLORS } from '../palette.mjs';
import { fmtDur, esc } from '../format.mjs';
import { clampX } from './draw.mjs';
import { at } from './words.mjs';

const ROW = 7;

export const timers = {
  kind: 'timers',
  height: (lane) => Math.max(1, lane.rows ?? 1) * ROW + 6,

  drawEvents(ctx, scene, lane, stats) {
    if (!scene.opts.timers) return;
    const { vp, win, end } = scene;
    const y = vp.laneY(lane);
    for (const t of win.timerList) {
      if (t.track !== lane.track) continue;
      const t0 = t.arm ?? win.from, t1 = t.fire ?? t.cancel ?? end;
      if (t1 < vp.a || t0 > vp.b) continue;
      const ry = y + 4 + (t.row ?? 0) * ROW;
      const x0 = clampX(vp.x(t0), vp), x1 = clampX(vp.x(t1), vp);
      const xd = clampX(vp.x(Math.min(t.deadline ?? t1, t1)), vp);
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
  },

  drawSummary() {},

  hit(scene, lane, t, y) {
    const { vp, win, end } = scene;
    const px = vp.nsPerPx;
    const row = Math.floor((y - vp.laneY(lane) - 3) / ROW);
    for (const tm of win.timerList) {
      if (tm.track !== lane.track || (tm.row ?? 0) !== row) continue;
      const t0 = tm.arm ?? win.from, t1 = tm.fire ?? tm.cancel ?? end;
      if (t0 - 3 * px <= t && t <= t1 + 3 * px) return { type: 'timer', timer: tm };
    }
    return null;
  },

  // The y of timer tm's row (where a wake-up it caused starts).
  rowY(scene, lane, tm) { return scene.vp.laneY(lane) + 6 + (tm.row ?? 0) * ROW; },

  tooltip(item, lane, ctx) {
    if (item.type !== 'timer') return '';
    const tm = item.timer;
    const who = tm.task ? ` by ${esc(ctx.nameOf(tm.track, tm.task))}` : '';
    const armed = tm.arm != null
      ? `armed${who} at ${at(ctx, tm.arm)}, due after ${fmtDur(ctx.dur(tm.arm, tm.deadline))}`
      : 'armed before this window';
    const end = tm.fire != null ? `fired at ${at(ctx, tm.fire)}, <b>${fmtDur(tm.late)} late</b>`
      : tm.cancel != null ? `cancelled at ${at(ctx, tm.cancel)}` : 'pending';
    return `<b>timer #${tm.id}</b><br>${armed}<br>${end}`;
  },
};
