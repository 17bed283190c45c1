// steps.mjs: a run's ordering steps as the collector reads them (collector/model/ordering.c):
// its resume, suspend, done, mark and timer-fire records, track by track in sequence order.
// Step k of /api/diff is the k-th of them: how the compare view finds, in each run, the
// record of a diff entry, and where a run stands at another run's step.

// The kinds of step records, as /api/diff names them.
export const STEP_KIND = { resume: 'resume', suspend: 'suspend', done: 'done', mark: 'mark',
  'timer-fire': 'fire' };

// The ranks (places in the merged order of `events`) of the step records, by step index.
export function stepRanks(events) {
  const steps = [];
  events.forEach((e, rank) => {
    if (e.kind in STEP_KIND) steps.push({ rank, track: e.track, seq: e.seq });
  });
  steps.sort((x, y) => x.track - y.track || x.seq - y.seq);
  return steps.map((s) => s.rank);
}

// Where run b stands at run a's step `a`, from their diff (a: the first run): b's index of
// the same step, or of its next step when b lacks it; null when the diff's entries do not
// reach that far or b has ended.
export function stepInOther(diff, a) {
  if (diff.same) return a;
  const entries = diff.entries;
  const nextB = (k) => entries.slice(k).find((x) => x.b != null)?.b ?? null;
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k];
    if (e.op === 'skip') {
      if (a >= e.a && a < e.a + e.count) return e.b + (a - e.a);
    } else if (e.a === a) return nextB(k);
  }
  return null;
}
