// hit.mjs: what is under the pointer: the lane at y, and at x a wake-up arrow
// (tracks/wakes.mjs) or what its kind (tracks/) finds there at event level, or the states
// summed under a few pixels (summary).

import { AXIS, GUTTER } from './viewport.mjs';
import { TRACKS } from './tracks/index.mjs';
import { sumsAt } from './tracks/summary.mjs';
import { hitWake } from './tracks/wakes.mjs';

export { sumsAt };

export function laneAt(scene, y) {
  if (y < AXIS) return null;
  // the pinned lanes, on top, do not scroll
  const ly = y - AXIS < scene.vp.pinnedH ? y - AXIS : y - AXIS + scene.vp.scrollY;
  let lo = 0, hi = scene.lanes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const l = scene.lanes[mid];
    if (ly < l.y) hi = mid - 1;
    else if (ly >= l.y + l.h) lo = mid + 1;
    else return l;
  }
  return null;
}

export function hitTest(scene, x, y) {
  const lane = laneAt(scene, y);
  if (!lane || x < GUTTER) return lane ? { lane, t: null, item: null } : null;
  const { vp } = scene;
  const t = vp.t(x);
  const px = vp.nsPerPx;
  const track = TRACKS[lane.kind];
  if (scene.mode !== 'events') {
    const item = track.hitSummary?.(scene, lane, t)
      ?? { type: 'bucket', ...sumsAt(scene, lane, t - 2 * px, t + 2 * px) };
    return { lane, t, item };
  }
  // a wake-up arrow, drawn over the lanes, before what is under it
  return { lane, t, item: hitWake(scene, x, y) ?? track.hit(scene, lane, t, y) };
}
