// access.test.mjs: who the daemon answers (docs/architecture.md, "Who may connect"), attacked
// as a hostile neighbour would: a web page of another site (its Origin), a page that renamed
// itself to reach the daemon (DNS rebinding: its Host), a second local user (through runuser:
// HTTP, websocket, TCP ingest, and a socket directory made first to catch the victim's
// traces), an address beyond loopback, and a database file others could read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { BIN, Daemon, until } from './daemon.mjs';

const OTHER = 'lt-other'; // the second local user (made here when missing)

// A second user to attack with, or why there is none (the test then says so and skips).
function otherUser() {
  if (process.getuid() !== 0) return { why: 'not root: cannot run as a second user' };
  if (spawnSync('runuser', ['--help']).error) return { why: 'runuser is missing' };
  if (spawnSync('id', [OTHER]).status !== 0 &&
      spawnSync('useradd', ['-M', '-r', '-s', '/usr/sbin/nologin', OTHER]).status !== 0)
    return { why: `cannot make the user ${OTHER}` };
  const uid = Number(spawnSync('id', ['-u', OTHER], { encoding: 'utf8' }).stdout);
  const canRun = spawnSync('runuser', ['-u', OTHER, '--', 'test', '-x', join(BIN, 'seed_ordering')]);
  return { uid, canRun: canRun.status === 0 };
}

// Runs a node script as the other user; resolves with what it printed.
function asOther(script, env = {}) {
  const r = spawnSync('runuser', ['-u', OTHER, '--', process.execPath, '-e', script],
    { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20000 });
  return r.stdout.trim();
}

// A raw HTTP GET with the headers given (fetch does not let a script set Host).
async function rawGet(port, path, headers) {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (b) => { body += b; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

// Opens a websocket with the headers given: 'open' or 'refused'.
function wsOpen(port, headers) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, 'looptrace.v1', { headers });
    ws.on('open', () => { ws.close(); resolve('open'); });
    ws.on('error', () => resolve('refused'));
    ws.on('unexpected-response', () => resolve('refused'));
  });
}

