// bench/browser/bench.mjs: what a user of the timeline feels, in Debian's chromium (headless,
// 1600x1000) against a real `looptrace serve`, on sessions of the load program
// (bench/collector_load.c: 4 tasks yielding flat out, ~1M and ~10M records):
//   - open: navigation to the first frame drawn with the session's data (median of 3);
//   - wheel notch: from a real wheel event to the frame after which nothing more is fetched
//     or drawn (settled), 20 notches in and out at random points of the view (p50 / p95);
//   - drag-pan: a real mouse drag of 60 moves over the widest view of at most ~25k records drawn from every event and the whole run:
//     each frame's draw time and the interval between frames (p50 / p95);
//   - the longest main-thread task seen (PerformanceObserver 'longtask') and the JS heap after
//     a garbage collection (CDP Runtime.getHeapUsage);
// and the traced program's own timer lateness (its 1 ms sleeps, from the timer-fire records)
// while a page follows it live, against the same run with no browser (paced collector_load),
// both with the kernel's default time slice and with the program's loop asking for a short one
// (LOOPTRACE_SLICE_US, docs/runtime.md).
// Usage: node bench/browser/bench.mjs [--sizes 1000000,10000000] [--live-records N]
//        [--live-rate R] [--live-runs N] [--live-only] [--no-live] [--peer ROOT] [--runs N]
//        [--builds NAME=BINDIR[:WEBDIR],...] [--json] [--table SAVED.json] [--after-lints]
//        [--cpu-slowdown N] [--slice-us US]
// (needs build/). --peer: ROOT's build follows live too, in turn. --builds measures each build
// (its daemon serves its own web/, or WEBDIR) on the same machine in the same run,
// alternating, --runs times; the tables then give the medians of the runs side by side
// (--table prints them again from the --json output). --slice-us: the short slice's rows (100;
// 0 leaves them out). Not part of ctest: it prints tables.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
process.env.LT_BIN_DIR ??= join(root, 'build/bin');
process.env.LT_ORACLE_DIR ??= join(root, 'tests/oracle');
const { Daemon, until } = await import('../../tests/api/daemon.mjs');
const { launch, openPage, settled } = await import('../../tests/browser/browser.mjs');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const SIZES = arg('sizes', '1000000,10000000').split(',').map(Number);
const LIVE_RECORDS = Number(arg('live-records', 300000));
const LIVE_RATE = Number(arg('live-rate', 30000));
const json = process.argv.includes('--json');
const LIVE_ONLY = process.argv.includes('--live-only');
const LIVE_RUNS = Number(arg('live-runs', 2));
const SLICE_US = Number(arg('slice-us', 100));
const PEER = arg('peer', null);
const NO_LIVE = process.argv.includes('--no-live');
// the wheel notches begin once the page's lints are in (its one long read of the session)
const AFTER_LINTS = process.argv.includes('--after-lints');
const RUNS = Number(arg('runs', 1));
const BUILDS = arg('builds', `this=${process.env.LT_BIN_DIR}`).split(',').map((x) => {
  const [name, dirs] = x.split('=');
  const [bin, web] = dirs.split(':');
  return { name, bin, web };
});
const TABLE = arg('table', null);
// the page's main thread slowed N times (CDP Emulation.setCPUThrottlingRate): how the long
// tasks of a slower machine than this one look
const SLOWDOWN = Number(arg('cpu-slowdown', 1));
const W = 1600, H = 1000;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : NaN;
};
const median = (xs) => pct(xs, 0.5);
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');

async function record(d, args, label) {
  const t0 = Date.now();
  const ids = await d.recordAll([['collector_load', args, label]]);
  const s = (await d.get(`/api/sessions/${ids[label]}`)).body.session;
  return { session: s, recordMs: Date.now() - t0 };
}

// Long tasks, watched from the page's start; __phase names the part of the bench a task fell
// in (open, wheel out, pan out, wheel in, pan in).
const WATCH = () => {
  window.__long = [];
  window.__phase = 'open';
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) window.__long.push([e.duration, window.__phase]);
  }).observe({ type: 'longtask', buffered: true });
};
const phase = (page, name) => page.evaluate((n) => { window.__phase = n; }, name);
const longest = (page, name) => page.evaluate((n) => Math.max(0,
  ...window.__long.filter((x) => !n || x[1] === n).map((x) => x[0])), name);

