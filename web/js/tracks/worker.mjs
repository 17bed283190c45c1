// tracks/worker.mjs: a worker thread's lane: the jobs it ran for the loop (yellow, outlined,
// labelled with their number where there is room); zoomed out, its busy share per column.

import { COLORS } from '../palette.mjs';
import { esc } from '../format.mjs';
import { GUTTER } from '../viewport.mjs';
import { SMALL, textW, fillSpans, within } from './draw.mjs';
import { firstEndingAfter } from '../model.mjs';
import { drawBusySummary, busyBucketHTML } from './loop.mjs';
import { length, at } from './words.mjs';
import { queueLabel } from './labels.mjs';

export const worker = {
  kind: 'worker',
  height: () => 22,

  drawEvents(ctx, scene, lane) {
    const { vp, win, end } = scene;
    const y = vp.laneY(lane);
    const w = win.workers.get(lane.track);
    if (!w) return;
    ctx.fillStyle = COLORS.job;
    fillSpans(ctx, vp, w.jobs, end, y + 3, lane.h - 6);
    ctx.strokeStyle = '#8a7d00';
    ctx.font = SMALL;
    ctx.textBaseline = 'middle';
    const jobs = w.jobs;
    for (let i = firstEndingAfter(jobs, vp.a, end); i < jobs.length && jobs[i].t0 <= vp.b; i++) {
      const j = jobs[i];
      const x0 = vp.x(j.t0), x1 = vp.x(j.t1 ?? end);
      ctx.strokeRect(x0 + 0.5, y + 3.5, Math.max(1, x1 - x0), lane.h - 7);
      const label = `job #${j.job}`;
      if (x1 - x0 > textW(ctx, label) + 6) {
        queueLabel(scene, lane, { x: Math.max(GUTTER, x0) + 3, y: y + lane.h / 2, text: label,
          maxX: Math.min(vp.width, x1) - 3, on: COLORS.job });
      }
    }
  },

  drawSummary(ctx, scene, lane, stats) { drawBusySummary(ctx, scene, lane, stats, COLORS.job); },

  hit(scene, lane, t) {
    const w = scene.win.workers.get(lane.track);
    const j = w && within(w.jobs, t, scene.end, scene.vp.nsPerPx);
    return j ? { type: 'job', job: j } : null;
  },

  tooltip(item, lane, ctx) {
    if (item.type === 'bucket') return busyBucketHTML(item, lane, ctx);
    if (item.type !== 'job') return '';
    const j = item.job;
    return `<b>worker job #${j.job}</b> on ${esc(lane.name)}<br>`
      + `ran ${length(ctx, j.t0, j.t1 ?? ctx.end)} from ${at(ctx, j.t0)}`;
  },
};
