"""looptrace.loop: a traced asyncio event loop. Tracing mixes into the loop's own class (any
BaseEventLoop: asyncio.run's, or one a program makes itself): _run_once is asyncio's, written
again with its records (iterations and their ready counts, polls, timers firing, task steps) and
the run controls (the virtual clock, shuffle mode); call_soon and call_at make handles that know
what they are (a task's step, a done callback of a future, a timer), which is how task creation,
readiness (cause and waker), suspension (reason and await site) and ends are seen without
touching CPython's C tasks. runtime/src/loop.c is the model it follows record for record."""
import heapq
import itertools
import threading
import time
import weakref
from asyncio import base_events, tasks
from asyncio.log import logger

from . import awaits, shuffle
from . import wire as W
from .handles import (BUILTIN, CORO, FUTURE_TYPES, GATHERING, METHOD, OWN, PY_STEP, PY_WAKEUP,
                      SLEEP_CB, SLEEP_CODE, STEP_TYPE, TASK_TYPES, WAKER_LOOP, WAKER_NONE,
                      Adopted, Done, Plain, Step, TaskInfo, TaskRef, Timer, outcome_of, report,
                      status_of)
from .track import TRACK_BUF, Track

_R0, _R1, _R2, _R3 = W.RECORD[:4]
# the real clock, whatever the virtual clock does to time.monotonic
_mono_ns = time.monotonic_ns
_monotonic = time.monotonic

# The process's virtual clock (ns), shared by the loops that run under it: it starts at 0 and
# jumps to the next timer whenever a loop has nothing else to do.
VCLOCK = [0]

