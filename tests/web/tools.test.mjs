// tools.test.mjs: the pure parts of the timeline's tools: links to a moment (urlstate.mjs),
// range totals, await-site totals, the ready → running histogram and search (analysis.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHash, formatHash } from '../../web/js/urlstate.mjs';
import { rangeTotals, waitSites, readyDelays, matches } from '../../web/js/analysis.mjs';
import { EventWindow } from '../../web/js/model.mjs';
import { EVENTS, T0 } from './records.mjs';

const win = () => { const w = new EventWindow(T0, T0 + 100_140); w.add(EVENTS); return w; };
const lanes = [{ kind: 'loop', key: 'loop:1' }, { kind: 'task', key: '1:1', name: 'main' },
  { kind: 'task', key: '1:2', name: 'T1' }];

test('a link holds the session, axis, view, cursor and task, and reads back the same', () => {
  const st = { session: 5, axis: 'time', view: [100.4, 900.6], cursor: 450.2, task: '1:3' };
  const h = formatHash(st);
  assert.equal(h, '#session=5&axis=time&view=100,901&cursor=450&task=1:3');
  assert.deepEqual(parseHash(h), { session: 5, compare: null, base: null, axis: 'time',
    view: [100, 901], cursor: 450, task: '1:3', entry: null });
  assert.deepEqual(parseHash('#compare=4,5&entry=12').compare, [4, 5]);
  assert.equal(parseHash('#compare=4,5&entry=12').entry, 12);
  // the baseline of a compare link, left out when it is the first run
  assert.equal(parseHash('#compare=4,5,6&base=5&entry=12').base, 5);
  assert.equal(formatHash({ compare: [4, 5, 6], base: 5, entry: 12 }),
    '#compare=4,5,6&base=5&entry=12');
  assert.equal(formatHash({ compare: [4, 5, 6], base: 4 }), '#compare=4,5,6');
  const bad = parseHash('#session=x&view=9,2&task=main&cursor=');
  assert.deepEqual([bad.session, bad.view, bad.task, bad.cursor], [null, null, null, null]);
  assert.equal(parseHash('').session, null);
});

test('a range\'s per-task time running, scheduled and waiting', () => {
  const scene = { win: win(), end: T0 + 100_140 };
  const r = rangeTotals(lanes, scene, T0 + 25, T0 + 100_115);
  const by = Object.fromEntries(r.map((x) => [x.name, [x.running, x.ready, x.waiting]]));
  assert.deepEqual(by.main, [15, 0, 100_075]);
  assert.deepEqual(by.T1, [25, 20 + 20, 100_020]);
  assert.deepEqual(rangeTotals(lanes, scene, T0 + 100_150, T0 + 100_160), [], 'nothing after the end');
});

test('await sites: how often and how long tasks waited at each', () => {
  const sites = waitSites(win());
  assert.deepEqual(sites.map((s) => [s.site, s.reason, s.count, s.total]), [
    ['b/main.c:9 in amain', 'task', 1, 100_080],
    ['(no source line)', 'sleep', 1, 100_020],
  ]);
});

test('ready → running delays as a power-of-two histogram', () => {
  const h = readyDelays(win());
  // main 20 (spawn → resume), T1 20, T1 20 (fire → resume), main 10
  assert.equal(h.n, 4);
  assert.deepEqual(h.bins, [{ lo: 8, hi: 16, count: 1 }, { lo: 16, hi: 32, count: 3 }]);
  assert.deepEqual([h.p50, h.max], [20, 20]);
});

test('search: every word, any case', () => {
  assert.ok(matches('work 3', 'Worker 3: tick 7'));
  assert.ok(!matches('work 4', 'Worker 3: tick 7'));
  assert.ok(matches('', 'anything'));
});
