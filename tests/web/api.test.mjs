// api.test.mjs: web/js/api.mjs's reads against a real HTTP server on loopback: an aborted
// read fails as aborted even when the abort lands while the body streams (issue 14, bug 11:
// it resolved to {error: ''} and the summary parser threw "r.lanes is not iterable"), API
// errors carry their status, an unreachable server is told apart; and a push in the rows
// form turned back into the event objects it carries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { getJSON, rowsToEvents } from '../../web/js/api.mjs';

let server, base;
before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/slow') {
      // the headers and the start of a large body, the rest never comes
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
      res.write('{"lanes":[');
      return;
    }
    if (req.url === '/missing') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"no session 999","status":404}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => { server.closeAllConnections(); server.close(); });

test('a read aborted while its body streams fails as aborted, never resolves', async () => {
  const ctl = new AbortController();
  // abort once the headers are in (fetch resolved): the body is being read
  const realFetch = globalThis.fetch;
  let headers;
  const gotHeaders = new Promise((r) => { headers = r; });
  globalThis.fetch = (...args) => realFetch(...args).then((res) => { headers(); return res; });
  const p = getJSON(`${base}/slow`, ctl.signal);
  await gotHeaders;
  globalThis.fetch = realFetch;
  ctl.abort();
  await assert.rejects(p, (err) => err.name === 'AbortError');
});

test('an API error carries its message and status', async () => {
  await assert.rejects(getJSON(`${base}/missing`), (err) => err.status === 404 && /no session 999/.test(err.message));
  assert.deepEqual(await getJSON(`${base}/ok`), { ok: true });
});

test('an unreachable collector is told apart from an API error', async () => {
  const dead = createServer();
  await new Promise((r) => dead.listen(0, '127.0.0.1', r));
  const port = dead.address().port;
  await new Promise((r) => dead.close(r));
  await assert.rejects(getJSON(`http://127.0.0.1:${port}/api/sessions`), (err) => err.offline === true && !err.status);
});

test('the rows form: each row is its event object again, its shape\'s words shared', () => {
  // the example of docs/api.md, "The rows form"
  const site = { file: 'load.c', func: 'worker', line: 52 };
  const push = { shapes: [{ kind: 'suspend', n: 2, reason: 'yield', site },
    { kind: 'resume', n: 0 }], rows: [1, 2001, 76431034482, 0, 2, 0, 2, 7,
    1, 2002, 76431034990, 0, 2, 1] };
  assert.deepEqual(rowsToEvents(push), [
    { track: 1, seq: 2001, ts: 76431034482, kind: 'suspend', flags: 0, task: 2, args: [2, 7],
      reason: 'yield', site },
    { track: 1, seq: 2002, ts: 76431034990, kind: 'resume', flags: 0, task: 2, args: [] }]);
  assert.deepEqual(rowsToEvents({ shapes: [], rows: [] }), []);
  assert.throws(() => rowsToEvents({ shapes: [], rows: [1, 2, 3, 0, 0, 5] }), /no shape 5/);
});
