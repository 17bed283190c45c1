// reads.test.mjs: the daemon's read API over HTTP and its websocket, against seed programs
// streamed to it: one session per run whose marks are the oracle's lines, the same answers on
// both transports, a Chrome trace export Perfetto can open, and clear errors (never a crash)
// for bad requests, unknown ids and paths that try to leave the web root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { Daemon, Client, ORACLE, until } from './daemon.mjs';

const SEEDS = ['seed_countdown', 'seed_fetch_numbers', 'seed_no_await', 'seed_ordering',
  'seed_say_after', 'seed_taskgroup', 'seed_ten_jobs'];
let d;
const idOf = {};

before(async () => {
  // a web root of our own, holding a link that points outside it
  const root = join(process.env.TMPDIR ?? '/tmp', `lt-web-${process.pid}`);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(root, 'app.mjs'), 'export {};');
  try { symlinkSync('/etc', join(root, 'etc')); } catch { /* left by an earlier run */ }
  d = await Daemon.start(['--web', root]);
  Object.assign(idOf, await d.recordAll(SEEDS.map((s) => [s, [], s]), { LOOPTRACE_CLOCK: 'virtual' }));
});

after(() => d.finish());

test('each seed run is one session whose marks are exactly the oracle lines', async () => {
  for (const seed of SEEDS) {
    const r = await d.get(`/api/sessions/${idOf[seed]}/events?max=100000`);
    assert.equal(r.status, 200);
    assert.equal(r.body.complete, true);
    const marks = r.body.events.filter((e) => e.kind === 'mark').map((e) => e.text + '\n');
    assert.equal(marks.join(''), readFileSync(join(ORACLE, `${seed}.out`), 'utf8'), seed);
  }
});

test('the websocket answers what HTTP answers', async () => {
  const c = await Client.open(d);
  const viaWs = await c.ask('sessions');
  assert.equal(viaWs.ok, true);
  assert.deepEqual(viaWs.result, (await d.get('/api/sessions')).body);
  const id = idOf.seed_ordering;
  for (const [op, path] of [['session', ''], ['tasks', '/tasks'], ['summary', '/summary?buckets=7']]) {
    const args = op === 'summary' ? { session: id, buckets: 7 } : { session: id };
    const ws = await c.ask(op, args);
    assert.deepEqual(ws.result, (await d.get(`/api/sessions/${id}${path}`)).body, op);
  }
  const tasks = (await c.ask('tasks', { session: id })).result.tasks.map((t) => t.name);
  assert.deepEqual(tasks.slice(0, 4), ['main', 'T1', 'T3', 'T2']);
  await c.close();
});

test('a client that names no subprotocol is served too', async () => {
  const c = await Client.open(d, undefined);
  assert.equal((await c.ask('sessions')).ok, true);
  await c.close();
});

test('export: Chrome trace JSON with a track per task, marks as instants, wake-up flows', async () => {
  const id = idOf.seed_ordering;
  const r = await d.get(`/api/sessions/${id}/export?format=chrome`);
  assert.equal(r.status, 200);
  const ev = r.body.traceEvents;
  const threads = ev.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args.name);
  for (const name of ['event loop', 'main', 'T1', 'T2', 'T3']) assert.ok(threads.includes(name), name);
  const instants = ev.filter((e) => e.ph === 'i' && !e.name.startsWith('timer#')).map((e) => e.name + '\n');
  assert.equal(instants.join(''), readFileSync(join(ORACLE, 'seed_ordering.out'), 'utf8'));
  const starts = ev.filter((e) => e.ph === 's');
  assert.ok(starts.length > 0);
  for (const s of starts) assert.equal(ev.filter((e) => e.ph === 'f' && e.id === s.id).length, 1);
  const jsonl = await d.get(`/api/sessions/${id}/export?format=jsonl`);
  const lines = jsonl.text.trim().split('\n').map((l) => JSON.parse(l));
  const session = (await d.get(`/api/sessions/${id}`)).body.session;
  assert.equal(lines.length, session.events);
});

