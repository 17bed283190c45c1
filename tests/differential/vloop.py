"""vloop.py: the Python side's run-time for generated programs: CPython's own event loop on a
virtual clock (time() is a counter; the selector's select(timeout) jumps it to the next timer
instead of sleeping, as LOOPTRACE_CLOCK=virtual does for the C runtime), the two places where
asyncio leaves an order unspecified fixed to the runtime's documented choice, and the helpers
every generated program prints its outcomes with. Nothing else of asyncio is replaced."""
import asyncio
import heapq
import itertools
import os
import selectors
import socket
import sys
from asyncio import events

# ---- the virtual clock ----


class SeqTimer(events.TimerHandle):
    """A timer ordered by (deadline, arming order): asyncio's heap leaves equal deadlines in an
    unspecified order; the runtime fires them in arming order (docs/runtime.md)."""
    __slots__ = ("_seq", "_ns")

    def __lt__(self, other):
        return (self._when, self._seq) < (other._when, other._seq)

    def __le__(self, other):
        return (self._when, self._seq) <= (other._when, other._seq)

    def __gt__(self, other):
        return (self._when, self._seq) > (other._when, other._seq)

    def __ge__(self, other):
        return (self._when, self._seq) >= (other._when, other._seq)


class VSelector:
    """The loop's selector, except that a select that would sleep until a timer looks at I/O
    once and then moves the virtual clock to that timer (runtime/src/loop.c, run_once)."""

    def __init__(self, loop):
        self._loop = loop
        self._sel = selectors.DefaultSelector()
        self._stopped = False

    def __getattr__(self, name):
        return getattr(self._sel, name)

    def select(self, timeout=None):
        if timeout is None:  # no timer: only another thread (an executor job) can wake us
            return self._sel.select(None)
        if self._stopped:
            return self._sel.select(timeout)
        ev = self._sel.select(0)
        if not ev and timeout > 0 and self._loop._scheduled:
            self._loop._vns = max(self._loop._vns, self._loop._scheduled[0]._ns)
        return ev


class VirtualLoop(asyncio.SelectorEventLoop):
    """asyncio's loop with time() in whole nanoseconds from 0."""

    def __init__(self):
        self._vns = 0
        self._tseq = itertools.count()
        super().__init__(VSelector(self))

    def time(self):
        return self._vns / 1e9

    def call_at(self, when, callback, *args, context=None):
        # One deadline, one float: a deadline is rounded to the nanosecond, as the runtime keeps
        # it, so two timers due at the same instant compare equal and then by arming order.
        ns = round(when * 1e9)
        self._check_closed()
        timer = SeqTimer(ns / 1e9, callback, args, self, context)
        timer._seq = next(self._tseq)
        timer._ns = ns
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer


# ---- set order: asyncio iterates sets where the runtime keeps creation order ----


class OrderedSet:
    """The set operations TaskGroup uses on its _tasks, iterating in insertion order."""

    def __init__(self):
        self._d = {}

    def add(self, x):
        self._d[x] = None

    def discard(self, x):
        self._d.pop(x, None)

    def __iter__(self):
        return iter(list(self._d))

    def __len__(self):
        return len(self._d)

    def __bool__(self):
        return bool(self._d)

    def __contains__(self, x):
        return x in self._d


class OrderedTaskGroup(asyncio.TaskGroup):
    """3.11's TaskGroup cancels its children, when it aborts, in the order of a set (by id, so
    unspecified); the runtime cancels them in creation order. This one iterates in creation
    order; LT_DIFF_CPYTHON_SETS=1 runs the unmodified TaskGroup (docs/runtime.md's table)."""

    def __init__(self):
        super().__init__()
        self._tasks = OrderedSet()


TaskGroup = asyncio.TaskGroup if os.environ.get("LT_DIFF_CPYTHON_SETS") else OrderedTaskGroup

# ---- what programs print with ----


