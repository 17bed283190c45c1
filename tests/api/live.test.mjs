// live.test.mjs: the daemon while programs run: a websocket client sees a session appear,
// subscribes, and gets its records while the program still runs, with the stored backlog and
// the live records joining exactly, a backlog of many turns too (stopped by unsubscribing in
// its middle), on every track of a program with more than 64 of them; labels and deletes reach every client; a client that stops reading is told
// to resync while storage and other clients go on, and gets the latest of the session rows
// that waited for it rather than each of them; and a daemon killed with SIGKILL leaves a
// database that a new daemon opens consistent, with all it committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Daemon, Client, until } from './daemon.mjs';
import { rowsToEvents } from '../../web/js/api.mjs';

const key = (e) => `${e.track}:${e.seq}`;
const liveSession = (c) => c.push((m) => m.type === 'session' && m.row.status === 'live',
  'a live session to be announced');

// The `events` pushes of session id client c has had.
const eventPushes = (c, id) => c.pushes.filter((m) => m.type === 'events' && m.session === id);
const pushedCount = (c, id) => eventPushes(c, id).reduce((n, m) => n + m.events.length, 0);

// A daemon and n clients of it, all closed when test t ends (passed or not).
async function daemonWith(t, n) {
  const d = await Daemon.start();
  const clients = [];
  for (let k = 0; k < n; k++) clients.push(await Client.open(d));
  t.after(async () => {
    for (const c of clients) await c.close();
    await d.finish();
  });
  return [d, ...clients];
}

// A stored session far bigger than the sockets between daemon and client can buffer: the
// records of collector_load printing as it goes (~115k records, ~25 MB of JSON); its id.
const recordBig = async (d) => (await d.recordAll([['collector_load', ['--marks', '150000'], 'big', {}]])).big;

// The records of session id client c was pushed, once as many have come as are stored: a
// `session` push saying the session is complete may come before its last records (the two
// kinds of push are not ordered; live records wait behind a backlog still being sent).
async function allPushed(c, d, id) {
  const stored = (await d.get(`/api/sessions/${id}/events?max=100000`)).body.events;
  await until(() => pushedCount(c, id) >= stored.length, `${stored.length} records to be pushed`, 60000);
  return { got: eventPushes(c, id).flatMap((m) => m.events), stored };
}

test('a subscriber sees records while the program runs, backlog and live joined exactly', async () => {
  const d = await Daemon.start();
  const c = await Client.open(d);
  const p = d.run('demo_ticker', ['20', '50', '3']); // about a second
  const id = (await liveSession(c)).session;
  const sub = await c.ask('subscribe', { session: id });
  assert.equal(sub.ok, true, sub.error);
  assert.equal(sub.result.live, true);
  // a printed line arrives live while the program is still running
  await c.push((m) => m.type === 'events' && m.session === id &&
    m.events.some((e) => e.kind === 'mark'), 'a live mark');
  assert.equal(p.exitCode, null, 'the program had already ended');
  const { code, out } = await p.done;
  assert.equal(code, 0);
  await c.push((m) => m.type === 'session' && m.session === id && m.row.status === 'complete',
    'the session to be announced complete');
  // every stored record exactly once, over backlog and live pushes together
  const { got, stored } = await allPushed(c, d, id);
  const seen = new Set(got.map(key));
  assert.equal(seen.size, got.length, 'a record arrived twice');
  assert.deepEqual([...seen].sort(), stored.map(key).sort());
  assert.equal(got.filter((e) => e.kind === 'mark').map((e) => e.text + '\n').join(''), out);
  await c.close();
  await d.finish();
});

