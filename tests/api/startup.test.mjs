// startup.test.mjs: a daemon that cannot start says why and exits with a status scripts can
// test, leaving nothing behind: a bad --http, a port another daemon holds, a missing web
// root, a bad option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, Daemon, Client } from './daemon.mjs';

function serve(dir, ...args) {
  const sock = join(dir, 'ingest.sock');
  const r = spawnSync(join(BIN, 'looptrace'),
    ['serve', '--db', join(dir, 't.db'), '--ingest', `unix:${sock}`, ...args], { encoding: 'utf8', timeout: 20000 });
  return { code: r.status, err: r.stderr, sockLeft: existsSync(sock) };
}

test('a daemon that cannot start says why, exits non-zero and leaves no socket', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lt-start-'));
  const running = await Daemon.start();
  try {
    const cases = [
      [['--http', '127.0.0.1:99999'], 1, /--http wants ADDRESS:PORT/],
      [['--http', 'nowhere'], 1, /--http wants ADDRESS:PORT/],
      [['--http', `127.0.0.1:${running.port}`], 1, /cannot listen on 127\.0\.0\.1:\d+/],
      [['--http', '127.0.0.1:0', '--web', join(dir, 'no-such-dir')], 1, /the web UI's files are not at/],
      [['--client-queue', '0'], 2, /unexpected argument '--client-queue'/],
    ];
    for (const [args, code, why] of cases) {
      const r = serve(dir, ...args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, why, args.join(' '));
      assert.equal(r.sockLeft, false, `${args.join(' ')} left its ingest socket`);
    }
    assert.equal((await running.get('/api/sessions')).status, 200); // the other one serves on
  } finally {
    await running.finish();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a daemon stopped while websocket clients are connected exits 0', async () => {
  // Stopping closes every connection; each close used to reach the query threads after they
  // were gone (a crash at exit, every committed record kept but the exit status lost).
  for (let round = 0; round < 3; round++) {
    const d = await Daemon.start();
    const clients = await Promise.all([1, 2, 3].map(() => Client.open(d)));
    assert.equal((await clients[0].ask('sessions')).ok, true);
    const r = await d.stop();
    assert.deepEqual(r, { code: 0, signal: null }, d.err);
    d.cleanup();
  }
});
