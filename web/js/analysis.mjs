// analysis.mjs: numbers about a stretch of a session, from its model (model.mjs) or its
// summaries: per task its time running / scheduled / waiting in a range; per await site how
// often and how long tasks waited there; how long tasks stayed ready before they ran (the
// ready → running delay, as a histogram). Plain data in, plain data out.

import { sumsAt } from './tracks/summary.mjs';
import { fmtSite } from './format.mjs';

// Per task lane, its time in each state within [a, b] (axis units): from the window when
// the range is inside it (dur: the clock's length of [c0, c1]), else from the summaries.
export function rangeTotals(lanes, scene, a, b, dur = (c0, c1) => c1 - c0) {
  const out = [];
  const win = scene.win && scene.win.from <= a && b <= Math.max(scene.win.to, scene.end)
    ? scene.win : null;
  for (const lane of lanes) {
    if (lane.kind !== 'task') continue;
    let t;
    if (win) {
      t = { running: 0, ready: 0, waiting: 0 };
      for (const s of win.spans.get(lane.key) ?? []) {
        const t0 = Math.max(a, s.t0), t1 = Math.min(b, s.t1 ?? scene.end);
        if (t1 > t0) t[s.state] += dur(t0, t1);
      }
    } else {
      const s = sumsAt(scene, lane, a, b);
      t = { running: s.running, ready: s.ready, waiting: s.waiting };
    }
    if (t.running || t.ready || t.waiting) out.push({ key: lane.key, name: lane.name, ...t });
  }
  return out.sort((x, y) => y.running - x.running || x.name.localeCompare(y.name));
}

// Per await site (and reason): the waits that began there, their total, longest and mean.
export function waitSites(win, dur = (c0, c1) => c1 - c0, end = win.to) {
  const sites = new Map();
  for (const spans of win.spans.values()) {
    for (const s of spans) {
      if (s.state !== 'waiting' || s.initial) continue;
      const where = s.site ? fmtSite(s.site) : '(no source line)';
      const key = `${where}\u0000${s.reason}`;
      let x = sites.get(key);
      if (!x) sites.set(key, (x = { site: where, reason: s.reason, count: 0, total: 0, max: 0 }));
      const d = dur(s.t0, s.t1 ?? end);
      x.count++;
      x.total += d;
      x.max = Math.max(x.max, d);
    }
  }
  return [...sites.values()].map((x) => ({ ...x, mean: x.total / x.count }))
    .sort((p, q) => q.total - p.total);
}

// The ready → running delays (a scheduled span that ended in a resume), as a histogram of
// power-of-two buckets of ns: {n, bins: [{lo, hi, count}], p50, p99, max}.
export function readyDelays(win, dur = (c0, c1) => c1 - c0) {
  const ds = [];
  for (const spans of win.spans.values()) {
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i];
      const ran = spans[i + 1]?.state === 'running';
      if (s.state === 'ready' && s.t1 != null && ran) ds.push(dur(s.t0, s.t1));
    }
  }
  ds.sort((x, y) => x - y);
  const bins = new Map();
  for (const d of ds) {
    const e = d < 1 ? 0 : Math.floor(Math.log2(d)) + 1;
    bins.set(e, (bins.get(e) ?? 0) + 1);
  }
  const keys = [...bins.keys()].sort((x, y) => x - y);
  const q = (p) => (ds.length ? ds[Math.min(ds.length - 1, Math.floor(ds.length * p))] : null);
  return {
    n: ds.length,
    bins: keys.map((e) => ({ lo: e ? 2 ** (e - 1) : 0, hi: 2 ** e, count: bins.get(e) })),
    p50: q(0.5), p99: q(0.99), max: ds.length ? ds[ds.length - 1] : null,
  };
}

// Whether text matches a search: every word of the query is in it, ignoring case.
export function matches(query, text) {
  const words = (query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const t = String(text ?? '').toLowerCase();
  return words.every((w) => t.includes(w));
}
