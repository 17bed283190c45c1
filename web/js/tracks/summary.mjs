// tracks/summary.mjs: reading the collector's summary tiles for a lane: per pixel column the
// share of each state in the buckets under it, runs of equal columns, and the sums of a
// range (what the tooltip of a summarised lane says); and a tile made of the API's summary,
// its rows packed in typed arrays (a message moves them whole: thousands of small arrays
// took the page 40-60 ms to take in, a tile's buffers are moved, not copied).

import { taskKey } from '../model.mjs';

// A lane's (bucket, busy, idle, records) or a task's (bucket, running, ready, waiting) rows
// of the API, packed: row i's column c is v[i * s + c] (s = 4); a task row's main waiting
// reason is reasons[why[i]] (why -1: none; no why at all for a lane's rows, which have none).
export function packRows(rows, reasons) {
  const s = 4;
  const v = new Float64Array(rows.length * s);
  const why = rows.some((r) => r.length > s) ? new Int16Array(rows.length) : null;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    for (let c = 0; c < s; c++) v[i * s + c] = r[c];
    if (why) {
      const w = r[4];
      let k = w ? reasons.indexOf(w) : -1;
      if (w && k < 0) k = reasons.push(w) - 1;
      why[i] = k;
    }
  }
  return { n: rows.length, s, v, why, reasons };
}

// The first row of rows whose bucket is at least b.
export function firstRow(rows, b) {
  let lo = 0, hi = rows.n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows.v[mid * rows.s] < b) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// Row i's main waiting reason ('' for none).
export const reasonOf = (rows, i) =>
  (rows.why && rows.why[i] >= 0 ? rows.reasons[rows.why[i]] : '');

// A summary tile of the API's summary r (made where it is read: fetchworker.mjs): its lanes'
// and tasks' packed rows by track and task key, its marks; and the buffers a message may move.
export function tileOf(r) {
  const tile = { from: r.from, to: r.to, bw: r.bucket_ns, lanes: new Map(), tasks: new Map(),
    marks: r.marks, marksTotal: r.marks_total };
  // each bucket's first mark (and how many it holds): what a tile with too many marks shows
  tile.markBuckets = (r.mark_buckets ?? []).map(([, count, track, seq, ts, task, text]) =>
    ({ track, seq, ts, task, text, count }));
  const reasons = [];
  for (const l of r.lanes) tile.lanes.set(l.track, packRows(l.buckets, reasons));
  for (const t of r.tasks)
    tile.tasks.set(taskKey(t.track, t.task), packRows(t.buckets, reasons));
  const buffers = [];
  for (const m of [tile.lanes, tile.tasks])
    for (const x of m.values()) { buffers.push(x.v.buffer); if (x.why) buffers.push(x.why.buffer); }
  return { tile, buffers };
}

// Per pixel column, the share of each state (row columns cols) in the buckets under it, and
// the main waiting reason (the reason of the most waiting, column 3, under it).
export function columns(scene, rowsOf, cols, ncol) {
  const { vp } = scene;
  const W = Math.ceil(vp.plotW);
  const acc = new Float64Array(W * ncol);
  const reason = new Array(W);
  const best = new Float64Array(W);
  let any = false;
  for (const tile of scene.tiles) {
    const rows = rowsOf(tile);
    if (!rows || !rows.n) continue;
    const { v, s, why } = rows;
    const bw = tile.bw;
    const bFirst = Math.floor((Math.max(vp.a, tile.from) - tile.from) / bw);
    let i = firstRow(rows, bFirst);
    const px = vp.plotW / vp.span; // px per ns
    for (; i < rows.n; i++) {
      const o = i * s;
      const t0 = tile.from + v[o] * bw;
      if (t0 > vp.b || t0 >= tile.to) break;
      const t1 = Math.min(t0 + bw, tile.to);
      const c0 = (Math.max(t0, tile.clipFrom, vp.a) - vp.a) * px;
      const c1 = (Math.min(t1, tile.clipTo, vp.b) - vp.a) * px;
      if (c1 <= c0) continue;
      any = true;
      const share = 1 / (t1 - t0);
      const w = why && why[i] >= 0 ? why[i] : -1;
      for (let c = Math.floor(c0); c < Math.min(W, Math.ceil(c1)); c++) {
        const cover = Math.min(c1, c + 1) - Math.max(c0, c);
        if (cover <= 0) continue;
        for (let k = 0; k < ncol; k++) acc[c * ncol + k] += v[o + cols[k]] * share * cover;
        if (w >= 0 && v[o + 3] * cover > best[c]) {
          best[c] = v[o + 3] * cover;
          reason[c] = rows.reasons[w];
        }
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
    const { v, s: S } = rows;
    for (let i = firstRow(rows, b0); i < rows.n && v[i * S] <= b1; i++) {
      const o = i * S;
      if (lane.kind === 'task') {
        out.running += v[o + 1]; out.ready += v[o + 2]; out.waiting += v[o + 3];
        if (v[o + 3] > bestWait) { bestWait = v[o + 3]; out.reason = reasonOf(rows, i); }
      } else { out.busy += v[o + 1]; out.idle += v[o + 2]; out.records += v[o + 3]; }
    }
    out.a = Math.min(out.a, tile.from + b0 * tile.bw);
    out.b = Math.max(out.b, tile.from + (b1 + 1) * tile.bw);
  }
  return out;
}