test('bad requests get a clear error and the daemon goes on', async () => {
  const cases = [
    ['/api/sessions/abc', 400], ['/api/sessions/999', 404], ['/api/sessions/999/events', 404],
    ['/api/sessions/1/events?max=0', 400], ['/api/sessions/1/events?from=9&to=1', 400],
    ['/api/sessions/1/summary?buckets=99999999', 400], ['/api/sessions/1/export?format=xml', 400],
    ['/api/sessions/999/export', 404], ['/api/nothing', 404], ['/api/sessions/1/nothing', 404],
  ];
  for (const [path, status] of cases) {
    const r = await d.get(path);
    assert.equal(r.status, status, path);
    assert.equal(typeof r.body.error, 'string', path);
  }
  const c = await Client.open(d);
  c.sendRaw('not json at all');
  assert.equal((await c.nextReply()).status, 400);
  c.sendRaw('[1,2,3]');
  assert.equal((await c.nextReply()).status, 400);
  c.sendRaw(JSON.stringify({ op: 42 }));
  assert.equal((await c.nextReply()).status, 400);
  c.sendRaw(JSON.stringify({ id: -3, op: 'sessions' }));
  assert.equal((await c.nextReply()).status, 400);
  c.sendRaw('x'.repeat(3 << 20)); // 3 MiB: more than a message may be
  const big = await c.nextReply();
  assert.equal(big.status, 413);
  c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  assert.equal((await c.nextReply()).status, 400);
  for (const [op, args, status] of [
    ['drop', {}, 400], ['session', { session: 999 }, 404], ['events', { session: 'x' }, 400],
    ['subscribe', { session: 999 }, 404], ['label', { session: idOf.seed_ordering, label: 7 }, 400],
    ['delete', { session: 999 }, 404], ['unsubscribe', {}, 400],
  ]) {
    const r = await c.ask(op, args);
    assert.equal(r.ok, false, op);
    assert.equal(r.status, status, `${op} ${JSON.stringify(args)}: ${r.error}`);
  }
  assert.equal((await c.ask('sessions')).ok, true); // still serving this client
  await c.close();
});

// Sends raw bytes (no client library normalising them) and returns the reply, whatever the
// daemon does with the connection (a reset counts as an empty reply).
function raw(port, bytes) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(bytes));
    let reply = '';
    s.on('data', (b) => { reply += b; });
    s.on('close', () => resolve(reply));
    s.on('error', () => {});
  });
}
const rawGet = (port, target) => raw(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);

test('malformed and oversized HTTP requests are refused and the daemon goes on', async () => {
  await rawGet(d.port, '/' + 'a'.repeat(20000));                    // longer than its header space
  await rawGet(d.port, '/api/sessions?' + 'x=1&'.repeat(5000));
  await raw(d.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(100000)}\r\n\r\n`);
  await raw(d.port, Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]));   // not HTTP at all
  await raw(d.port, 'GET /api/sessions HTTP/1.1\r\nHost: x\r\n');   // cut short
  await raw(d.port, 'POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
  const r = await d.get('/api/sessions');
  assert.equal(r.status, 200);
  assert.equal(r.body.sessions.length, SEEDS.length);
});

test('the UI files are served, and nothing outside their root', async () => {
  const index = await d.get('/');
  assert.equal(index.status, 200);
  assert.match(index.type, /text\/html/);
  assert.match((await d.get('/app.mjs')).type, /javascript/);
  assert.equal((await d.get('/missing.js')).status, 404);
  for (const target of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2f..%2fetc%2fpasswd', '/etc/passwd', '/etc/hostname']) {
    const reply = await rawGet(d.port, target);
    assert.match(reply, /^HTTP\/1\.1 (403|404|400)/, target);
    assert.doesNotMatch(reply, /root:/, target);
  }
  assert.equal((await d.get('/api/sessions')).status, 200); // and it still serves
});
