// findings.test.mjs: the lints list and the await graph in the side bar, in Debian's chromium
// against a real daemon: a long-step run lists its finding, and clicking it puts the cursor
// on the finding's moment with its task selected; on say_after concurrent (virtual clock) the
// await graph at a cursor placed 50 ms in is the hand-derived tree (main awaits hello, world
// is awaited by nobody yet), and on demo_cycle the cycle is said. Screenshots of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, until } from '../api/daemon.mjs';
import { launch, openPage, settled, shot } from './browser.mjs';

let d, browser;
const idOf = {};

before(async () => {
  d = await Daemon.start();
  Object.assign(idOf, await d.recordAll([['lint_long_step', [], 'long']]));
  Object.assign(idOf, await d.recordAll([['say_after', ['concurrent'], 'concurrent'],
    ['demo_cycle', [], 'cycle']], { LOOPTRACE_CLOCK: 'virtual' }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await d.finish();
});

async function openSession(label) {
  const page = await openPage(browser, `${d.url}#session=${idOf[label]}`);
  await settled(page, idOf[label]);
  return page;
}

test('the lints list jumps to its finding', async () => {
  const page = await openSession('long');
  // an array once this session's lints are in (undefined or null before), or the error
  await page.waitForFunction(() => Array.isArray(window.looptrace.state.lints)
    || window.looptrace.state.lintError);
  const { lints, lintError } = await page.evaluate(() => window.looptrace.state);
  assert.equal(lintError, null);
  assert.deepEqual(lints.map((f) => [f.lint, f.name, f.file]), [['long-step', 'cruncher', 'lint_long_step.c']]);
  await page.click('[data-testid=finding]');
  await page.waitForFunction(() => window.looptrace.state.jumped);
  const s = await page.evaluate(() => ({
    cursor: window.looptrace.axis.time(window.looptrace.app.cursor),
    selected: window.looptrace.state.selected?.name,
  }));
  assert.ok(Math.abs(s.cursor - lints[0].at_ns) < 1000, `cursor at ${s.cursor}, finding at ${lints[0].at_ns}`);
  assert.equal(s.selected, 'cruncher');
  // the await graph follows the cursor: the cruncher is running then, main awaits it
  await page.waitForFunction(() => window.looptrace.state.awaits?.roots.length > 0);
  const g = await page.evaluate(() => window.looptrace.state.awaits);
  assert.deepEqual(g.roots, [{ name: 'main', via: null, reason: 'task',
    awaits: [{ name: 'cruncher', via: 'await', reason: null, awaits: [] }] }]);
  await page.locator('[data-testid=lints]').scrollIntoViewIfNeeded();
  await shot(page, 'lints-jump');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the await graph at the cursor is the hand-derived tree', async () => {
  const page = await openSession('concurrent');
  const at = 50e6; // 50 ms: main awaits say_after(hello), say_after(world) sleeps awaited by none
  await page.evaluate((t) => window.looptrace.setCursor(window.looptrace.axis.coord(t)), at);
  await page.waitForFunction(() => window.looptrace.state.awaits?.roots.length > 0);
  const g = await page.evaluate(() => window.looptrace.state.awaits);
  assert.deepEqual(g.roots, [
    { name: 'main', via: null, reason: 'task',
      awaits: [{ name: 'say_after(hello)', via: 'await', reason: 'sleep', awaits: [] }] },
    { name: 'say_after(world)', via: null, reason: 'sleep', awaits: [] },
  ]);
  const text = await page.textContent('[data-testid=awaits]');
  assert.match(text, /say_after\.c:40/);
  // a task of the tree selects its lane
  await page.click('[data-testid=await-node] [data-testid=await-node] button.task');
  await until(() => page.evaluate(() => window.looptrace.state.selected?.name === 'say_after(hello)'),
    'the clicked task to be selected');
  await page.locator('[data-testid=awaits]').scrollIntoViewIfNeeded();
  await shot(page, 'await-graph');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a cycle is said as such', async () => {
  const page = await openSession('cycle');
  await page.evaluate((t) => window.looptrace.setCursor(window.looptrace.axis.coord(t)), 5e6);
  await page.waitForSelector('[data-testid=await-cycles]');
  const g = await page.evaluate(() => window.looptrace.state.awaits);
  assert.deepEqual(g.cycles, [['first', 'second']]);
  assert.match(await page.textContent('[data-testid=await-cycles]'), /first → second/);
  await page.locator('[data-testid=awaits]').scrollIntoViewIfNeeded();
  await shot(page, 'await-cycle');
  assert.deepEqual(page.errors, []);
  await page.close();
});
