// tracks/awaitlinks.mjs: the selected task's place in the await graph, on the timeline: from
// the graph at the cursor (GET /api/sessions/N/awaits, read by findings.mjs) the lanes of the
// tasks that await it and of the tasks it awaits, tinted (plot and gutter), and each such
// edge drawn at the cursor as an arrow from the awaiter's lane to the awaited one's.

import { OKABE_ITO } from '../palette.mjs';
import { GUTTER, AXIS } from '../viewport.mjs';

// Tints by role: the awaiters purple, what the selected task awaits green (the await family).
export const LINK_TINT = {
  awaiter: 'rgba(204, 121, 167, 0.22)',
  awaited: 'rgba(0, 158, 115, 0.18)',
};
const EDGE = OKABE_ITO.green;

const keyOf = (n) => `${n.track}:${n.task}`;

// The edges of graph (the API's JSON: roots, each node's awaits) that touch the task key:
// { key, awaiters: [keys], awaited: [keys], edges: [[from, to]] }, or null when there is no
// graph or no selected task. A task in a cycle may be both its awaited's awaiter and awaited.
export function awaitLinks(graph, key) {
  if (!graph || !key) return null;
  const awaiters = new Set(), awaited = new Set();
  const visit = (n, parent) => {
    const k = keyOf(n);
    if (parent === key) awaited.add(k);
    if (k === key && parent) awaiters.add(parent);
    for (const c of n.awaits ?? []) visit(c, k);
  };
  for (const r of graph.roots) visit(r, null);
  const edges = [...awaiters].map((a) => [a, key]).concat([...awaited].map((b) => [key, b]));
  return { key, awaiters: [...awaiters], awaited: [...awaited], edges };
}

// A lane's role in links: 'awaiter', 'awaited' (both, in a cycle: 'awaiter'), or null.
export function linkRole(links, key) {
  if (!links) return null;
  if (links.awaiters.includes(key)) return 'awaiter';
  if (links.awaited.includes(key)) return 'awaited';
  return null;
}

// The lane's tint over the plot [x0, x1) (under the spans) or the gutter, by its role.
export function drawLinkTint(ctx, scene, lane, x0, x1) {
  const role = linkRole(scene.links, lane.key);
  if (!role) return;
  ctx.fillStyle = LINK_TINT[role];
  ctx.fillRect(x0, scene.vp.laneY(lane), x1 - x0, lane.h);
}

// Each edge at the cursor: a line from the awaiter's lane to the awaited's, its head at the
// awaited; the awaiters' edges just left of the cursor, the awaited's just right of it, so
// that a chain through the selected task reads as two arrows.
export function drawLinkEdges(ctx, scene) {
  const { links, cursor, vp } = scene;
  if (!links || cursor == null) return;
  const yOf = (k) => {
    const l = scene.laneByKey.get(k);
    return l ? vp.laneY(l) + l.h / 2 : null;
  };
  const xc = Math.round(vp.x(cursor));
  if (xc < GUTTER) return;
  ctx.strokeStyle = EDGE;
  ctx.fillStyle = EDGE;
  ctx.lineWidth = 2;
  for (const [from, to] of links.edges) {
    const y0 = yOf(from), y1 = yOf(to);
    if (y0 == null || y1 == null || (y0 < AXIS && y1 < AXIS)) continue;
    const x = to === links.key ? xc - 5 : xc + 5;
    ctx.beginPath();
    ctx.arc(x, y0, 3, 0, 2 * Math.PI);
    ctx.fill();
    ctx.beginPath();
    ctx.moveTo(x, y0);
    ctx.lineTo(x, y1);
    ctx.stroke();
    const dir = Math.sign(y1 - y0) || 1;
    ctx.beginPath();
    ctx.moveTo(x, y1);
    ctx.lineTo(x - 4, y1 - 7 * dir);
    ctx.lineTo(x + 4, y1 - 7 * dir);
    ctx.fill();
  }
}
