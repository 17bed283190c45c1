// api.mjs: the collector's API (docs/api.md): reads over HTTP GET, and one websocket
// (subprotocol looptrace.v1) for the live session list and live records of a session.
// The websocket reconnects by itself; listeners get every push.

export async function getJSON(path, signal) {
  const res = await fetch(path, { signal });
  const body = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

const qs = (o) => Object.entries(o).filter(([, v]) => v != null).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');

export const api = {
  sessions: () => getJSON('/api/sessions'),
  session: (id) => getJSON(`/api/sessions/${id}`),
  tasks: (id) => getJSON(`/api/sessions/${id}/tasks`),
  events: (id, from, to, max, signal) => getJSON(`/api/sessions/${id}/events?${qs({ from, to, max })}`, signal),
  summary: (id, from, to, buckets, signal) => getJSON(`/api/sessions/${id}/summary?${qs({ from, to, buckets })}`, signal),
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

export class Socket {
  constructor() {
    this.listeners = new Set();
    this.pending = new Map();
    this.nextId = 1;
    this.onopen = new Set();
    this.connect();
  }

  connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
    this.ws = new WebSocket(url, 'looptrace.v1');
    this.ready = new Promise((resolve) => this.ws.addEventListener('open', resolve, { once: true }));
    this.ws.addEventListener('open', () => { for (const f of this.onopen) f(); });
    this.ws.addEventListener('message', (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch { return; }
      if (msg.type) for (const f of this.listeners) f(msg);
      else if (this.pending.has(msg.id)) {
        this.pending.get(msg.id)(msg);
        this.pending.delete(msg.id);
      }
    });
    this.ws.addEventListener('close', () => {
      for (const [, r] of this.pending) r({ ok: false, error: 'connection closed' });
      this.pending.clear();
      setTimeout(() => this.connect(), 1000);
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
