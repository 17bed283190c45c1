// cmppanels.mjs: the compare view's side panels as HTML: how the runs group by ordering and
// by printed output, the turnarounds of the runs and of their tasks side by side with their
// differences from the baseline, and the ordering diff (its first divergence and entries).
// Pure: from the replies of /api/orderings and /api/diff (docs/api.md, "Comparing runs").

import { fmtDur, esc } from './format.mjs';
import { turnInEvents } from './cmpwords.mjs';

const GROUP_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442',
  '#000000'];
// The colour of ordering group n (from 1): its chip in the groups list and in the run's title.
export const groupColor = (n) => GROUP_COLORS[(n - 1) % GROUP_COLORS.length];
export const plural = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`;
export const signed = (ns) => (ns > 0 ? `+${fmtDur(ns)}` : ns < 0 ? `−${fmtDur(-ns)}` : '±0');

// The groups panel of an /api/orderings reply g.
export function groupsHTML(g) {
  const list = (groups, what) => groups.map((x) => {
    const dep = x.departs;
    const where = !dep ? '' : what === 'ordering'
      ? `<div class="muted">departs from ordering 1 at step ${dep.step + 1}: `
        + `<q>${esc(dep.this ?? 'its end')}</q> where it has `
        + `<q>${esc(dep.largest ?? 'its end')}</q></div>`
      : `<div class="muted">departs at line ${dep.line + 1}: <q>${esc(dep.this ?? 'nothing')}`
        + `</q> where output 1 has <q>${esc(dep.largest ?? 'nothing')}</q></div>`;
    const chip = what === 'ordering'
      ? `<i class="cmp-chip" style="background:${groupColor(x.group)}"></i>` : '';
    const text = what === 'output' ? ` · ${esc(x.text.slice(0, 8).join(' | '))}` : '';
    return `<li data-testid="compare-${what}-group">${chip}${what} ${x.group}: `
      + `${plural(x.sessions.length, 'run')} (#${x.sessions.join(', #')})${text}${where}</li>`;
  }).join('');
  return '<h3>Orderings and outputs</h3><p><b data-testid="compare-distinct">'
    + `${plural(g.distinct_orderings, 'distinct ordering')}, `
    + `${plural(g.distinct_outputs, 'distinct output')}</b> among ${g.runs.length} runs</p>
<ol class="cmp-groups">${list(g.orderings, 'ordering')}</ol>`
    + `<ol class="cmp-groups">${list(g.outputs, 'output')}</ol>`;
}

// The turnaround table's rows: the whole run, then each task matched by identity across the
// runs (`ident`), each with its cells by session id ({turnaround, busy, scheduled, waiting}),
// from the baseline's length and the diffs against it (Map: session id -> /api/diff reply).
export function turnaroundRows(baseline, diffs) {
  const rows = new Map([['', { task: 'whole run', whole: true, cells: new Map() }]]);
  rows.get('').cells.set(baseline.id, { turnaround: baseline.data.end - baseline.data.start });
  for (const [b, d] of diffs) {
    rows.get('').cells.set(baseline.id, { turnaround: d.turnaround.a });
    rows.get('').cells.set(b, { turnaround: d.turnaround.b });
    for (const t of d.turnaround.tasks) {
      if (!rows.has(t.ident)) rows.set(t.ident, { task: t.task, cells: new Map() });
      const row = rows.get(t.ident);
      if (t.a) row.cells.set(baseline.id, t.a);
      if (t.b) row.cells.set(b, t.b);
    }
  }
  return rows;
}

// The turnaround table: runs as columns (cols: their ids), each cell its time and difference
// from the baseline's, and under a task its busy / scheduled / waiting.
export function turnaroundHTML(rows, cols, baseline, runs) {
  const base = (row) => row.cells.get(baseline.id)?.turnaround;
  const cell = (row, id) => {
    const c = row.cells.get(id);
    if (!c) return '<td class="muted">—</td>';
    const t = c.turnaround;
    const delta = id !== baseline.id && t != null && base(row) != null
      ? ` <span class="muted">(${signed(t - base(row))})</span>` : '';
    const parts = c.busy != null
      ? `<div class="cmp-parts muted" title="busy / scheduled / waiting">${fmtDur(c.busy)} · `
        + `${fmtDur(c.scheduled)} · ${fmtDur(c.waiting)}</div>` : '';
    const none = !c.busy && !c.scheduled && !c.waiting; // no time at all: no 0 ns · 0 ns
    if (t === 0 && base(row) === 0) return turnInEvents(row, id, baseline, runs, none ? '' : parts);
    return `<td class="num" data-session="${id}">${t == null ? 'running' : fmtDur(t)}`
      + `${delta}${parts}</td>`;
  };
  const colHead = (id) => (id === baseline.id
    ? `<th class="num" title="the baseline">#${id} <span class="muted">(baseline)</span></th>`
    : `<th class="num">#${id}</th>`);
  const tr = (row) => `<tr data-testid="compare-turnaround-row"><th>${esc(row.task)}</th>`
    + `${cols.map((id) => cell(row, id)).join('')}</tr>`;
  return '<table class="cmp-turn"><thead><tr><th></th>'
    + `${cols.map(colHead).join('')}</tr></thead>
<tbody>${[...rows.values()].map(tr).join('')}</tbody></table>
<p class="muted">Under each task: busy · scheduled · waiting.</p>`;
}

// The ordering diff d of run a (−) against run b (+): {first, entries} HTML, the first
// divergence (a button when there is one) and the entries (each a button data-k="k").
export function diffHTML(d, a, b) {
  let first;
  if (d.same) {
    first = `<p data-testid="compare-same">#${a} and #${b}: <b>the same ordering</b>, `
      + `${d.steps.a} steps.</p>`;
  } else {
    const f = d.first_divergence;
    first = `<p>#${a} (−) against #${b} (+): ${d.steps.common} steps in common, `
      + `${d.steps.only_a} only in #${a}, ${d.steps.only_b} only in #${b}.</p>
<button class="cmp-jump" data-testid="compare-first-divergence">First divergence: `
      + `step ${f.a + 1} of #${a}, ${f.b + 1} of #${b}</button>
<div class="muted">−&nbsp;${esc(f.text_a ?? 'its end')}<br>`
      + `+&nbsp;${esc(f.text_b ?? 'its end')}</div>`;
  }
  // runs whose steps all share one time (virtual clock, no sleeps) need no time column
  const at = (e) => (e.op === '+' ? e.tb : e.ta);
  const timed = new Set(d.entries.filter((e) => e.op !== 'skip').map(at)).size > 1;
  const entry = (e, k) => {
    const [cls, sign] = { ' ': ['same', '&nbsp;'], '-': ['del', '−'] }[e.op] ?? ['add', '+'];
    return `<li class="op${cls}"><button data-k="${k}" data-testid="compare-entry" `
      + `title="Show this step in both timelines"><span class="sign">${sign}</span>`
      + `<span class="idx">${e.a != null ? e.a + 1 : ''}</span>`
      + `<span class="idx">${e.b != null ? e.b + 1 : ''}</span>`
      + `${timed ? `<span class="when">${fmtDur(at(e))}</span>` : ''}`
      + `${esc(e.text)}</button></li>`;
  };
  const entries = d.entries.map((e, k) => (e.op === 'skip'
    ? `<li class="skip muted">… ${plural(e.count, 'unchanged step')}</li>` : entry(e, k)))
    .join('')
    + (d.complete ? ''
      : `<li class="muted">(${d.entries_total - d.entries.length} more not shown)</li>`);
  return { first, entries };
}