test('a backlog too big for one turn comes whole and in order, then joins the live records', async (t) => {
  const [d, c, other] = await daemonWith(t, 2);
  const p = d.run('demo_ticker', ['150', '1', '16']); // 16 workers, 2-17 ms apart: ~2.5 s
  const id = (await liveSession(c)).session;
  // subscribe once well over a turn's worth (8192 records) is stored, the program running
  await c.push((m) => m.type === 'session' && m.session === id && m.row.events >= 12000,
    '12000 records to be stored');
  const sub = await c.ask('subscribe', { session: id });
  assert.equal(sub.ok, true, sub.error);
  assert.equal(sub.result.live, true);
  assert.ok(sub.result.backlog > 8192, `a backlog of ${sub.result.backlog}`);
  assert.equal((await other.ask('sessions')).ok, true); // served while it streams
  assert.equal((await p.done).code, 0);
  await c.push((m) => m.type === 'session' && m.session === id && m.row.status === 'complete',
    'the session to be announced complete');
  const { got, stored } = await allPushed(c, d, id);
  const backlog = got.slice(0, sub.result.backlog);
  // the backlog in the order it is stored (track, then seq), over several pushes...
  assert.ok(eventPushes(c, id).length >= 3);
  assert.deepEqual(backlog.map(key), [...backlog].sort((a, b) => a.track - b.track || a.seq - b.seq).map(key));
  // ...and with the live records every stored record exactly once
  assert.equal(new Set(got.map(key)).size, got.length, 'a record arrived twice');
  assert.deepEqual(got.map(key).sort(), stored.map(key).sort());
});

test('a live subscription to a session of 71 tracks misses nothing on any of them', async (t) => {
  const [d, c] = await daemonWith(t, 1);
  // 70 executor threads, each a track of its own beside the loop's, all streaming at once
  const p = d.run('collector_load', ['--threads', '70', '80000']); // ~1 s, ~67k records
  const id = (await liveSession(c)).session;
  await until(async () => {
    const r = await d.get(`/api/sessions/${id}/events?max=100000`);
    return new Set(r.body.events.map((e) => e.track)).size > 64;
  }, 'records of more than 64 tracks to be stored', 30000);
  const sub = await c.ask('subscribe', { session: id });
  assert.equal(sub.ok, true, sub.error);
  assert.equal(sub.result.live, true);
  assert.equal((await p.done).code, 0);
  await c.push((m) => m.type === 'session' && m.session === id && m.row.status === 'complete',
    'the session to be announced complete');
  const stored = (await d.get(`/api/sessions/${id}/events?max=100000`)).body;
  assert.equal(stored.complete, true, 'the session is more than one read');
  const tracks = new Set(stored.events.map((e) => e.track));
  assert.equal(tracks.size, 71);
  const { got } = await allPushed(c, d, id);
  assert.equal(new Set(got.map(key)).size, got.length, 'a record arrived twice');
  assert.deepEqual(got.map(key).sort(), stored.events.map(key).sort());
});

test('the rows form carries what the events form does, in half the bytes or less', async (t) => {
  const [d, objects, rows] = await daemonWith(t, 2);
  const p = d.run('demo_ticker', ['20', '50', '3']); // about a second
  const id = (await liveSession(objects)).session;
  await objects.push((m) => m.type === 'session' && m.session === id && m.row.events > 50,
    'some records to be stored');
  const bad = await rows.ask('subscribe', { session: id, form: 'xml' });
  assert.equal(bad.ok, false);
  assert.match(bad.error, /'form' is "events" \(the default\) or "rows"/);
  // both clients subscribed mid-run: each gets a backlog, then live records
  for (const [c, form] of [[objects, undefined], [rows, 'rows']]) {
    const sub = await c.ask('subscribe', { session: id, form });
    assert.equal(sub.ok, true, sub.error);
    assert.equal(sub.result.live, true);
  }
  assert.equal((await p.done).code, 0);
  const stored = (await d.get(`/api/sessions/${id}/events?max=100000`)).body.events;
  const pushes = (c) => eventPushes(c, id);
  const inRows = () => pushes(rows).flatMap((m) => rowsToEvents(m));
  await until(() => inRows().length >= stored.length && pushedCount(objects, id) >= stored.length,
    'every record to be pushed to both', 30000);
  assert.ok(pushes(rows).every((m) => m.events === undefined), 'a rows push with events');
  assert.ok(pushes(rows).length > 1, 'a backlog and live pushes');
  const all = inRows();
  const byKey = (es) => [...es].sort((a, b) => a.track - b.track || a.seq - b.seq);
  assert.deepEqual(byKey(all), byKey(stored));
  assert.ok(all.some((e) => e.kind === 'mark' && e.text) && all.some((e) => e.site?.file),
    'marks and sites among them');
  const bytes = (c) => pushes(c).reduce((n, m) => n + JSON.stringify(m).length, 0);
  // (a slow program's pushes are small, each with its own shapes: the load program's are a
  // third of the bytes)
  assert.ok(bytes(rows) * 2 < bytes(objects), `rows ${bytes(rows)} B, events ${bytes(objects)} B`);
});

