// python.test.mjs: a CPython session in the browser. Real asyncio programs run under
// `python3 -m looptrace` streaming to a real daemon: a lane per task named as asyncio names
// them (what the tasks print of their own names), waits labelled with their .py lines, the
// wake-up arrows from their wakers, the marks in the oracle's order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, ORACLE, until } from '../api/daemon.mjs';
import { launch, openPage, settled, shot } from './browser.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.LT_PYTHON ?? 'python3';
const PACKAGE = join(HERE, '..', '..', 'python');
const NAMES = join(HERE, '..', 'python', 'programs', 'names.py');
let d, browser;
const ids = {};
const outputs = {};

// Runs `python3 -m looptrace SCRIPT` traced to the daemon, labelled; resolves with its output.
function runPython(script, label) {
  const p = spawn(PYTHON, ['-m', 'looptrace', script], {
    env: { ...process.env, PYTHONPATH: PACKAGE, LOOPTRACE: `unix:${d.sock}`, LOOPTRACE_LABEL: label },
  });
  let out = '', err = '';
  p.stdout.on('data', (b) => { out += b; });
  p.stderr.on('data', (b) => { err += b; });
  return new Promise((r) => p.on('exit', (code) => r({ code, out, err })));
}

before(async () => {
  d = await Daemon.start();
  const ordering = readFileSync(join(ORACLE, 'seed_ordering.out'), 'utf8');
  // real clock: a loaded machine can eat the seed's margins, so up to 3 tries
  for (let i = 0; i < 3; i++) {
    const r = await runPython(join(ORACLE, 'seed_ordering.py'), `ordering${i}`);
    assert.equal(r.code, 0, r.err);
    ids.ordering = `ordering${i}`;
    if (r.out === ordering) break;
  }
  const r = await runPython(NAMES, 'names');
  assert.equal(r.code, 0, r.err);
  outputs.names = r.out.trimEnd().split('\n');
  const list = await until(async () => {
    const s = (await d.get('/api/sessions')).body.sessions;
    return s.filter((x) => x.status === 'complete').length === s.length && s.length >= 2 && s;
  }, 'the sessions to be stored complete');
  for (const s of list) ids[s.label] = s.id;
  ids.ordering = ids[ids.ordering];
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d.finish();
});

async function open(id) {
  const page = await openPage(browser, `${d.url}#session=${id}`);
  await settled(page, id);
  return page;
}

const taskLanes = (page) => page.$$eval('[data-testid=lane-list] li[data-kind=task]', (lis) =>
  lis.map((li) => ({ key: li.dataset.key, depth: Number(li.dataset.depth), name: li.textContent })));

test('a lane per task, named as asyncio names them, nested under its creator', async () => {
  const page = await open(ids.names);
  const lanes = await taskLanes(page);
  const tasks = (await d.get(`/api/sessions/${ids.names}/tasks`)).body.tasks;
  assert.deepEqual(lanes.map((l) => l.name), tasks.map((t) => t.name));
  // what each task printed of its own name is its lane's name
  assert.deepEqual(outputs.names, ['Task-1', 'Task-2', 'named child']);
  for (const name of outputs.names) assert.ok(lanes.some((l) => l.name === name), name);
  const depth = Object.fromEntries(lanes.map((l) => [l.name, l.depth]));
  assert.deepEqual([depth['Task-1'], depth['Task-2'], depth['named child']], [0, 1, 1]);
  const marks = await page.$$eval('[data-testid=mark-list] li .text', (els) => els.map((e) => e.textContent));
  assert.deepEqual(marks, outputs.names);
  await shot(page, 'python-names');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a wait is labelled with its .py line; arrows come from the wakers', async () => {
  const id = ids.ordering;
  const page = await open(id);
  const ev = (await d.get(`/api/sessions/${id}/events?max=100000`)).body.events;
  const tasks = (await d.get(`/api/sessions/${id}/tasks`)).body.tasks;
  const t1 = tasks.find((t) => t.spawn && t.spawn.line === 19); // t1 = asyncio.create_task(T1())
  assert.equal(t1.name, 'Task-2');
  const sleep = ev.find((e) => e.kind === 'suspend' && e.reason === 'sleep' && e.task === t1.task);
  const wake = ev.find((e) => e.kind === 'ready' && e.task === t1.task && e.ts > sleep.ts);
  assert.equal(wake.waker, 'timer');
  const canvas = await page.$('[data-testid=timeline]');
  const box = await canvas.boundingBox();
  const at = await page.evaluate(([t, key]) => ({ x: window.looptrace.view.x(t), y: window.looptrace.view.laneY(key) }),
    [(sleep.ts + wake.ts) / 2, `1:${t1.task}`]);
  await page.mouse.move(box.x + at.x, box.y + at.y);
  await page.waitForSelector('[data-testid=tooltip]:not([hidden])');
  const tip = await page.textContent('[data-testid=tooltip]');
  assert.match(tip, /Task-2 waiting for 2\d\d(\.\d+)? ms: sleeping on a timer/);
  assert.match(tip, /seed_ordering\.py:6 in T1/);
  await shot(page, 'python-hover-sleep');
  // main's wait on T1 is labelled with its await line, and T1's end wakes it: an arrow
  const awaitT1 = ev.find((e) => e.kind === 'suspend' && e.reason === 'task' && e.task === 1);
  assert.equal(awaitT1.site.line, 23);
  const wakes = ev.filter((e) => e.kind === 'ready' && e.cause === 'wakeup');
  assert.ok(wakes.some((e) => e.task === 1 && e.waker === 'task' && e.args[0] === t1.task));
  assert.equal(await page.evaluate(() => window.looptrace.state.arrows), wakes.length);
  assert.deepEqual(page.errors, []);
  await page.close();
});
