// keptspans.test.mjs: a large session's summary spans are kept when it ends, in the
// background, not on its first view (GET /api/status counts them); small sessions (the UI
// reads them whole) are not kept. A summary from kept spans is a quick read: it does not
// wait behind long ones (diffs, lints) of other clients. The thread that keeps them runs at a
// lower priority than the rest. (That summaries from kept spans equal a replay's is
// test_query's.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Daemon, until, besideLongReads, longReadsSetUp } from './daemon.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summaries = async (d) => (await d.get('/api/status')).body.summaries;

test('a large session\'s spans are kept when it ends, before anyone asks', async (t) => {
  const d = await Daemon.start();
  t.after(() => d.finish());
  assert.deepEqual(await summaries(d), { kept_at_end: 0, keeping: 0, from_kept: 0 });
  const ids = await d.recordAll([['collector_load', ['250000'], 'big'],
    ['collector_load', ['20000'], 'small']]);
  // nobody has asked for a summary: the big one is kept all the same, the small one not
  const st = await until(async () => {
    const s = await summaries(d);
    return s.kept_at_end >= 1 && s.keeping === 0 && s;
  }, 'the big session\'s spans to be kept', 60000);
  assert.equal(st.kept_at_end, 1, 'only the session past the UI\'s read-whole limit');
  assert.equal(st.from_kept, 0);
  // its first summary is summed from the kept spans, and answers what a replay does
  const s = (await d.get(`/api/sessions/${ids.big}`)).body.session;
  const q = `from=${s.start_ns}&to=${s.end_ns}&buckets=700`;
  const kept = (await d.get(`/api/sessions/${ids.big}/summary?${q}`)).body;
  assert.equal((await summaries(d)).from_kept, 1);
  assert.equal((await summaries(d)).kept_at_end, 1, 'kept once');
  assert.ok(kept.lanes[0].buckets.reduce((n, r) => n + r[3], 0) >= 250000);
});

test('a summary from kept spans does not wait behind other clients\' long reads', async (t) => {
  const { d, heavy, probe, id } = await longReadsSetUp(t,
    async (dd) => (await summaries(dd)).kept_at_end === 1, 'the spans to be kept');
  const s = (await d.get(`/api/sessions/${id}`)).body.session;
  // two clients keep a long read each in flight (as many as the daemon runs at once) while
  // the probe asks for summary tiles of the session
  const { long, waits } = await besideLongReads(heavy, id, (k) => {
    const from = s.start_ns + (k % 8) * Math.floor((s.end_ns - s.start_ns) / 8);
    return probe.ask('summary', { session: id, from, to: from + 1000000, buckets: 1000 });
  });
  assert.ok(median(waits) < long / 4, `a tile waited ${median(waits)} ms (median) beside ` +
    `reads of ${long} ms`);
});

// The nice value of each of a process's threads (/proc/PID/task/TID/stat, field 19).
function nices(pid) {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

test('the thread that keeps spans and lints runs below the others\' priority', {
  skip: process.env.LT_DAEMON_LAUNCHER ? 'the daemon runs under a launcher' : false,
}, async (t) => {
  const d = await Daemon.start();
  t.after(() => d.finish());
  const n = await until(() => nices(d.proc.pid).filter((x) => x === 10).length || null,
    'a thread at nice 10', 10000);
  assert.equal(n, 1, 'the warmer, alone');
  assert.ok(nices(d.proc.pid).filter((x) => x === 0).length >= 3, 'the rest at nice 0');
});
