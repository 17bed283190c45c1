// tracks/draw.mjs: what the lane kinds share to draw and hit-test: fonts and measured text,
// the hatch of scheduled time, spans clipped to the plot, the span under a time.

import { COLORS } from '../palette.mjs';
import { firstEndingAfter } from '../model.mjs';
import { GUTTER } from '../viewport.mjs';

export const FONT = '11px system-ui, -apple-system, "Segoe UI", sans-serif';
export const SMALL = '10px system-ui, -apple-system, "Segoe UI", sans-serif';
const widthCache = new Map();

export function textW(ctx, s) {
  let w = widthCache.get(s);
  if (w === undefined) {
    w = ctx.measureText(s).width;
    if (widthCache.size > 5000) widthCache.clear();
    widthCache.set(s, w);
  }
  return w;
}

// The fonts and the hatch, made ready while the page has nothing to draw (it waits for a
// session's data): the first use of each font took 5-25 ms (loading it), the hatch a canvas
// of its own, and the first frame with data paid for all of them at once. Once a page.
let warm = false;
export function warmUp(ctx) {
  if (warm) return;
  warm = true;
  ctx.save();
  for (const font of [FONT, SMALL, `600 ${FONT}`]) {
    ctx.font = font;
    ctx.measureText('main 0123456789 µs ms · …');
  }
  ctx.restore();
  hatchPattern(ctx);
}

// Rectangles gathered by fill style, then drawn with one fill each (draw): a summarised lane
// is up to three rectangles per pixel column, and a fillRect each, setting its style each
// time, was most of the cost of a frame drawn from summaries. A style keeps its alpha.
export function fills() {
  const paths = new Map(); // style -> [Path2D, alpha]
  return {
    rect(style, x, y, w, h, alpha = 1) {
      let p = paths.get(style);
      if (!p) paths.set(style, (p = [new Path2D(), alpha]));
      p[0].rect(x, y, w, h);
    },
    draw(ctx) {
      for (const [style, [path, alpha]] of paths) {
        ctx.globalAlpha = alpha;
        ctx.fillStyle = style;
        ctx.fill(path);
      }
      ctx.globalAlpha = 1;
    },
  };
}

let hatch = null;
export function hatchPattern(ctx) {
  if (hatch) return hatch;
  const c = document.createElement('canvas');
  c.width = c.height = 6;
  const g = c.getContext('2d');
  g.fillStyle = 'rgba(230,159,0,0.30)';
  g.fillRect(0, 0, 6, 6);
  g.strokeStyle = COLORS.ready;
  g.lineWidth = 1.5;
  g.beginPath();
  g.moveTo(-1, 7); g.lineTo(7, -1);
  g.moveTo(-1, 1); g.lineTo(1, -1);
  g.moveTo(5, 7); g.lineTo(7, 5);
  g.stroke();
  hatch = ctx.createPattern(c, 'repeat');
  return hatch;
}

export function clampX(x, vp) { return Math.max(GUTTER - 2, Math.min(vp.width + 2, x)); }

// Fills each span of list in view as a bar of [y, y + h], sub-pixel neighbours merged.
export function fillSpans(ctx, vp, list, end, y, h) {
  let i = firstEndingAfter(list, vp.a, end);
  let last = -1e9;
  for (; i < list.length && list[i].t0 <= vp.b; i++) {
    const x0 = clampX(vp.x(list[i].t0), vp), x1 = clampX(vp.x(list[i].t1 ?? end), vp);
    if (x1 < last + 0.5 && x1 - x0 < 0.5) continue;
    ctx.fillRect(x0, y, Math.max(1, x1 - x0), h);
    last = x1;
  }
}

// The span of list (sorted, not overlapping) at t, within slack either side, or null.
export function within(list, t, end, slack) {
  const i = firstEndingAfter(list, t - slack, end);
  const s = list[i];
  return s && s.t0 - slack <= t ? s : null;
}
