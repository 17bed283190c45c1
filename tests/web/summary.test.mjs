// summary.test.mjs: web/js/tracks/summary.mjs's packed summary tiles: the API's rows packed in
// typed arrays and given back whole (the buffers a message moves), a task's main waiting
// reason per row, and the sums of a range and the per-column shares read from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tileOf, firstRow, reasonOf, sumsAt, columns } from '../../web/js/tracks/summary.mjs';

// A 1000 ns summary of 10 buckets: the loop busy in buckets 0-4, idle in 5-9; task 1:3 runs
// in 0-1, waits on a lock in 2-6 and on a timer in 8.
const api = {
  from: 0, to: 1000, bucket_ns: 100, marks: [], marks_total: 0, mark_buckets: [],
  lanes: [{ track: 1, buckets: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((b) =>
    (b < 5 ? [b, 100, 0, 7] : [b, 0, 100, 1])) }],
  tasks: [{ track: 1, task: 3, buckets: [[0, 100, 0, 0, ''], [1, 100, 0, 0, ''],
    [2, 0, 0, 100, 'lock'], [3, 0, 0, 100, 'lock'], [4, 0, 0, 100, 'lock'],
    [5, 0, 0, 100, 'lock'], [6, 0, 0, 100, 'lock'], [8, 0, 20, 80, 'sleep']] }],
};

test('a tile\'s rows are packed, and every buffer is given for a message to move', () => {
  const { tile, buffers } = tileOf(api);
  const loop = tile.lanes.get(1), task = tile.tasks.get('1:3');
  assert.equal(loop.n, 10);
  assert.equal(task.n, 8);
  assert.deepEqual([...task.v.slice(7 * 4, 8 * 4)], [8, 0, 20, 80]);
  assert.equal(loop.why, null, 'a lane has no reasons');
  assert.deepEqual([0, 2, 7].map((i) => reasonOf(task, i)), ['', 'lock', 'sleep']);
  assert.equal(firstRow(task, 7), 7, 'bucket 7 has no row: the next is 8');
  assert.equal(firstRow(task, 9), 8);
  const all = new Set([loop.v.buffer, task.v.buffer, task.why.buffer]);
  assert.deepEqual(new Set(buffers), all);
  // what a worker's message does with them: the copy is whole, the original moved away
  const copy = structuredClone(tile, { transfer: buffers });
  assert.equal(task.v.length, 0, 'moved, not copied');
  assert.equal(reasonOf(copy.tasks.get('1:3'), 7), 'sleep');
});

const sceneOf = (tile, a, b, plotW) => ({
  vp: { a, b, span: b - a, plotW },
  tiles: [{ ...tile, clipFrom: tile.from, clipTo: tile.to }],
});

test('the sums of a range, from the packed rows', () => {
  const { tile } = tileOf(api);
  const scene = sceneOf(tile, 0, 1000, 100);
  const t = sumsAt(scene, { kind: 'task', key: '1:3' }, 150, 850);
  assert.deepEqual([t.running, t.ready, t.waiting, t.reason], [100, 20, 580, 'lock']);
  assert.deepEqual([t.a, t.b], [100, 900], 'widened to whole buckets');
  const l = sumsAt(scene, { kind: 'loop', track: 1 }, 0, 999);
  assert.deepEqual([l.busy, l.idle, l.records], [500, 500, 40]);
});

test('per pixel column, each state\'s share and the main waiting reason', () => {
  const { tile } = tileOf(api);
  const c = columns(sceneOf(tile, 0, 1000, 10), (t) => t.tasks.get('1:3'), [1, 2, 3], 3);
  assert.equal(c.W, 10);
  const col = (x) => [...c.acc.slice(x * 3, x * 3 + 3)].map((v) => Math.round(v * 100) / 100);
  assert.deepEqual(col(0), [1, 0, 0]);
  assert.deepEqual(col(3), [0, 0, 1]);
  assert.deepEqual(col(8), [0, 0.2, 0.8]);
  assert.deepEqual(col(7), [0, 0, 0]);
  assert.deepEqual([c.reason[3], c.reason[8], c.reason[0]], ['lock', 'sleep', undefined]);
});
