// hit.mjs: what is under the pointer: the lane at y, and at x its mark, span, timer, loop
// iteration, poll or job (event level), or the states summed under a few pixels (summary).

import { firstEndingAfter, firstStartingAt } from './model.mjs';
import { AXIS, GUTTER } from './viewport.mjs';

export function laneAt(scene, y) {
  const ly = y - AXIS + scene.vp.scrollY;
  if (y < AXIS) return null;
  let lo = 0, hi = scene.lanes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const l = scene.lanes[mid];
    if (ly < l.y) hi = mid - 1;
    else if (ly >= l.y + l.h) lo = mid + 1;
    else return l;
  }
  return null;
}

function within(list, t, end, slack) {
  const i = firstEndingAfter(list, t - slack, end);
  const s = list[i];
  return s && s.t0 - slack <= t ? s : null;
}

export function hitTest(scene, x, y) {
  const lane = laneAt(scene, y);
  if (!lane || x < GUTTER) return lane ? { lane, t: null, item: null } : null;
  const { vp } = scene;
  const t = vp.t(x);
  const px = vp.nsPerPx;
  const out = { lane, t, item: null };
  if (scene.mode !== 'events') {
    out.item = { type: 'bucket', ...sumsAt(scene, lane, t - 2 * px, t + 2 * px) };
    if (lane.kind === 'task') {
      const m = nearMark(scene.summaryMarks?.get(lane.key), t, 4 * px);
      if (m) out.item = { type: 'mark', mark: m };
    }
    return out;
  }
  const win = scene.win, end = scene.end;
  if (lane.kind === 'task') {
    const m = nearMark(win.marksByTask.get(lane.key), t, 4 * px);
    if (m) out.item = { type: 'mark', mark: m };
    else {
      const s = within(win.spans.get(lane.key) ?? [], t, end, 2 * px);
      if (s) out.item = { type: 'span', span: s };
    }
  } else if (lane.kind === 'loop') {
    const l = win.loops.get(lane.track);
    if (l) {
      const idle = within(l.idle, t, end, 0);
      const it = within(l.iters, t, end, px);
      if (idle) out.item = { type: 'idle', idle };
      else if (it) out.item = { type: 'iter', iter: it };
    }
  } else if (lane.kind === 'timers') {
    const row = Math.floor((y - vp.laneY(lane) - 3) / 7);
    for (const tm of win.timerList) {
      if (tm.track !== lane.track || (tm.row ?? 0) !== row) continue;
      const t0 = tm.arm ?? win.from, t1 = tm.fire ?? tm.cancel ?? end;
      if (t0 - 3 * px <= t && t <= t1 + 3 * px) { out.item = { type: 'timer', timer: tm }; break; }
    }
  } else if (lane.kind === 'worker') {
    const w = win.workers.get(lane.track);
    const j = w && within(w.jobs, t, end, px);
    if (j) out.item = { type: 'job', job: j };
  }
  return out;
}

function nearMark(marks, t, slack) {
  if (!marks?.length) return null;
  const i = firstStartingAt(marks, t - slack, 'ts');
  let best = null;
  for (let k = i; k < marks.length && marks[k].ts <= t + slack; k++)
    if (!best || Math.abs(marks[k].ts - t) < Math.abs(best.ts - t)) best = marks[k];
  return best;
}

// Time per state (tasks) or busy / idle / records (loops) in [a, b] from the summaries.
export function sumsAt(scene, lane, a, b) {
  const out = { a, b, running: 0, ready: 0, waiting: 0, busy: 0, idle: 0, records: 0, reason: '' };
  let bestWait = 0;
  for (const tile of scene.tiles ?? []) {
    const rows = lane.kind === 'task' ? tile.tasks.get(lane.key) : tile.lanes.get(lane.track);
    if (!rows) continue;
    const lo = Math.max(a, tile.clipFrom), hi = Math.min(b, tile.clipTo);
    if (hi < lo) continue;
    const b0 = Math.floor((lo - tile.from) / tile.bw), b1 = Math.floor((hi - tile.from) / tile.bw);
    for (let i = firstStartingAt(rows, b0, 0); i < rows.length && rows[i][0] <= b1; i++) {
      const r = rows[i];
      if (lane.kind === 'task') {
        out.running += r[1]; out.ready += r[2]; out.waiting += r[3];
        if (r[3] > bestWait) { bestWait = r[3]; out.reason = r[4]; }
      } else { out.busy += r[1]; out.idle += r[2]; out.records += r[3]; }
    }
    out.a = Math.min(out.a, tile.from + b0 * tile.bw);
    out.b = Math.max(out.b, tile.from + (b1 + 1) * tile.bw);
  }
  return out;
}
