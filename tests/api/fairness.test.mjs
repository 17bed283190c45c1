// fairness.test.mjs: one client cannot stall the others. Clients looping a long read (a diff
// of a session of ~400k records against itself) do not hold up another client's quick reads:
// its replies come in a fraction of the long read's time (they waited for it, inline, before).
// Clients that ask for large windows and never read what comes cannot make the daemon hold
// more than its bound: they are dropped, and it answers the others still.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Client, Daemon, until, besideLongReads } from './daemon.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function bigSession(d) {
  const ids = await d.recordAll([['collector_load', ['--marks', '400000'], 'big', {}]]);
  return ids.big;
}

test('clients looping long reads do not hold up another client\'s quick ones', async (t) => {
  const d = await Daemon.start();
  const heavy = [await Client.open(d), await Client.open(d)];
  const probe = await Client.open(d);
  t.after(async () => { for (const c of [...heavy, probe]) await c.close(); await d.finish(); });
  const id = await bigSession(d);
  // two clients keep a long read each in flight while the probe asks for the session list
  const { long, waits } = await besideLongReads(heavy, id, () => probe.ask('sessions'));
  assert.ok(median(waits) < long / 4, `the probe waited ${median(waits)} ms (median) beside ` +
    `reads of ${long} ms`);
  assert.ok(Math.max(...waits) < long, `the probe waited up to ${Math.max(...waits)} ms`);
});

test('clients that ask much and never read are dropped; the daemon stays within its bound', async (t) => {
  const d = await Daemon.start();
  const probe = await Client.open(d);
  t.after(async () => { await probe.close(); await d.finish(); });
  const id = await bigSession(d);
  const before = rssMiB(d.proc.pid);
  const greedy = [];
  for (let i = 0; i < 8; i++) {
    const c = await Client.open(d);
    c.ws._socket.pause(); // it reads nothing from now on
    for (let k = 0; k < 8; k++) // ~10 MB each: more than a client may have waiting
      c.ws.send(JSON.stringify({ id: k + 1, op: 'events', session: id, max: 100000 }));
    greedy.push(c);
  }
  let peak = 0;
  // (a client that reads nothing does not see its socket closed: the daemon's count says)
  await until(async () => {
    peak = Math.max(peak, rssMiB(d.proc.pid));
    return (await d.get('/api/status')).body.web.clients <= 1;
  }, 'the greedy clients to be dropped', 120000);
  peak = Math.max(peak, rssMiB(d.proc.pid));
  assert.ok(peak - before < 500, `the daemon grew by ${Math.round(peak - before)} MiB`);
  assert.equal((await probe.ask('sessions')).ok, true); // and answers the others
  for (const c of greedy) c.ws.terminate();
});
