// awaitlinks.test.mjs: selecting a task tints, on the timeline, the lanes of the tasks that
// await it and of those it awaits at the cursor, in Debian's chromium against a real daemon:
// on seed_taskgroup (virtual clock) at 250 ms, for every task lane selected by a click on its
// name, the tinted lanes (the text mirror's data-await, and the gutter's pixels) are the
// edges of the API's graph at that moment; main's are the hand-derived ones (its
// as_completed awaits Task-4, Task-5 and Task-6, all asleep), whose arrows are drawn at the
// cursor; a task
// picked in the inspector's graph tints its awaiter; Escape clears it all. Screenshot:
// await-links.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, until } from '../api/daemon.mjs';
import { launch, openPage, settled, shot } from './browser.mjs';

let d, browser, id;
const AT = 250e6; // as_completed from 200 ms: main awaits its three tasks (300, 100, 200 ms)

before(async () => {
  d = await Daemon.start();
  ({ tg: id } = await d.recordAll([['seed_taskgroup', [], 'tg']], { LOOPTRACE_CLOCK: 'virtual' }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d.finish();
});

// The API's graph as edges by task key: who awaits whom.
function apiEdges(g) {
  const out = [];
  const visit = (n, parent) => {
    const k = `${n.track}:${n.task}`;
    if (parent) out.push([parent, k]);
    for (const c of n.awaits ?? []) visit(c, k);
  };
  for (const r of g.roots) visit(r, null);
  return out;
}

// The lanes the page marks for the selected task, from its text mirror: { key: role }.
const mirrored = (page) => page.evaluate(() => Object.fromEntries(
  [...document.querySelectorAll('#lane-list li[data-await]')].map((li) =>
    [li.dataset.key, li.dataset.await])));

// The canvas' colour at CSS px (x, y), as [r, g, b].
const pixel = (page, x, y) => page.evaluate(([x, y]) => {
  const c = document.getElementById('timeline');
  const dpr = c.width / c.clientWidth;
  return Array.from(c.getContext('2d').getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1)
    .data.slice(0, 3));
}, [x, y]);

// A lane's role as its gutter shows it: the plain gutter is #fafafa, an awaiter's tinted
// purple (red over green), an awaited's green (green over red).
async function gutterRole(page, key) {
  const mid = await page.evaluate((k) => window.looptrace.view.laneY(k), key);
  const [r, g, b] = await pixel(page, 5, mid - 8);
  if (r === 250 && g === 250 && b === 250) return null;
  return r > g ? 'awaiter' : 'awaited';
}

async function selectByName(page, key) {
  const mid = await page.evaluate((k) => window.looptrace.view.laneY(k), key);
  const box = await page.locator('[data-testid=timeline]').boundingBox();
  await page.mouse.click(box.x + 40, box.y + mid);
  await until(() => page.evaluate((k) => window.looptrace.state.selected?.key === k, key),
    `lane ${key} to be selected`);
}

// Waits until the page has drawn and mirrored its links for the selected task (name, or null
// for none), then returns the roles its mirror and its gutter's pixels show.
async function roles(page, name) {
  await until(() => page.evaluate((name) => {
    const s = window.looptrace.state;
    if ((s.selected?.name ?? null) !== name || (s.links?.task ?? null) !== name) return false;
    const shown = s.lanes.filter((l) => l.await).map((l) => `${l.name}:${l.await}`).sort();
    const links = s.links ? [...s.links.awaiters.map((n) => `${n}:awaiter`),
      ...s.links.awaited.map((n) => `${n}:awaited`)].sort() : [];
    return JSON.stringify(shown) === JSON.stringify(links);
  }, name), `the links of ${name} to be drawn`);
  const tasks = (await page.evaluate(() => window.looptrace.state.lanes))
    .filter((l) => l.kind === 'task');
  const drawn = {};
  for (const l of tasks) {
    const r = await gutterRole(page, l.key);
    if (r) drawn[l.key] = r;
  }
  return { mirror: await mirrored(page), drawn };
}

test('the selected task tints its awaiters and what it awaits, as the API graph says', async () => {
  // on the clock's axis (a virtual-clock session opens in event order), for the exact moment
  const page = await openPage(browser, `${d.url}#session=${id}&axis=time`,
    { width: 1366, height: 900 });
  await settled(page, id);
  assert.equal(await page.evaluate(() => window.looptrace.axis.mode), 'time');
  await page.evaluate((t) => window.looptrace.setCursor(window.looptrace.axis.coord(t)), AT);
  await page.waitForFunction(() => window.looptrace.state.awaits?.roots.length > 0);
  const at = await page.evaluate(() => window.looptrace.state.awaits.at_ns);
  assert.equal(at, AT);
  const g = (await d.get(`/api/sessions/${id}/awaits?at=${at}`)).body;
  const edges = apiEdges(g);
  const lanes = (await page.evaluate(() => window.looptrace.state.lanes))
    .filter((l) => l.kind === 'task');
  const byName = Object.fromEntries(lanes.map((l) => [l.name, l.key]));
  // the graph by hand (examples/seed_taskgroup.c): main → Task-4, Task-5, Task-6
  const kids = ['Task-4', 'Task-5', 'Task-6'];
  assert.deepEqual(edges.sort(), kids.map((k) => [byName.main, byName[k]]).sort());

  for (const l of lanes) {
    await selectByName(page, l.key);
    const want = {};
    for (const [a, b] of edges) {
      if (b === l.key) want[a] = 'awaiter';
      else if (a === l.key) want[b] = 'awaited';
    }
    const got = await roles(page, l.name);
    assert.deepEqual(got.mirror, want, `mirror for ${l.name}`);
    assert.deepEqual(got.drawn, want, `pixels for ${l.name}`);
  }

  // main selected: an arrow per edge, just right of the cursor, main's lane to each child's
  await selectByName(page, byName.main);
  await roles(page, 'main');
  const links = await page.evaluate(() => window.looptrace.state.links);
  assert.deepEqual(links.awaited, kids);
  assert.deepEqual(links.awaiters, []);
  const xc = Math.round(await page.evaluate(() =>
    window.looptrace.view.x(window.looptrace.app.cursor)));
  const y0 = await page.evaluate((k) => window.looptrace.view.laneY(k), byName.main);
  for (const child of kids) {
    const y1 = await page.evaluate((k) => window.looptrace.view.laneY(k), byName[child]);
    const [r, gr, b] = await pixel(page, xc + 5, Math.round((y0 + y1) / 2));
    assert.ok(r < 60 && gr > 120 && b > 80 && b < 150, `the edge to ${child}: rgb ${r},${gr},${b}`);
  }
  await shot(page, 'await-links');

  // a task picked in the inspector's graph: its awaiter is tinted
  await page.click(`[data-testid=await-node][data-key="${byName['Task-4']}"] > button.task`);
  await until(() => page.evaluate(() => window.looptrace.state.selected?.name === 'Task-4'),
    'Task-4 to be selected');
  const four = await roles(page, 'Task-4');
  assert.deepEqual(four.mirror, { [byName.main]: 'awaiter' });
  assert.deepEqual(four.drawn, { [byName.main]: 'awaiter' });

  // Escape clears the selection, and the tints with it
  await page.keyboard.press('Escape');
  const none = await roles(page, null);
  assert.deepEqual(none, { mirror: {}, drawn: {} });
  assert.equal(await page.evaluate(() => window.looptrace.state.links), null);
  assert.deepEqual(page.errors, []);
  await page.close();
});
