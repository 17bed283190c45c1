// scrollbar.mjs: the lanes' scrollbar of a timeline, drawn see-through over the plot's right
// edge beside the scrolling lanes (the pinned ones above it do not scroll), only when there is
// something to scroll: the thumb shows which part of the lanes is in sight; dragging it
// scrolls them, a press on the track beside it brings the thumb there. Its geometry is the
// Viewport's (thumb()).

import { AXIS } from './viewport.mjs';

const TRACK = 'rgba(235, 235, 235, 0.75)';
const THUMB = 'rgba(90, 90, 90, 0.45)';
const THUMB_ACTIVE = 'rgba(60, 60, 60, 0.8)';

// Draws the scrollbar of vp (darker while dragged); nothing when every lane is in sight.
export function drawScrollbar(ctx, vp, active = false) {
  const th = vp.thumb();
  if (!th) return;
  ctx.fillStyle = TRACK;
  ctx.fillRect(th.x, th.top, th.w, th.track);
  ctx.fillStyle = active ? THUMB_ACTIVE : THUMB;
  const r = (th.w - 4) / 2;
  ctx.beginPath();
  ctx.roundRect(th.x + 2, th.y + 1, th.w - 4, Math.max(2 * r, th.h - 2), r);
  ctx.fill();
}

// Whether canvas point (x, y) is on the scrollbar (when there is one).
export function onScrollbar(vp, x, y) {
  const th = vp.thumb();
  return !!th && x >= th.x && y >= th.top && y >= AXIS;
}

// A press at (x, y): on the scrollbar, the drag it starts ({move(y)} scrolls as the pointer
// moves to y), the thumb first brought under the pointer when the press is beside it; null
// elsewhere.
export function pressScrollbar(vp, x, y) {
  if (!onScrollbar(vp, x, y)) return null;
  let th = vp.thumb();
  if (y < th.y || y > th.y + th.h) {
    vp.scrollToThumb(y - th.h / 2);
    th = vp.thumb();
  }
  const grab = y - th.y;
  return { move: (y2) => vp.scrollToThumb(y2 - grab) };
}
