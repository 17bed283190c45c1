// lanes.mjs: the rows of the timeline, top to bottom: for each loop (track) its own lane
// (iterations: running callbacks against polling), its timers lane, then one lane per task
// in creation order, each nested under the task that created it, then the worker threads
// that serve that loop. Lanes pinned stay on top (the loop's by default) while the rest
// scroll; a collapsed task hides its subtree; tasks can be hidden (finished before the view,
// or not matching a search).

import { taskKey } from './model.mjs';
import { TRACKS } from './tracks/index.mjs';

// tasks: the API's tasks (creation order); workers: [{track, loop}]; timerRows: rows per loop;
// opts: {pinned: Set of keys, collapsed: Set of task keys, hide(task) -> true to leave out}.
export function buildLanes(tasks, loopTracks, workers = [], timerRows = () => 1, opts = {}) {
  const pinned = opts.pinned ?? new Set(), collapsed = opts.collapsed ?? new Set();
  const hide = opts.hide ?? (() => false);
  const tracks = new Set(loopTracks);
  for (const t of tasks) tracks.add(t.track);
  const lanes = [];
  for (const track of [...tracks].sort((a, b) => a - b)) {
    if (workers.some((w) => w.track === track)) continue;
    const multi = tracks.size > 1;
    lanes.push({ kind: 'loop', track, key: `loop:${track}`,
      name: multi ? `event loop ${track}` : 'event loop', depth: 0 });
    const rows = timerRows(track);
    lanes.push({ kind: 'timers', track, key: `timers:${track}`, name: 'timers', depth: 0, rows });
    const mine = tasks.filter((t) => t.track === track);
    const children = new Map();
    const known = new Set(mine.map((t) => t.task));
    for (const t of mine) {
      const parent = known.has(t.parent) && t.parent !== t.task ? t.parent : 0;
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(t);
    }
    const visit = (parent, depth) => {
      for (const t of children.get(parent) ?? []) {
        const key = taskKey(track, t.task);
        const kids = children.get(t.task)?.length ?? 0;
        const shut = collapsed.has(key);
        if (!hide(t)) {
          lanes.push({ kind: 'task', track, task: t.task, key, name: t.name, depth, info: t,
            children: kids, collapsed: shut && kids > 0 });
        }
        if (!shut) visit(t.task, depth + 1);
      }
    };
    visit(0, 0);
    for (const w of workers.filter((x) => x.loop === track || !tracks.has(x.loop)))
      lanes.push({ kind: 'worker', track: w.track, key: `worker:${w.track}`,
        name: `worker thread ${w.track}`, depth: 0 });
  }
  // pinned lanes first, in their order, then the others
  const ordered = [...lanes.filter((l) => pinned.has(l.key)),
    ...lanes.filter((l) => !pinned.has(l.key))];
  let y = 0, pinnedH = 0;
  for (const l of ordered) {
    l.pinned = pinned.has(l.key);
    l.y = y;
    l.h = TRACKS[l.kind].height(l);
    y += l.h;
    if (l.pinned) pinnedH = y;
  }
  return { lanes: ordered, height: y, pinnedH };
}
