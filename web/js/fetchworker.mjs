// fetchworker.mjs: the reads whose JSON is large (summary tiles, pages of records), fetched
// and parsed off the page's main thread: this module is both the Worker and, offThread, the
// page's side of it (which does the same work itself where there is no Worker: node's tests).
// A summary comes back as a tile (tileOf); a page of records as its head, then its records
// in slices of SLICE, each a message of its own, so that the page applies them a slice per
// task (one 20,000-record page parsed and applied at once blocked it for 150-450 ms).
// Messages in: {id, url, as: 'summary' | 'events' | 'json'} and {id, abort: true}; out:
// {id, body} (a tile or JSON), {id, head, slices} then {id, slice} x slices, {id, error}.

import { getJSON } from './api.mjs';
import { tileOf } from './tracks/summary.mjs';

export const SLICE = 2000;

const running = new Map(); // id -> AbortController

// The records of page r the caller keeps: all when the page is complete, else those before
// next_from (the next page starts there).
export function kept(r) {
  return r.complete ? r.events : r.events.filter((e) => e.ts < r.next_from);
}

// What a read answers, as messages (the same work the page does when it has no worker);
// post(message, buffers): the buffers it may move rather than copy.
export async function answer(url, as, signal, post) {
  const r = await getJSON(url, signal);
  if (as === 'summary') {
    const { tile, buffers } = tileOf(r);
    return post({ body: tile }, buffers);
  }
  if (as !== 'events') return post({ body: r });
  const events = kept(r);
  const slices = Math.ceil(events.length / SLICE);
  post({ head: { ...r, events: undefined, kept: events.length }, slices });
  for (let i = 0; i < slices; i++) post({ slice: events.slice(i * SLICE, (i + 1) * SLICE) });
}

// The page's side: one worker for the page, made on first use.
let worker = null;
let nextId = 1;
const jobs = new Map(); // id -> {post, fail}

function theWorker() {
  if (worker !== null) return worker;
  worker = false;
  if (typeof Worker === 'undefined' || typeof window === 'undefined') return worker;
  try {
    worker = new Worker(new URL('./fetchworker.mjs', import.meta.url), { type: 'module' });
  } catch { return (worker = false); }
  worker.onmessage = ({ data }) => jobs.get(data.id)?.post(data);
  worker.onerror = (ev) => { // it could not load: the page reads for itself from now on
    ev.preventDefault?.();
    worker = false;
    for (const [, j] of jobs) j.fail();
  };
  return worker;
}

// Reads url as `as` (see the top) off the main thread: resolves with the body (a tile or
// JSON) or, for 'events', the page's head once onSlice(records, head) has had every slice (a
// task each); fails as
// getJSON does (err.status, err.offline, AbortError when signal aborts it).
export function offThread(url, as, signal, onSlice = () => {}) {
  // a message in; what the read resolves with once it is the last
  let head = null, left = 0;
  const take = (m) => {
    if (m.body !== undefined) return { value: m.body };
    if (m.head) { head = m.head; left = m.slices; }
    else if (m.slice) { onSlice(m.slice, head); left--; }
    return head && !left ? { value: head } : null;
  };
  const w = theWorker();
  if (!w) {
    let out;
    return answer(url, as, signal, (m) => { out = take(m) ?? out; }).then(() => out.value);
  }
  return new Promise((resolve, reject) => {
    const id = nextId++;
    const done = () => { jobs.delete(id); signal?.removeEventListener('abort', onAbort); };
    const onAbort = () => {
      w.postMessage({ id, abort: true });
      done();
      reject(new DOMException('The read was aborted', 'AbortError'));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    jobs.set(id, {
      post: (m) => {
        if (m.error) { done(); return reject(Object.assign(new Error(m.error.message), m.error)); }
        const out = take(m);
        if (out) { done(); resolve(out.value); }
      },
      fail: () => { done(); offThread(url, as, signal, onSlice).then(resolve, reject); },
    });
    w.postMessage({ id, url: new URL(url, location.href).href, as });
  });
}

if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  self.onmessage = async ({ data }) => {
    const { id } = data;
    if (data.abort) { running.get(id)?.abort(); return; }
    const ctl = new AbortController();
    running.set(id, ctl);
    try {
      await answer(data.url, data.as, ctl.signal,
        (m, buffers = []) => self.postMessage({ id, ...m }, buffers));
    } catch (err) {
      self.postMessage({ id, error: { name: err.name, message: err.message, status: err.status,
        offline: err.offline } });
    } finally {
      running.delete(id);
    }
  };
}
