// overflow.test.mjs: a stream whose timestamps span more than an int64 holds (the first at
// -2^63 ns, the last at 2^63-1) is stored whole, and every read of it answers: the session, its
// tasks, windows, summaries, a diff and orderings, both exports, `looptrace sessions` and
// `looptrace dump`; the daemon that stored it and the next one (a crash here would survive
// every restart) go on serving. Under the ASan + UBSan build every signed overflow on the
// way is a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Daemon, until } from './daemon.mjs';
import { KIND, chunk, end, hello, record, send, string } from './wire.mjs';

const MIN = -(2n ** 63n), MAX = 2n ** 63n - 1n;

function spanningStream() {
  const recs = [
    record({ kind: KIND.LOOP_START, flags: 2, ts: MIN }),
    string(1, 'worker', MIN),
    string(2, 'printed at the very end of time', MIN),
    record({ kind: KIND.TASK_CREATE, task: 1, ts: MIN, args: [0, 1, 0, 0] }),
    record({ kind: KIND.TASK_READY, task: 1, ts: MIN, flags: 1, args: [0, 0] }),
    record({ kind: KIND.TASK_RESUME, task: 1, ts: MIN + 1n }),
    record({ kind: KIND.TIMER_ARM, task: 1, ts: MIN + 2n, args: [1, MAX] }),
    record({ kind: KIND.TASK_SUSPEND, task: 1, ts: MIN + 2n, flags: 1, args: [0, 0, 0] }),
    string(3, 'printed at time zero', 0n),
    record({ kind: KIND.MARK, ts: 0n, args: [3] }),
    record({ kind: KIND.TIMER_FIRE, ts: MAX, args: [1, 0] }),
    record({ kind: KIND.TASK_READY, task: 1, ts: MAX, flags: 0, args: [0, 0] }),
    record({ kind: KIND.TASK_RESUME, task: 1, ts: MAX }),
    record({ kind: KIND.MARK, task: 1, ts: MAX, args: [2] }),
    record({ kind: KIND.TASK_DONE, task: 1, ts: MAX, flags: 1, args: [0] }),
    record({ kind: KIND.LOOP_STOP, ts: MAX }),
  ];
  return Buffer.concat([hello({ program: 'spanning' }), chunk(1, 0, recs), end()]);
}

async function everyRead(d) {
  const row = (await d.get('/api/sessions/1')).body.session;
  assert.equal(row.status, 'complete');
  assert.equal(BigInt(row.start_ns) < 0n && BigInt(row.end_ns) > 0n, true);
  for (const path of ['/api/sessions', '/api/sessions/1/tasks', '/api/sessions/1/events',
    `/api/sessions/1/events?from=0&to=${2 ** 62}`, '/api/sessions/1/summary',
    '/api/sessions/1/summary?buckets=7', '/api/diff?a=1&b=1', '/api/diff?a=1&b=1&context=-1',
    '/api/orderings?sessions=1', '/api/sessions/1/export?format=chrome',
    '/api/sessions/1/export?format=jsonl']) {
    const r = await d.get(path);
    assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 300)}`);
  }
  // a window spans +-2^62 ns at most (docs/api.md): the whole session is in the export
  const events = (await d.get('/api/sessions/1/events')).body;
  assert.ok(events.from >= -(2 ** 62) && events.to <= 2 ** 62, `${events.from} ${events.to}`);
  assert.ok(events.events.some((e) => e.kind === 'mark' && e.text === 'printed at time zero'));
  const jsonl = (await d.get('/api/sessions/1/export?format=jsonl')).text.trim().split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(jsonl.some((e) => e.kind === 'mark' && e.text === 'printed at the very end of time'));
  assert.equal(jsonl.length, row.events);
  const summary = (await d.get('/api/sessions/1/summary')).body;
  assert.ok(summary.lanes.length > 0 && summary.buckets > 0);
  const chrome = (await d.get('/api/sessions/1/export?format=chrome')).body;
  assert.ok(Array.isArray(chrome.traceEvents ?? chrome));
}

test('timestamps spanning more than INT64_MAX ns: stored, and every read answers, after a restart too', async (t) => {
  const d = await Daemon.start();
  await send(d.sock, spanningStream());
  await until(async () => (await d.get('/api/sessions/1')).body.session?.status === 'complete',
    'the session to be stored');
  await everyRead(d);
  await d.stop();
  const again = await Daemon.start([], d.dir);
  t.after(() => again.finish());
  await everyRead(again);
  // the commands read it too
  const listed = execFileSync(join(BIN, 'looptrace'), ['sessions', '--db', d.db], { encoding: 'utf8' });
  assert.match(listed, /spanning/);
  const file = join(d.dir, 'spanning.trace');
  writeFileSync(file, spanningStream());
  const dumped = execFileSync(join(BIN, 'looptrace'), ['dump', file], { encoding: 'utf8' });
  assert.match(dumped, /^0\.000000000 1 loop loop-start/m); // times from the first record
  assert.match(dumped, /^9223372036\.854775807 1 worker mark "printed at the very end of time"/m);
  assert.match(dumped, /end: clean, 17 records/);
});
