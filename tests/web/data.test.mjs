// data.test.mjs: web/js/data.mjs's summary tiles for a large session, against a fetch that
// answers when the test says: a view's missing tiles are read together; once the view has
// all it needs, the finer level is read ahead and is not counted as loading; a wheel notch
// finds those tiles here; a tile the view comes to need while it is read ahead is read once;
// a view gone to another level drops the reads of the old one; a task's totals from the tiles.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { SessionData, TILE_BUCKETS } from '../../web/js/data.mjs';
import { tileOf } from '../../web/js/tracks/summary.mjs';

const D = 1_000_000_000; // the session: 1 s, 1M records spread evenly
const PX = 1000;         // the plot's width: the whole view is level 0

// The summary of [from, to]: one loop lane, every bucket holding its share of the records.
function summary(from, to, buckets) {
  const bw = Math.ceil((to - from) / buckets);
  const per = Math.max(1, Math.round((1e6 * (to - from)) / D / buckets));
  const rows = Array.from({ length: buckets }, (_, i) => [i, bw / 2, bw / 2, per]);
  return { from, to, bucket_ns: bw, lanes: [{ track: 1, buckets: rows }], tasks: [],
    marks: [], marks_total: 0, mark_buckets: [] };
}

let reads, realFetch;
beforeEach(() => {
  reads = [];
  realFetch = globalThis.fetch;
  // each read waits for the test's answer(); an abort rejects it as fetch would
  globalThis.fetch = (url, { signal } = {}) => new Promise((resolve, reject) => {
    const u = new URL(url, 'http://x');
    const r = { level: null, from: Number(u.searchParams.get('from')),
      to: Number(u.searchParams.get('to')), signal, path: u.pathname };
    r.answer = () => resolve({ ok: true, status: 200,
      json: async () => summary(r.from, r.to, Number(u.searchParams.get('buckets'))) });
    signal?.addEventListener('abort', () =>
      reject(new DOMException('aborted', 'AbortError')), { once: true });
    reads.push(r);
  });
});
afterEach(() => { globalThis.fetch = realFetch; });

const settle = () => new Promise((r) => setImmediate(r));
const pending = () => reads.filter((r) => !r.done && !r.signal?.aborted);
async function answerAll() {
  for (let i = 0; i < 10 && pending().length; i++) {
    for (const r of pending()) { r.done = true; r.answer(); }
    await settle();
    await settle();
  }
}
// the level and index of the tile a read is for
const tileAt = (r) => {
  const L = Math.round(Math.log2(D / (r.to - r.from)));
  return [L, Math.round(r.from / (D / 2 ** L))];
};

async function opened(changes = []) {
  const d = new SessionData({ id: 7, start_ns: 0, end_ns: D, events: 1e6, status: 'complete' },
    [], { fullLimit: 1000, eventLimit: 1000, onChange: (e) => changes.push(e ?? 'data') });
  const p = d.open();
  await settle();
  assert.equal(reads.length, 1, 'the open reads one tile');
  assert.deepEqual(tileAt(reads[0]), [0, 0]);
  await answerAll();
  await p;
  return d;
}

test('once the view has its tiles, the finer level is read ahead, not counted as loading',
  async () => {
    const d = await opened();
    const f = d.frame(0, D, PX);
    assert.equal(f.mode, 'summary');
    assert.equal(f.level, 0);
    assert.deepEqual(pending().map(tileAt), [[1, 0], [1, 1]], 'level 1 read ahead, together');
    assert.equal(d.inflight, false, 'a read ahead is not something the view waits for');
    assert.equal(d.fetches, 1);
    assert.equal(d.prefetches, 2);
    await answerAll();
    // a wheel notch in (0.78 of the view) is at level 1: all of it is here, nothing is read
    const before = reads.length;
    const g = d.frame(D * 0.1, D * 0.88, PX);
    assert.equal(g.level, 1);
    assert.equal(g.tiles.every((t) => t.level === 1), true, 'drawn from level 1 itself');
    assert.equal(d.inflight, false);
    assert.equal(d.fetches, 1, 'the notch needed no read');
    assert.ok(reads.slice(before).every((r) => tileAt(r)[0] === 2), 'only level 2, ahead');
  });