class Tracing:
    """The mixin: class TracedX(Tracing, X) for a loop class X (see attach()). The state lives
    in _lt_* attributes; _lt_step is the step handle running now (None: no task runs), and
    _lt_waker what runs otherwise (a timer, a done callback, I/O, another thread, the loop)."""

    # ---- the clock ----

    def time(self):
        if self._lt_virtual:
            return VCLOCK[0] / 1e9
        return _monotonic()

    def _lt_vnow(self):
        return VCLOCK[0]

    # ---- who runs now ----

    def _lt_cur(self):
        """The task running now (0: none)."""
        step = self._lt_step
        return step._lt_info.tid if step is not None else 0

    def _lt_wk(self):
        """The waker: (its kind << 4, its id)."""
        step = self._lt_step
        return (W.WAKER_TASK << 4, step._lt_info.tid) if step is not None else self._lt_waker

    # ---- ids ----

    def _lt_obj(self):
        self._lt_next_obj += 1
        return self._lt_next_obj

    def _lt_fid(self, fut):
        """The id of a future (a task's task id)."""
        if isinstance(fut, TASK_TYPES):
            info = self._lt_tasks.get(id(fut))
            if info is None:  # made before the loop was traced
                info = self._lt_register(fut, False)
                self._lt_announce()
            return info.tid
        try:
            i = self._lt_fids.get(fut)
            if i is None:
                i = self._lt_fids[fut] = self._lt_obj()
            return i
        except TypeError:  # not weakly referenceable
            return 0

    # ---- tasks ----

    def _lt_register(self, task, spawn):
        """A task seen for the first time: its identity now (parent, the program's line that
        made it, what woke it), its records when announced (its name may still be set). A task
        first seen later than its first step (made before the loop was traced) has neither
        parent nor spawn site."""
        tid = self._lt_next_task
        self._lt_next_task = tid + 1
        f = awaits.spawn_frame(2) if spawn else None
        try:
            coro = task.get_coro()
        except AttributeError:
            coro = None
        info = TaskInfo(tid, coro, self._lt_cur() if spawn else 0,
                        (f.f_code, f.f_lasti, f.f_lineno) if f else None, self._lt_wk(), spawn)
        key = id(task)
        info.ref = TaskRef(task, self._lt_forget)
        info.ref.key = key
        self._lt_tasks[key] = info
        self._lt_new.append((task, info))
        return info

    def _lt_announce(self):
        """TASK_CREATE (and READY of its first step) of each task registered since."""
        new = self._lt_new
        tr = self._lt_tr
        while new:
            task, info = new.pop(0)
            tr.group()
            ts = self._lt_now()
            name = tr.string(task.get_name(), ts)
            site = tr.code_site(*info.site, ts) if info.site is not None else 0
            runs = getattr(info.coro, "__qualname__", None)
            runs = tr.string(runs, ts) if isinstance(runs, str) else 0
            tr.rec4(W.EV_TASK_CREATE, 0, info.tid, ts, info.parent, name, site, runs)
            if info.spawn:
                bits, wid = info.waker
                tr.rec2(W.EV_TASK_READY, W.CAUSE_SPAWN | bits, info.tid, ts, wid, 0)

    def _lt_done(self, task, info):
        info.done = True
        outcome, status = outcome_of(task)
        tr = self._lt_tr
        tr.group()
        tr.rec2(W.EV_TASK_DONE, outcome, info.tid, self._lt_now(), status, 0)

    def _lt_resolved(self, fut):
        """FUTURE_RESOLVE of a future whose callbacks are being scheduled, which is the moment it
        was resolved (once per future; a sleep's future is told by its timer's fire)."""
        key = id(fut)
        if key == self._lt_last_resolved:
            return
        self._lt_last_resolved = key
        firing = self._lt_firing
        if firing is not None and firing._callback is SLEEP_CB and firing._args[0] is fut:
            return
        outcome, status = outcome_of(fut)
        tr = self._lt_tr
        tr.group()
        tr.rec2(W.EV_FUTURE_RESOLVE, outcome, 0, self._lt_now(), self._lt_fid(fut), status)

    def _lt_suspend(self, task, info, w):
        """The task gave the loop back waiting on w: why, on what, from which line."""
        reason, f = awaits.await_chain(info.coro)
        obj = detail = 0
        sleep = self._lt_last_sleep
        if sleep is not None and sleep[0] is w:
            timer = sleep[1]
            if reason is None or reason == W.REASON_SLEEP:
                reason = W.REASON_SLEEP
                obj, detail = timer._lt_id, timer._lt_ns
            self._lt_last_sleep = None
        if reason is None:
            if isinstance(w, TASK_TYPES):
                reason = W.REASON_TASK
            elif isinstance(w, GATHERING):
                reason = W.REASON_GATHER
            else:
                job = self._lt_execs.get(w)
                if job is not None:
                    reason, detail = W.REASON_EXECUTOR, job
                else:
                    reason = W.REASON_FUTURE
        elif reason == W.REASON_EXECUTOR:
            detail = self._lt_execs.get(w, 0)
        if not obj:
            obj = self._lt_fid(w)
        tr = self._lt_tr
        ts = self._lt_now()
        site = tr.frame_site(f, ts) if f is not None else 0
        tr.rec3(W.EV_TASK_SUSPEND, reason, info.tid, ts, obj, site, detail)

    def _lt_ended(self, fut):
        """fut's callbacks are being scheduled: when it is the task running now, it just ended,
        and its end goes before whatever it wakes (as the C runtime records it)."""
        step = self._lt_step
        if step is not None and step._lt_task is fut and not step._lt_info.done:
            self._lt_done(fut, step._lt_info)

    # ---- scheduling ----

    def call_soon(self, callback, *args, context=None):
        if self._closed:
            raise RuntimeError("Event loop is closed")
        if self._debug:
            self._check_thread()
            self._check_callback(callback, "call_soon")
        cls = type(callback)
        if cls is STEP_TYPE or (cls is METHOD and callback.__func__ is PY_STEP):
            # a first step (a task we have not seen) or one after a bare yield (no READY: the
            # SUSPEND with reason yield says it)
            task = callback.__self__
            info = self._lt_tasks.get(id(task))
            if info is None:
                info = self._lt_register(task, True)
            h = Step(callback, args, self, context, task, info)
        elif (cls is BUILTIN and callback.__name__ == "task_wakeup") or \
                (cls is METHOD and callback.__func__ is PY_WAKEUP):
            task = callback.__self__
            info = self._lt_tasks.get(id(task))
            if info is None:  # a task made before its loop was traced
                info = self._lt_register(task, False)
            if self._lt_new:
                self._lt_announce()
            fut = args[0]
            if isinstance(fut, TASK_TYPES):
                self._lt_ended(fut)
            else:
                self._lt_resolved(fut)
            obj = self._lt_fid(fut)
            tr = self._lt_tr
            tr.group()
            bits, wid = self._lt_wk()
            tr.rec2(W.EV_TASK_READY, W.CAUSE_WAKEUP | bits, info.tid, self._lt_now(), wid, obj)
            h = Step(callback, args, self, context, task, info)
        elif len(args) == 1 and isinstance(args[0], FUTURE_TYPES):
            if self._lt_new:
                self._lt_announce()
            fut = args[0]
            if isinstance(fut, TASK_TYPES):
                self._lt_ended(fut)
                info = self._lt_tasks.get(id(fut))
                waker = (W.WAKER_TASK << 4, info.tid) if info is not None else self._lt_wk()
            else:
                self._lt_resolved(fut)
                waker = self._lt_wk()
            h = Done(callback, args, self, context, fut, waker)
        else:
            h = Plain(callback, args, self, context, False)
        self._ready.append(h)
        return h

    def call_soon_threadsafe(self, callback, *args, context=None):
        if self._closed:
            raise RuntimeError("Event loop is closed")
        if self._debug:
            self._check_callback(callback, "call_soon_threadsafe")
        h = Plain(callback, args, self, context, True)
        self._ready.append(h)
        self._write_to_self()
        return h

    def call_at(self, when, callback, *args, context=None):
        if when is None:
            raise TypeError("when cannot be None")
        if self._closed:
            raise RuntimeError("Event loop is closed")
        if self._debug:
            self._check_thread()
            self._check_callback(callback, "call_at")
        ns = round(when * 1e9)
        if self._lt_virtual:
            when = ns / 1e9  # one deadline, one float: equal deadlines compare equal
        self._lt_next_obj += 1
        tid = self._lt_next_obj
        timer = Timer(when, ns, callback, args, self, context, tid, next(self._lt_seq))
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        if callback is SLEEP_CB:
            self._lt_last_sleep = (args[0], timer)
        if self._lt_new:
            self._lt_announce()
        tr = self._lt_tr
        tr.group()
        tr.rec2(W.EV_TIMER_ARM, 0, self._lt_cur(), self._lt_now(), tid, ns)
        return timer

    def run_in_executor(self, executor, func, *args):
        if self._closed:
            raise RuntimeError("Event loop is closed")
        job = self._lt_obj()
        if self._lt_new:
            self._lt_announce()
        tr = self._lt_tr
        tr.group()
        tr.rec2(W.EV_EXEC_SUBMIT, 0, self._lt_cur(), self._lt_now(), job, 0)
        fut = super().run_in_executor(executor, _job, tr.sink, tr.id, job, func, args)
        self._lt_execs[fut] = job
        return fut

    def _process_events(self, event_list):
        # which fd each ready reader or writer is for: what it resolves was woken by I/O
        if event_list:
            io = self._lt_io
            try:
                for key, mask in event_list:
                    reader, writer = key.data
                    if reader is not None:
                        io[reader] = key.fd
                    if writer is not None:
                        io[writer] = key.fd
            except (TypeError, ValueError):
                pass
        super()._process_events(event_list)

    # ---- one iteration: BaseEventLoop._run_once, traced ----

    def _run_once(self):
        if self._lt_step is not None:
            self._lt_adopted()
        sched = self._scheduled
        n = len(sched)
        if (n > base_events._MIN_SCHEDULED_TIMER_HANDLES and self._timer_cancelled_count / n >
                base_events._MIN_CANCELLED_TIMER_HANDLES_FRACTION):
            kept = []
            for h in sched:
                if h._cancelled:
                    h._scheduled = False
                else:
                    kept.append(h)
            heapq.heapify(kept)
            self._scheduled = sched = kept
            self._timer_cancelled_count = 0
        else:
            while sched and sched[0]._cancelled:
                self._timer_cancelled_count -= 1
                h = heapq.heappop(sched)
                h._scheduled = False

        ready = self._ready
        virtual = self._lt_virtual
        timeout = None
        jump = False
        if ready or self._stopping:
            timeout = 0
        elif sched:
            if virtual:
                timeout = 0  # look at I/O once, then jump the clock instead of sleeping
                jump = sched[0]._lt_ns > VCLOCK[0]
            else:
                timeout = min(max(0, sched[0]._when - self.time()),
                              base_events.MAXIMUM_SELECT_TIMEOUT)
        tr = self._lt_tr
        now = self._lt_now
        if self._lt_new:
            self._lt_announce()
        idle = timeout != 0 or jump
        if idle:
            tr.group()
            wait = -1 if timeout is None else \
                sched[0]._lt_ns - VCLOCK[0] if jump else int(timeout * 1e9)
            tr.rec1(W.EV_POLL_BEGIN, 0, 0, now(), wait)
            if not jump:
                tr.flush()  # about to sleep: what happened so far goes out now
        event_list = self._selector.select(timeout)
        nev = len(event_list)
        if nev:
            self._process_events(event_list)
        event_list = None
        if jump and not nev and not ready and sched and sched[0]._lt_ns > VCLOCK[0]:
            VCLOCK[0] = sched[0]._lt_ns
        if idle:
            tr.rec1(W.EV_POLL_END, 0, 0, now(), nev)

        if virtual:
            vnow = VCLOCK[0]
            while sched and sched[0]._lt_ns <= vnow:
                h = heapq.heappop(sched)
                h._scheduled = False
                ready.append(h)
        else:
            end_time = self.time() + self._clock_resolution
            while sched:
                if sched[0]._when >= end_time:
                    break
                h = heapq.heappop(sched)
                h._scheduled = False
                ready.append(h)

        # Run exactly the callbacks that are ready now; in shuffle mode, in a seeded order.
        self._lt_iter += 1
        ntodo = len(ready)
        buf = tr.buf
        if len(buf) > TRACK_BUF:
            tr.flush()
        buf += _R2.pack(32, W.EV_LOOP_ITER, 0, 0, now(), self._lt_iter, ntodo)
        tr.count += 1
        if self._lt_shuffle is not None and ntodo > 1:
            batch = [ready.popleft() for _ in range(ntodo)]
            self._lt_shuffle.permute(batch)
            batch.reverse()
            ready.extendleft(batch)
        sites = tr.sites
        io = self._lt_io
        debug = self._debug
        chain = awaits.await_chain
        for _ in range(ntodo):
            h = ready.popleft()
            if h._cancelled:
                continue
            if len(buf) > TRACK_BUF:
                tr.flush()
            cls = type(h)
            if cls is Step:
                info = h._lt_info
                tid = info.tid
                buf += _R0.pack(16, W.EV_TASK_RESUME, 0, tid, now())
                tr.count += 1
                self._lt_step = h
                if debug:
                    self._lt_run_debug(h)
                else:
                    try:
                        h._context.run(h._callback, *h._args)
                    except (SystemExit, KeyboardInterrupt):
                        self._lt_step = None
                        raise
                    except BaseException as exc:
                        report(self, h, exc)
                if self._lt_new:
                    self._lt_announce()
                task = h._lt_task
                if task.done():
                    if not info.done:
                        self._lt_done(task, info)
                else:
                    w = task._fut_waiter
                    if w is None:  # a bare yield (sleep(0)): ready again already
                        c = info.coro
                        # the usual shape first: the task's own coroutine awaits sleep(0)
                        if type(c) is CORO and type(a := c.cr_await) is CORO and \
                                a.cr_code is SLEEP_CODE:
                            f = c.cr_frame
                        else:
                            f = chain(c)[1]
                        ts = now()
                        if f is None:
                            site = 0
                        else:
                            site = sites.get((id(f.f_code), f.f_lasti))
                            if site is None:
                                site = tr.frame_site(f, ts)
                        buf += _R3.pack(40, W.EV_TASK_SUSPEND, W.REASON_YIELD, tid, ts, 0, site, 0)
                        tr.count += 1
                    else:
                        self._lt_suspend(task, info, w)
                self._lt_step = None
                continue
            if cls is Timer:
                h._lt_fired = True
                ts = now()
                tr.rec2(W.EV_TIMER_FIRE, 0, 0, ts, h._lt_id, ts - h._lt_ns)
                self._lt_waker = (W.WAKER_TIMER << 4, h._lt_id)
                self._lt_firing = h
            elif cls is Done:
                fut = h._lt_fut
                tr.rec2(W.EV_FUTURE_CALLBACK, 1 if isinstance(fut, TASK_TYPES) else 0, 0, now(),
                        self._lt_fid(fut), 0)
                self._lt_waker = h._lt_waker
            elif cls is Plain:
                if h._lt_thread:
                    a = h._args
                    job = self._lt_execs.get(a[0], 0) if a and isinstance(a[0], FUTURE_TYPES) \
                        else 0
                    self._lt_waker = (W.WAKER_THREAD << 4, job)
                else:
                    self._lt_waker = WAKER_LOOP
            else:
                fd = io.pop(h, None) if io else None
                self._lt_waker = (W.WAKER_IO << 4, fd) if fd is not None else WAKER_LOOP
            if debug:
                self._lt_run_debug(h)
            elif cls not in OWN:
                h._run()
            else:
                try:
                    h._context.run(h._callback, *h._args)
                except (SystemExit, KeyboardInterrupt):
                    raise
                except BaseException as exc:
                    report(self, h, exc)
            self._lt_firing = None
            self._lt_waker = WAKER_NONE
        h = None
        if io:
            io.clear()
        if self._lt_new:
            self._lt_announce()

    def _lt_adopted(self):
        """The task that traced the loop it ran on (attach() in its step) has given the loop
        back since: how (the rest of that iteration ran untraced, as its task)."""
        step = self._lt_step
        self._lt_step = None
        task, info = step._lt_task, step._lt_info
        if task.done():
            if not info.done:
                self._lt_done(task, info)
        elif task._fut_waiter is not None:
            self._lt_suspend(task, info, task._fut_waiter)

    def _lt_run_debug(self, h):
        """A handle as the stock loop runs it in debug mode (slow callbacks are logged)."""
        try:
            self._current_handle = h
            t0 = self.time()
            h._run()
            dt = self.time() - t0
            if dt >= self.slow_callback_duration:
                logger.warning("Executing %s took %.3f seconds", base_events._format_handle(h), dt)
        finally:
            self._current_handle = None

    # ---- the end ----

    def close(self):
        if self.is_running():
            raise RuntimeError("Cannot close a running event loop")
        tr = self._lt_tr
        if not self._closed and not tr.closed:
            if self._lt_new:
                self._lt_announce()
            tr.group()
            tr.rec0(W.EV_LOOP_STOP, 0, 0, self._lt_now())
            tr.close()
        super().close()


