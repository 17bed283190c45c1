// fleet.test.mjs: two daemons ("hosts" a and b) on one real ClickHouse: each ingests its own
// programs, and each daemon's API lists and reads both hosts' sessions exactly as a SQLite
// daemon given the same streams does (sessions, tasks, windows, summaries, the export, a
// diff across hosts), the marks in the order the programs printed them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { connect } from 'node:net';
import { Client, Daemon, BIN, until } from '../api/daemon.mjs';
import { ClickHouse, stream, traceOf, unavailable } from './clickhouse.mjs';

const skip = unavailable() ?? false;
if (skip) console.error(`fleet tests skipped: ${skip}`);

// What a reply says with the store's own ids taken out (they differ by store), and the host,
// and a window's estimate (an upper bound counted from blocks, which commits cut where the
// clock says: it differs between any two daemons).
function same(body, ids) {
  return JSON.parse(JSON.stringify(body, (k, v) => {
    if ((k === 'id' || k === 'session' || k === 'a' || k === 'b') && ids.has(v)) return ids.get(v);
    if (k === 'sessions' && Array.isArray(v)) return v.map((x) => ids.get(x) ?? x);
    return k === 'host' || k === 'estimate' ? undefined : v;
  }));
}

// The waits table's rows of a session, from its records: each resume ends a wait that
// began at the task's suspend (or, for its first step, its scheduling), ready at its ready
// record (a yield's is implied: at once); as "track seq reason site_line suspend ready resume".
function waitsOf(recs) {
  const tasks = new Map(), rows = [];
  for (const r of recs) {
    const k = `${r.track}/${r.task}`;
    if (r.kind === 'ready' && r.cause === 'spawn')
      tasks.set(k, { reason: 'spawn', at: r.ts, ready: r.ts, line: 0 });
    else if (r.kind === 'suspend')
      tasks.set(k, { reason: r.reason, at: r.ts, ready: null, line: r.site?.line ?? 0 });
    else if (r.kind === 'ready' && tasks.has(k)) tasks.get(k).ready = r.ts;
    else if (r.kind === 'resume' && tasks.has(k)) {
      const t = tasks.get(k);
      const ready = t.ready ?? (t.reason === 'yield' ? t.at : r.ts);
      rows.push([r.track, r.seq, t.reason, t.line, t.at, ready, r.ts].join(' '));
      tasks.delete(k);
    }
  }
  return rows;
}

let ch, ref, hosts;
// what each host runs: two seeds (their marks checked against what they print), a stream of
// many blocks with a mark a step, and one of three tracks (two executor threads)
const runs = [
  { host: 'a', label: 'on-a', program: 'seed_ten_jobs', printed: true },
  { host: 'b', label: 'on-b', program: 'seed_say_after', printed: true },
  { host: 'a', label: 'marks-a', program: 'collector_load', args: ['--marks', '40000'] },
  { host: 'b', label: 'threads-b', program: 'collector_load', args: ['--threads', '2', '2000'] },
];

before(async () => {
  if (skip) return;
  ch = await ClickHouse.start();
  for (const r of runs)
    Object.assign(r, traceOf(BIN, r.program, r.args, { LOOPTRACE_LABEL: r.label }));
  ref = await Daemon.start();
  const store = ['--store', ch.url('fleet')];
  hosts = {
    a: await Daemon.start(store, null, { LOOPTRACE_HOST: 'host-a' }),
    b: await Daemon.start(store, null, { LOOPTRACE_HOST: 'host-b' }),
  };
  // in pieces with pauses, as a program streams, so that commits cut blocks mid-stream and
  // a session's blocks of several tracks interleave in time
  // (eight pieces each, further apart than the daemon's 100 ms commits)
  const pause = () => new Promise((r) => setTimeout(r, 150));
  await Promise.all(runs.flatMap((r) => [hosts[r.host], ref].map((d) =>
    stream(d.sock, r.bytes, Math.ceil(r.bytes.length / 8), pause))));
});

after(async () => {
  if (skip) return;
  for (const d of [ref, hosts?.a, hosts?.b]) if (d) await d.finish();
  await ch.finish();
});

