// offthread.test.mjs: a large session's summary tiles and pages of records are fetched and
// parsed off the page's main thread (web/js/fetchworker.mjs): none of those reads is the
// page's own (its resource timing lists none), and what the worker hands over, a slice at
// a time, is every record of the window, as the API has it. A worker that cannot load leaves
// the page reading for itself, and the session drawn all the same; a read it drops while the
// body streams is dropped quietly (issue 14's bug 11).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../api/daemon.mjs';
import { launch, openPage, settled, shot } from './browser.mjs';

let d, browser, id;

before(async () => {
  d = await Daemon.start();
  id = (await d.recordAll([['collector_load', ['100000'], 'load']])).load;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d.finish();
});

// The page's own reads of path (its resource timing: a worker's are its own).
const ownReads = (page, path) => page.evaluate((p) => performance.getEntriesByType('resource')
  .filter((e) => e.name.includes(p)).map((e) => e.name), path);

test('summary tiles and pages of records are read off the main thread', async () => {
  const s = (await d.get(`/api/sessions/${id}`)).body.session;
  const page = await openPage(browser, `${d.url}?fullLimit=1000#session=${id}`);
  await settled(page, id);
  assert.equal(await page.evaluate(() => window.looptrace.state.mode), 'summary');
  assert.ok(await page.evaluate(() => window.looptrace.app.data.tile(0, 0)?.lanes.size > 0),
    'the first tile is in');
  assert.deepEqual(await ownReads(page, '/summary?'), []);
  // a view of ~12,000 records: drawn from every event, read as one window
  const span = Math.round((s.end_ns - s.start_ns) * 12000 / s.events);
  const a = s.start_ns + Math.round((s.end_ns - s.start_ns) / 3);
  await page.evaluate(([a, b]) => window.looptrace.view.set(a, b), [a, a + span]);
  await page.waitForFunction(() => window.looptrace.state.mode === 'events'
    && !window.looptrace.state.loading, null, { timeout: 30000 });
  assert.deepEqual(await ownReads(page, '/events?'), []);
  const win = await page.evaluate(() => {
    const w = window.looptrace.app.data.windows[0];
    return { from: w.from, to: w.to, n: w.events.length, sorted: w.events.every((e, i, l) =>
      !i || l[i - 1].ts <= e.ts) };
  });
  assert.ok(win.n > 2 * 2000, `several slices (${win.n} records)`);
  assert.ok(win.sorted);
  const api = (await d.get(`/api/sessions/${id}/events?from=${win.from}&to=${win.to}`
    + '&max=100000')).body;
  assert.equal(api.complete, true);
  assert.equal(win.n, api.events.length, 'every record of the window');
  await shot(page, 'offthread-events-window');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a worker that cannot load: the page reads for itself, and draws the session', async () => {
  const page = await openPage(browser, 'about:blank');
  // the first fetch of the module is the page's import; the second is the worker's script
  let fetches = 0;
  await page.route('**/js/fetchworker.mjs', (route) => (++fetches === 2 ? route.abort()
    : route.continue()));
  await page.goto(`${d.url}?fullLimit=1000#session=${id}`);
  await settled(page, id);
  assert.equal(fetches, 2, 'the worker asked for its script');
  assert.equal(await page.evaluate(() => window.looptrace.state.mode), 'summary');
  assert.ok(await page.evaluate(() => window.looptrace.app.data.tile(0, 0)?.lanes.size > 0),
    'the first tile is in');
  assert.ok((await ownReads(page, '/summary?')).length > 0, 'the page read the tiles itself');
  // the worker's failed load is all the console says
  assert.ok(page.errors.every((e) => /Failed to load resource|net::ERR_FAILED/.test(e)),
    JSON.stringify(page.errors));
  await page.close();
});

// issue 14, bug 11: a summary read aborted while its body streamed resolved to {error: ''},
// and the tile parser logged "fetch failed TypeError: r.lanes is not iterable". The page reads
// its tiles itself here (no worker), each tile's body held back 400 ms after its first chunk,
// and a needed tile's read is dropped meanwhile, as need() drops it when the view moves on.
test('11. a summary read aborted while its body streams is dropped quietly', async () => {
  const page = await openPage(browser, 'about:blank');
  const warned = []; // "fetch failed" was a console warning: page.errors has the errors only
  page.on('console', (m) => { if (m.type() === 'warning') warned.push(m.text()); });
  let fetches = 0;
  await page.route('**/js/fetchworker.mjs', (route) => (++fetches === 2 ? route.abort()
    : route.continue()));
  await page.addInitScript(() => {
    window.reading = new Set(); // the summary reads whose headers are in and body is not
    window.midBody = new Set(); // those aborted while their body was held back
    const real = window.fetch;
    window.fetch = async (url, opts = {}) => {
      const res = await real(url, opts);
      const u = String(url);
      if (!u.includes('/summary?')) return res;
      window.reading.add(u);
      const reader = res.body.getReader();
      let first = true;
      const body = new ReadableStream({
        async pull(ctl) {
          if (!first) await new Promise((r) => setTimeout(r, 400));
          first = false;
          if (opts.signal?.aborted) {
            window.midBody.add(u);
            window.reading.delete(u);
            ctl.error(new DOMException('The user aborted a request.', 'AbortError'));
            return;
          }
          const { done, value } = await reader.read();
          if (!done) return ctl.enqueue(value);
          window.reading.delete(u);
          ctl.close();
        },
      });
      return new Response(body, { status: res.status, statusText: res.statusText,
        headers: res.headers });
    };
  });
  await page.goto(`${d.url}?fullLimit=1000#session=${id}`);
  await settled(page, id);
  // a tile the view needs (one no read has brought), being read, dropped as need() drops it
  // when the view moves on
  const part = await page.evaluate(() => {
    const data = window.looptrace.app.data;
    let l = null;
    for (let k = 20; !l; k++) l = data.loadTile(5, k);
    data.watch(l);
    window.dropIt = () => { l.ctl.abort(); data.loads.delete(`${l.level}:${l.k}`); };
    const [from, to] = data.tileRange(l.level, l.k);
    return `from=${from}&to=${to}&`;
  });
  const open = (p) => [...window.reading].some((u) => u.includes(p));
  await page.waitForFunction(open, part);
  await page.evaluate(() => window.dropIt());
  // the aborted read ends in the background
  await page.waitForFunction((p) => ![...window.reading].some((u) => u.includes(p)), part,
    { timeout: 5000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  assert.ok(await page.evaluate((p) => [...window.midBody].some((u) => u.includes(p)), part),
    'the read was aborted mid-body');
  assert.deepEqual(warned.filter((w) => /fetch failed|not iterable/.test(w)), []);
  assert.ok(page.errors.every((e) => /Failed to load resource|net::ERR_FAILED/.test(e)),
    JSON.stringify(page.errors));
  await page.close();
});
