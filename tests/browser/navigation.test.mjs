// navigation.test.mjs: finding one's way in the timelines, in Debian's chromium against a real
// daemon: in the compare view a baseline chosen per run (a radio in its title, kept in the
// URL as base=), the diff, first divergence and turnarounds made again against it; a warning
// when the runs are of different programs, notes on other arguments and tasks
// (compareinfo.mjs); the wheel over the lane names scrolls the lanes (single view and each
// compared run) and a scrollbar at the right drags them, the loop's lane pinned meanwhile;
// "Hide finished" on a session of 31 workers that finished early, saying how many it hides;
// the 3- and 4-run compare layouts at 1600×1000, nothing drawn over anything.
// Screenshots in LT_SCREENSHOT_DIR (ctest: build/tests/browser-screenshots/navigation/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, until } from '../api/daemon.mjs';
import { launch, openPage, settled, shot } from './browser.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.LT_PYTHON ?? 'python3';
const WORKERS = join(HERE, 'programs', 'workers.py');
const SIZE = { width: 1600, height: 1000 };
let d, browser;
const idOf = {};

// python3 -m looptrace workers.py, traced to the daemon under the virtual clock, labelled.
function runWorkers(label) {
  const p = spawn(PYTHON, ['-m', 'looptrace', WORKERS, '32'], {
    env: { ...process.env, PYTHONPATH: join(HERE, '..', '..', 'python'),
      LOOPTRACE: `unix:${d.sock}`, LOOPTRACE_LABEL: label, LOOPTRACE_CLOCK: 'virtual' },
  });
  let err = '';
  p.stderr.on('data', (b) => { err += b; });
  return new Promise((r) => p.on('exit', (code) => r({ code, err })));
}

before(async () => {
  d = await Daemon.start();
  const runs = [['say_after', ['sequential'], 'sequential', {}],
    ['say_after', ['concurrent'], 'concurrent', {}]];
  for (let seed = 1; seed <= 4; seed++) {
    runs.push(['demo_fifo', [], `fifo#${seed}`, { LOOPTRACE_SHUFFLE: String(seed) }]);
  }
  await d.recordAll(runs, { LOOPTRACE_CLOCK: 'virtual' });
  for (const label of ['workers#1', 'workers#2']) {
    const r = await runWorkers(label);
    assert.equal(r.code, 0, r.err);
  }
  const list = await until(async () => {
    const s = (await d.get('/api/sessions')).body.sessions;
    return s.length === 8 && s.every((x) => x.status === 'complete') && s;
  }, 'every session stored complete');
  for (const s of list) idOf[s.label] = s.id;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d.finish();
});

const cmp = (page) => page.evaluate(() => window.looptrace.compare);
const run = (page, id) => page.evaluate((i) => window.looptrace.compareRun(i), id);
const ready = (page, ids) => page.waitForFunction((want) => {
  const c = window.looptrace?.compare;
  return c?.ready && c.ids.join(',') === want.join(',') && c.frames > 0;
}, ids, { timeout: 20000 });
async function openCompare(hash, ids, size = SIZE) {
  const page = await openPage(browser, `${d.url}${hash}`, size);
  await ready(page, ids);
  return page;
}
const hashOf = (page) => decodeURIComponent(new URL(page.url()).hash);
// the baseline radio of run id; the texts of the elements matching sel
const radio = (id) => `[data-testid=compare-run][data-session="${id}"] [data-testid=compare-base]`;
const texts = (page, sel) => page.$$eval(sel, (els) => els.map((e) => e.textContent));
const taskLanes = (page) => page.evaluate(() =>
  window.looptrace.state.lanes.filter((l) => l.kind === 'task').map((l) => l.name));
const esc = (s) => s.replace(/[()+.]/g, '\\$&');
const swapTo = async (page, id) => {
  const swaps = (await cmp(page)).swaps ?? 0;
  await page.check(radio(id));
  await page.waitForFunction(([b, n]) => window.looptrace.compare.base === b
    && window.looptrace.compare.swaps === n, [id, swaps + 1]);
};