test('a web page of another site, or one that renamed itself, gets nothing', async (t) => {
  const d = await Daemon.start(['--allow-origin', 'https://tools.example']);
  t.after(() => d.finish());
  const own = `127.0.0.1:${d.port}`;
  for (const path of ['/api/sessions', '/', '/index.html']) {
    // DNS rebinding: evil.example resolves to 127.0.0.1, the browser sends its own name
    const rebound = await rawGet(d.port, path, { Host: `evil.example:${d.port}` });
    assert.equal(rebound.status, 403, path);
    assert.match(rebound.body, /Host is not this daemon's/);
    assert.equal((await rawGet(d.port, path, { Host: own })).status, 200, path);
    assert.equal((await rawGet(d.port, path, { Host: `localhost:${d.port}` })).status, 200);
    assert.equal((await rawGet(d.port, path, { Host: `127.0.0.1:${d.port + 1}` })).status, 403);
    assert.equal((await rawGet(d.port, path, {})).status, 403, `${path} without a Host`);
  }
  // a fetch from another site's page carries its Origin
  const cross = await rawGet(d.port, '/api/sessions', { Host: own, Origin: 'http://evil.example' });
  assert.equal(cross.status, 403);
  assert.match(cross.body, /another origin/);
  assert.equal((await rawGet(d.port, '/api/sessions', { Host: own, Origin: `http://${own}` })).status, 200);
  assert.equal((await rawGet(d.port, '/api/sessions',
    { Host: own, Origin: 'https://tools.example' })).status, 200); // --allow-origin
  assert.equal((await rawGet(d.port, '/api/sessions', { Host: own, Origin: 'null' })).status, 403);
  // the websocket, whose handshake a page of any site may start
  assert.equal(await wsOpen(d.port, { Origin: 'http://evil.example' }), 'refused');
  assert.equal(await wsOpen(d.port, { Origin: `http://${own}`, Host: `evil.example:${d.port}` }),
    'refused');
  assert.equal(await wsOpen(d.port, { Origin: `http://${own}` }), 'open');
  assert.equal(await wsOpen(d.port, { Origin: `http://localhost:${d.port}` }), 'open');
  assert.equal(await wsOpen(d.port, {}), 'open'); // a program, not a browser
});

test('another local user can neither read the API nor stream into it', async (t) => {
  const other = otherUser();
  if (other.why) return t.skip(other.why);
  const d = await Daemon.start(['--ingest', 'tcp:127.0.0.1:0']);
  t.after(() => d.finish());
  const http = asOther(`fetch('http://127.0.0.1:${d.port}/api/sessions')
    .then(async (r) => console.log(r.status, await r.text())).catch((e) => console.log('error', e))`);
  assert.match(http, /^403 .*serves the user it runs as alone/);
  const ws = asOther(`const s = new WebSocket('ws://127.0.0.1:${d.port}/', 'looptrace.v1');
    s.onopen = () => console.log('open'); s.onerror = () => console.log('refused');`,
  { NODE_OPTIONS: '--experimental-websocket' });
  assert.equal(ws, 'refused');
  assert.equal((await d.get('/api/sessions')).status, 200); // its own user is served
  // a program of the other user streaming to the TCP ingest is turned away
  const tcp = /LOOPTRACE=(tcp:127\.0\.0\.1:\d+)/.exec(d.out)[1];
  if (!other.canRun) return t.skip(`${OTHER} cannot run the examples in ${BIN}`);
  const run = spawnSync('runuser', ['-u', OTHER, '--', join(BIN, 'seed_ordering')],
    { encoding: 'utf8', env: { ...process.env, LOOPTRACE: tcp } });
  assert.equal(run.status, 0, 'the program goes on untraced');
  assert.match(run.stdout, /main start/);
  const own = d.run('seed_ordering', [], { LOOPTRACE: tcp });
  assert.equal((await own.done).code, 0);
  const sessions = await until(async () => {
    const r = (await d.get('/api/sessions')).body.sessions;
    return r.some((s) => s.status === 'complete') && r;
  }, 'its own user\'s run to be stored');
  assert.equal(sessions.length, 1, 'only the daemon\'s own user\'s run is stored');
});

test('a socket directory another user made first is refused, and gets no trace', async (t) => {
  const other = otherUser();
  if (other.why) return t.skip(other.why);
  const tmp = mkdtempSync(join(tmpdir(), 'lt-trap-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  chmodSync(tmp, 0o1777);
  const trap = join(tmp, `looptrace-${process.getuid()}`);
  // the attacker makes the victim's default directory, open to all, with a socket of theirs
  assert.equal(spawnSync('runuser', ['-u', OTHER, '--', 'mkdir', '-m', '0777', trap]).status, 0);
  const env = { ...process.env, TMPDIR: tmp, LOOPTRACE_DB: join(tmp, 'victim.db') };
  delete env.XDG_RUNTIME_DIR;
  const listener = spawn('runuser', ['-u', OTHER, '--', process.execPath, '-e',
    `const n = require('net'); let got = 0;
     n.createServer((c) => c.on('data', (b) => { got += b.length; console.log(got); }))
      .listen(${JSON.stringify(join(trap, 'ingest.sock'))}, () => {
        require('fs').chmodSync(${JSON.stringify(join(trap, 'ingest.sock'))}, 0o777);
        console.log('listening'); });`], { env });
  let heard = '';
  listener.stdout.on('data', (b) => { heard += b; });
  t.after(() => listener.kill());
  await until(() => heard.includes('listening'), 'the attacker to listen');
  // the victim's daemon refuses the directory and says whose it is
  const serve = spawnSync(join(BIN, 'looptrace'), ['serve', '--http', '127.0.0.1:0'],
    { encoding: 'utf8', env, timeout: 20000 });
  assert.equal(serve.status, 1);
  assert.match(serve.stderr, new RegExp(`${trap} is not a directory of yours alone \\(owner uid ${other.uid}`));
  // the victim's record, which looks for a daemon there, stores the run itself instead
  const rec = spawnSync(join(BIN, 'looptrace'), ['record', '--', join(BIN, 'seed_ordering'),
    '--password=hunter2'], { encoding: 'utf8', env, timeout: 20000 });
  assert.equal(rec.status, 0, rec.stderr);
  assert.match(rec.stderr, /is not a directory of yours alone.*storing the run itself/);
  assert.match(rec.stderr, /session 1: complete/);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(heard.trim(), 'listening', 'the attacker\'s socket got bytes');
});

test('beyond loopback only when meant, and the database is the user\'s alone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lt-remote-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const serve = (...args) => spawnSync(join(BIN, 'looptrace'), ['serve', '--db', join(dir, 't.db'),
    '--ingest', `unix:${join(dir, 's')}`, ...args], { encoding: 'utf8', timeout: 20000 });
  const wide = serve('--http', '0.0.0.0:0');
  assert.equal(wide.status, 1);
  assert.match(wide.stderr, /not a loopback address: anyone who can reach it.*--allow-remote/);
  const tcp = serve('--http', '127.0.0.1:0', '--ingest', 'tcp:0.0.0.0:0');
  assert.equal(tcp.status, 1);
  assert.match(tcp.stderr, /not a loopback address: any machine that reaches it/);
  assert.equal(statSync(join(dir, 't.db')).mode & 0o777, 0o600);
  // with --allow-remote it starts, and says what that means
  const d = await Daemon.start(['--http', '0.0.0.0:0', '--allow-remote']);
  t.after(() => d.finish());
  assert.match(d.err, /--allow-remote: whoever reaches/);
  assert.equal(statSync(d.db).mode & 0o777, 0o600);
});
