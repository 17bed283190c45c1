// bench/browser/bench.mjs: how the timeline copes with a large session. Builds a session of
// about 1,000,000 records (demo_ticker: 64 workers ticking 2000 times, under the virtual
// clock, streamed to a real `looptrace serve`), then in Debian's chromium measures:
//   - open: from navigation to the first frame drawn with the session's data (median of 5);
//   - render: the time to draw one frame after a pan or a zoom (wheel-like zoom at a point,
//     A/D-like pans), zoomed out (drawn from summaries) and zoomed in (from events), as
//     median and 95th percentile over 200 steps each.
// Usage: node bench/browser/bench.mjs [--ticks N] [--workers N] [--json]   (needs build/).
// Not part of ctest: it prints a table.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
process.env.LT_BIN_DIR ??= join(root, 'build/bin');
process.env.LT_ORACLE_DIR ??= join(root, 'tests/oracle');
const { Daemon, until } = await import('../../tests/api/daemon.mjs');
const { launch, openPage, settled } = await import('../../tests/browser/browser.mjs');

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def; };
const TICKS = arg('ticks', 2000), WORKERS = arg('workers', 64);
const json = process.argv.includes('--json');

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

const d = await Daemon.start();
let browser;
try {
  const t0 = Date.now();
  const r = await d.run('demo_ticker', [String(TICKS), '1', String(WORKERS)], { LOOPTRACE_CLOCK: 'virtual', LOOPTRACE_LABEL: 'bench' }).done;
  if (r.code !== 0) throw new Error('demo_ticker failed');
  const session = await until(async () => {
    const s = (await d.get('/api/sessions')).body.sessions.find((x) => x.label === 'bench');
    return s?.status === 'complete' && s;
  }, 'the session to complete', 60000);
  const recordMs = Date.now() - t0;
  browser = await launch();

  // open, 5 times, each in a new page
  const opens = [];
  for (let i = 0; i < 5; i++) {
    const page = await openPage(browser, `${d.url}#session=${session.id}`);
    await page.waitForFunction((id) => window.looptrace?.state.ready && window.looptrace.state.session === id, session.id, { timeout: 30000 });
    opens.push(await page.evaluate(() => window.looptrace.state.readyMs));
    if (i < 4) await page.close();
    else browser.page = page;
  }
  const page = browser.page;
  await settled(page, session.id, 60000);

  // pans and zooms, each drawn at once from what is loaded (fetches refine in between)
  const steps = (n, seed) => page.evaluate(async ([n, seed]) => {
    const app = window.looptrace.app;
    const vp = app.vp;
    const times = [];
    let x = seed;
    const rnd = () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; };
    for (let i = 0; i < n; i++) {
      const k = i % 4;
      if (k === 0) vp.zoom(0.8, vp.a + rnd() * vp.span);
      else if (k === 1) vp.pan(vp.span * 0.15);
      else if (k === 2) vp.zoom(1.25, vp.a + rnd() * vp.span);
      else vp.pan(-vp.span * 0.12);
      const t0 = performance.now();
      app.frame();
      times.push(performance.now() - t0);
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    }
    return { times, mode: app.state.mode, span: vp.span };
  }, [n, seed]);

  await page.evaluate(() => window.looptrace.view.fit());
  const out = await steps(200, 7);
  await page.evaluate(() => window.looptrace.view.set(60e9, 60e9 + 20e6)); // 20 ms of the busiest part
  await page.waitForFunction(() => window.looptrace.state.mode === 'events' && !window.looptrace.state.loading, null, { timeout: 30000 });
  const inn = await steps(200, 11);
  const rows = [
    ['session', `${session.events.toLocaleString('en-US')} records, ${session.tasks} tasks (recorded in ${(recordMs / 1000).toFixed(1)} s)`],
    ['open (navigation to first frame), median of 5', `${median(opens).toFixed(0)} ms (min ${Math.min(...opens).toFixed(0)}, max ${Math.max(...opens).toFixed(0)})`],
    ['pan/zoom render, zoomed out (summaries)', `median ${median(out.times).toFixed(2)} ms, p95 ${pct(out.times, 0.95).toFixed(2)} ms (${out.times.length} steps)`],
    ['pan/zoom render, zoomed in (events)', `median ${median(inn.times).toFixed(2)} ms, p95 ${pct(inn.times, 0.95).toFixed(2)} ms (${inn.times.length} steps, ended in ${inn.mode} mode)`],
  ];
  if (json) console.log(JSON.stringify({ session, recordMs, opens, out: out.times, in: inn.times }));
  else {
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log('looptrace browser benchmark (chromium, headless, 1366x768)');
    for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  }
  if (page.errors.length) console.log('page errors:', page.errors);
} finally {
  await browser?.close();
  await d.stop();
  d.cleanup();
}