class Err(Exception):
    """A task's own error: code is the errno the C side returns (negated)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def first_leaf(e):
    while isinstance(e, BaseExceptionGroup):
        e = e.exceptions[0]
    return e


def fmt(x):
    """An outcome as both sides print it: a value, errN, timeout, cancelled, shutdown."""
    if isinstance(x, BaseExceptionGroup):
        x = first_leaf(x)
    if isinstance(x, asyncio.CancelledError):
        return "cancelled"
    if isinstance(x, TimeoutError):
        return "timeout"
    if isinstance(x, Err):
        return "err%d" % x.code
    if isinstance(x, asyncio.BrokenBarrierError):
        return "err32"  # the runtime's -EPIPE
    if isinstance(x, ValueError):
        return "err22"  # BoundedSemaphore released too often: the runtime's -EINVAL
    if isinstance(x, BaseException):
        return "exc:" + type(x).__name__
    if isinstance(x, list):
        return "[" + ",".join(fmt(v) for v in x) + "]"
    if x is None:
        return "none"
    return str(x)


def fmt_group(e):
    """A TaskGroup's outcome: its errors in the order they happened, each as its first error."""
    if isinstance(e, BaseExceptionGroup):
        return "group[" + ",".join(fmt(x) for x in e.exceptions) + "]"
    return fmt(e)


def fmt_fut(f):
    if f.cancelled():
        return "cancelled"
    e = f.exception()
    return fmt(e) if e is not None else fmt(f.result())


def out(s):
    sys.stdout.write(s + "\n")


WATCHDOG_S = 1000  # far beyond any program's own timers
_wd = {"n": 0, "created": None, "main": None}


def watchdog():
    """Every task waits and no timer is left but this one: a deadlock. Print it, cancel every
    task not done in creation order and then main, and look again in WATCHDOG_S; the third time,
    stop (both sides stop there, so what they printed until then is still compared)."""
    _wd["n"] += 1
    out("deadlock")
    if _wd["n"] >= 3:
        sys.stdout.flush()
        os._exit(0)
    for _, t in list(_wd["created"]):
        if not t.done():
            t.cancel()
    _wd["main"].cancel()
    asyncio.get_running_loop().call_later(WATCHDOG_S, watchdog)


def arm_watchdog(created):
    _wd["created"], _wd["main"] = created, asyncio.current_task()
    return asyncio.get_running_loop().call_later(WATCHDOG_S, watchdog)


def job(v):
    """An executor job: returns its argument, or fails with it when negative."""
    if v < 0:
        raise Err(-v)
    return v


def run(main):
    """asyncio.run(main()) on the virtual loop (asyncio.Runner: the same shutdown steps), then
    main's outcome. Once main is done the clock stops: asyncio.run's shutdown steps run what is
    due, as the runtime's do, and never jump to a timer (that would be a race with the thread
    that joins the executor's)."""
    async def top():
        try:
            return await main()
        finally:
            asyncio.get_running_loop()._selector._stopped = True
    try:
        with asyncio.Runner(loop_factory=VirtualLoop) as r:
            v = r.run(top())
    except BaseException as e:
        v = e
    out("main " + fmt(v))
    sys.stdout.flush()


# ---- the program's objects ----

_T, _F = [], []


def bind(tasks, futures):
    global _T, _F
    _T, _F = tasks, futures


def mk(x):
    """An element of gather / as_completed: a task, fI (a future), sMS (sleep(MS ms) -> MS)."""
    if not isinstance(x, str):
        return x
    n = int(x[1:])
    return _F[n] if x[0] == "f" else asyncio.sleep(n / 1000, n)


_PAIRS = []


def pairs(n):
    """n connected non-blocking socket pairs (AF_UNIX, stream): (a, b) each."""
    _PAIRS[:] = []
    for _ in range(n):
        a, b = socket.socketpair()
        a.setblocking(False)
        b.setblocking(False)
        _PAIRS.append((a, b))


def send(i, n):
    """Writes n bytes into pair i (a never-full buffer: a few bytes at a time)."""
    _PAIRS[i][0].send(b"x" * n)


async def recv(i):
    """loop.sock_recv on pair i: how many bytes it read (up to 64)."""
    return len(await asyncio.get_running_loop().sock_recv(_PAIRS[i][1], 64))


