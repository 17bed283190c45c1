// cmppanels.test.mjs: web/js/cmppanels.mjs, the compare view's side panels from the API's
// replies: the groups of orderings and outputs, the turnaround table with its differences
// from the baseline, and the ordering diff's first divergence and entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffHTML, groupColor, groupsHTML, plural, signed, turnaroundHTML, turnaroundRows }
  from '../../web/js/cmppanels.mjs';

test('counts and differences are said as a person would', () => {
  assert.equal(plural(1, 'run'), '1 run');
  assert.equal(plural(0, 'run'), '0 runs');
  assert.equal(plural(3, 'distinct ordering'), '3 distinct orderings');
  assert.equal(signed(2e6), '+2 ms');
  assert.equal(signed(-1500), '−1.5 µs');
  assert.equal(signed(0), '±0');
  assert.equal(groupColor(1), groupColor(9), 'eight colours, then round again');
  assert.notEqual(groupColor(1), groupColor(2));
});

const g = {
  distinct_orderings: 2, distinct_outputs: 1,
  runs: [{ id: 1 }, { id: 2 }, { id: 3 }],
  orderings: [{ group: 1, sessions: [1, 3] },
    { group: 2, sessions: [2], departs: { step: 4, this: 'B <runs>', largest: 'A runs' } }],
  outputs: [{ group: 1, sessions: [1, 2, 3], text: ['A', 'B', 'C'] }],
};

test('the groups: how many distinct, each group\'s runs, where it departs from the first', () => {
  const html = groupsHTML(g);
  assert.match(html, /2 distinct orderings, 1 distinct output<\/b> among 3 runs/);
  assert.match(html, /ordering 1: 2 runs \(#1, #3\)/);
  assert.match(html,
    /ordering 2: 1 run \(#2\)<div class="muted">departs from ordering 1 at step 5: /);
  assert.match(html, /<q>B &lt;runs&gt;<\/q> where it has <q>A runs<\/q>/, 'escaped');
  assert.match(html, /output 1: 3 runs \(#1, #2, #3\) · A \| B \| C/);
  assert.ok(html.includes(`background:${groupColor(2)}`), 'each ordering its chip');
});

const baseline = { id: 1, data: { start: 0, end: 10e6 } };
const diffs = new Map([
  [2, { turnaround: { a: 10e6, b: 12e6, tasks: [
    { ident: 'main', task: 'main', a: { turnaround: 9e6, busy: 1e6, scheduled: 0, waiting: 8e6 },
      b: { turnaround: 11e6, busy: 1e6, scheduled: 0, waiting: 10e6 } },
    { ident: 'T9', task: 'T9', b: { turnaround: null } }] } }],
  [3, { turnaround: { a: 10e6, b: 7e6, tasks: [
    { ident: 'main', task: 'main', a: { turnaround: 9e6 }, b: { turnaround: 9e6 } }] } }],
]);

test('the turnarounds: a row per task matched across runs, a cell per run', () => {
  const rows = turnaroundRows(baseline, diffs);
  assert.deepEqual([...rows.keys()], ['', 'main', 'T9']);
  const whole = rows.get('').cells;
  assert.deepEqual([1, 2, 3].map((id) => whole.get(id).turnaround), [10e6, 12e6, 7e6]);
  assert.equal(rows.get('T9').cells.has(1), false, 'a task only run 2 has');
  const html = turnaroundHTML(rows, [1, 2, 3], baseline, []);
  assert.match(html, /#1 <span class="muted">\(baseline\)<\/span>/);
  assert.match(html, /12 ms <span class="muted">\(\+2 ms\)<\/span>/);
  assert.match(html, /7 ms <span class="muted">\(−3 ms\)<\/span>/);
  assert.match(html, /9 ms <span class="muted">\(±0\)<\/span>/);
  assert.match(html, /title="busy \/ scheduled \/ waiting">1 ms · 0 ns · 10 ms</);
  assert.match(html,
    /<th>T9<\/th><td class="muted">—<\/td><td class="num" data-session="2">running/);
});

const entries = [
  { op: ' ', a: 0, b: 0, ta: 0, tb: 0, text: 'main starts' },
  { op: 'skip', count: 3 },
  { op: '-', a: 4, ta: 5e6, text: 'A <1>' },
  { op: '+', b: 4, tb: 6e6, text: 'B' },
];

test('the diff: the first divergence, and an entry per step with its sign and places', () => {
  const d = { same: false, steps: { common: 9, only_a: 1, only_b: 1 },
    first_divergence: { a: 4, b: 4, text_a: 'A <1>', text_b: 'B' }, entries, complete: false,
    entries_total: 10 };
  const { first, entries: list } = diffHTML(d, 1, 2);
  assert.match(first,
    /#1 \(−\) against #2 \(\+\): 9 steps in common, 1 only in #1, 1 only in #2/);
  assert.match(first, /First divergence: step 5 of #1, 5 of #2<\/button>/);
  assert.match(first, /−&nbsp;A &lt;1&gt;<br>\+&nbsp;B/);
  const lis = list.split('</li>').filter(Boolean);
  assert.equal(lis.length, 5);
  const idx = (a, b) => `<span class="idx">${a}</span><span class="idx">${b}</span>`;
  assert.match(lis[0], /class="opsame".*data-k="0".*<span class="sign">&nbsp;<\/span>/);
  assert.ok(lis[0].includes(idx(1, 1)));
  assert.match(lis[1], /… 3 unchanged steps/);
  assert.match(lis[2], /class="opdel".*data-k="2".*−<\/span>/);
  assert.ok(lis[2].includes(`${idx(5, '')}<span class="when">5 ms</span>A &lt;1&gt;`));
  assert.match(lis[3], /class="opadd".*\+<\/span>/);
  assert.ok(lis[3].includes(`${idx('', 5)}<span class="when">6 ms</span>B`));
  assert.match(lis[4], /\(6 more not shown\)/);
  // all at one time (a virtual clock that never moved): no time column
  const still = diffHTML({ ...d, entries: entries.map((e) => ({ ...e, ta: 0, tb: 0 })),
    complete: true }, 1, 2);
  assert.doesNotMatch(still.entries, /class="when"/);
  assert.doesNotMatch(still.entries, /more not shown/);
  const same = diffHTML({ same: true, steps: { a: 12 }, entries: [], complete: true }, 1, 3);
  assert.match(same.first, /#1 and #3: <b>the same ordering<\/b>, 12 steps\./);
  assert.doesNotMatch(same.first, /button/);
});