async function open(browser, d, id) {
  const page = await openPage(browser, 'about:blank', { width: W, height: H });
  if (SLOWDOWN > 1) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: SLOWDOWN });
  }
  await page.addInitScript(WATCH);
  await page.goto(`${d.url}#session=${id}`);
  await page.waitForFunction((id) => window.looptrace?.state.ready && window.looptrace.state.session === id,
    id, { timeout: 120000 });
  const ms = await page.evaluate(() => window.looptrace.state.readyMs);
  return { page, ms };
}

// Waits until a frame drawn after `since` (page time) is followed by nothing more to fetch
// or draw; the time of that last frame.
const settle = (page, since = 0) => page.waitForFunction((since) => {
  const s = window.looptrace.state, app = window.looptrace.app;
  return s.lastFrameAt > since && !s.loading && !app.pending && !app.data?.inflight;
}, since, { timeout: 60000, polling: 'raf' }).then(() => page.evaluate(() => window.looptrace.state.lastFrameAt));
const now = (page) => page.evaluate(() => performance.now());
// Sets the view and waits for it to settle.
async function viewSet(page, a, b) {
  const t = await now(page);
  await page.evaluate(([a, b]) => window.looptrace.view.set(a, b), [a, b]);
  return settle(page, t);
}

async function wheel(page, n = 20) {
  const box = await page.locator('[data-testid=timeline]').boundingBox();
  const out = [];
  let x = 12345;
  const rnd = () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; };
  for (let i = 0; i < n; i++) {
    await settle(page);
    const px = box.x + 220 + rnd() * (box.width - 260);
    await page.mouse.move(px, box.y + 150);
    // the time of the wheel event, as the page sees it (armed before the wheel is sent)
    await page.evaluate(() => {
      window.__wheelAt = new Promise((r) => window.addEventListener('wheel',
        () => r(performance.now()), { once: true, capture: true }));
    });
    await page.mouse.wheel(0, i % 4 < 2 ? -100 : 100); // two notches in, two out
    const start = await page.evaluate(() => window.__wheelAt);
    const first = await page.waitForFunction((t) => window.looptrace.state.lastFrameAt > t
      && window.looptrace.state.lastFrameAt, start, { polling: 'raf' }).then((h) => h.jsonValue());
    const end = await settle(page, start);
    out.push(end - start);
    (out.first ??= []).push(first - start);
  }
  return out;
}

async function drag(page, moves = 60) {
  const box = await page.locator('[data-testid=timeline]').boundingBox();
  await settle(page);
  await page.evaluate(() => {
    window.looptrace.resetFrameTimes();
    window.__iv = [];
    let last = performance.now();
    const tick = (t) => { window.__iv.push(t - last); last = t; if (window.__ivOn) requestAnimationFrame(tick); };
    window.__ivOn = true;
    requestAnimationFrame(tick);
  });
  const y = box.y + 200, x0 = box.x + box.width * 0.7;
  await page.mouse.move(x0, y);
  await page.mouse.down();
  for (let i = 1; i <= moves; i++) {
    await page.mouse.move(x0 - i * 6, y);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  }
  await page.mouse.up();
  const r = await page.evaluate(() => {
    window.__ivOn = false;
    return { draw: window.looptrace.frameTimes(), iv: window.__iv.slice(2) };
  });
  return r;
}

async function heapMB(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize / 1048576;
}