def inner(kind, *rest):
    """What wait_for waits on: tK fI sMS, eI (Event.wait), gI (Queue.get), pI V (Queue.put),
    rI (recv on pair I)."""
    n = int(kind[1:])
    k = kind[0]
    if k == "r":
        return recv(n)
    if k == "t":
        return _T[n]
    if k in "fs":
        return mk(kind)
    objs = _OBJS[k]
    if k == "e":
        return objs[n].wait()
    if k == "g":
        return objs[n].get()
    return objs[n].put(int(rest[0]))


_OBJS = {}


def bind_objs(events, queues):
    _OBJS["e"], _OBJS["g"], _OBJS["p"] = events, queues, queues


def b(x):
    return "1" if x else "0"


async def drain(created):
    """main's end: cancel every task not done, in creation order, then await each and print its
    outcome (asyncio.run would cancel leftovers in set order: unspecified)."""
    i = 0
    while i < len(created):
        if not created[i][1].done():
            created[i][1].cancel()
        i += 1
    i = 0
    while i < len(created):
        name, t = created[i]
        try:
            v = await t
        except asyncio.CancelledError:
            o = "cancelled"
        except BaseException as e:
            o = fmt(e)
        else:
            o = fmt(v)
        out("end %s %s" % (name, o))
        i += 1


# ---- part 2's objects ----

async def wait(els, mode, timeout):
    """asyncio.wait: which of els (in their order) are done (d) or pending (p) (sets: no order)."""
    when = [asyncio.ALL_COMPLETED, asyncio.FIRST_COMPLETED, asyncio.FIRST_EXCEPTION][mode]
    done, pending = await asyncio.wait(els, timeout=timeout, return_when=when)
    return "".join("d" if x in done else "p" for x in els)


def reschedule(cm, ms):
    """A timeout scope moved, at its start, to now + ms (-1: None)."""
    try:
        cm.reschedule(None if ms < 0 else asyncio.get_running_loop().time() + ms / 1000)
    except RuntimeError:
        return "err22"
    return "ok"


async def cwait(conds, counts, i, k):
    """async with C: wait(), or wait_for(a count of notifies >= k) when k > 0."""
    async with conds[i]:
        if k:
            return await conds[i].wait_for(lambda: counts[i] >= k)
        return await conds[i].wait()


async def cnotify(conds, counts, i, n):
    """async with C: count one more, notify(n) (0: notify_all)."""
    async with conds[i]:
        counts[i] += 1
        conds[i].notify(n) if n else conds[i].notify_all()


def block_release(sem, label):
    """The release ending a semaphore block: a BoundedSemaphore's ValueError is printed, not
    raised (out of main it would skip the drain)."""
    if release(sem) != "ok":
        out(label + " release err22")


def semaphore(v, bounded):
    return asyncio.BoundedSemaphore(v) if bounded else asyncio.Semaphore(v)


def release(sem):
    """A release outside a block: BoundedSemaphore's ValueError is the runtime's -EINVAL."""
    try:
        sem.release()
    except ValueError:
        return "err22"
    return "ok"


class PItem:
    """A PriorityQueue item ordered by its value mod 3 alone: equal keys come out in heapq's
    order, which is what the comparison checks."""
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __lt__(self, other):
        return self.v % 3 < other.v % 3


class KeyedPriorityQueue(asyncio.PriorityQueue):
    def _put(self, item):
        heapq.heappush(self._queue, PItem(item))

    def _get(self):
        return heapq.heappop(self._queue).v


def put_many(q, values):
    """put_nowait of each value: o(k) or f(ull) for each."""
    r = ""
    for v in values:
        try:
            q.put_nowait(v)
        except asyncio.QueueFull:
            r += "f"
        else:
            r += "o"
    return r


def get_many(q, n):
    """get_nowait n times: each value, or e(mpty)."""
    r = []
    for _ in range(n):
        try:
            r.append(str(q.get_nowait()))
        except asyncio.QueueEmpty:
            r.append("e")
    return ",".join(r)


def queue(maxsize, kind):
    return [asyncio.Queue, asyncio.LifoQueue, KeyedPriorityQueue][kind](maxsize)
