// format.mjs: how times, durations and sources read in the UI: durations in sensible units
// (ns, µs, ms, s), time-axis ticks at 1/2/5 steps, and short source locations.

const UNITS = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']];

// A duration in ns as a short string: "200 ms", "1.09 ms", "35.2 µs", "80 ns".
export function fmtDur(ns) {
  if (!Number.isFinite(ns)) return '?';
  const a = Math.abs(ns);
  if (a === 0) return '0 ns';
  for (const [f, u] of UNITS) {
    if (a >= f || f === 1) {
      const v = ns / f;
      const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
      return `${stripZeros(v.toFixed(digits))} ${u}`;
    }
  }
  return `${ns} ns`;
}

function stripZeros(s) {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

// A time relative to the session start (ns), precise enough for a tick step (ns).
export function fmtTime(rel, step = 0) {
  let unit = UNITS.find(([f]) => Math.abs(rel) >= f) ?? [1, 'ns'];
  if (rel === 0) unit = UNITS.find(([f]) => step >= f) ?? [1, 'ns'];
  const [f, u] = unit;
  let decimals = 0;
  if (step > 0) decimals = Math.max(0, Math.ceil(Math.log10(f / step) - 1e-9));
  decimals = Math.min(decimals, 9);
  return `${(rel / f).toFixed(decimals)} ${u}`;
}

// Tick positions for [from, to] (relative ns) so that ticks are at least minPx apart when
// the span is px wide: a step of 1, 2 or 5 times a power of ten.
export function ticks(from, to, px, minPx = 110) {
  const span = to - from;
  if (!(span > 0) || px <= 0) return { step: 1, list: [] };
  const raw = (span * minPx) / px;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const list = [];
  for (let t = Math.ceil(from / step) * step; t <= to && list.length < 200; t += step) list.push(t);
  return { step: Math.max(1, step), list };
}

// "examples/seed_ordering.c:31 in amain" from a site {file, func, line}.
export function fmtSite(site) {
  if (!site || !site.file) return '';
  const parts = site.file.split('/');
  const file = parts.slice(-2).join('/');
  return `${file}:${site.line}${site.func ? ` in ${site.func}` : ''}`;
}

// A count with thousands separated: 1,000,000.
export function fmtCount(n) {
  // not toLocaleString: Intl's first use costs the page 100-140 ms of set-up, and every use
  // more than this
  const v = Math.round(Number(n));
  if (!Number.isFinite(v)) return String(n);
  const d = String(Math.abs(v)).replace(/\B(?=(\d{3})+$)/g, ',');
  return v < 0 ? `-${d}` : d;
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// HTML-escapes text for innerHTML use.
export function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

// How long a session ran, as its clock says: "1.2 s"; under the virtual clock (whose time
// moves only when a timer fires) "200 ms · virtual clock", or, when every record is at its
// first time, "virtual clock · all at t=0" rather than a length of 0 ns.
export function fmtClockSpan(clock, ns) {
  if (clock !== 'virtual') return fmtDur(ns);
  return ns > 0 ? `${fmtDur(ns)} · virtual clock` : 'virtual clock · all at t=0';
}

// A count of events: "1 event", "1,200 events".
export function fmtEvents(n) {
  return `${fmtCount(n)} event${n === 1 ? '' : 's'}`;
}

// A wall-clock time of day, local, as HH:MM:SS (24 h), without Intl.
export function fmtClock(date) {
  const p = (x) => String(x).padStart(2, '0');
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}
