// interact.mjs: the timeline's inputs. Wheel zooms at the pointer (shift+wheel, or over the
// lane names or the scrollbar, scrolls the lanes; a sideways wheel pans); dragging pans in
// time and scrolls the lanes, dragging the scrollbar (scrollbar.mjs) scrolls them, shift+drag
// selects a range; a click places the cursor and selects what is under it; keys as in
// Perfetto: W/S zoom, A/D pan, F fit, arrow keys scroll, [ ] previous / next event, P pin,
// / search, ? help (tools.mjs lists them); hovering shows details. wheelIntent serves the
// compare view's timelines too.

import { GUTTER, SCROLLBAR } from './viewport.mjs';
import { pressScrollbar, onScrollbar } from './scrollbar.mjs';

const ZOOM_STEP = 0.8;

// Whether keys go to a field the user types in (a checkbox or a button keeps the shortcuts).
export function typing(el) {
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (!(el instanceof HTMLInputElement)) return !!el?.isContentEditable;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color'].includes(el.type);
}

// What a wheel event at canvas x asks of a timeline whose view is vp: {scroll: dy} (px of
// lanes: shift+wheel, or the wheel over the lane names or the scrollbar), {pan: dx} (px: a
// sideways wheel) or {zoom: factor} (< 1 in) at the pointer.
export function wheelIntent(ev, x, vp) {
  const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
  if (ev.shiftKey || x < GUTTER || (x >= vp.width - SCROLLBAR && vp.thumb())) {
    return { scroll: (ev.deltaY || ev.deltaX) * unit };
  }
  if (Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) return { pan: ev.deltaX * unit };
  return { zoom: Math.exp(ev.deltaY * unit * 0.0025) };
}

export function attachInputs(canvas, app) {
  let drag = null;
  const pos = (ev) => {
    const r = canvas.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  };

  canvas.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const { x, y } = pos(ev);
    const vp = app.vp;
    const want = wheelIntent(ev, x, vp);
    if (want.scroll != null) {
      vp.scrollBy(want.scroll);
      app.changed('scroll');
      return;
    }
    if (want.pan != null) {
      vp.pan((want.pan * vp.span) / vp.plotW);
      app.changed('pan', true);
      return;
    }
    vp.zoom(want.zoom, vp.t(x));
    app.hoverAt(x, y);
    app.changed('zoom');
  }, { passive: false });

  canvas.addEventListener('mousedown', (ev) => {
    if (ev.button !== 0) return;
    const p = pos(ev);
    canvas.focus();
    const bar = pressScrollbar(app.vp, p.x, p.y);
    if (bar) { // the scrollbar: its thumb follows the pointer until the button is let go
      drag = { bar };
      app.tl.barActive = true;
      app.changed('scroll');
      return;
    }
    drag = { x0: p.x, y0: p.y, x: p.x, y: p.y, a: app.vp.a, scroll: app.vp.scrollY, moved: false,
      range: ev.shiftKey && p.x > GUTTER };
  });
  window.addEventListener('mousemove', (ev) => {
    const p = pos(ev);
    if (drag?.bar) {
      drag.bar.move(p.y);
      app.changed('scroll');
      return;
    }
    if (drag) {
      const dx = p.x - drag.x0, dy = p.y - drag.y0;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      drag.moved = true;
      const vp = app.vp;
      if (drag.range) { // shift+drag: a range, from where it began to the pointer
        const t0 = vp.t(drag.x0), t1 = vp.t(Math.max(GUTTER, p.x));
        app.tools.setRange(Math.min(t0, t1), Math.max(t0, t1));
        return;
      }
      canvas.classList.add('dragging');
      const span = vp.span;
      vp.set(drag.a - (dx * span) / vp.plotW, drag.a - (dx * span) / vp.plotW + span);
      vp.scrollY = drag.scroll;
      vp.scrollBy(-dy);
      app.hideTooltip();
      app.changed('pan', true);
      return;
    }
    if (ev.target === canvas) {
      const bar = onScrollbar(app.vp, p.x, p.y);
      canvas.classList.toggle('on-scrollbar', bar);
      if (bar) app.hoverAt(null, null); else app.hoverAt(p.x, p.y, ev);
    }
  });
  window.addEventListener('mouseup', (ev) => {
    if (!drag) return;
    const p = pos(ev);
    const { moved, bar } = drag;
    drag = null;
    if (bar) { app.tl.barActive = false; app.changed('scroll'); return; }
    canvas.classList.remove('dragging');
    if (!moved) app.clickAt(p.x, p.y);
  });
  canvas.addEventListener('mouseleave', () => { if (!drag) app.hoverAt(null, null); });

  document.addEventListener('keydown', (ev) => {
    if (typing(ev.target)) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const vp = app.vp;
    const at = app.hoverT ?? (vp.a + vp.b) / 2;
    switch (ev.key.toLowerCase()) {
      case 'w': vp.zoom(ZOOM_STEP, at); app.changed('zoom'); break;
      case 's': vp.zoom(1 / ZOOM_STEP, at); app.changed('zoom'); break;
      case 'a': vp.pan(-vp.span * 0.15); app.changed('pan', true); break;
      case 'd': vp.pan(vp.span * 0.15); app.changed('pan', true); break;
      case 'f': app.fit(); break;
      case 'arrowdown': vp.scrollBy(40); app.changed('scroll'); break;
      case 'arrowup': vp.scrollBy(-40); app.changed('scroll'); break;
      case 'pagedown': vp.scrollBy(vp.plotH * 0.8); app.changed('scroll'); break;
      case 'pageup': vp.scrollBy(-vp.plotH * 0.8); app.changed('scroll'); break;
      case 'escape':
        if (app.state.help) app.tools.help(false);
        else { app.tools.setRange(0, 0); app.select(null); }
        break;
      case '[': app.stepEvent(-1); break;
      case ']': app.stepEvent(1); break;
      case '?': app.tools.help(); break;
      case 'p': app.togglePin(app.hover?.lane ?? app.selected); break;
      case '/': document.getElementById('search').focus(); break;
      default: return;
    }
    ev.preventDefault();
  });
}
