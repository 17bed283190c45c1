// tracks/labels.mjs: the words drawn inside lanes, placed so that they never collide. Lane
// kinds queue their labels while they draw (queueLabel) and marks claim the room their text
// takes (claim); once every lane of a region is drawn, drawLabels sets each queued label
// where no earlier one stands, cut with "…" to the room before the next, or left out when
// fewer than a few letters would show. Text takes the colour that contrasts with what it
// stands on (palette.mjs textOn), or the text colour on a light backing.

import { COLORS, textOn } from '../palette.mjs';
import { SMALL, textW } from './draw.mjs';

const MIN_ROOM = 22; // px: less than this, a label is left out rather than cut

// The label boxes of this frame by lane key, [x0, x1] sorted as claimed.
function boxes(scene, lane) {
  scene.labelBoxes ??= new Map();
  let list = scene.labelBoxes.get(lane.key);
  if (!list) scene.labelBoxes.set(lane.key, (list = []));
  return list;
}

// The room [x0, x1] on lane is taken (a mark's tick, or its text, drawn at once).
export function claim(scene, lane, x0, x1, text = null, stats = null) {
  boxes(scene, lane).push([x0, x1]);
  if (text != null) record(stats, lane, x0, x1, text, COLORS.text, '#ffffff');
}

// A label at x (its left) and y (its middle), with no room right of maxX. on: the colour it
// stands on ('#rrggbb'), or null for a light backing over whatever is there.
export function queueLabel(scene, lane, { x, y, text, maxX, on = null }) {
  scene.labelQueue ??= [];
  scene.labelQueue.push({ lane, x, y, text, maxX, on });
}

// Draws the queued labels, leftmost first per lane, each in the room no box before took.
export function drawLabels(ctx, scene, stats) {
  const q = scene.labelQueue;
  if (!q?.length) return;
  scene.labelQueue = [];
  q.sort((a, b) => a.x - b.x);
  ctx.font = SMALL;
  ctx.textBaseline = 'middle';
  for (const l of q) {
    const taken = boxes(scene, l.lane);
    let x = l.x;
    let right = l.maxX;
    for (let moved = true; moved;) {                        // starts inside a box: after it
      moved = false;
      for (const [b0, b1] of taken) if (b1 + 3 > x && b0 - 3 < x) { x = b1 + 3; moved = true; }
    }
    for (const [b0] of taken) if (b0 >= x && b0 - 3 < right) right = b0 - 3;
    const text = fitText(ctx, l.text, right - x);
    if (!text) continue;
    const w = textW(ctx, text);
    const fg = l.on ? textOn(l.on) : COLORS.text;
    if (!l.on) {
      ctx.fillStyle = 'rgba(255,255,255,0.88)';
      ctx.fillRect(x - 2, l.y - 7, w + 4, 14);
    }
    ctx.fillStyle = fg;
    ctx.fillText(text, x, l.y + 0.5);
    taken.push([x - 2, x + w + 2]);
    record(stats, l.lane, x, x + w, text, fg, l.on ?? '#ffffff');
  }
}

// text, or its start and "…", in w px; null when too little of it would show.
export function fitText(ctx, text, w) {
  if (textW(ctx, text) <= w) return text;
  if (w < MIN_ROOM) return null;
  let n = text.length - 1;
  while (n > 1 && textW(ctx, `${text.slice(0, n)}…`) > w) n--;
  return n > 1 ? `${text.slice(0, n)}…` : null;
}

// What the browser tests read: each label drawn, its box, its colours.
function record(stats, lane, x0, x1, text, fg, bg) {
  if (!stats) return;
  stats.boxes ??= [];
  if (stats.boxes.length < 3000) stats.boxes.push({ lane: lane.key, x0, x1, text, fg, bg });
}
