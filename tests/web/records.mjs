// records.mjs: a small session's records as the API gives them (docs/api.md), for the unit
// tests of web/js: main spawns T1 and awaits it; T1 prints, sleeps 100 µs on timer 7, is
// woken by it and finishes, waking main, which finishes. Times in ns from 1,000,000.
export const T0 = 1_000_000;
let seq = 0;
const r = (dt, kind, task, extra = {}) => ({ ts: T0 + dt, track: 1, seq: ++seq, task, kind, args: [], ...extra });

export const EVENTS = [
  r(0, 'create', 1, { name: 'main', args: [0] }),
  r(0, 'ready', 1, { cause: 'spawn', waker: 'none', args: [0] }),
  r(10, 'iter', 0, { args: [1, 1] }),
  r(20, 'resume', 1),
  r(30, 'create', 2, { name: 'T1', args: [1] }),
  r(30, 'ready', 2, { cause: 'spawn', waker: 'task', args: [1] }),
  r(40, 'suspend', 1, { reason: 'task', args: [2, 0, 0], site: { file: 'a/b/main.c', line: 9, func: 'amain' } }),
  r(50, 'resume', 2),
  r(60, 'mark', 2, { text: 'hi' }),
  r(70, 'timer-arm', 2, { args: [7, T0 + 100_070] }),
  r(70, 'suspend', 2, { reason: 'sleep', args: [7, 0, T0 + 100_070] }),
  r(80, 'poll', 0, { args: [100_000] }),
  r(100_080, 'poll-end', 0, { args: [0] }),
  r(100_090, 'timer-fire', 0, { args: [7, 20] }),
  r(100_090, 'ready', 2, { cause: 'wakeup', waker: 'timer', args: [7] }),
  r(100_100, 'iter', 0, { args: [2, 1] }),
  r(100_110, 'resume', 2),
  r(100_120, 'done', 2, { outcome: 'ok' }),
  r(100_120, 'ready', 1, { cause: 'wakeup', waker: 'task', args: [2] }),
  r(100_130, 'resume', 1),
  r(100_140, 'done', 1, { outcome: 'ok' }),
];
