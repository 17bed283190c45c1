// compareinfo.mjs: what the compare view says about the runs before their differences, each
// against the baseline: a run of another program is warned about (its ordering diff and its
// turnarounds pair steps and tasks that have nothing to do with each other); other arguments,
// another clock, another path to the same program and tasks only one side has are noted.
// Pure: from the sessions' rows (docs/api.md, "Session") and their task lists.

const MAX_NAMES = 4;

// The program a session ran, by name (its path's last part).
export function programName(meta) {
  return (meta.program || meta.argv?.[0] || '').split('/').pop() || '(unknown program)';
}

// A command line's arguments as a person would type them ("(none)" for none).
export function argsText(meta) {
  const args = (meta.argv ?? []).slice(1);
  return args.map((a) => (/[\s"']/.test(a) || a === '' ? JSON.stringify(a) : a)).join(' ')
    || '(none)';
}

// "a, b, c and 2 more"
function names(list) {
  const shown = list.slice(0, MAX_NAMES).join(', ');
  return list.length > MAX_NAMES ? `${shown} and ${list.length - MAX_NAMES} more` : shown;
}

// The task names one list has and the other lacks, each name once, in the first list's order.
function onlyIn(tasks, other) {
  const have = new Set(other.map((t) => t.name));
  return [...new Set(tasks.map((t) => t.name).filter((n) => !have.has(n)))];
}

// base, others: {id, meta (the session row), tasks (its task list)}. Returns the notes, the
// warnings first: [{level: 'warn' | 'note', id (the run it is about), what, text}].
export function compareNotes(base, others) {
  const warn = [], note = [];
  const b = base.meta;
  for (const r of others) {
    const m = r.meta, id = r.id;
    if (programName(m) !== programName(b)) {
      warn.push({ level: 'warn', id, what: 'program', text: `#${id} is another program: `
        + `${programName(m)} ${argsText(m)}, the baseline #${base.id} is ${programName(b)} `
        + `${argsText(b)}. Its ordering diff and turnarounds pair unrelated steps and tasks.` });
    } else {
      if (m.program && b.program && m.program !== b.program) {
        note.push({ level: 'note', id, what: 'path', text: `#${id} ran ${programName(m)} from `
          + `another path: ${m.program} (the baseline: ${b.program}).` });
      }
      if (argsText(m) !== argsText(b)) {
        note.push({ level: 'note', id, what: 'args', text: `#${id} ran with other arguments: `
          + `${argsText(m)} (the baseline #${base.id}: ${argsText(b)}).` });
      }
    }
    if (m.clock && b.clock && m.clock !== b.clock) {
      note.push({ level: 'note', id, what: 'clock', text: `#${id} ran under the ${m.clock} `
        + `clock, the baseline under the ${b.clock} one: their times differ in kind.` });
    }
    const mine = onlyIn(r.tasks ?? [], base.tasks ?? []);
    const theirs = onlyIn(base.tasks ?? [], r.tasks ?? []);
    if (mine.length || theirs.length) {
      const parts = [];
      if (mine.length) parts.push(`only #${id} has ${names(mine)}`);
      if (theirs.length) parts.push(`only the baseline #${base.id} has ${names(theirs)}`);
      note.push({ level: 'note', id, what: 'tasks', text: `Tasks by name: ${parts.join('; ')}.` });
    }
  }
  return [...warn, ...note];
}
