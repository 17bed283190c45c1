// compare.test.mjs: the compare reads over HTTP (/api/diff, /api/orderings) and the
// websocket (ops diff, orderings), against runs streamed to a real daemon under the virtual
// clock: sequential against concurrent say_after diverge at main's first wait and take 3 units
// against 2; the two transports answer alike; shuffled demo_fifo runs fall into several groups
// whose seeds the daemon kept; bad requests get 400 and unknown sessions 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, Client, until } from './daemon.mjs';

let d;
const idOf = {};

before(async () => {
  d = await Daemon.start();
  const runs = [['say_after', ['sequential'], 'sequential', {}], ['say_after', ['concurrent'], 'concurrent', {}]];
  for (let seed = 1; seed <= 6; seed++) runs.push(['demo_fifo', [], `fifo#${seed}`, { LOOPTRACE_SHUFFLE: String(seed) }]);
  Object.assign(idOf, await d.recordAll(runs, { LOOPTRACE_CLOCK: 'virtual' }));
});

after(async () => {
  const r = await d.stop();
  assert.equal(r.code, 0, d.err);
  d.cleanup();
});

test('GET /api/diff: sequential against concurrent say_after, 3 units against 2', async () => {
  const r = await d.get(`/api/diff?a=${idOf.sequential}&b=${idOf.concurrent}`);
  assert.equal(r.status, 200);
  assert.match(r.type, /application\/json/);
  const x = r.body;
  assert.equal(x.same, false);
  assert.equal(x.a.id, idOf.sequential);
  assert.equal(x.b.label, 'concurrent');
  assert.deepEqual([x.first_divergence.a, x.first_divergence.b], [1, 1]);
  assert.match(x.first_divergence.text_a, /^main sleeps at say_after\.c:\d+$/);
  assert.match(x.first_divergence.text_b, /^main awaits say_after\(hello\) at say_after\.c:\d+$/);
  assert.deepEqual([x.turnaround.a, x.turnaround.b, x.turnaround.delta], [3e8, 2e8, -1e8]);
  const main = x.turnaround.tasks.find((t) => t.task === 'main');
  assert.deepEqual([main.a.turnaround, main.b.turnaround], [3e8, 2e8]);
  // entries: changes with 3 steps of context, each with where both runs stand
  assert.ok(x.entries.some((e) => e.op === '-') && x.entries.some((e) => e.op === '+'));
  for (const e of x.entries) assert.ok(Number.isFinite(e.ta) && Number.isFinite(e.tb), JSON.stringify(e));
  assert.equal(x.complete, true);
});

test('the websocket diff answers what HTTP answers; context and max shape the list', async () => {
  const c = await Client.open(d);
  const args = { a: idOf.sequential, b: idOf.concurrent, context: -1 };
  const ws = await c.ask('diff', args);
  assert.equal(ws.ok, true);
  const http = await d.get(`/api/diff?a=${args.a}&b=${args.b}&context=-1`);
  assert.deepEqual(ws.result, http.body);
  // every step of both runs, in order
  const steps = ws.result.entries.filter((e) => e.op !== 'skip');
  assert.equal(steps.filter((e) => e.op !== '+').length, ws.result.a.steps);
  assert.equal(steps.filter((e) => e.op !== '-').length, ws.result.b.steps);
  const few = await c.ask('diff', { ...args, max: 3 });
  assert.equal(few.result.entries.length, 3);
  assert.equal(few.result.complete, false);
  const same = await c.ask('diff', { a: idOf.concurrent, b: idOf.concurrent });
  assert.equal(same.result.same, true);
  assert.deepEqual(same.result.entries, []);
  await c.close();
});

test('GET /api/orderings: shuffled runs fall into several groups, with their seeds', async () => {
  const ids = [1, 2, 3, 4, 5, 6].map((k) => idOf[`fifo#${k}`]);
  for (const q of [ids.join(','), encodeURIComponent(ids.join(',')), `${ids[0]}-${ids[5]}`]) {
    const r = await d.get(`/api/orderings?sessions=${q}`);
    assert.equal(r.status, 200, q);
    assert.ok(r.body.distinct_orderings >= 2);
    assert.ok(r.body.distinct_outputs >= 2);
    assert.deepEqual(r.body.runs.map((x) => x.shuffle_seed), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(r.body.orderings.flatMap((g) => g.sessions).sort((a, b) => a - b), ids);
    for (const g of r.body.orderings.slice(1)) assert.ok(g.departs.step > 0 && g.departs.this && g.departs.largest);
  }
  const fifo = await d.get(`/api/orderings?sessions=${idOf.sequential},${idOf.sequential}`);
  assert.equal(fifo.body.distinct_orderings, 1);
  assert.equal(fifo.body.runs[0].shuffle_seed, null);
  // every session object says its seed, so any run can be replayed from the list
  const list = (await d.get('/api/sessions')).body.sessions;
  assert.deepEqual(ids.map((id) => list.find((s) => s.id === id).shuffle_seed), [1, 2, 3, 4, 5, 6]);
  assert.equal(list.find((s) => s.id === idOf.sequential).shuffle_seed, undefined);
});

test('bad requests: 400; unknown sessions: 404', async () => {
  for (const [path, status] of [['/api/diff', 400], [`/api/diff?a=${idOf.sequential}`, 400],
    ['/api/diff?a=1&b=999', 404], ['/api/diff?a=x&b=1', 400], ['/api/orderings', 400],
    ['/api/orderings?sessions=1,zz', 400], ['/api/orderings?sessions=1,999', 404]]) {
    const r = await d.get(path);
    assert.equal(r.status, status, path);
    assert.equal(r.body.status, status);
    assert.ok(r.body.error);
  }
});
