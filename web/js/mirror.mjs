// mirror.mjs: the timeline as text, for screen readers and tests: a list of the lanes (task
// lanes nested as in the timeline, with data-await "awaiter" / "awaited" on those tinted for
// the selected task's await edges) and the marks in the order the program printed them,
// each with its time on the session clock (marks come placed on the axis, orderaxis.mjs:
// data-at is that place, data-ts the clock's time).

import { esc, fmtTime } from './format.mjs';

export function updateMirror(laneList, markList, lanes, marks, app, axis) {
  laneList.innerHTML = lanes.map((l) => `<li data-kind="${l.kind}" data-key="${esc(l.key)}" `
    + `data-depth="${l.depth}"${l.await ? ` data-await="${l.await}"` : ''}>${esc(l.name)}</li>`)
    .join('');
  const origin = app.data?.start ?? 0;
  markList.innerHTML = marks.slice(0, 5000).map((m) => {
    const ts = axis.time(m.ts);
    const where = `${esc(app.nameOf(m.track, m.task))}, ${fmtTime(ts - origin, 1000)}`;
    return `<li data-ts="${ts}" data-at="${m.ts}" data-task="${m.track}:${m.task}">`
      + `<span class="text">${esc(m.text)}</span> <span class="where">(${where})</span></li>`;
  }).join('');
}