test('subscribing from a seq or a time sends only what follows it', async () => {
  const d = await Daemon.start();
  assert.equal((await d.run('seed_ordering', [], { LOOPTRACE_CLOCK: 'virtual' }).done).code, 0);
  await until(async () => (await d.get('/api/sessions/1')).body.session?.status === 'complete',
    'the session to complete');
  const c = await Client.open(d);
  const sub = await c.ask('subscribe', { session: 1, from_seq: 50 });
  assert.equal(sub.ok, true, sub.error);
  assert.equal(sub.result.live, false);
  const stored = (await d.get('/api/sessions/1/events')).body.events.filter((e) => e.seq >= 50);
  assert.equal(sub.result.backlog, stored.length);
  const pushed = await c.push((m) => m.type === 'events' && m.session === 1, 'the backlog');
  assert.deepEqual(pushed.events.map(key), stored.map(key));
  await c.ask('unsubscribe', { session: 1 });
  // or from a time: what a view following a big live session needs
  const all = (await d.get('/api/sessions/1/events')).body.events;
  const from_ts = all.find((e) => e.kind === 'timer-fire').ts;
  const c2 = await Client.open(d);
  const sub2 = await c2.ask('subscribe', { session: 1, from_ts });
  assert.equal(sub2.ok, true, sub2.error);
  const later = all.filter((e) => e.ts >= from_ts);
  assert.equal(sub2.result.backlog, later.length);
  const pushed2 = await c2.push((m) => m.type === 'events' && m.session === 1, 'the later backlog');
  assert.deepEqual(pushed2.events.map(key), later.map(key));
  await c2.close();
  await c.close();
  await d.finish();
});

test('labels and deletes reach every client; a live session cannot be deleted', async () => {
  const d = await Daemon.start();
  const a = await Client.open(d);
  const b = await Client.open(d);
  const p = d.run('demo_ticker', ['10', '30', '2']);
  const id = (await liveSession(a)).session;
  const busy = await a.ask('delete', { session: id });
  assert.equal(busy.status, 409, busy.error);
  assert.equal((await p.done).code, 0);
  await until(async () => (await d.get(`/api/sessions/${id}`)).body.session.status === 'complete',
    'the session to complete');
  const labelled = await a.ask('label', { session: id, label: 'first run' });
  assert.equal(labelled.ok, true, labelled.error);
  await b.push((m) => m.type === 'session' && m.row.label === 'first run', 'the new label');
  assert.equal((await d.get(`/api/sessions/${id}`)).body.session.label, 'first run');
  const deleted = await a.ask('delete', { session: id });
  assert.equal(deleted.ok, true, deleted.error);
  await b.push((m) => m.type === 'session_deleted' && m.session === id, 'the deletion');
  assert.equal((await d.get(`/api/sessions/${id}`)).status, 404);
  assert.equal((await d.get(`/api/sessions/${id}/events`)).status, 404);
  await a.close();
  await b.close();
  await d.finish();
});

