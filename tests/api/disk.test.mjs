// disk.test.mjs: a full disk loses nothing and says so. The daemon's database is on a small
// filesystem of its own (a tmpfs of 48 MiB, mounted here; the tests say so and skip where the
// kernel refuses), nearly filled by a file. When a commit fails, nothing of it is stored and
// all of it waits; reading stops, so the program (in block mode) waits too; every client is
// told, and GET /api/status says why. Room made, storing goes on and the session is whole:
// every record of every track, in sequence, none lost. Stopped while the disk is still full,
// the daemon says how many records it could not store, marks its session with exactly that
// (a reserve it kept gives room for those few bytes) and exits 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Client, Daemon, until } from './daemon.mjs';
import { fill, smallDisk } from './smalldisk.mjs';

// Per track: its records' sequence numbers from 0 with no gap, as the blocks hold them.
function wholeTracks(db, session) {
  const rows = execFileSync('sqlite3', [db, `SELECT track, min(first_seq), max(first_seq + count),
    sum(count) FROM event_blocks WHERE session = ${session} GROUP BY track`], { encoding: 'utf8' })
    .trim().split('\n').map((l) => l.split('|').map(Number));
  for (const [track, lo, hi, n] of rows) {
    assert.equal(lo, 0, `track ${track} starts at ${lo}`);
    assert.equal(hi, n, `track ${track}: ${n} records for sequence numbers 0..${hi - 1}`);
  }
  return rows.reduce((sum, r) => sum + r[3], 0);
}

test('a full disk loses nothing: storing waits, the program waits, every client is told', async (t) => {
  const disk = smallDisk(t, 48);
  if (disk.why) return t.skip(disk.why);
  const d = await Daemon.start([], disk.dir);
  const c = await Client.open(d);
  t.after(async () => { await c.close(); await d.finish(); });
  const filler = fill(disk.dir, 2);
  const p = d.run('collector_load', ['--marks', '300000']); // ~10 MB stored: far past 2 MiB
  const full = await c.push((m) => m.type === 'store' && m.ok === false,
    'the store to say it cannot store', 60000);
  assert.match(full.error, /full/i);
  // a commit comes once 65536 records wait: the one that found the disk full held about
  // that many (a read's worth more), not all the program had sent since the last tick
  assert.ok(full.waiting > 0 && full.waiting < 80000, `${full.waiting} records waited`);
  const status = (await d.get('/api/status')).body;
  assert.equal(status.store.ok, false);
  assert.ok(status.store.waiting > 0);
  assert.match(d.err, /cannot store: .*records wait, reading stops/);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(p.exitCode, null, 'the program went on while its records could not be stored');
  rmSync(filler); // room again
  await c.push((m) => m.type === 'store' && m.ok === true, 'the store to say it stores again', 60000);
  await until(() => p.exitCode !== null, 'the program to finish', 60000);
  assert.equal(p.exitCode, 0);
  const s = await until(async () => {
    const row = (await d.get('/api/sessions/1')).body.session;
    return row?.status === 'complete' && row;
  }, 'the session to be stored complete', 60000);
  assert.equal(s.lost, 0);
  assert.equal(s.unstored, 0);
  assert.equal(wholeTracks(d.db, 1), s.events);
  const marks = Number(execFileSync('sqlite3', [d.db, 'SELECT count(*) FROM marks'], { encoding: 'utf8' }));
  assert.ok(marks > 60000, `${marks} marks`);
  assert.match(d.err, /storing again, after/);
  assert.equal((await d.get('/api/status')).body.store.ok, true);
});

test('stopped while the disk is full, the daemon says what it could not store and exits 1', async (t) => {
  const disk = smallDisk(t, 48);
  if (disk.why) return t.skip(disk.why);
  const d = await Daemon.start([], disk.dir);
  const c = await Client.open(d);
  fill(disk.dir, 2);
  const p = d.run('collector_load', ['--marks', '300000']);
  await c.push((m) => m.type === 'store' && m.ok === false, 'the store to say it cannot store', 60000);
  await c.close();
  const r = await d.stop('SIGTERM');
  p.kill();
  assert.equal(r.code, 1);
  const m = /(\d+) records could not be stored: .*full.*\(their sessions say so\)/i.exec(d.err);
  assert.ok(m && Number(m[1]) > 0, d.err);
  assert.doesNotMatch(d.out, /stopped; .* sessions stored/);
  // and the session itself says exactly what it lost (room made for those few bytes)
  const row = execFileSync('sqlite3', [d.db, 'SELECT status, unstored, error FROM sessions'],
    { encoding: 'utf8' }).trim().split('|');
  assert.equal(row[0], 'interrupted');
  assert.equal(Number(row[1]), Number(m[1]));
  assert.match(row[2], new RegExp(`the disk was full: ${m[1]} of its records could not be stored`));
});