async function sessionBench(browser, d, size) {
  const kept = async () => {
    const st = (await d.get('/api/status')).body;
    return { spans: st.summaries.kept_at_end, lints: st.lints?.kept ?? null,
      busy: st.summaries.keeping };
  };
  const before = await kept();
  const { session, recordMs } = await record(d, [String(size)], `load ${size}`);
  // the pages open once the daemon has kept the session's spans and lint (it does as the
  // session ends, in the background: ~0.3 s at 1M records, ~3 s at 10M; a daemon without
  // kept lints, the spans only); opened meanwhile, the page shares the cores with that
  const t0 = Date.now();
  await until(async () => {
    const k = await kept();
    return !k.busy && k.spans > before.spans && (k.lints === null || k.lints > before.lints);
  }, 'the session to be kept', 120000);
  const keptMs = Date.now() - t0;
  const opens = [];
  let page;
  for (let i = 0; i < 3; i++) {
    const o = await open(browser, d, session.id);
    opens.push(o.ms);
    if (i < 2) await o.page.close(); else page = o.page;
  }
  await settle(page);
  if (AFTER_LINTS) await page.waitForFunction(() => window.looptrace.state.lints, null, { timeout: 120000 });
  const longOpen = await longest(page, 'open');
  await phase(page, 'wheel out');
  const wheelOut = await wheel(page);
  const longWheelOut = await longest(page, 'wheel out');
  await phase(page, 'pan out');
  const dur = (session.end_ns - session.start_ns) / 1e6;
  await viewSet(page, session.start_ns, session.end_ns);
  const panOut = await drag(page);
  // a view of ~25,000 records (the issue's 5 ms view held 23k spans) around the busiest
  // part of the run (the loop's bucket of most records): drawn from every event
  const sum = (await d.get(`/api/sessions/${session.id}/summary?from=${session.start_ns}`
    + `&to=${session.end_ns}&buckets=1000`)).body;
  const rows = sum.lanes.flatMap((l) => l.buckets);
  const busiest = rows.reduce((m, r) => (r[3] > m[3] ? r : m), rows[0]);
  let span = Math.max(1e5, Math.round((session.end_ns - session.start_ns) * 25000 / session.events));
  const mid = Math.max(session.start_ns, sum.from + busiest[0] * sum.bucket_ns - span / 2);
  await viewSet(page, mid, mid + span);
  // narrower until the page draws it from every event (it reads events for a view the
  // summaries say holds at most 40,000 records)
  for (let k = 0; k < 8 && (await page.evaluate(() => window.looptrace.state.mode)) !== 'events'; k++) {
    span = Math.round(span / 2);
    await viewSet(page, mid, mid + span);
  }
  const mode5 = await page.evaluate(() => window.looptrace.state.mode);
  const spans5 = await page.evaluate(() => window.looptrace.stats().spans);
  await phase(page, 'wheel in');
  const wheelIn = await wheel(page, 12);
  await viewSet(page, mid, mid + span);
  await phase(page, 'pan in');
  const panIn = await drag(page);
  const long = await longest(page);
  const longs = await page.evaluate(() => window.__long);
  const heap = await heapMB(page);
  const errors = page.errors.slice();
  await page.close();
  return { size, span, session, dur, recordMs, keptMs, opens, wheelFirst: wheelOut.first, wheelOut, wheelIn, panOut, panIn, mode5, spans5, longest: long,
    longOpen, longWheelOut, longs, heap, errors };
}

// CPU seconds (user + system) of a process and of each kind of chromium process this one
// started (browser, renderer, gpu-process, utility: the --type= of its command line).
const TICK = 100; // clock ticks a second (USER_HZ)
function cpuOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { ppid: Number(f[1]), s: (Number(f[11]) + Number(f[12])) / TICK };
  } catch { return null; }
}
// pid -> [what, CPU s] of the daemon and of the chromium processes under this one
function cpuSample(daemonPid) {
  const out = new Map([[daemonPid, ['daemon', cpuOf(daemonPid)?.s ?? 0]]]);
  const procs = new Map();
  for (const name of readdirSync('/proc')) {
    const c = /^\d+$/.test(name) && cpuOf(name);
    if (c) procs.set(Number(name), c);
  }
  const under = (pid) => {
    for (let p = pid, n = 0; p > 1 && n < 20; p = procs.get(p)?.ppid, n++) {
      if (p === process.pid) return true;
    }
    return false;
  };
  for (const [pid, c] of procs) {
    let cmd = '';
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
    if (!/chrom/.test(cmd.split('\0')[0]) || !under(pid)) continue;
    const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
    out.set(pid, [type, c.s]);
    // a renderer's main thread (its tid is its pid): where the page's JS and drawing run
    if (type === 'renderer') out.set(`${pid}/main`, ['main', cpuOf(`${pid}/task/${pid}`)?.s ?? 0]);
  }
  return out;
}
// CPU s by what, between two samples (a process that started meanwhile: all of its own)
function cpuDiff(a, b) {
  const out = {};
  for (const [pid, [what, s]] of b) out[what] = (out[what] ?? 0) + s - (a.get(pid)?.[1] ?? 0);
  return out;
}

