// api.mjs: the collector's API (docs/api.md): reads over HTTP GET, and one websocket
// (subprotocol looptrace.v1) for the live session list and live records of a session.
// The websocket reconnects by itself; listeners get every push.

// The body of a GET as JSON. Fails with the API's error (err.status: the HTTP status), with
// err.name 'AbortError' when signal aborted it (even while its body was being read), and
// with err.offline when the collector cannot be reached.
export async function getJSON(path, signal) {
  // an aborted read fails as aborted, whatever its body's read failed with (chromium can say
  // "TypeError: Failed to fetch" of a body aborted under a pending read)
  const aborted = (err) => (err.name === 'AbortError' ? err
    : new DOMException(`The read was aborted (${err.message})`, 'AbortError'));
  let res;
  try {
    res = await fetch(path, { signal });
  } catch (err) {
    if (signal?.aborted) throw aborted(err);
    if (err.name !== 'AbortError') err.offline = true;
    throw err;
  }
  let body;
  try {
    body = await res.json();
  } catch (err) {
    if (err.name === 'AbortError' || signal?.aborted) throw aborted(err);
    if (res.ok) throw new Error(`${path}: the reply is not JSON (${err.message})`);
    body = { error: res.statusText };
  }
  if (!res.ok) {
    const err = new Error(body.error ?? `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

const qs = (o) => Object.entries(o).filter(([, v]) => v != null)
  .map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');

// The paths of the reads that may be large (fetchworker.mjs reads them off the main thread).
export const paths = {
  events: (id, from, to, max) => `/api/sessions/${id}/events?${qs({ from, to, max })}`,
  summary: (id, from, to, buckets) => `/api/sessions/${id}/summary?${qs({ from, to, buckets })}`,
};

export const api = {
  sessions: () => getJSON('/api/sessions'),
  session: (id) => getJSON(`/api/sessions/${id}`),
  tasks: (id) => getJSON(`/api/sessions/${id}/tasks`),
  events: (id, from, to, max, signal) => getJSON(paths.events(id, from, to, max), signal),
  summary: (id, from, to, buckets, signal) => getJSON(paths.summary(id, from, to, buckets), signal),
};

// All records of [from, to] (paged by `max`), with the window's initial states.
export async function allEvents(id, from, to, signal, page = 100000) {
  let r = await api.events(id, from, to, page, signal);
  const initial = r.initial;
  const timers = r.timers;
  let events = r.events;
  while (!r.complete) {
    r = await api.events(id, r.next_from, to, page, signal);
    events = events.concat(r.events); // duplicates at next_from are dropped by the window
  }
  return { from: r.from ?? from, to, initial, timers, events };
}

// The records of an `events` push in the rows form (docs/api.md): each row is track, seq,
// ts, flags, task, its shape's index, then the shape's n args; the shape gives the rest of
// the event object (kind, reason, site...), its site shared by the records of that shape.
export function rowsToEvents({ shapes, rows }) {
  const extra = shapes.map((s) => Object.keys(s).filter((k) => k !== 'kind' && k !== 'n'));
  const events = [];
  for (let i = 0; i < rows.length;) {
    const s = rows[i + 5], shape = shapes[s];
    if (!shape) throw new Error(`a rows push with no shape ${s}`);
    const n = shape.n;
    const e = { track: rows[i], seq: rows[i + 1], ts: rows[i + 2], kind: shape.kind,
      flags: rows[i + 3], task: rows[i + 4], args: rows.slice(i + 6, i + 6 + n) };
    for (const k of extra[s]) e[k] = shape[k];
    events.push(e);
    i += 6 + n;
  }
  return events;
}

export class Socket {
  constructor() {
    this.listeners = new Set();
    this.pending = new Map();
    this.nextId = 1;
    this.onopen = new Set();
    this.onclose = new Set();
    this.retry = 1000;
    this.connect();
  }

  connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
    this.ws = new WebSocket(url, 'looptrace.v1');
    this.ready = new Promise((resolve) =>
      this.ws.addEventListener('open', resolve, { once: true }));
    this.ws.addEventListener('open', () => { for (const f of this.onopen) f(); });
    this.ws.addEventListener('message', (m) => {
      let msg;
      try {
        msg = JSON.parse(m.data);
        if (msg.rows) { msg.events = rowsToEvents(msg); msg.rows = msg.shapes = undefined; }
      } catch (err) {
        console.warn('looptrace: a push that cannot be read', err);
        return;
      }
      if (msg.type) for (const f of this.listeners) f(msg);
      else if (this.pending.has(msg.id)) {
        this.pending.get(msg.id)(msg);
        this.pending.delete(msg.id);
      }
    });
    this.ws.addEventListener('open', () => { this.retry = 1000; });
    this.ws.addEventListener('close', () => {
      for (const [, r] of this.pending) r({ ok: false, error: 'connection closed' });
      this.pending.clear();
      for (const f of this.onclose) f();
      // each failed attempt is a line in the console: back off, up to 10 s apart
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(10000, this.retry * 2);
    });
  }

  async ask(op, args = {}) {
    await this.ready;
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, op, ...args }));
    });
  }

  on(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
}
