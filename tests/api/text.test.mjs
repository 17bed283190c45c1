// text.test.mjs: text that is not UTF-8, from a trace (program, argv, label, task names,
// marks), from a websocket client (a label of raw bytes) or from an older database, is stored
// and sent as UTF-8 with U+FFFD where it was not, so every client keeps its websocket (a
// browser drops one that sends invalid UTF-8); a NUL in a request is refused, not cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Client, Daemon, until } from './daemon.mjs';
import { KIND, chunk, end, hello, record, send, string } from './wire.mjs';

const bad = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

// A stream whose every text is broken: 0xff, a lone continuation byte, a truncated sequence,
// an overlong NUL, and a NUL.
function brokenStream() {
  const recs = [
    record({ kind: KIND.LOOP_START, flags: 2 }),
    string(1, bad('task', [0xff], 'name')),
    string(2, bad('printed ', [0xc3], '(', [0x00], ')')),
    record({ kind: KIND.TASK_CREATE, task: 1, args: [0, 1, 0] }),
    record({ kind: KIND.MARK, task: 1, ts: 5, args: [2] }),
    record({ kind: KIND.TASK_DONE, task: 1, ts: 6, flags: 1, args: [0] }),
  ];
  return Buffer.concat([hello({ program: bad('/bin/pro', [0x80], 'gram'),
    label: bad('lab', [0xe2, 0x82], 'el'), argv: [bad('prog'), bad('--x=', [0xc0, 0x80])] }),
  chunk(1, 0, recs), end()]);
}

const FFFD = '\ufffd';

test('a trace whose text is not UTF-8 is stored and sent as UTF-8; no client is dropped', async (t) => {
  const d = await Daemon.start();
  const a = await Client.open(d);
  const b = await Client.open(d);
  t.after(async () => { await a.close(); await b.close(); await d.finish(); });
  await send(d.sock, brokenStream());
  await until(async () => (await d.get('/api/sessions/1')).body.session?.status === 'complete',
    'the session to be stored');
  for (const c of [a, b]) {
    const r = await c.ask('sessions');
    assert.equal(r.ok, true);
    const s = r.result.sessions[0];
    assert.equal(s.program, `/bin/pro${FFFD}gram`);
    assert.equal(s.label, `lab${FFFD}${FFFD}el`);
    assert.deepEqual(s.argv, ['prog', `--x=${FFFD}${FFFD}`]);
  }
  const tasks = (await a.ask('tasks', { session: 1 })).result.tasks;
  assert.equal(tasks[0].name, `task${FFFD}name`);
  const events = (await b.ask('events', { session: 1 })).result.events;
  assert.equal(events.find((e) => e.kind === 'mark').text, `printed ${FFFD}(${FFFD})`);
  // and in the database itself: the file holds UTF-8, whatever reads it
  const stored = execFileSync('sqlite3', [d.db, "SELECT hex(text) FROM strings WHERE id = 2"],
    { encoding: 'utf8' }).trim();
  assert.equal(Buffer.from(stored, 'hex').toString('utf8'), `printed ${FFFD}(${FFFD})`);
  const jsonl = (await d.get('/api/sessions/1/export?format=jsonl')).text;
  assert.ok(jsonl.includes(`task${FFFD}name`));
  assert.equal((await a.ask('sessions')).ok, true); // both still connected
  assert.equal((await b.ask('sessions')).ok, true);
});

test('a label of raw bytes, a NUL in a request, and old rows that are not UTF-8', async (t) => {
  const d = await Daemon.start();
  const c = await Client.open(d);
  const other = await Client.open(d);
  t.after(async () => { await c.close(); await other.close(); await d.finish(); });
  assert.equal((await d.run('seed_no_await', [], { LOOPTRACE_CLOCK: 'virtual' }).done).code, 0);
  await until(async () => (await d.get('/api/sessions/1')).body.session?.status === 'complete',
    'the session to be stored');
  // a text frame holding 0xff (not UTF-8, which lws passes on as it is)
  c.ws.send(bad('{"id":1,"op":"label","session":1,"label":"x', [0xff], 'y"}'), { binary: false });
  await c.push((m) => m.type === 'session' && m.row.label === `x${FFFD}y`, 'the cleaned label');
  assert.equal((await other.ask('sessions')).result.sessions[0].label, `x${FFFD}y`);
  // a NUL would be cut there by the C side: refused, not stored as "a"
  const nul = await c.ask('label', { session: 1, label: 'a\u0000b' });
  assert.equal(nul.ok, false);
  assert.equal(nul.status, 400);
  assert.match(nul.error, /NUL/);
  assert.equal((await c.ask('session', { session: 1 })).result.session.label, `x${FFFD}y`);
  // a row an older daemon stored with bytes that are not UTF-8 is sent cleaned
  execFileSync('sqlite3', [d.db, "UPDATE sessions SET label = CAST(X'61FF62' AS TEXT)"]);
  for (const cl of [c, other]) {
    const r = await cl.ask('sessions');
    assert.equal(r.result.sessions[0].label, `a${FFFD}b`);
  }
  assert.equal((await d.get('/api/sessions')).body.sessions[0].label, `a${FFFD}b`);
});