test('a view\'s missing tiles are read together, and each redraws when it comes', async () => {
  const changes = [];
  const d = await opened(changes);
  // a view of a 32nd, across two level-5 tiles (none of which is here)
  const a = D / 32 * 3.5, b = a + D / 32;
  const f = d.frame(a, b, PX);
  assert.equal(f.level, 5);
  const level5 = pending().filter((r) => tileAt(r)[0] === 5).map(tileAt);
  assert.deepEqual(level5, [[5, 3], [5, 4]], 'the view\'s two tiles at once');
  assert.equal(d.inflight, true);
  assert.equal(f.tiles[0].level, 0, 'drawn from level 0 meanwhile');
  await answerAll();
  assert.equal(changes.length >= 1, true, 'the arrivals redraw');
  assert.equal(d.inflight, false);
  assert.ok(d.frame(a, b, PX).tiles.every((t) => t.level === 5));
});

test('a tile the view comes to need while it is read ahead is read once, and redraws',
  async () => {
    const changes = [];
    const d = await opened(changes);
    d.frame(0, D, PX); // level 1 read ahead, unanswered
    assert.equal(pending().length, 2);
    const n = reads.length;
    d.frame(0, D * 0.78, PX); // the notch, before the reads ahead came
    assert.equal(reads.length, n, 'no second read of the same tiles');
    assert.equal(d.inflight, true, 'the view waits for them now');
    assert.equal(d.fetches, 1, 'counted as read ahead, once');
    changes.length = 0;
    for (const r of pending()) { r.done = true; r.answer(); }
    await settle();
    await settle();
    assert.ok(changes.length >= 1, 'their arrival redraws the view');
    assert.equal(d.inflight, false);
  });

test('a view gone to another level drops the reads of the old one', async () => {
  const d = await opened();
  const a = D / 4;
  d.frame(a, a + D / 64, PX); // level 6
  const old = pending().filter((r) => tileAt(r)[0] === 6);
  assert.ok(old.length >= 1);
  d.frame(a, a + D / 512, PX); // level 9
  assert.ok(old.every((r) => r.signal.aborted), 'the level-6 reads are aborted');
  assert.ok(pending().some((r) => tileAt(r)[0] === 9));
  await answerAll();
  assert.equal(d.inflight, false);
});

test('tiles of a session that grew are read on its new grid', async () => {
  const d = await opened();
  d.frame(0, D, PX); // reads ahead on the old grid
  const ahead = pending();
  d.extend({ id: 7, start_ns: 0, end_ns: 2 * D, events: 2e6, status: 'complete' });
  assert.ok(ahead.every((r) => r.signal.aborted), 'the old grid\'s reads are dropped');
  assert.deepEqual(pending().map((r) => [r.from, r.to]), [[0, 2 * D]]);
  assert.equal(TILE_BUCKETS, 1000);
  await answerAll();
  assert.equal(d.tile(0, 0).to, 2 * D);
});

test('a live session is not read ahead: its tiles are made again as it grows', async () => {
  const d = new SessionData({ id: 7, start_ns: 0, end_ns: D, events: 1e6, status: 'live' },
    [], { fullLimit: 1000, eventLimit: 1000 });
  const p = d.open();
  await settle();
  await answerAll();
  await p;
  d.frame(0, D, PX);
  assert.equal(pending().length, 0, 'nothing read ahead');
  assert.equal(d.prefetches, 0);
});

test('a summarised session\'s task totals are the sums of its whole-session tile', () => {
  const d = new SessionData({ id: 7, start_ns: 0, end_ns: 1000, events: 1e6,
    status: 'complete' }, [], { fullLimit: 1 });
  d.geometry();
  const { tile } = tileOf({ from: 0, to: 1000, bucket_ns: 100, marks: [], marks_total: 0,
    mark_buckets: [], lanes: [], tasks: [{ track: 1, task: 3,
      buckets: [[0, 100, 0, 0, ''], [2, 0, 20, 80, 'lock']] }] });
  assert.deepEqual(d.totals('1:3'), { running: 0, ready: 0, waiting: 0 }, 'no tile yet');
  d.levels.set(0, new Map([[0, tile]]));
  assert.deepEqual(d.totals('1:3'), { running: 100, ready: 20, waiting: 80 });
  assert.deepEqual(d.totals('1:9'), { running: 0, ready: 0, waiting: 0 });
});
