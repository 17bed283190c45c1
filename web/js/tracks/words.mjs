// tracks/words.mjs: how the lane kinds' tooltips say when and how long, from the text
// context (details.mjs): the clock's times and durations, with the number of events (records)
// they span on the order axis.

import { fmtDur, fmtTime } from '../format.mjs';

// The length of [c0, c1] as the clock has it, and in events on the order axis.
export function length(ctx, c0, c1) {
  if (!ctx.steps) return fmtDur(ctx.dur(c0, c1));
  const n = ctx.steps(c0, c1);
  return `${fmtDur(ctx.dur(c0, c1))} (${n} event${n === 1 ? '' : 's'})`;
}

// A place on the axis as the session's time from its start.
export const at = (ctx, t) => fmtTime(ctx.rel(t), 1000);

export const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