test('the baseline is chosen per run, kept in the URL; diff and turnarounds follow', async () => {
  const { sequential: seq, concurrent: conc } = idOf;
  const page = await openCompare(`#compare=${seq},${conc}`, [seq, conc]);
  let s = await cmp(page);
  assert.equal(s.base, seq, 'the first run, unless chosen');
  assert.equal(await page.isChecked(radio(seq)), true);
  assert.deepEqual([s.diff.a, s.diff.b], [seq, conc]);
  assert.deepEqual(s.turnarounds.find((r) => r.task === 'whole run').delta, [0, -1e8]);
  assert.match(s.diff.first.text_a, /^main sleeps/);

  await swapTo(page, conc);
  s = await cmp(page);
  assert.deepEqual([s.diff.a, s.diff.b], [conc, seq], 'diffed the other way round');
  assert.match(s.diff.first.text_a, /^main awaits say_after\(hello\)/);
  assert.match(s.diff.first.text_b, /^main sleeps/);
  assert.match(await page.textContent('[data-testid=compare-first]'),
    new RegExp(esc(`#${conc} (−) against #${seq} (+)`)));
  assert.deepEqual(s.turnarounds.find((r) => r.task === 'whole run').delta, [1e8, 0]);
  const rows = await texts(page, '[data-testid=compare-turnaround-row]');
  assert.match(rows[0], /whole run\s*300 ms \(\+100 ms\).*200 ms/s);
  assert.match(await page.textContent('#cmp-turn thead'), new RegExp(`#${conc} \\(baseline\\)`));
  // the entries are the new baseline's: the first "−" step is concurrent's
  const minus = await texts(page, '#cmp-diff li.opdel button');
  assert.ok(minus.some((t) => t.includes('main awaits say_after(hello)')), minus.join('\n'));
  assert.equal(hashOf(page), `#compare=${seq},${conc}&base=${conc}`);
  await page.click('[data-testid=compare-first-divergence]');
  await page.waitForFunction(() => window.looptrace.compare.jumps === 1);
  const entry = (await cmp(page)).cursor.entry;
  assert.equal(hashOf(page), `#compare=${seq},${conc}&base=${conc}&entry=${entry}`);
  await shot(page, 'compare-baseline-swapped');
  // the link opens on the same baseline, jumped to the same entry
  const again = await openCompare(hashOf(page), [seq, conc]);
  s = await cmp(again);
  assert.equal(s.base, conc);
  assert.equal(s.cursor.entry, entry);
  assert.equal(await again.isChecked(radio(conc)), true);
  // swapped back by the URL alone (a pasted link on an open view)
  await again.evaluate((h) => { location.hash = h; }, `#compare=${seq},${conc}&base=${seq}`);
  await again.waitForFunction((b) => window.looptrace.compare.base === b
    && window.looptrace.compare.diff.a === b, seq);
  // one more run picked: the baseline stays
  await page.check(`[data-testid=compare-pick-item][data-session="${idOf['fifo#1']}"] input`);
  await page.click('[data-testid=compare-go]');
  const three = [idOf['fifo#1'], conc, seq].sort((a, b) => b - a); // the picker's order
  await ready(page, three);
  assert.equal((await cmp(page)).base, conc);
  assert.equal(hashOf(page), `#compare=${three.join(',')}&base=${conc}`);
  for (const p of [page, again]) { assert.deepEqual(p.errors, []); await p.close(); }
});

