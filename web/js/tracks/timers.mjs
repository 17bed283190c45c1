// tracks/timers.mjs: a loop's timers lane: each timer from armed to its deadline (sky blue),
// then how late it fired (vermillion), packed into rows that do not overlap; event level only.

import { COLORS } from '../palette.mjs';
import { fmtDur, esc } from '../format.mjs';
import { clampX, within } from './draw.mjs';
import { at } from './words.mjs';

const ROW = 7;

// Why timer tm fired late, from its loop's own records in win: asleep in a poll at the deadline
// (`rounding`: how far past it the poll's timeout ran, where it was in whole ms; `woke`: how
// much later than that the poll returned; `after`: the loop's work between the poll and the
// firing), or busy (`key` of the task running at the deadline and `until` how far past it
// that step ran, else `iter`, the loop iteration running callbacks). Null when the records do
// not tell.
export function lateWhy(win, tm, end) {
  if (tm.fire == null || !(tm.late > 0) || tm.deadline == null) return null;
  const l = win.loops.get(tm.track);
  if (!l) return null;
  const d = tm.deadline;
  const p = within(l.idle, d, end, 0);
  if (p) {
    if (p.t1 == null || p.t1 > tm.fire) return null;
    const timed = p.timeout != null && p.timeout >= 0 && p.timeout < 9e18;
    const planned = timed ? Math.max(d, p.t0 + p.timeout) : d;
    return { asleep: true, rounding: planned - d, woke: Math.max(0, p.t1 - planned),
      after: tm.fire - p.t1 };
  }
  for (const key of win.spans.keys()) {
    if (!key.startsWith(`${tm.track}:`)) continue;
    const s = win.spanAt(key, d);
    if (s && s.state === 'running' && s.t0 < d) {
      return { asleep: false, key, until: Math.max(0, (s.t1 ?? end) - d) };
    }
  }
  const it = within(l.iters, d, end, 0);
  return it ? { asleep: false, iter: it.n } : null;
}

// The words of lateWhy.
function whyHTML(why, ctx) {
  if (why.asleep) {
    const parts = [];
    const r = why.rounding;
    if (r > 0) parts.push(`its timeout, in whole ms, ran ${fmtDur(r)} past it`);
    let woke = `the kernel woke it ${fmtDur(why.woke)} after ${r > 0 ? 'that' : 'it'}`;
    // the kernel's timer slack is 50 µs: more is a thread that waited for its CPU
    if (why.woke >= 200e3) woke += ' (most likely its thread waited for a CPU another held)';
    parts.push(woke);
    if (why.after > 0) parts.push(`the loop handled I/O for ${fmtDur(why.after)} first`);
    return `the loop was asleep in its poll at the deadline: ${parts.join('; ')}`;
  }
  if (why.key) {
    const [track, task] = why.key.split(':').map(Number);
    return `the loop was busy at the deadline: ${esc(ctx.nameOf(track, task))} was running, `
      + `for ${fmtDur(why.until)} more`;
  }
  return `the loop was busy at the deadline: iteration #${why.iter} was running callbacks`;
}

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
      if (t0 - 3 * px <= t && t <= t1 + 3 * px) {
        return { type: 'timer', timer: tm, why: scene.axis.order ? null : lateWhy(win, tm, end) };
      }
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
    const why = item.why ? `<br>${whyHTML(item.why, ctx)}` : '';
    return `<b>timer #${tm.id}</b><br>${armed}<br>${end}${why}`;
  },
};