test('a client that stops reading is told to resync; storage and other clients go on', async () => {
  const d = await Daemon.start(['--client-queue', '5000']);
  const slow = await Client.open(d);
  const other = await Client.open(d);
  const p = d.run('demo_ticker', ['5000', '0', '16']); // a flood: ~80k ticks, all yields
  const id = (await liveSession(slow)).session;
  assert.equal((await slow.ask('subscribe', { session: id })).ok, true);
  slow.ws._socket.pause(); // reads nothing more: its queue in the daemon fills
  assert.equal((await p.done).code, 0);
  const done = await until(async () => {
    const r = await other.ask('session', { session: id });
    return r.result.session.status === 'complete' && r.result.session;
  }, 'the session to complete while a client is stuck');
  // everything was stored: the printed lines, all of them
  const marks = await d.get(`/api/sessions/${id}/summary?buckets=1`);
  assert.equal(marks.body.marks_total, 5000 * 16 + 1);
  assert.ok(done.events > 5000 * 16 * 3);
  slow.ws._socket.resume();
  const resync = await slow.push((m) => m.type === 'resync' && m.session === id, 'a resync', 60000);
  assert.match(resync.reason, /behind/);
  assert.equal((await slow.ask('sessions')).ok, true); // and it is still served
  // the session's rows reach it too, the latest last (rows still waiting for a client are
  // replaced by newer ones, so they never pile up; how many wait depends on the sockets)
  const rows = (c) => c.pushes.filter((m) => m.type === 'session' && m.session === id);
  await slow.push((m) => m.type === 'session' && m.session === id && m.row.status === 'complete',
    'the latest row');
  assert.equal(rows(slow).at(-1).row.status, 'complete');
  await slow.close();
  await other.close();
  await d.finish();
});

test('session rows waiting for a stalled client replace each other: it gets the latest, not each', async (t) => {
  const [d, slow, other] = await daemonWith(t, 2);
  const id = await recordBig(d);
  const sub = await slow.ask('subscribe', { session: id });
  assert.equal(sub.ok, true, sub.error);
  slow.ws._socket.pause(); // reads nothing more: its backlog fills the sockets, the rest waits
  // the session is relabelled 200 times meanwhile: a `session` push to every client each time
  for (let k = 1; k <= 200; k++)
    assert.equal((await other.ask('label', { session: id, label: `label ${k}` })).ok, true);
  const rows = (c) => c.pushes.filter((m) => m.type === 'session' && m.session === id && m.row.label.startsWith('label '));
  await other.push(() => rows(other).length === 200, 'the other client: all 200 rows');
  slow.ws._socket.resume();
  await slow.push(() => rows(slow).at(-1)?.row.label === 'label 200', 'the latest row', 60000);
  // those that found its queue waiting replaced each other; the latest came
  assert.ok(rows(slow).length < 100, `${rows(slow).length} rows of 200 reached the stalled client`);
  // and its backlog comes whole, the rows having gone out between its turns
  await slow.push(() => pushedCount(slow, id) === sub.result.backlog, 'the whole backlog', 60000);
});

test('unsubscribing in the middle of a backlog stops it', async (t) => {
  const [d, c] = await daemonWith(t, 1);
  const id = await recordBig(d);
  const sub = await c.ask('subscribe', { session: id });
  assert.equal(sub.ok, true, sub.error);
  c.ws._socket.pause(); // the backlog fills the sockets: most of it still waits in the daemon
  const bye = c.ask('unsubscribe', { session: id }); // the daemon reads it: only its writes wait
  c.ws._socket.resume();
  assert.equal((await bye).ok, true);
  const got = pushedCount(c, id);
  assert.ok(got < sub.result.backlog, `${got} of ${sub.result.backlog} records sent`);
  assert.equal((await c.ask('sessions')).ok, true); // and the client is served as before
});

test('after kill -9 the database is consistent and holds everything committed', async () => {
  const d = await Daemon.start();
  const p = d.run('demo_ticker', ['100', '20', '2']); // two seconds
  const committed = await until(async () => {
    const r = await d.get('/api/sessions/1');
    return r.status === 200 && r.body.session.events > 50 && r.body.session;
  }, 'records to be committed');
  await d.stop('SIGKILL');
  p.kill('SIGKILL');
  const again = await Daemon.start([], d.dir);
  const s = (await again.get('/api/sessions/1')).body.session;
  assert.equal(s.status, 'interrupted');
  assert.ok(s.events >= committed.events, `${s.events} < ${committed.events}`);
  const ev = (await again.get('/api/sessions/1/events?max=100000')).body;
  assert.equal(ev.complete, true);
  // the marks stored are the program's first lines, in order, with no gap
  const marks = ev.events.filter((e) => e.kind === 'mark').map((e) => e.text);
  assert.ok(marks.length > 0);
  const seqs = ev.events.filter((e) => e.track === 1).map((e) => e.seq);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1]);
  assert.equal(execFileSync('sqlite3', [again.db, 'PRAGMA integrity_check']).toString().trim(), 'ok');
  await again.finish();
});
