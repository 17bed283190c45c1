// offthread.test.mjs: a large session's summary tiles and pages of records are fetched and
// parsed off the page's main thread (web/js/fetchworker.mjs): none of those reads is the
// page's own (its resource timing lists none), and what the worker hands over, a slice at
// a time, is every record of the window, as the API has it. A worker that cannot load leaves
// the page reading for itself, and the session drawn all the same.
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
