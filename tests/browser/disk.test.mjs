// disk.test.mjs: a full disk is shown to the person looking. The daemon's database is on a
// small tmpfs of its own (tests/api/smalldisk.mjs; skipped, saying so, where the kernel
// refuses the mount), nearly filled: while commits fail every open page shows a banner saying
// the collector cannot store and why, a page opened meanwhile too, and the banner goes once
// storing works again. A daemon stopped while the disk is full marks what it lost; the next
// daemon's page names the session and the count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Client, Daemon, until } from '../api/daemon.mjs';
import { fill, smallDisk } from '../api/smalldisk.mjs';
import { launch, openPage, shot } from './browser.mjs';

const banner = (page) => page.evaluate(() => {
  const el = document.querySelector('[data-testid=store-banner]');
  return { hidden: el.hidden, state: el.dataset.state, text: el.textContent };
});

test('while the disk is full every page says the collector cannot store, until it can', async (t) => {
  const disk = smallDisk(t, 48);
  if (disk.why) return t.skip(disk.why);
  const d = await Daemon.start([], disk.dir);
  const browser = await launch();
  t.after(async () => { await browser.close(); await d.finish(); });
  const page = await openPage(browser, d.url);
  await page.waitForSelector('#sessions-empty:not([hidden])');
  await page.waitForSelector('[data-testid=store-banner][data-state=ok]', { state: 'attached' });
  assert.equal((await banner(page)).hidden, true, 'no banner while storing works');

  const filler = fill(disk.dir, 2);
  const p = d.run('collector_load', ['--marks', '300000']); // ~10 MB stored: far past 2 MiB
  await page.waitForSelector('[data-testid=store-failing]', { timeout: 60000 });
  const b = await banner(page);
  assert.equal(b.hidden, false);
  assert.match(b.text, /cannot store/);
  assert.match(b.text, /full/i, 'it says why (SQLite: the disk is full)');
  assert.match(b.text, /[1-9][\d,]* records\s+wait/);
  // a page opened while it fails learns it from GET /api/status (no push comes until it changes)
  const late = await openPage(browser, d.url);
  await late.waitForSelector('[data-testid=store-failing]', { timeout: 20000 });
  await shot(late, 'disk-full-banner');

  rmSync(filler); // room again
  for (const pg of [page, late]) {
    await pg.waitForFunction(() => document.querySelector('[data-testid=store-banner]')
      .dataset.state === 'ok', null, { timeout: 60000 });
    assert.equal((await banner(pg)).hidden, true, 'the banner goes once storing works again');
  }
  await until(() => p.exitCode !== null, 'the program to finish', 60000);
  assert.equal(p.exitCode, 0);
  assert.deepEqual([...page.errors, ...late.errors], []);
});

test('records lost to a full disk are named on the page of the next daemon', async (t) => {
  const disk = smallDisk(t, 48);
  if (disk.why) return t.skip(disk.why);
  const d = await Daemon.start([], disk.dir);
  const c = await Client.open(d);
  const filler = fill(disk.dir, 2);
  const p = d.run('collector_load', ['--marks', '300000']);
  await c.push((m) => m.type === 'store' && m.ok === false, 'the store to say it cannot store', 60000);
  await c.close();
  const r = await d.stop('SIGTERM');
  p.kill();
  assert.equal(r.code, 1, 'stopped while it could not store');
  const unstored = Number(execFileSync('sqlite3', [d.db, 'SELECT unstored FROM sessions WHERE id = 1'],
    { encoding: 'utf8' }));
  assert.ok(unstored > 0);
  rmSync(filler);

  const d2 = await Daemon.start([], disk.dir);
  const browser = await launch();
  t.after(async () => { await browser.close(); await d2.finish(); });
  const page = await openPage(browser, d2.url);
  const lost = await page.waitForSelector('[data-testid=store-lost]', { timeout: 20000 });
  const text = await lost.textContent();
  assert.match(text, /Records lost/);
  assert.match(text, /#1 /);
  const shown = /#1 [^(]*\((\d[\d,]*)\)/.exec(text)?.[1];
  assert.equal(Number(shown?.replace(/,/g, '')), unstored, `the count the session holds: ${text}`);
  const b = await banner(page);
  assert.equal(b.state, 'lost');
  assert.equal(b.hidden, false);
  await shot(page, 'records-lost-banner');
  assert.deepEqual(page.errors, []);
});