// The load program paced, traced to d: its timer lateness (ns) from the timer-fire records,
// and what the daemon and chromium's processes spent meanwhile (CPU s).
async function lateness(d, browser, label, follow, sliceUs = 0) {
  const cpu0 = cpuSample(d.proc.pid);
  const env = { LOOPTRACE_LABEL: label, LOOPTRACE_SLICE_US: sliceUs ? String(sliceUs) : '' };
  const prog = d.run('collector_load', [String(LIVE_RECORDS), String(LIVE_RATE)], env);
  let page = null;
  if (follow) {
    const id = await until(async () => (await d.get('/api/sessions')).body.sessions
      .find((s) => s.label === label)?.id, 'the live session', 20000);
    page = await openPage(browser, `${d.url}#session=${id}`, { width: W, height: H });
    await page.waitForFunction(() => window.looptrace?.state.ready, null, { timeout: 30000 });
  }
  const r = await prog.done;
  const cpu = cpuDiff(cpu0, cpuSample(d.proc.pid));
  if (r.code !== 0) throw new Error(`collector_load exited ${r.code}`);
  const s = await until(async () => {
    const x = (await d.get('/api/sessions')).body.sessions.find((y) => y.label === label);
    return x?.status === 'complete' && x;
  }, 'the session to complete', 60000);
  const followed = page ? await page.evaluate(() => ({ status: window.looptrace.state.status,
    frames: window.looptrace.state.frames, mode: window.looptrace.state.mode,
    pushes: window.looptrace.state.pushes ?? null })) : null;
  if (page) await page.close();
  const late = [];
  let from = s.start_ns;
  for (;;) {
    const path = `/api/sessions/${s.id}/events?from=${from}&to=${s.end_ns}&max=100000`;
    // once more if a kept-alive connection was closed under it (seen on a loaded machine)
    const w = (await d.get(path).catch(() => d.get(path))).body;
    for (const e of w.events) if (e.kind === 'timer-fire') late.push(e.args[1]);
    if (w.complete) break;
    from = w.next_from;
  }
  return { label, n: late.length, p50: median(late) / 1e6, p99: pct(late, 0.99) / 1e6, max: Math.max(...late) / 1e6,
    followed, cpu };
}

// --peer ROOT: a second daemon, ROOT's build of `looptrace` serving ROOT's web/, whose page
// follows the same program in turn (a branch against main in the same run).
async function peerDaemon(root) {
  const dir = mkdtempSync(join(tmpdir(), 'lt-peer-'));
  const sh = join(dir, 'serve.sh');
  writeFileSync(sh, `#!/bin/sh\nshift\nexec ${join(root, 'build/bin/looptrace')} "$@"\n`);
  chmodSync(sh, 0o755);
  const saved = process.env.LT_DAEMON_LAUNCHER;
  process.env.LT_DAEMON_LAUNCHER = sh; // the launcher runs ROOT's binary instead of ours
  try { return await Daemon.start(); } finally {
    if (saved == null) delete process.env.LT_DAEMON_LAUNCHER;
    else process.env.LT_DAEMON_LAUNCHER = saved;
  }
}

