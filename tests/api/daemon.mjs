// daemon.mjs: what the API tests run against: a real `looptrace serve` on a free loopback
// port, with a temporary database and ingest socket; real traced programs streaming to it;
// a websocket client that matches replies to requests and collects pushes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export const BIN = process.env.LT_BIN_DIR;
export const ORACLE = process.env.LT_ORACLE_DIR;
if (!BIN || !ORACLE) throw new Error('run through ctest: LT_BIN_DIR and LT_ORACLE_DIR are unset');

// Waits for cond() to hold, polling; fails after ms with what.
export async function until(cond, what, ms = 10000) {
  const t0 = Date.now();
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// Every daemon started here: none outlives the test process, even when a test fails before
// stopping it (and none keeps a failed test waiting on it).
const running = new Set();
process.on('exit', () => { for (const p of running) p.kill('SIGKILL'); });

export class Daemon {
  // A daemon on a new temporary directory, or (dir) on the database another one left; with
  // '--store URL' in extra, on that store instead of a database; env added to its own.
  static async start(extra = [], dir = null, env = {}) {
    const d = new Daemon();
    d.dir = dir ?? mkdtempSync(join(tmpdir(), 'lt-api-'));
    d.db = join(d.dir, 't.db');
    d.sock = join(d.dir, 'ingest.sock');
    d.out = '';
    d.err = '';
    // LT_DAEMON_LAUNCHER (e.g. valgrind and its options) runs the daemon under a tool
    const launcher = (process.env.LT_DAEMON_LAUNCHER ?? '').split(' ').filter(Boolean);
    const argv = [join(BIN, 'looptrace'),
      'serve', ...(extra.includes('--store') ? [] : ['--db', d.db]), '--http', '127.0.0.1:0',
      '--ingest', `unix:${d.sock}`, ...extra];
    d.proc = spawn(launcher[0] ?? argv[0],
      [...launcher.slice(1), ...(launcher.length ? argv : argv.slice(1))],
      { env: { ...process.env, ...env } });
    d.proc.stdout.on('data', (b) => { d.out += b; });
    d.proc.stderr.on('data', (b) => { d.err += b; });
    d.exited = new Promise((r) => d.proc.on('exit', (code, signal) => r({ code, signal })));
    running.add(d.proc);
    d.proc.on('exit', () => running.delete(d.proc));
    d.proc.unref();
    d.proc.stdout.unref();
    d.proc.stderr.unref();
    const m = await until(() => /UI at (http:\/\/[\d.]+:(\d+)\/)/.exec(d.out),
      `the daemon to print its URL (stderr: ${d.err})`, launcher.length ? 60000 : 10000);
    d.url = m[1];
    d.port = Number(m[2]);
    return d;
  }

  // Runs an example program traced to this daemon; resolves with its exit and output.
  run(program, args = [], env = {}) {
    const p = spawn(join(BIN, program), args, {
      env: { ...process.env, LOOPTRACE: `unix:${this.sock}`, ...env },
    });
    let out = '';
    p.stdout.on('data', (b) => { out += b; });
    p.done = new Promise((r) => p.on('exit', (code) => r({ code, out })));
    return p;
  }

  // Runs each [program, args, label, env] to its end, traced to this daemon (labelled), and
  // waits until every session is stored complete; resolves with their ids by label (the last
  // run of a label). expect(label) (optional) is the output a run must print: under the real
  // clock a seed's output hangs on 20-ms margins a loaded machine can eat, so a run that
  // prints otherwise is run again, 3 times at most (a wrong program misses every time).
  async recordAll(runs, env = {}, expect = null) {
    const before = (await this.get('/api/sessions')).body.sessions.length;
    let made = 0;
    for (const [program, args, label, extra] of runs) {
      for (let attempt = 1; ; attempt++) {
        const r = await this.run(program, args, { LOOPTRACE_LABEL: label, ...env, ...extra }).done;
        assert.equal(r.code, 0, label);
        made++;
        if (!expect || r.out === expect(label) || attempt === 3) break;
      }
    }
    const list = await until(async () => {
      const r = await this.get('/api/sessions');
      return r.body.sessions.filter((s) => s.status === 'complete').length === before + made && r;
    }, 'every run to be stored complete');
    return Object.fromEntries(list.body.sessions.map((s) => [s.label, s.id]));
  }

  async get(path) {
    const res = await fetch(new URL(path, this.url)).catch((e) => {
      // a daemon that died says why only on its stderr: the failure carries it
      const gone = this.proc.exitCode ?? this.proc.signalCode;
      throw new Error(`GET ${path}: ${e.cause?.message ?? e.message}` +
        (gone !== null ? ` (the daemon exited: ${gone})` : '') +
        `\ndaemon stderr (last 4000 bytes):\n${this.err.slice(-4000)}`);
    });
    const text = await res.text();
    let body;
    try { body = JSON.parse(text); } catch { body = text; }
    return { status: res.status, type: res.headers.get('content-type'), body, text };
  }

  async stop(signal = 'SIGTERM') {
    this.proc.ref(); /* waited for now (it is unref'd so a failed test does not wait on it) */
    this.proc.kill(signal);
    const r = await this.exited;
    return r;
  }

  cleanup() { rmSync(this.dir, { recursive: true, force: true }); }

  // Stops the daemon, which must exit 0 (everything committed), and removes its files.
  async finish() {
    const r = await this.stop();
    assert.equal(r.code, 0, this.err);
    this.cleanup();
  }
}

// A websocket client of looptrace.v1: ask() sends a request and resolves with its reply;
// pushes (messages with a type) are kept in order and can be awaited.
export class Client {
  static async open(daemon, protocol = 'looptrace.v1') {
    const c = new Client();
    c.ws = new WebSocket(`ws://127.0.0.1:${daemon.port}/`, protocol);
    c.pending = new Map();
    c.pushes = [];
    c.replies = [];
    c.nextId = 1;
    c.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.type) c.pushes.push(msg);
      else if (msg.id !== null && c.pending.has(msg.id)) {
        c.pending.get(msg.id)(msg);
        c.pending.delete(msg.id);
      } else c.replies.push(msg); // replies to requests without an id, or unmatched
    });
    c.closed = new Promise((r) => c.ws.on('close', () => r()));
    await new Promise((resolve, reject) => {
      c.ws.on('open', resolve);
      c.ws.on('error', reject);
    });
    return c;
  }

  // A request and its reply (which must come within ms: every request gets one).
  ask(op, args = {}, ms = 60000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to ${op} ${JSON.stringify(args)} within ${ms} ms`));
      }, ms);
      this.pending.set(id, (msg) => { clearTimeout(timer); resolve(msg); });
      this.ws.send(JSON.stringify({ id, op, ...args }));
    });
  }

  sendRaw(text) { this.ws.send(text); }

  // The next reply that came without a matching id (errors about unreadable messages).
  nextReply() { return until(() => this.replies.shift(), 'a reply'); }

  // Resolves with the first push (from the start of the connection) that pred accepts.
  push(pred, what = 'a push', ms = 10000) {
    return until(() => this.pushes.find(pred), what, ms);
  }

  close() { this.ws.close(); return this.closed; }
}

// For a quick read beside long ones: a daemon, two clients to keep long reads going and a
// probe (all closed when test t ends), and a session of 250k records (collector_load) recorded
// to its end, once ready(d) holds (what the daemon keeps as it ends: waiting for what).
export async function longReadsSetUp(t, ready, what) {
  const d = await Daemon.start();
  const heavy = [await Client.open(d), await Client.open(d)];
  const probe = await Client.open(d);
  t.after(async () => { for (const c of [...heavy, probe]) await c.close(); await d.finish(); });
  const id = (await d.recordAll([['collector_load', ['250000'], 'big']])).big;
  await until(() => ready(d), what, 60000);
  return { d, heavy, probe, id };
}

// What a quick read waits beside long ones: times one long read (a diff of session id against
// itself) alone, then keeps one in flight on each of the heavy clients while ask(k) (a quick
// read, k = 0, 1, ...) is made again and again, for three long reads' time (2 s at least).
// Returns { long, waits } in ms; the long read must be long enough to tell the two apart.
export async function besideLongReads(heavy, id, ask) {
  const assert = (await import('node:assert/strict')).default;
  let t0 = Date.now();
  const one = await heavy[0].ask('diff', { a: id, b: id });
  assert.equal(one.ok, true, one.error);
  const long = Date.now() - t0;
  assert.ok(long > 100, `a diff of ${long} ms is too quick to tell anything apart`);
  let going = true;
  const loops = heavy.map(async (c) => { while (going) await c.ask('diff', { a: id, b: id }); });
  await new Promise((r) => setTimeout(r, 50)); // the long reads under way
  const waits = [];
  const end = Date.now() + Math.max(3 * long, 2000);
  for (let k = 0; Date.now() < end; k++) {
    t0 = Date.now();
    const r = await ask(k);
    assert.equal(r.ok, true, r.error);
    waits.push(Date.now() - t0);
  }
  going = false;
  await Promise.all(loops);
  return { long, waits };
}
