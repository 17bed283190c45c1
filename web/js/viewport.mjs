// viewport.mjs: the visible range and lane scroll, and the canvas geometry they map onto: a
// gutter of lane names on the left, the axis on top, lanes below, the lanes' scrollbar over
// the plot's right edge (scrollbar.mjs draws it; its thumb's place is here). The range is in
// the units of the axis x runs along (orderaxis.mjs): ns of the session clock, or steps.

export const GUTTER = 190;
export const AXIS = 28;
export const SCROLLBAR = 10; // the scrollbar's width, over the plot's right edge
const MIN_THUMB = 24;
const BOTTOM_ROOM = 8; // scrolled to the end, the last lane stands this far above the bottom

export class Viewport {
  constructor() {
    this.a = 0;
    this.b = 1;
    this.scrollY = 0;
    this.width = 800;  // canvas CSS px
    this.height = 600;
    this.contentHeight = 0;
    this.pinnedH = 0;  // the lanes pinned on top, which do not scroll
    this.limits = [0, 1];
    this.minSpan = 50; // the deepest zoom: the axis' minSpan
  }

  get plotW() { return Math.max(1, this.width - GUTTER); }
  get plotH() { return Math.max(1, this.height - AXIS); }
  get span() { return this.b - this.a; }
  get nsPerPx() { return this.span / this.plotW; }

  x(t) { return GUTTER + ((t - this.a) / this.span) * this.plotW; }
  t(x) { return this.a + ((x - GUTTER) / this.plotW) * this.span; }
  laneY(lane) { return AXIS + lane.y - (lane.pinned ? 0 : this.scrollY); }

  setLimits(start, end) { this.limits = [start, Math.max(end, start + 1)]; }

  // Shows [a, b], kept inside what can be shown (a little room around the session).
  set(a, b) {
    const [lo, hi] = this.limits;
    const room = (hi - lo) * 0.05;
    let span = Math.max(this.minSpan, Math.min(b - a, hi - lo + 2 * room));
    a = Math.max(lo - room, Math.min(a, hi + room - span));
    this.a = a;
    this.b = a + span;
  }

  fit() {
    const [lo, hi] = this.limits;
    const pad = (hi - lo) * 0.01;
    this.set(lo - pad, hi + pad);
  }

  // Zooms by factor (< 1 in, > 1 out) keeping time t under the same pixel.
  zoom(factor, t = (this.a + this.b) / 2) {
    const a = t - (t - this.a) * factor;
    const b = t + (this.b - t) * factor;
    this.set(a, b);
  }

  pan(dt) { this.set(this.a + dt, this.b + dt); }

  // How far the lanes scroll: 0 when they all fit.
  get scrollMax() {
    return this.contentHeight > this.plotH ? this.contentHeight - this.plotH + BOTTOM_ROOM : 0;
  }

  scrollBy(dy) { this.scrollTo(this.scrollY + dy); }

  scrollTo(y) { this.scrollY = Math.max(0, Math.min(this.scrollMax, y)); }

  // The scrollbar's thumb on its track (canvas px): the track runs beside the scrolling lanes,
  // from under the pinned ones to the bottom; the thumb is the share of them in sight, placed
  // as far down as they are scrolled. Null when there is nothing to scroll (or no room).
  thumb() {
    const max = this.scrollMax, top = AXIS + this.pinnedH;
    const track = this.height - top;
    if (!max || track < MIN_THUMB) return null;
    const h = Math.max(MIN_THUMB, Math.min(track, (track * track) / (track + max)));
    const y = top + ((track - h) * this.scrollY) / max;
    return { x: this.width - SCROLLBAR, w: SCROLLBAR, top, track, y, h };
  }

  // Scrolls so that the thumb's top is at y (canvas px).
  scrollToThumb(y) {
    const th = this.thumb();
    if (!th) return;
    const room = th.track - th.h;
    this.scrollTo(room > 0 ? ((y - th.top) / room) * this.scrollMax : 0);
  }
}
