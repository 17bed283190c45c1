// keptlints.test.mjs: a large session's lint is kept when it ends, beside its summary spans
// (GET /api/status counts it), and its lint read is then a quick read, answered from memory
// with exactly what `looptrace lint N --json` computes afresh from the database; a smaller
// ended session's lint is kept by its first read; a deleted session's lint goes with it; the
// daemon stops at once after keeping one (its warmer woken).
// (Session ids are never made again: lintcache.c knows a session by its whole row all the
// same.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { BIN, Client, Daemon, until, besideLongReads, longReadsSetUp } from './daemon.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lints = async (d) => (await d.get('/api/status')).body.lints;

// `looptrace lint ...args --json` on the daemon's database: a fresh lint (exit 1 says worse)
const cli = (d, ...args) => new Promise((resolve, reject) => {
  execFile(join(BIN, 'looptrace'), ['lint', ...args.map(String), '--json', '--db', d.db],
    (e, out, err) => (e && e.code !== 1 ? reject(new Error(`${e.message}\n${err}`))
      : resolve(JSON.parse(out))));
});

test('a large session\'s lint is kept when it ends and answers what a fresh lint does',
  async (t) => {
    const d = await Daemon.start();
    t.after(() => d.cleanup());
    assert.deepEqual(await lints(d), { kept: 0, answered: 0 });
    const ids = await d.recordAll([['collector_load', ['250000'], 'big'],
      ['collector_load', ['20000'], 'small']]);
    // nobody has asked for a lint: the big one's is kept all the same, the small one's not
    await until(async () => (await lints(d)).kept >= 1, 'the big session\'s lint to be kept',
      60000);
    assert.deepEqual(await lints(d), { kept: 1, answered: 0 });
    const kept = (await d.get(`/api/sessions/${ids.big}/lint`)).body;
    assert.deepEqual(await lints(d), { kept: 1, answered: 1 });
    const fresh = await cli(d, ids.big);
    assert.ok(fresh.findings.length > 0, 'a lint with findings to compare');
    assert.deepEqual(kept, fresh);
    // the small one's first read lints it (and keeps it); its second is answered from memory,
    // and so is the comparison of the two, which is what the CLI's is too
    const small = (await d.get(`/api/sessions/${ids.small}/lint`)).body;
    assert.deepEqual(await lints(d), { kept: 2, answered: 1 });
    assert.deepEqual((await d.get(`/api/sessions/${ids.small}/lint`)).body, small);
    assert.deepEqual(small, await cli(d, ids.small));
    const vs = (await d.get(`/api/sessions/${ids.big}/lint?against=${ids.small}`)).body;
    assert.deepEqual(await lints(d), { kept: 2, answered: 4 });
    assert.deepEqual(vs, await cli(d, ids.big, '--against', ids.small));
    assert.equal(vs.against.session, ids.small);
    // and it stops at once: the warmer, asleep on a condition of its own, is woken to go
    const hung = new Promise((r) => setTimeout(() => r('hung'), 10000).unref());
    const stopped = await Promise.race([d.stop(), hung]);
    if (stopped === 'hung') d.proc.kill('SIGKILL');
    assert.notEqual(stopped, 'hung', 'the daemon did not stop within 10 s of SIGTERM');
    assert.equal(stopped.code, 0, d.err);
  });

test('a kept lint is a quick read beside other clients\' long reads', async (t) => {
  const { d, heavy, probe, id } = await longReadsSetUp(t,
    async (dd) => (await lints(dd)).kept === 1, 'the lint to be kept');
  // two clients keep a long read each in flight (as many as the daemon runs at once) while
  // the probe asks for the session's lint, as the UI does when it opens it
  const { long, waits } = await besideLongReads(heavy, id,
    () => probe.ask('lint', { session: id }));
  assert.ok(median(waits) < long / 4, `a lint waited ${median(waits)} ms (median) beside ` +
    `reads of ${long} ms`);
  assert.equal((await lints(d)).answered, waits.length, 'each answered from the kept lint');
});

test('a deleted session\'s lint goes with it', async (t) => {
  const d = await Daemon.start();
  const c = await Client.open(d);
  t.after(async () => { await c.close(); await d.finish(); });
  const id = (await d.recordAll([['collector_load', ['250000'], 'big']])).big;
  await until(async () => (await lints(d)).kept === 1, 'the lint to be kept', 60000);
  assert.equal((await d.get(`/api/sessions/${id}/lint`)).status, 200);
  assert.equal((await c.ask('delete', { session: id })).ok, true);
  assert.equal((await lints(d)).kept, 0, 'forgotten with its session (the delete\'s reply ' +
    'comes after)');
  assert.equal((await d.get(`/api/sessions/${id}/lint`)).status, 404);
  assert.equal((await c.ask('lint', { session: id })).status, 404);
});
