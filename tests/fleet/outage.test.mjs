// outage.test.mjs: ClickHouse going away under a daemon that stores in it. Stopped mid-run
// and started again, every record the daemon took is stored (the batches wait and are
// retried; the program's stream waits meanwhile). And a daemon stopped while ClickHouse is
// away spools exactly what it holds, which the next daemon to open the store inserts.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Daemon, BIN, until } from '../api/daemon.mjs';
import { ClickHouse, stream, traceOf, unavailable } from './clickhouse.mjs';

const skip = unavailable() ?? false;
if (skip) console.error(`fleet tests skipped: ${skip}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One track of many blocks with a mark a step: its export in track order is its stream's.
const load = () => traceOf(BIN, 'collector_load', ['--marks', '60000'],
  { LOOPTRACE_LABEL: 'outage' });

async function exportOf(d, id) {
  const r = await d.get(`/api/sessions/${id}/export?format=jsonl`);
  assert.equal(r.status, 200, r.text);
  return r.text;
}

async function only(d, pred, what) {
  return until(async () => {
    const r = await d.get('/api/sessions');
    return r.status === 200 && r.body.sessions.length === 1 && pred(r.body.sessions[0]) &&
      r.body.sessions[0];
  }, what, 60000);
}

test('ClickHouse stopped mid-run and started again loses no record', { skip }, async () => {
  const ch = await ClickHouse.start();
  const trace = load();
  const ref = await Daemon.start();
  const d = await Daemon.start(['--store', ch.url('outage')]);
  let sawDown = false;
  const outage = async () => {
    await ch.down('SIGKILL'); /* a crash: what it acknowledged is on its disk */
    await until(async () => {
      const s = (await d.get('/api/status')).body;
      return s.store && s.store.ok === false;
    }, 'the daemon to find ClickHouse gone');
    sawDown = true;
    await sleep(1500); /* a few of the daemon's retries fail */
    await ch.up();
  };
  let back;
  await Promise.all([
    stream(ref.sock, trace.bytes),
    stream(d.sock, trace.bytes, Math.ceil(trace.bytes.length / 8), async (i) => {
      if (i === 3) back = outage();
      await sleep(150);
    }),
  ]);
  await back;
  assert.ok(sawDown, 'the daemon saw the outage');
  const w = await only(ref, (s) => s.status === 'complete', 'the reference stored');
  const g = await only(d, (s) => s.status === 'complete', 'the session stored complete');
  assert.equal(g.events, w.events);
  assert.equal(g.unstored, 0);
  assert.equal(await exportOf(d, g.id), await exportOf(ref, w.id));
  const status = (await d.get('/api/status')).body;
  assert.equal(status.store.ok, true);
  await d.finish();
  await ref.finish();
  await ch.finish();
});

test('a daemon stopped while ClickHouse is away spools what it took', { skip }, async () => {
  const ch = await ClickHouse.start();
  const trace = load();
  const spool = mkdtempSync(join(tmpdir(), 'lt-spool-'));
  const env = { LOOPTRACE_SPOOL: spool };
  const ref = await Daemon.start();
  await stream(ref.sock, trace.bytes);
  const first = await Daemon.start(['--store', ch.url('spool')], null, env);
  const piece = Math.ceil(trace.bytes.length / 8);
  // half the stream, stored; then ClickHouse goes, and more of the stream comes
  const half = stream(first.sock, trace.bytes, piece, async (i) => {
    if (i === 4) {
      await only(first, (s) => s.events > 0, 'the first half stored');
      await ch.down('SIGKILL');
    }
    if (i >= 4) await sleep(150);
  }).catch(() => {}); /* the daemon stops before the stream ends */
  await until(async () => {
    const s = (await first.get('/api/status')).body;
    return s.store && s.store.ok === false && s.store.waiting > 0;
  }, 'records waiting for ClickHouse', 30000);
  const r = await first.stop();
  await half;
  assert.equal(r.code, 1, 'a daemon that could not store everything says so');
  const m = /(\d+) records are kept in/.exec(first.err);
  assert.ok(m, first.err);
  const held = Number(m[1]);
  assert.ok(held > 0);
  const t = /session (\d+) interrupted with (\d+) records taken/.exec(first.err);
  assert.ok(t, first.err);
  const taken = Number(t[2]);
  assert.equal(readdirSync(spool).filter((f) => f.endsWith('.spool')).length, 1);
  await ch.up();
  const stored = Number((await ch.query('SELECT max(events) FROM spool.sessions')).trim());
  // the next daemon on the store inserts the spool: the session has every record it took
  const next = await Daemon.start(['--store', ch.url('spool')], null, env);
  assert.match(next.err, /stored 1 spooled batch/);
  const s = await only(next, (x) => x.status === 'interrupted', 'the session interrupted');
  // What ClickHouse had and what was held add up to what was taken, or overlap when it
  // went away after storing a batch but before answering (the spool stores that batch once).
  assert.ok(held <= taken && stored <= taken && stored + held >= taken,
    `stored ${stored} + held ${held} cover the ${taken} taken`);
  assert.equal(String(s.id), t[1]);
  assert.equal(s.events, taken, 'every record the daemon took, each once');
  assert.equal(s.unstored, 0);
  const got = (await exportOf(next, s.id)).trim().split('\n');
  assert.equal(got.length, s.events);
  const want = (await exportOf(ref, (await ref.get('/api/sessions')).body.sessions[0].id))
    .trim().split('\n');
  assert.deepEqual(got, want.slice(0, got.length), 'a prefix of the stream, every record');
  assert.equal(readdirSync(spool).filter((f) => f.endsWith('.spool')).length, 0);
  await next.finish();
  await ref.finish();
  first.cleanup();
  await ch.finish();
  rmSync(spool, { recursive: true, force: true });
});
