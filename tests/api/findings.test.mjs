// findings.test.mjs: the flight recorder, the lints and the await graph through a real daemon:
// `looptrace dump-ring PID` finds the daemon on the default socket and has a busy process
// send its ring there, stored as a session marked a flight recording (its window, what fell
// out before it); GET /api/sessions/N/lint (and ?against=M) and /awaits?at= answer as the
// collector's model says, and bad arguments are 400s, unknown sessions 404s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, Client, BIN, until } from './daemon.mjs';

let d, runtime;

before(async () => {
  // the daemon listens on the default socket of XDG_RUNTIME_DIR=runtime: dump-ring finds it
  runtime = mkdtempSync(join(tmpdir(), 'lt-xdg-'));
  mkdirSync(join(runtime, 'looptrace'), { mode: 0o700 });
  d = await Daemon.start([], join(runtime, 'looptrace'));
});

after(async () => {
  await d.finish();
  rmSync(runtime, { recursive: true, force: true });
});

const run = (file, args, env) => new Promise((resolve) => {
  execFile(file, args, { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
    resolve({ code: err ? err.code : 0, stdout, stderr }));
});

test('dump-ring through the daemon stores a flight recording', async () => {
  const p = spawn(join(BIN, 'demo_flight'), [], {
    env: { ...process.env, LOOPTRACE: 'ring:1M', XDG_RUNTIME_DIR: runtime } });
  let out = '';
  p.stdout.on('data', (b) => { out += b; });
  try {
    await until(() => out.includes('ready\n'), 'the program to be busy');
    const r = await run(join(BIN, 'looptrace'), ['dump-ring', String(p.pid)], { XDG_RUNTIME_DIR: runtime });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /the collector at .* stores it/);
    const s = await until(async () => {
      const list = (await d.get('/api/sessions')).body.sessions;
      return list.find((x) => x.flight && x.status === 'complete');
    }, 'the flight recording to be stored');
    assert.equal(s.pid, p.pid);
    assert.equal(s.flight.dump, 1);
    assert.ok(s.flight.lost_before > 0 && s.flight.lost_before === s.lost, JSON.stringify(s));
    assert.ok(s.flight.to_ns > s.flight.from_ns && s.end_ns >= s.flight.to_ns);
    assert.equal(p.exitCode, null); // it goes on running
  } finally {
    p.kill('SIGKILL');
  }
});

test('the lint and awaits reads', async () => {
  const ids = await d.recordAll([['lint_long_wait', [], 'wait'], ['seed_ordering', [], 'ordering']],
    { LOOPTRACE_CLOCK: 'virtual' });
  const lint = (await d.get(`/api/sessions/${ids.wait}/lint`)).body;
  assert.equal(lint.session, ids.wait);
  assert.deepEqual(lint.findings.map((f) => [f.lint, f.name, f.file, f.waits_on]),
    [['long-wait', 'waiter', 'lint_long_wait.c', 'lock']]);
  assert.equal(lint.findings[0].ns, 300e6); // the holder's 300 ms, exact under the virtual clock
  assert.equal(lint.counts['long-wait'], 1);
  const against = (await d.get(`/api/sessions/${ids.wait}/lint?against=${ids.ordering}`)).body.against;
  assert.equal(against.regressed, true);
  assert.deepEqual(against.new_findings.map((f) => f.lint), ['long-wait']);
  const same = (await d.get(`/api/sessions/${ids.ordering}/lint?against=${ids.ordering}`)).body.against;
  assert.equal(same.regressed, false);
  const g = (await d.get(`/api/sessions/${ids.ordering}/awaits?at=100000000`)).body;
  assert.deepEqual(g.roots.map((r) => [r.name, r.waits.reason, r.awaits.map((k) => k.name)]),
    [['main', 'task', ['T1']]]);
  assert.deepEqual(g.cycles, []);
  for (const [path, status] of [[`/api/sessions/${ids.wait}/lint?against=abc`, 400],
    [`/api/sessions/${ids.wait}/awaits?at=soon`, 400], ['/api/sessions/999/lint', 404],
    ['/api/sessions/999/awaits', 404], [`/api/sessions/${ids.wait}/lint?against=999`, 404]]) {
    const r = await d.get(path);
    assert.equal(r.status, status, `${path}: ${r.text}`);
    assert.equal(typeof r.body.error, 'string');
  }
});

test('a dump_ring request to the daemon stores a flight recording', async () => {
  const p = spawn(join(BIN, 'demo_flight'), [], {
    env: { ...process.env, LOOPTRACE: 'ring:1M', XDG_RUNTIME_DIR: runtime } });
  let out = '';
  p.stdout.on('data', (b) => { out += b; });
  const c = await Client.open(d);
  try {
    await until(() => out.includes('ready\n'), 'the program to be busy');
    const r = await c.ask('dump_ring', { pid: p.pid });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.result.pid, p.pid);
    assert.match(r.result.to, /^unix:.*ingest\.sock$/);
    await until(async () => (await d.get('/api/sessions')).body.sessions
      .some((x) => x.flight && x.status === 'complete' && x.pid === p.pid),
    'the dump to be stored');
    // a process without the flight recorder is refused, and left alone
    const bad = await c.ask('dump_ring', { pid: process.pid });
    assert.equal(bad.ok, false);
    assert.match(bad.error, /does not run the flight recorder/);
    assert.equal(bad.status, 404);
    assert.equal((await c.ask('dump_ring', { pid: 'x' })).status, 400);
  } finally {
    p.kill('SIGKILL');
    c.ws.close();
  }
});