# ---- executor jobs, on their worker threads' tracks ----

_worker = threading.local()


def _job(sink, loop_track, job, func, args):
    tr = getattr(_worker, "track", None)
    if tr is None or tr.closed or tr.sink is not sink:
        tr = _worker.track = Track(sink, W.TRACK_WORKER, loop_track, _mono_ns)
    tr.group()
    tr.rec2(W.EV_EXEC_START, 0, 0, _mono_ns(), job, loop_track)
    status = 0
    try:
        return func(*args)
    except BaseException as exc:
        status = status_of(exc)
        raise
    finally:
        tr.rec2(W.EV_EXEC_END, 0, 0, _mono_ns(), job, status)
        tr.flush()  # going idle: nothing held back


# ---- attaching ----

_classes = {}


def traced_class(cls):
    """The traced subclass of a loop class."""
    t = _classes.get(cls)
    if t is None:
        t = _classes[cls] = type(cls.__name__, (Tracing, cls), {"__module__": cls.__module__})
    return t


def attach(loop, sink, virtual, seed):
    """Makes loop a traced loop writing to sink (a new track), under the virtual clock or not,
    shuffled (seed) or FIFO (None)."""
    if isinstance(loop, Tracing):
        return
    # A loop that already has timers keeps the real clock (their deadlines are on it).
    virtual = virtual and not loop._scheduled
    loop.__class__ = traced_class(type(loop))
    loop._lt_virtual = virtual
    loop._lt_now = loop._lt_vnow if virtual else _mono_ns
    loop._lt_tasks = tasks_ = {}
    loop._lt_forget = lambda ref: tasks_.pop(ref.key, None)  # a task is gone: its id is free
    loop._lt_new = []
    loop._lt_next_task = 1
    loop._lt_next_obj = 0
    loop._lt_seq = itertools.count()
    loop._lt_fids = weakref.WeakKeyDictionary()
    loop._lt_execs = weakref.WeakKeyDictionary()
    loop._lt_io = {}
    loop._lt_iter = 0
    loop._lt_step = None
    loop._lt_waker = WAKER_NONE
    loop._lt_firing = None
    loop._lt_last_sleep = None
    loop._lt_last_resolved = 0
    loop._lt_shuffle = shuffle.Shuffler(seed) if seed is not None else None
    tr = loop._lt_tr = Track(sink, W.TRACK_LOOP, 0, loop._lt_now)
    tr.rec0(W.EV_LOOP_START, W.CLOCK_VIRTUAL if virtual else W.CLOCK_REAL, 0, loop._lt_now())
    # Traced from a task's step (install() in a running program): that task runs now.
    task = tasks.current_task(loop) if loop.is_running() else None
    if task is not None:
        info = loop._lt_register(task, False)
        loop._lt_announce()
        tr.rec0(W.EV_TASK_RESUME, 0, info.tid, loop._lt_now())
        loop._lt_step = Adopted(task, info)