// Each build's own run, in a child process (its daemon serves its own web/): the
// results as JSON.
async function child({ bin, web }, sizes) {
  const { spawn } = await import('node:child_process');
  const argv = [fileURLToPath(import.meta.url), '--json', '--no-live', '--sizes', sizes.join(','),
    ...(AFTER_LINTS ? ['--after-lints'] : []), '--cpu-slowdown', String(SLOWDOWN)];
  const env = { ...process.env, LT_BIN_DIR: bin, ...(web ? { LOOPTRACE_WEB: web } : {}) };
  const p = spawn(process.execPath, argv, { env,
    stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (b) => { out += b; });
  const code = await new Promise((r) => p.on('exit', r));
  if (code !== 0) throw new Error(`the run of ${bin} exited ${code}`);
  return JSON.parse(out.trim().split('\n').pop());
}

// One figure per run and session, the median over runs.
const ROWS = [
  ['recorded in (session length)', '', (s) => [s.recordMs / 1000, s.dur], (v) => `${f(v[0])} s (${f(v[1], 0)} ms)`],
  ['kept by the daemon (spans, lint), after its end', '', (s) => [s.keptMs ?? NaN], (v) => `${f(v[0] / 1000)} s`],
  ['open: navigation → first frame (median of 3)', '≤ 1 s (1M), ≤ 2 s (10M)', (s) => [median(s.opens)], (v) => `${f(v[0], 0)} ms`],
  ['wheel notch → settled frame, whole view, p50 / p95', '≤ 50 ms p95', (s) => [median(s.wheelOut), pct(s.wheelOut, 0.95)], (v) => `${f(v[0], 0)} / ${f(v[1], 0)} ms`],
  ['  the same, the first notch after opening / the other 19 (p95)', '', (s) => [s.wheelOut[0], pct(s.wheelOut.slice(1), 0.95)], (v) => `${f(v[0], 0)} / ${f(v[1], 0)} ms`],
  ['wheel notch → first frame, whole view, p50 / p95', '', (s) => [median(s.wheelFirst), pct(s.wheelFirst, 0.95)], (v) => `${f(v[0], 0)} / ${f(v[1], 0)} ms`],
  ['wheel notch → settled frame, event-level view, p50 / p95', '≤ 50 ms p95', (s) => [median(s.wheelIn), pct(s.wheelIn, 0.95)], (v) => `${f(v[0], 0)} / ${f(v[1], 0)} ms`],
  ['drag-pan, whole view: draw p50 / p95', '≤ 16 ms p95', (s) => [median(s.panOut.draw), pct(s.panOut.draw, 0.95)], (v) => `${f(v[0])} / ${f(v[1])} ms`],
  ['drag-pan, whole view: frame interval p50 / p95', '', (s) => [median(s.panOut.iv), pct(s.panOut.iv, 0.95)], (v) => `${f(v[0])} / ${f(v[1])} ms`],
  ['drag-pan, event-level view: draw p50 / p95', '≤ 16 ms p95', (s) => [median(s.panIn.draw), pct(s.panIn.draw, 0.95), s.span / 1e6, s.spans5], (v) => `${f(v[0])} / ${f(v[1])} ms (${f(v[2], 2)} ms view, ${f(v[3], 0)} spans)`],
  ['drag-pan, event-level view: frame interval p50 / p95', '', (s) => [median(s.panIn.iv), pct(s.panIn.iv, 0.95)], (v) => `${f(v[0])} / ${f(v[1])} ms`],
  ['longest main-thread task: open / whole-view wheel / all', '≤ 50 ms', (s) => [s.longOpen, s.longWheelOut, s.longest], (v) => `${f(v[0], 0)} / ${f(v[1], 0)} / ${f(v[2], 0)} ms`],
  ['JS heap after GC', '≤ 300 MB (10M)', (s) => [s.heap], (v) => `${f(v[0])} MB`],
];

const mid = (xs) => { // the median of the runs' figures
  const s = [...xs].sort((a, b) => a - b), n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

function table(cols) { // cols: [{head, runs: [session result of each run]}]
  console.log('| | target | ' + cols.map((c) => c.head).join(' | ') + ' |');
  console.log('|---|---|' + cols.map(() => '---').join('|') + '|');
  for (const [what, target, fig, show] of ROWS) {
    const cells = cols.map((c) => {
      const per = c.runs.map(fig);
      return show(per[0].map((_, i) => mid(per.map((x) => x[i]))));
    });
    console.log(`| ${what} | ${target} | ${cells.join(' | ')} |`);
  }
}

// The live rows: each run's lateness and what the processes spent meanwhile.
function liveTable(live) {
  console.log(`\ntimer lateness of collector_load ${LIVE_RECORDS} ${LIVE_RATE} (1 ms sleeps; target: following ≤ 2× none at p99)\n`);
  console.log('| run | timers | p50 | p99 | max | page '
    + '| CPU s: daemon / renderer (its main thread) / browser + other |');
  console.log('|---|---|---|---|---|---|---|');
  for (const l of live) {
    const c = l.cpu, other = Object.entries(c)
      .filter(([k]) => !['daemon', 'renderer', 'main'].includes(k)).reduce((n, [, v]) => n + v, 0);
    const pg = l.followed ? `${l.followed.frames} frames${l.followed.pushes != null
      ? `, ${l.followed.pushes} pushes` : ''}, ${l.followed.mode}` : 'none';
    const cpu = `${f(c.daemon, 2)} / ${f(c.renderer ?? 0, 2)} (${f(c.main ?? 0, 2)}) / `
      + f(other, 2);
    console.log(`| ${l.label} | ${l.n} | ${f(l.p50, 3)} ms | ${f(l.p99, 3)} ms | ${f(l.max, 2)} ms `
      + `| ${pg} | ${cpu} |`);
  }
  // each kind of run (its label without the run's number): the median p99, and against none's
  const kinds = new Map();
  for (const l of live) {
    const kind = l.label.replace(/ \d+$/, '');
    kinds.set(kind, [...(kinds.get(kind) ?? []), l.p99]);
  }
  const p99 = (kind) => kinds.has(kind) ? median(kinds.get(kind)) : null;
  console.log('\n| runs | median p99 | against the same slice with no page |\n|---|---|---|');
  for (const kind of kinds.keys()) {
    const none = p99(kind.replace(/^(peer )?follow/, 'none'));
    const against = none ? `${f(p99(kind) / none, 2)}×` : '';
    console.log(`| ${kind} | ${f(p99(kind), 3)} ms | ${against} |`);
  }
}

// A run of one build: its sessions' table and its live rows.
function runTables(results) {
  if (results.sessions?.length) {
    table(results.sessions.map((s) => ({ head: `${(s.session.events / 1e6).toFixed(1)}M records`,
      runs: [s] })));
  }
  if (results.live.length) liveTable(results.live);
}

const saved = TABLE && JSON.parse(readFileSync(TABLE, 'utf8')); // an earlier --json run
if (saved && Array.isArray(saved.live)) { // a run of one build: printed as it would have been
  runTables(saved);
  process.exit(0);
}

if (TABLE || BUILDS.length > 1 || RUNS > 1) { // the builds alternated, run after run
  const by = new Map(BUILDS.map((b) => [b.name, []]));
  if (saved) { // or the tables of an earlier --json run of them
    by.clear();
    for (const [k, v] of Object.entries(saved)) by.set(k, v);
  }
  const names = [...by.keys()];
  for (let r = 0; r < RUNS && !TABLE; r++) {
    for (const b of BUILDS) {
      const res = await child(b, SIZES);
      by.get(b.name).push(res);
      console.error(`run ${r + 1}/${RUNS} ${b.name}: done`);
    }
  }
  if (json) console.log(JSON.stringify(Object.fromEntries(by)));
  else {
    const runs0 = by.get(names[0]);
    console.log(`looptrace browser benchmark (chromium headless ${W}x${H}, ${(await import('node:os')).cpus().length} cores), medians of ${runs0.length} run(s), builds alternated\n`);
    const cols = [];
    for (let i = 0; i < runs0[0].sessions.length; i++) {
      for (const name of names) {
        const runs = by.get(name).map((x) => x.sessions[i]);
        cols.push({ head: `${name} ${(runs[0].session.events / 1e6).toFixed(1)}M`, runs });
      }
    }
    table(cols);
  }
  process.exit(0);
}

const d = await Daemon.start();
const peer = PEER ? await peerDaemon(PEER) : null;
let browser;
const results = { sessions: [], live: [] };
try {
  browser = await launch();
  if (!LIVE_ONLY) {
    for (const size of SIZES) results.sessions.push(await sessionBench(browser, d, size));
  }
  // alternate: the machine's load drifts
  for (let k = 0; k < LIVE_RUNS && !NO_LIVE; k++) {
    results.live.push(await lateness(d, browser, `none ${k}`, false));
    results.live.push(await lateness(d, browser, `follow ${k}`, true));
    if (peer) results.live.push(await lateness(peer, browser, `peer follow ${k}`, true));
    if (!SLICE_US) continue;
    const sl = `slice ${SLICE_US} µs`;
    results.live.push(await lateness(d, browser, `none, ${sl} ${k}`, false, SLICE_US));
    results.live.push(await lateness(d, browser, `follow, ${sl} ${k}`, true, SLICE_US));
  }
} finally {
  await browser?.close();
  for (const x of [d, peer]) if (x) { await x.stop(); x.cleanup(); }
}

if (json) console.log(JSON.stringify(results));
else {
  console.log(`looptrace browser benchmark (chromium headless ${W}x${H}, ${(await import('node:os')).cpus().length} cores)\n`);
  runTables(results);
  for (const s of results.sessions) if (s.errors.length) console.log(`page errors (${s.size}):`, s.errors);
}
