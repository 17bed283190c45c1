// answers.test.mjs: small wrong answers, each one a user met: a command run while the daemon
// records must not end its live session; a daemon killed mid-run leaves sessions that say
// why they are interrupted; a request without an id still gets its reply; a subscription
// from an impossible place is refused, not answered with everything; a GET that claims a body
// is refused; a deleted newest session's id is never given to another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { BIN, Client, Daemon, until } from './daemon.mjs';

const stored = (d, id) => until(async () => {
  const s = (await d.get(`/api/sessions/${id}`)).body.session;
  return s && s.status !== 'live' && s;
}, `session ${id} to be stored`);

test('looking while the daemon records leaves its live session live; kill -9 says why', async (t) => {
  const d = await Daemon.start();
  const c = await Client.open(d);
  const p = d.run('demo_ticker', ['500', '20', '2']); // ~10 s, killed when done with
  await c.push((m) => m.type === 'session' && m.row.status === 'live', 'a live session');
  // another process opens the same database, as `looptrace sessions` does
  const listed = execFileSync(`${BIN}/looptrace`, ['sessions', '--db', d.db], { encoding: 'utf8' });
  assert.match(listed, /^\s+1\s+live\s/m);
  assert.equal((await d.get('/api/sessions/1')).body.session.status, 'live');
  await c.close();
  await d.stop('SIGKILL');
  p.kill();
  const after = execFileSync(`${BIN}/looptrace`, ['sessions', '--db', d.db], { encoding: 'utf8' });
  assert.match(after, /^\s+1\s+interrupted\s/m);
  const d2 = await Daemon.start([], d.dir);
  t.after(() => d2.finish());
  const s = (await d2.get('/api/sessions/1')).body.session;
  assert.equal(s.status, 'interrupted');
  assert.match(s.error, /the recorder stopped/);
});

test('every request gets its reply, one without an id too', async (t) => {
  const d = await Daemon.start();
  const c = await Client.open(d);
  t.after(async () => { await c.close(); await d.finish(); });
  assert.equal((await d.run('seed_no_await', [], { LOOPTRACE_CLOCK: 'virtual' }).done).code, 0);
  await stored(d, 1);
  c.sendRaw(JSON.stringify({ op: 'label', session: 1, label: 'no id' }));
  const label = await c.nextReply();
  assert.equal(label.id, null);
  assert.equal(label.ok, true);
  c.sendRaw(JSON.stringify({ op: 'delete', session: 99 }));
  const del = await c.nextReply();
  assert.equal(del.id, null);
  assert.equal(del.status, 404);
  // a subscription from a seq or a time no session has is refused, not a whole backlog
  for (const args of [{ from_seq: 1e300 }, { from_ts: 1e300 }, { from_ts: -1e300 },
    { from_seq: 1.5 }, { from_seq: -1 }]) {
    const r = await c.ask('subscribe', { session: 1, ...args });
    assert.equal(r.ok, false, JSON.stringify(args));
    assert.equal(r.status, 400);
  }
  assert.equal(c.pushes.filter((m) => m.type === 'events').length, 0);
  // an id up to 2^53 comes back exactly (cJSON prints numbers past 10^15 rounded)
  for (const id of [4961168601421451, 2 ** 53 - 1]) {
    for (const [op, args] of [['sessions', {}], ['label', { session: 1, label: 'big id' }],
      ['no such op', {}]]) {
      c.nextId = id;
      const r = await c.ask(op, args, 10000);
      assert.equal(r.id, id, `${op}: ${JSON.stringify(r)}`);
    }
  }
});

// A GET carrying the headers given, its body (if any) sent; resolves with the status.
function get(port, headers, body = null) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/sessions', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('no answer within 10 s')));
    if (body) req.write(body);
    req.end();
  });
}

test('a GET that says it has a body is refused at once', async (t) => {
  const d = await Daemon.start();
  t.after(() => d.finish());
  assert.equal(await get(d.port, { 'Content-Length': '5' }, 'hello'), 400);
  assert.equal(await get(d.port, { 'Transfer-Encoding': 'chunked' }, 'x'), 400);
  // a claimed body never sent: refused, not waited for
  const raw = await new Promise((resolve) => {
    const s = connect(d.port, '127.0.0.1', () => {
      s.write(`GET /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\n` +
        'Content-Length: 10\r\nContent-Length: 10\r\n\r\n');
    });
    let got = '';
    s.on('data', (b) => { got += b; if (got.includes('\r\n\r\n')) { s.destroy(); resolve(got); } });
    s.setTimeout(10000, () => { s.destroy(); resolve('timed out'); });
  });
  assert.match(raw, /^HTTP\/1\.1 400/);
  assert.equal(await get(d.port, {}), 200);
});

test('a deleted newest session\'s id is not given to the next', async (t) => {
  const d = await Daemon.start();
  const c = await Client.open(d);
  t.after(async () => { await c.close(); await d.finish(); });
  for (let i = 1; i <= 2; i++) {
    assert.equal((await d.run('seed_no_await', [], { LOOPTRACE_CLOCK: 'virtual' }).done).code, 0);
    await stored(d, i);
  }
  assert.equal((await c.ask('delete', { session: 2 })).ok, true);
  assert.equal((await d.run('seed_no_await', [], { LOOPTRACE_CLOCK: 'virtual' }).done).code, 0);
  await stored(d, 3);
  const ids = (await d.get('/api/sessions')).body.sessions.map((s) => s.id);
  assert.deepEqual(ids, [1, 3]);
  // the same through record straight into the file
  const r = spawnSync(`${BIN}/looptrace`, ['record', '--db', d.db, '--clock', 'virtual', '--',
    `${BIN}/seed_no_await`], { encoding: 'utf8' });
  assert.match(r.stderr, /session 4:/);
});
