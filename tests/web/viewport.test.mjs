// viewport.test.mjs: web/js/viewport.mjs's lane scroll and scrollbar geometry (scrollMax,
// thumb, scrollToThumb) and web/js/scrollbar.mjs's press and drag on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Viewport, GUTTER, AXIS, SCROLLBAR } from '../../web/js/viewport.mjs';
import { pressScrollbar, onScrollbar, drawScrollbar } from '../../web/js/scrollbar.mjs';

// A canvas 1000 × 428 px: 400 px of lanes under the axis, 40 of them pinned, 1000 of content.
function vp(content = 1000, pinned = 40) {
  const v = new Viewport();
  v.width = 1000;
  v.height = AXIS + 400;
  v.contentHeight = content;
  v.pinnedH = pinned;
  return v;
}

test('the scrollbar lies over the plot\'s right edge', () => {
  const v = vp();
  assert.equal(v.plotW, 1000 - GUTTER);
  assert.equal(v.thumb().x, 1000 - SCROLLBAR);
});

test('the lanes scroll as far as the last one (with a little room), no further', () => {
  const v = vp();
  assert.equal(v.scrollMax, 1000 - 400 + 8);
  v.scrollBy(10_000);
  assert.equal(v.scrollY, v.scrollMax);
  v.scrollBy(-10_000);
  assert.equal(v.scrollY, 0);
  assert.equal(vp(300).scrollMax, 0, 'all lanes fit');
});

test('the thumb: the share of the scrolling lanes in sight, where they are scrolled to', () => {
  const v = vp();
  const track = 400 - 40;
  let th = v.thumb();
  assert.equal(th.top, AXIS + 40, 'beside the scrolling lanes, under the pinned ones');
  assert.equal(th.track, track);
  assert.equal(th.x, 1000 - SCROLLBAR);
  // 360 px in sight of the 968 that scroll (960 + the room at the bottom)
  assert.ok(Math.abs(th.h - (track * track) / (1000 - 40 + 8)) < 1e-9, `${th.h}`);
  assert.equal(th.y, th.top);
  v.scrollBy(v.scrollMax);
  th = v.thumb();
  assert.ok(Math.abs(th.y + th.h - (th.top + track)) < 1e-9, 'at the bottom, scrolled to the end');
  assert.equal(vp(300).thumb(), null, 'no scrollbar when every lane is in sight');
  // a huge session: the thumb keeps a size one can grab
  assert.equal(vp(1e6).thumb().h, 24);
});

test('scrollToThumb is the thumb\'s place backwards, clamped', () => {
  const v = vp();
  const th = v.thumb();
  v.scrollToThumb(th.top + (th.track - th.h) / 2);
  assert.ok(Math.abs(v.scrollY - v.scrollMax / 2) < 1e-9);
  assert.ok(Math.abs(v.thumb().y - (th.top + (th.track - th.h) / 2)) < 1e-9);
  v.scrollToThumb(-500);
  assert.equal(v.scrollY, 0);
  v.scrollToThumb(5000);
  assert.equal(v.scrollY, v.scrollMax);
});

test('pressing the thumb drags it; pressing the track brings the thumb there first', () => {
  const v = vp();
  let th = v.thumb();
  assert.equal(pressScrollbar(v, 500, th.y + 5), null, 'in the plot: not the scrollbar');
  assert.equal(onScrollbar(v, 995, AXIS + 10), false, 'beside the pinned lanes: no scrollbar');
  const drag = pressScrollbar(v, 995, th.y + 5);
  assert.equal(v.scrollY, 0, 'a press on the thumb does not move it');
  drag.move(th.y + 5 + 100);
  assert.ok(Math.abs(v.thumb().y - (th.y + 100)) < 1e-9, 'the thumb follows the pointer');
  assert.ok(v.scrollY > 0);
  // a press far down the track: the thumb centred under it, then dragged from there
  const v2 = vp();
  th = v2.thumb();
  const y = th.top + th.track - th.h;
  const d2 = pressScrollbar(v2, 995, y);
  const t2 = v2.thumb();
  assert.ok(Math.abs(t2.y + t2.h / 2 - y) < 1e-9, JSON.stringify(t2));
  d2.move(y - 20);
  assert.ok(Math.abs(v2.thumb().y + v2.thumb().h / 2 - (y - 20)) < 1e-9);
});

test('drawn only when there is something to scroll', () => {
  const calls = [];
  const ctx = new Proxy({}, {
    get: (o, k) => (k in o ? o[k] : (...a) => calls.push([k, ...a])),
    set: (o, k, val) => { o[k] = val; return true; },
  });
  drawScrollbar(ctx, vp(300));
  assert.deepEqual(calls, []);
  drawScrollbar(ctx, vp());
  assert.ok(calls.some(([k, x]) => k === 'fillRect' && x === 1000 - SCROLLBAR), 'its track');
  assert.ok(calls.some(([k]) => k === 'roundRect'), 'its thumb');
});