test('three runs: the baseline diffed against each other run, listed without it', async () => {
  const ids = [1, 2, 3].map((k) => idOf[`fifo#${k}`]);
  const page = await openCompare(`#compare=${ids.join(',')}&base=${ids[1]}`, ids);
  let s = await cmp(page);
  assert.equal(s.base, ids[1]);
  assert.deepEqual([s.diff.a, s.diff.b], [ids[1], ids[0]]);
  const options = await page.$$eval('[data-testid=compare-against] option',
    (os) => os.map((o) => Number(o.value)));
  assert.deepEqual(options, [ids[0], ids[2]]);
  await page.selectOption('[data-testid=compare-against]', String(ids[2]));
  await page.waitForFunction((b) => window.looptrace.compare.diff.b === b, ids[2]);
  // a jump in event order puts every run's cursor on its own record of the step, the
  // third run placed through its own diff against the baseline
  await page.click('[data-testid=compare-first-divergence]');
  await page.waitForFunction(() => window.looptrace.compare.jumps === 1);
  s = await cmp(page);
  assert.equal(s.cursor.runs.length, 3);
  assert.ok(s.cursor.runs.every((r) => r.at != null), JSON.stringify(s.cursor.runs));
  assert.equal(s.cursor.runs.find((r) => r.id === ids[1]).step, s.diff.first.a);
  // swapping to the run listed: the old baseline is listed against it
  await swapTo(page, ids[2]);
  s = await cmp(page);
  assert.deepEqual([s.diff.a, s.diff.b], [ids[2], ids[1]]);
  assert.equal(s.cursor, null, 'the cursors belonged to the old diff');
  assert.deepEqual(s.turnarounds.find((r) => r.task === 'whole run').delta[2], 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('runs of different programs are warned about; other arguments and tasks noted', async () => {
  const { sequential: seq, concurrent: conc } = idOf;
  const fifo = idOf['fifo#1'];
  let page = await openCompare(`#compare=${seq},${fifo}`, [seq, fifo]);
  const warn = page.locator('[data-testid=compare-warn]');
  assert.equal(await warn.count(), 1);
  assert.equal(await warn.isVisible(), true);
  assert.match(await warn.textContent(), new RegExp(esc(`Another program. #${fifo} is another `
    + `program: demo_fifo (none), the baseline #${seq} is say_after sequential`)));
  await shot(page, 'compare-other-program');
  await page.close();

  page = await openCompare(`#compare=${seq},${conc}`, [seq, conc]);
  assert.equal(await page.locator('[data-testid=compare-warn]').count(), 0, 'the same program');
  const notes = () => texts(page, '[data-testid=compare-note]');
  let n = await notes();
  assert.ok(n.includes(`#${conc} ran with other arguments: concurrent (the baseline #${seq}: `
    + 'sequential).'), n.join('\n'));
  const only = new RegExp(esc(`only #${conc} has say_after(hello), say_after(world)`));
  assert.ok(n.some((t) => only.test(t)), n.join('\n'));
  await shot(page, 'compare-other-arguments');
  // against the other baseline, the notes are said from its side
  await swapTo(page, conc);
  n = await notes();
  assert.ok(n.includes(`#${seq} ran with other arguments: sequential (the baseline #${conc}: `
    + 'concurrent).'), n.join('\n'));
  assert.ok(n.some((t) => /only the baseline #\d+ has say_after\(hello\)/.test(t)), n.join('\n'));
  await page.close();

  // shuffled runs of one program: nothing to say
  const ids = [idOf['fifo#1'], idOf['fifo#2']];
  page = await openCompare(`#compare=${ids.join(',')}`, ids);
  assert.equal(await page.isVisible('[data-testid=compare-notes]'), false);
  assert.deepEqual((await cmp(page)).notes, []);
  assert.deepEqual(page.errors, []);
  await page.close();
});

// The single view: wheel, scrollbar and pinned loop lane.
const app = {
  scroll: (page) => page.evaluate(() => {
    const vp = window.looptrace.app.vp;
    return { y: vp.scrollY, max: vp.scrollMax, thumb: vp.thumb(), view: [vp.a, vp.b] };
  }),
  laneY: (page, key) => page.evaluate((k) => window.looptrace.view.laneY(k), key),
};

test('the wheel over lane names scrolls them, so does a scrollbar; the loop stays', async () => {
  const id = idOf['workers#1'];
  const page = await openPage(browser, `${d.url}#session=${id}`, { width: 1600, height: 700 });
  await settled(page, id);
  const box = await page.locator('[data-testid=timeline]').boundingBox();
  const s0 = await app.scroll(page);
  assert.ok(s0.max > 200, `33 task lanes do not fit: ${JSON.stringify(s0)}`);
  assert.ok(s0.thumb && s0.thumb.x >= box.width - 12, 'a scrollbar at the right');
  const loopY = await app.laneY(page, 'loop:1');
  // the wheel over the names: the lanes scroll, the view stays
  await page.mouse.move(box.x + 80, box.y + 300);
  await page.mouse.wheel(0, 120);
  await page.waitForFunction((y) => window.looptrace.app.vp.scrollY > y, s0.y);
  let s = await app.scroll(page);
  assert.deepEqual(s.view, s0.view, 'no zoom');
  assert.equal(s.y, 120);
  assert.equal(await app.laneY(page, 'loop:1'), loopY, 'the loop lane pinned');
  // the thumb dragged 100 px down: the lanes scroll in proportion
  const th = s.thumb;
  await page.mouse.move(box.x + th.x + th.w / 2, box.y + th.y + th.h / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + th.x + th.w / 2, box.y + th.y + th.h / 2 + 100, { steps: 5 });
  await page.mouse.up();
  s = await app.scroll(page);
  const want = 120 + (100 * s.max) / (th.track - th.h);
  assert.ok(Math.abs(s.y - want) < 1, `${s.y} against ${want}`);
  assert.ok(Math.abs(s.thumb.y - (th.y + 100)) < 1);
  assert.deepEqual(s.view, s0.view, 'dragging the scrollbar does not pan');
  assert.equal(await page.evaluate(() => window.looptrace.state.cursor), null, 'nor a cursor');
  assert.equal(await app.laneY(page, 'loop:1'), loopY);
  await shot(page, 'single-scrolled');
  // a press on the track beside the thumb brings it there: at the top, then at the bottom
  await page.mouse.click(box.x + th.x + th.w / 2, box.y + th.top + 2);
  assert.equal((await app.scroll(page)).y, 0);
  await page.mouse.click(box.x + th.x + th.w / 2, box.y + box.height - 3);
  s = await app.scroll(page);
  assert.equal(s.y, s.max, 'the last lanes in sight');
  // the wheel over the scrollbar scrolls too
  await page.mouse.move(box.x + th.x + th.w / 2, box.y + 300);
  await page.mouse.wheel(0, -200);
  await page.waitForFunction((y) => window.looptrace.app.vp.scrollY < y, s.y);
  assert.deepEqual((await app.scroll(page)).view, s0.view);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('compare: the wheel over a run\'s lane names scrolls it, so does its scrollbar', async () => {
  const ids = [idOf['workers#1'], idOf['workers#2']];
  const page = await openCompare(`#compare=${ids.join(',')}`, ids);
  const canvases = await page.$$('[data-testid=compare-stack] canvas');
  const box = await canvases[1].boundingBox();
  const c0 = await cmp(page);
  const r0 = await run(page, ids[1]);
  assert.ok(r0.scroll.max > 0 && r0.scroll.thumb, 'each run has a scrollbar');
  const loop0 = r0.lanes.find((l) => l.key === 'loop:1');
  assert.equal(loop0.pinned, true);
  await page.mouse.move(box.x + 80, box.y + 150);
  await page.mouse.wheel(0, 100);
  await page.waitForFunction((i) => window.looptrace.compareRun(i).scroll.y > 0, ids[1]);
  const c1 = await cmp(page);
  assert.deepEqual(c1.view, c0.view, 'the wheel over the names does not zoom');
  assert.equal((await run(page, ids[0])).scroll.y, 0, 'the other run stays');
  let r1 = await run(page, ids[1]);
  assert.equal(r1.scroll.y, 100);
  assert.equal(r1.lanes.find((l) => l.key === 'loop:1').y, loop0.y, 'its loop lane pinned');
  // ↓ scrolls the run under the pointer, as in the main view
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction((i) => window.looptrace.compareRun(i).scroll.y === 140, ids[1]);
  assert.equal((await run(page, ids[0])).scroll.y, 0);
  // drag the first run's thumb to the bottom
  const b0 = await canvases[0].boundingBox();
  const th = (await run(page, ids[0])).scroll.thumb;
  await page.mouse.move(b0.x + th.x + th.w / 2, b0.y + th.y + th.h / 2);
  await page.mouse.down();
  await page.mouse.move(b0.x + th.x + th.w / 2, b0.y + th.y + th.h / 2 + th.track, { steps: 5 });
  await page.mouse.up();
  r1 = await run(page, ids[0]);
  assert.equal(r1.scroll.y, r1.scroll.max);
  assert.deepEqual((await cmp(page)).view, c0.view);
  assert.equal(r1.cursor, null, 'the press on the scrollbar placed no cursor');
  await shot(page, 'compare-scrolled');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('"Hide finished" on 31 finished workers: lanes go, the toolbar says how many', async () => {
  const id = idOf['workers#1'];
  const page = await openPage(browser, `${d.url}#session=${id}`, SIZE);
  await settled(page, id);
  const tasks = (await d.get(`/api/sessions/${id}/tasks`)).body.tasks;
  const workers = tasks.filter((t) => /^worker \d+$/.test(t.name));
  assert.equal(workers.length, 32);
  const last = Math.max(...workers.filter((t) => t.name !== 'worker 31').map((t) => t.finished_ns));
  const end = tasks.find((t) => t.name === 'worker 31').finished_ns;
  assert.ok(end > last);
  const all = await taskLanes(page);
  // a view after the 31 finished: their lanes are there, empty; the switch says how many
  await page.evaluate(([a, b]) => window.looptrace.view.set(window.looptrace.axis.coord(a),
    window.looptrace.axis.coord(b)), [last + 1, end]);
  const count = '[data-testid=finished-count]';
  await page.waitForFunction((sel) => document.querySelector(sel).textContent === '(31)', count);
  await shot(page, 'finished-shown');
  assert.equal(all.filter((n) => /^worker/.test(n)).length, 32, '31 of them empty here');
  await page.check('[data-testid=hide-finished]');
  await page.waitForFunction(() =>
    window.looptrace.state.lanes.filter((l) => l.kind === 'task').length < 10);
  const left = await taskLanes(page);
  assert.deepEqual(left.sort(), all.filter((n) => !/^worker (\d|[12]\d|30)$/.test(n)).sort());
  assert.ok(left.includes('worker 31'));
  assert.equal(await page.textContent(count), '(31 finished hidden)');
  // and under the last lane, on the canvas
  assert.equal(await page.evaluate(() => window.looptrace.app.tl.noteDrawn),
    '31 finished tasks hidden (Hide finished)');
  await shot(page, 'finished-hidden');
  // back to the whole run: nothing had finished at its start, nothing hidden
  await page.keyboard.press('f');
  await page.waitForFunction((n) =>
    window.looptrace.state.lanes.filter((l) => l.kind === 'task').length === n, all.length);
  assert.equal(await page.textContent(count), '');
  assert.deepEqual(page.errors, []);
  await page.close();
});

// Whether two boxes overlap (by more than a pixel).
const overlap = (a, b) => a.x + a.width > b.x + 1 && b.x + b.width > a.x + 1
  && a.y + a.height > b.y + 1 && b.y + b.height > a.y + 1;

for (const n of [3, 4]) {
  test(`${n} runs at 1600×1000: turnarounds, groups and diff each in its own place`, async () => {
    const ids = [1, 2, 3, 4].slice(0, n).map((k) => idOf[`fifo#${k}`]);
    const page = await openCompare(`#compare=${ids.join(',')}`, ids);
    const rect = (sel) => page.locator(sel).boundingBox();
    const table = await rect('table.cmp-turn');
    const groups = await rect('[data-testid=compare-groups]');
    const side = await rect('#cmp-side');
    const left = await rect('#cmp-left');
    assert.equal(await page.locator('table.cmp-turn thead th.num').count(), n);
    assert.ok(!overlap(table, groups), `table over groups: ${JSON.stringify([table, groups])}`);
    assert.ok(table.x + table.width <= left.x + left.width + 1, 'the table within the left column');
    assert.ok(groups.x + groups.width <= side.x + 1, 'the groups left of the diff');
    // every cell of the table is in its own box: no column drawn over another
    const cells = await page.$$eval('table.cmp-turn tr:first-child td, table.cmp-turn thead th',
      (els) => els.map((e) => {
        const r = e.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      }));
    for (let i = 0; i < cells.length; i++) {
      for (let j = i + 1; j < cells.length; j++) {
        assert.ok(!overlap(cells[i], cells[j]), `cells ${i} and ${j}`);
      }
    }
    // the text fits its cells (nothing spills into the next column)
    const spill = await page.$$eval('table.cmp-turn td, table.cmp-turn th', (els) =>
      els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
    assert.deepEqual(spill, []);
    // the runs' titles are not cut: the baseline radio, the name and the groups show
    for (const id of ids) {
      const t = page.locator(`[data-testid=compare-run][data-session="${id}"] .cmp-title`);
      assert.ok(await t.evaluate((e) => e.scrollWidth <= e.clientWidth + 1), `${id}'s title fits`);
    }
    await shot(page, `compare-${n}-runs`);
    await page.locator('#cmp-left').evaluate((e) => { e.scrollTop = e.scrollHeight; });
    await shot(page, `compare-${n}-runs-below`);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}
