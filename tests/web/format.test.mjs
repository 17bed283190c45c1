// format.test.mjs: web/js/format.mjs: how durations, times, ticks, sources and counts read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmtDur, fmtTime, ticks, fmtSite, fmtCount, esc } from '../../web/js/format.mjs';

test('durations in sensible units', () => {
  assert.equal(fmtDur(0), '0 ns');
  assert.equal(fmtDur(80), '80 ns');
  assert.equal(fmtDur(35_200), '35.2 µs');
  assert.equal(fmtDur(1_090_000), '1.09 ms');
  assert.equal(fmtDur(200e6), '200 ms');
  assert.equal(fmtDur(-1.5e9), '-1.5 s');
  assert.equal(fmtDur(NaN), '?');
});

test('times precise enough for their tick step', () => {
  assert.equal(fmtTime(1.5e9, 1e8), '1.5 s');
  assert.equal(fmtTime(65_001_000_000, 1e6), '65.001 s');
  assert.equal(fmtTime(0, 1e6), '0 ms');
});

test('ticks at 1-2-5 steps, at least minPx apart', () => {
  const t = ticks(0, 1e9, 1000, 110);
  assert.equal(t.step, 2e8);
  assert.deepEqual(t.list, [0, 2e8, 4e8, 6e8, 8e8, 1e9]);
  assert.deepEqual(ticks(5, 5, 100).list, []);
});

test('sources, counts and HTML escapes', () => {
  assert.equal(fmtSite({ file: '/src/examples/seed.c', line: 31, func: 'amain' }), 'examples/seed.c:31 in amain');
  assert.equal(fmtSite(null), '');
  assert.equal(fmtCount(1000000), '1,000,000');
  assert.equal(esc('<a href="x">&\'</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
});
