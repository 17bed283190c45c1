// urlstate.mjs: a link to a moment: the hash holds the session (or the compared sessions and
// the diff entry shown), the axis, the view, the cursor and the selected task, so that a
// pasted link opens the same place. `#session=5&axis=time&view=100,900&cursor=450&task=1:3`,
// `#compare=4,5,6&base=5&entry=12` (base: the run the others are diffed against, when not
// the first). Positions are in the axis' units (ns of the session clock, or steps in event
// order).

const num = (s) => (s != null && s !== '' && Number.isFinite(Number(s)) ? Number(s) : null);

// What a hash says: {session, compare (ids or null), base, axis, view [a, b], cursor, task,
// entry}.
export function parseHash(hash) {
  const out = { session: null, compare: null, base: null, axis: null, view: null, cursor: null,
    task: null, entry: null };
  const body = (hash ?? '').replace(/^#/, '');
  if (!body) return out;
  for (const part of body.split('&')) {
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? null : decodeURIComponent(part.slice(eq + 1));
    if (k === 'session') out.session = num(v);
    else if (k === 'compare') out.compare = (v ?? '').split(',').filter(Boolean).map(Number);
    else if (k === 'axis' && (v === 'time' || v === 'order')) out.axis = v;
    else if (k === 'view') {
      const [a, b] = (v ?? '').split(',').map(num);
      if (a != null && b != null && b > a) out.view = [a, b];
    } else if (k === 'cursor') out.cursor = num(v);
    else if (k === 'task' && /^\d+:\d+$/.test(v ?? '')) out.task = v;
    else if (k === 'entry') out.entry = num(v);
    else if (k === 'base') out.base = num(v);
  }
  return out;
}

// The hash of a place (fields left null are left out); positions rounded to whole units.
export function formatHash(st) {
  const parts = [];
  if (st.compare) {
    parts.push(`compare=${st.compare.join(',')}`);
    if (st.base != null && st.base !== st.compare[0]) parts.push(`base=${st.base}`);
  } else if (st.session != null) parts.push(`session=${st.session}`);
  if (st.entry != null) parts.push(`entry=${st.entry}`);
  if (st.axis) parts.push(`axis=${st.axis}`);
  if (st.view) parts.push(`view=${Math.floor(st.view[0])},${Math.ceil(st.view[1])}`);
  if (st.cursor != null) parts.push(`cursor=${Math.round(st.cursor)}`);
  if (st.task) parts.push(`task=${st.task}`);
  return `#${parts.join('&')}`;
}
