// limits.test.mjs: ingest cannot be exhausted. Connections that never send a hello cannot
// lock real programs out (at the limit the oldest makes room; they time out); a producer
// cannot make the daemon hold a chunk larger than --max-chunk, nor all of them together more
// than --max-buffered; sessions that stream nothing cost no pushes; a thousand producers
// connecting over TCP at once are all taken. Each refusal is counted in GET /api/status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Daemon, ORACLE, until } from './daemon.mjs';
import { KIND, chunk, end, hello, record, string } from './wire.mjs';

// A connection to the daemon's ingest (Unix socket, or {port} for TCP), open.
function producer(target) {
  return new Promise((resolve, reject) => {
    const c = typeof target === 'string' ? connect(target) : connect(target.port, '127.0.0.1');
    c.on('connect', () => resolve(c));
    c.on('error', reject);
  });
}

const status = async (d) => (await d.get('/api/status')).body;
// The status once pred holds of it (it is published at each commit, every 100 ms).
const statusWhen = (d, pred, what) => until(async () => { const s = await status(d); return pred(s) && s; }, what);
const closedBy = (c) => new Promise((r) => { if (c.destroyed) r(); c.on('close', r); });

test('silent connections cannot lock programs out, and time out', async (t) => {
  const d = await Daemon.start(['--max-connections', '40', '--hello-timeout', '3']);
  t.after(() => d.finish());
  const silent = [];
  for (let i = 0; i < 40; i++) silent.push(await producer(d.sock));
  await until(async () => (await status(d)).ingest.connections === 40, '40 connections');
  // a real program at the limit: the connection that waited longest for its hello makes room
  const run = await d.run('seed_no_await', [], { LOOPTRACE_CLOCK: 'virtual' }).done;
  assert.equal(run.out, readFileSync(join(ORACLE, 'seed_no_await.out'), 'utf8'));
  await until(async () => (await d.get('/api/sessions/1')).body.session?.status === 'complete',
    'the program\'s session to be stored');
  let st = await statusWhen(d, (s) => s.ingest.refused.no_hello === 1, 'one connection to make room');
  assert.equal(st.ingest.refused.too_many, 0);
  await closedBy(silent[0]);
  // and the rest go after --hello-timeout
  await Promise.all(silent.slice(1).map(closedBy));
  st = await statusWhen(d, (s) => s.ingest.connections === 0, 'the silent ones to be gone');
  assert.equal(st.ingest.refused.no_hello, 40);
  // at the limit with every connection past its hello, a new one is refused (and counted)
  const talking = [];
  for (let i = 0; i < 40; i++) {
    const c = await producer(d.sock);
    c.write(hello({ label: `talking ${i}` }));
    talking.push(c);
  }
  await until(async () => (await d.get('/api/sessions')).body.sessions.length === 41, '40 more sessions');
  const late = await producer(d.sock);
  await closedBy(late);
  await statusWhen(d, (s) => s.ingest.refused.too_many === 1, 'the late one to be counted');
  for (const c of talking) c.end(end());
  await until(async () => (await status(d)).ingest.connections === 0, 'the talking ones to end');
});

test('a chunk over --max-chunk, and more held than --max-buffered, end their streams', async (t) => {
  const d = await Daemon.start(['--max-buffered', '2M']);
  t.after(() => d.finish());
  // a chunk that claims 16 MiB: refused as it is announced, not held
  const big = await producer(d.sock);
  big.write(hello({ label: 'big' }));
  big.write(chunk(1, 0, [record({ kind: KIND.LOOP_START, flags: 2 })]));
  big.write(chunk(1, 1, [], (16 << 20) - 8).subarray(0, 24));
  await closedBy(big);
  const s1 = (await d.get('/api/sessions/1')).body.session;
  assert.equal(s1.status, 'truncated');
  assert.match(s1.error, /over this collector's limit of 1048576 \(--max-chunk\)/);
  assert.equal(s1.events, 1); // what came before it is kept
  await statusWhen(d, (s) => s.ingest.refused.corrupt === 1, 'the stream to be counted corrupt');
  // four streams each holding most of a chunk of almost 1 MiB: 2M in all are too many
  const holders = [];
  for (let i = 0; i < 4; i++) {
    const c = await producer(d.sock);
    const part = chunk(1, 0, [record({ kind: KIND.LOOP_START, flags: 2 })], (1 << 20) - 8);
    c.write(Buffer.concat([hello({ label: `holder ${i}` }), part, Buffer.alloc((600 + 50 * i) << 10)]));
    holders.push(c);
    await until(async () => (await d.get('/api/sessions')).body.sessions.length === 2 + i,
      `holder ${i}'s session`);
  }
  const st = await statusWhen(d, (s) => s.ingest.refused.buffers_full >= 1, 'a holder to be ended');
  assert.ok(st.ingest.buffered <= 2 << 20, `${st.ingest.buffered} bytes held`);
  const rows = (await d.get('/api/sessions')).body.sessions;
  const ended = rows.filter((s) => /buffers were full/.test(s.error ?? ''));
  assert.ok(ended.length >= 1);
  assert.ok(ended.every((s) => s.label !== 'holder 0'), 'the one holding least was ended');
  for (const c of holders) c.destroy();
});

test('sessions that stream nothing cost no pushes', async (t) => {
  const d = await Daemon.start();
  const c = await Client.open(d);
  const quiet = [];
  t.after(async () => { for (const q of quiet) q.destroy(); await c.close(); await d.finish(); });
  for (let i = 0; i < 200; i++) {
    const q = await producer(d.sock);
    q.write(Buffer.concat([hello({ label: `quiet ${i}` }),
      chunk(1, 0, [record({ kind: KIND.LOOP_START, flags: 2 }), string(1, 'x')])]));
    quiet.push(q);
  }
  await until(async () => (await d.get('/api/sessions')).body.sessions.length === 200, '200 sessions');
  await new Promise((r) => setTimeout(r, 1000)); // every session's counts pushed once by now
  const before = c.pushes.length;
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(c.pushes.length - before, 0, 'pushes for sessions that did not move');
});

test('a thousand producers connecting over TCP at once are all taken', async (t) => {
  const d = await Daemon.start(['--ingest', 'tcp:127.0.0.1:0']);
  t.after(() => d.finish());
  const port = Number(/LOOPTRACE=tcp:127\.0\.0\.1:(\d+)/.exec(d.out)[1]);
  const stream = (i) => Buffer.concat([hello({ label: `p${i}` }),
    chunk(1, 0, [record({ kind: KIND.LOOP_START, flags: 2 }), record({ kind: KIND.LOOP_STOP, ts: 1 })]),
    end()]);
  const results = await Promise.allSettled(Array.from({ length: 1000 }, (_, i) =>
    producer({ port }).then((c) => new Promise((resolve, reject) => {
      c.on('error', reject);
      c.on('close', resolve);
      c.end(stream(i));
    }))));
  const failed = results.filter((r) => r.status === 'rejected');
  assert.equal(failed.length, 0, `${failed.length} refused: ${failed[0]?.reason}`);
  await until(async () => (await d.get('/api/sessions')).body.sessions
    .filter((s) => s.status === 'complete').length === 1000, 'all 1000 sessions stored', 60000);
});