test('each daemon lists and reads both hosts\' sessions exactly', { skip }, async () => {
  const complete = async (d) => until(async () => {
    const l = (await d.get('/api/sessions')).body.sessions;
    return l.length === runs.length && l.every((s) => s.status === 'complete') && l;
  }, 'every session stored complete', 30000);
  const want = await complete(ref);
  for (const [name, d] of Object.entries(hosts)) {
    const got = await complete(d);
    const byLabel = (l) => Object.fromEntries(l.map((s) => [s.label, s]));
    const g = byLabel(got), w = byLabel(want);
    // each session says the host it came from, whichever daemon reads it
    assert.equal(g['on-a'].host, 'host-a', name);
    assert.equal(g['on-b'].host, 'host-b', name);
    const ids = new Map(runs.flatMap((r) => [[g[r.label].id, r.label], [w[r.label].id, r.label]]));
    for (const { label, host, printed, out } of runs) {
      const gi = g[label].id, wi = w[label].id;
      assert.equal(g[label].host, `host-${host}`, `${name}: ${label}'s host`);
      const mid = Math.round((w[label].start_ns + w[label].end_ns) / 2);
      assert.deepEqual(same(g[label], ids), same(w[label], ids), `${name}: ${label}'s row`);
      for (const path of ['', '/tasks', '/events', '/summary?buckets=50', `/events?from=${mid}`,
        `/events?from=${w[label].start_ns}&to=${mid}`, `/summary?from=${mid}&buckets=7`]) {
        const a = await d.get(`/api/sessions/${gi}${path}`);
        const b = await ref.get(`/api/sessions/${wi}${path}`);
        assert.equal(a.status, 200, `${name} ${label} ${path}: ${a.text}`);
        assert.deepEqual(same(a.body, ids), same(b.body, ids), `${name}: ${label} ${path}`);
      }
      const ex = await d.get(`/api/sessions/${gi}/export?format=jsonl`);
      assert.equal(ex.text, (await ref.get(`/api/sessions/${wi}/export?format=jsonl`)).text);
      // every record, and the marks in the order the program printed them
      const recs = ex.text.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(recs.length, g[label].events);
      // the fleet's waits table says the same as the records, row for row
      const rows = (await ch.query(`SELECT track, seq, reason, line, suspend_ns, ready_ns,
        resume_ns FROM (SELECT * FROM fleet.waits FINAL WHERE session = ${gi}) ANY LEFT JOIN
        (SELECT track, id AS site, line FROM fleet.sites FINAL WHERE session = ${gi})
        USING (track, site) ORDER BY track, seq`))
        .trim().split('\n').map((l) => l.split('\t').join(' '));
      assert.deepEqual(rows, waitsOf(recs), `${name}: ${label}'s waits`);
      if (printed)
        assert.deepEqual(recs.filter((r) => r.kind === 'mark').map((r) => r.text),
          out.trim().split('\n'), `${name}: ${label}'s marks`);
    }
    // a diff across the two hosts, as the SQLite daemon diffs the same runs
    const da = await d.get(`/api/diff?a=${g['on-a'].id}&b=${g['on-b'].id}`);
    const dw = await ref.get(`/api/diff?a=${w['on-a'].id}&b=${w['on-b'].id}`);
    assert.equal(da.status, 200, da.text);
    assert.deepEqual(same(da.body, ids), same(dw.body, ids), `${name}: the diff`);
    // and the orderings of every host's sessions at once
    const all = (m) => runs.map((r) => m[r.label].id).join(',');
    const oa = await d.get(`/api/orderings?sessions=${all(g)}`);
    const ow = await ref.get(`/api/orderings?sessions=${all(w)}`);
    assert.equal(oa.status, 200, oa.text);
    assert.deepEqual(same(oa.body, ids), same(ow.body, ids), `${name}: the orderings`);
  }
});

test('the fleet queries of docs/fleet.md run and answer for both hosts', { skip }, async () => {
  const doc = readFileSync(new URL('../../docs/fleet.md', import.meta.url), 'utf8');
  const queries = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.equal(queries.length, 4);
  const answers = [];
  for (const q of queries) {
    const rows = (await ch.query(q, 'fleet')).trim().split('\n').map((l) => l.split('\t'));
    assert.ok(rows.length > 0 && rows[0][0] !== '', q);
    answers.push(rows);
  }
  // the longest await sites: say_after's sleep (host b) and ten_jobs' job (host a) are there
  const sites = answers[0];
  assert.ok(sites.some((r) => r[0].endsWith('seed_say_after.c') && r[6].includes('host-b')));
  assert.ok(sites.some((r) => r[0].endsWith('seed_ten_jobs.c') && r[6].includes('host-a')));
  // sessions per host and program: every run, on its host
  const per = answers[2].map((r) => `${r[1]} ${r[2].split('/').pop()} ${r[3]}`).sort();
  assert.deepEqual(per, ['host-a collector_load 1', 'host-a seed_ten_jobs 1',
    'host-b collector_load 1', 'host-b seed_say_after 1']);
});

test('a label or a delete from any daemon holds for every daemon', { skip }, async () => {
  const list = async (d) => (await d.get('/api/sessions')).body.sessions;
  const onA = (await list(hosts.a)).find((x) => x.label === 'on-a');
  const b = await Client.open(hosts.b); /* host b relabels and deletes host a's session */
  assert.equal((await b.ask('label', { session: onA.id, label: 'renamed' })).ok, true);
  for (const d of [hosts.a, hosts.b])
    assert.equal((await d.get(`/api/sessions/${onA.id}`)).body.session.label, 'renamed');
  assert.equal((await b.ask('delete', { session: onA.id })).ok, true);
  for (const d of [hosts.a, hosts.b]) {
    assert.ok(!(await list(d)).some((x) => x.id === onA.id));
    assert.equal((await d.get(`/api/sessions/${onA.id}`)).status, 404);
  }
  // a session host a is still recording: host b may not delete it
  const live = connect(hosts.a.sock);
  await new Promise((r) => live.on('connect', r));
  live.write(runs[2].bytes.subarray(0, runs[2].bytes.length >> 1));
  const s = await until(async () => (await list(hosts.b)).find((x) => x.status === 'live' &&
    x.events > 0), 'host a\'s live session, from host b');
  const busy = await b.ask('delete', { session: s.id });
  assert.equal(busy.status, 409, busy.error);
  live.destroy();
  await until(async () => (await list(hosts.b)).find((x) => x.id === s.id && x.status !== 'live'),
    'the cut stream ended');
  await b.close();
});
