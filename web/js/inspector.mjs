// inspector.mjs: the loop's state at one moment, rebuilt from the records: the ready queue in
// order, the running task, pending timers by deadline, and what every suspended task waits
// on. Replays a window's records up to that moment from the window's initial states and
// pending timers, as the collector gives them for the window's start (exact at any zoom).

import { taskKey } from './model.mjs';

export function loopStateAt(win, t) {
  const ready = [];           // {key, since, cause, waker}
  const waiting = new Map();  // key -> {reason, obj, detail, site, since}
  const timers = new Map();   // track:id -> {id, track, task, deadline, arm}
  let running = null;
  let iter = null;
  // ready tasks queue in the order they became ready: by time, then by record
  const init = win.initial.slice().sort((x, y) => x.since - y.since || (x.seq ?? 0) - (y.seq ?? 0));
  for (const s of init) {
    const key = taskKey(s.track, s.task);
    if (s.state === 'ready') ready.push({ key, since: s.since });
    else if (s.state === 'running') running = { key, since: s.since };
    else if (s.state === 'waiting') {
      waiting.set(key, { reason: s.reason, obj: s.obj, detail: s.detail, site: s.site,
        since: s.since, track: s.track, partial: s.obj === undefined });
    }
  }
  for (const tm of win.initialTimers ?? []) {
    timers.set(`${tm.track}:${tm.id}`, { id: tm.id, track: tm.track, task: tm.task,
      deadline: tm.deadline, arm: tm.armed });
  }
  const dequeue = (key) => {
    const i = ready.findIndex((r) => r.key === key);
    if (i >= 0) ready.splice(i, 1);
  };
  for (const e of win.events) {
    if (e.ts > t) break;
    const key = taskKey(e.track, e.task);
    switch (e.kind) {
      case 'ready':
        waiting.delete(key);
        dequeue(key);
        ready.push({ key, since: e.ts, cause: e.cause, waker: e.waker, wakerId: e.args[0] });
        break;
      case 'resume':
        dequeue(key);
        running = { key, since: e.ts };
        break;
      case 'suspend':
        if (running?.key === key) running = null;
        if (e.reason === 'yield') ready.push({ key, since: e.ts, cause: 'yield' });
        else {
          waiting.set(key, { reason: e.reason, obj: e.args[0], detail: e.args[2], site: e.site,
            since: e.ts, track: e.track });
        }
        break;
      case 'done':
        if (running?.key === key) running = null;
        waiting.delete(key);
        dequeue(key);
        break;
      case 'iter': iter = { n: e.args[0], cbs: e.args[1], ts: e.ts, track: e.track }; break;
      case 'poll': iter = { ...(iter ?? {}), polling: true, timeout: e.args[0], ts: e.ts }; break;
      case 'poll-end': if (iter) iter.polling = false; break;
      case 'timer-arm':
        timers.set(`${e.track}:${e.args[0]}`, { id: e.args[0], track: e.track, task: e.task,
          deadline: e.args[1], arm: e.ts });
        break;
      case 'timer-fire': case 'timer-cancel': timers.delete(`${e.track}:${e.args[0]}`); break;
      default: break;
    }
  }
  return {
    t, running, iter, ready,
    timers: [...timers.values()].sort((x, y) => x.deadline - y.deadline),
    waiting: [...waiting.entries()].map(([key, w]) => ({ key, ...w }))
      .sort((x, y) => x.since - y.since),
    // older collectors gave neither the objects of waits nor the timers pending
    partial: win.initialTimers === undefined
      || win.initial.some((s) => s.state === 'waiting' && s.obj === undefined),
  };
}
