// tracks/summary.mjs: reading the collector's summary tiles for a lane: per pixel column the
// share of each state in the buckets under it, runs of equal columns, and the sums of a
// range (what the tooltip of a summarised lane says); and a tile made of the API's summary.

import { firstStartingAt, taskKey } from '../model.mjs';

// A summary tile of the API's summary r (made where it is read: fetchworker.mjs): its lanes'
// and tasks' bucket rows by track and task key, its marks.
export function tileOf(r) {
  const tile = { from: r.from, to: r.to, bw: r.bucket_ns, lanes: new Map(), tasks: new Map(),
    marks: r.marks, marksTotal: r.marks_total };
  // each bucket's first mark (and how many it holds): what a tile with too many marks shows
  tile.markBuckets = (r.mark_buckets ?? []).map(([, count, track, seq, ts, task, text]) =>
    ({ track, seq, ts, task, text, count }));
  for (const l of r.lanes) tile.lanes.set(l.track, l.buckets);
  for (const t of r.tasks) tile.tasks.set(taskKey(t.track, t.task), t.buckets);
  return tile;
}

// Per pixel column, the share of each state (row columns cols) in the buckets under it.
export function columns(scene, rowsOf, cols, ncol) {
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

// Calls fn(x0, x1, key) for each run of columns with the same key.
export function runs(W, keyOf, fn) {
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
