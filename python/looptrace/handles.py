"""looptrace.handles: what a traced loop schedules. Handles that know what they run (a task's
step, a future's done callback, a plain callback, a timer with its id, deadline and arming
order), how a task's step is told from other callables (CPython's C tasks schedule a
TaskStepMethWrapper or their builtin task_wakeup), what the tracer keeps per task, and how a
callback's exception or a future's outcome is read and reported."""
import asyncio
import contextvars
import sys
import types
import weakref
from asyncio import events, format_helpers, futures, tasks

from . import wire as W

_copy_context = contextvars.copy_context

# What a task's scheduled step looks like: CPython's C tasks schedule a TaskStepMethWrapper
# (their first step, a step after a bare yield) or their builtin task_wakeup (the future they
# waited on is done); the pure-Python tasks (asyncio.tasks._PyTask) bound methods.
TASK_TYPES = (asyncio.Task, tasks._PyTask)
FUTURE_TYPES = (asyncio.Future, futures._PyFuture)
BUILTIN = type(len)
METHOD = types.MethodType
PY_STEP = tasks._PyTask._Task__step
PY_WAKEUP = tasks._PyTask._Task__wakeup
GATHERING = tasks._GatheringFuture
SLEEP_CB = futures._set_result_unless_cancelled
SLEEP_CODE = tasks.sleep.__code__
CORO = types.CoroutineType


def _probe_step_type():
    """The type of the callable a C task schedules for its first step (TaskStepMethWrapper,
    which _asyncio does not export), read off a task made on a loop that only records."""
    seen = []

    class Probe(events.AbstractEventLoop):
        def get_debug(self):
            return False

        def call_soon(self, callback, *args, context=None):
            seen.append(type(callback))

    async def nothing():
        pass

    coro = nothing()
    task = asyncio.Task(coro, loop=Probe(), name="probe")  # named: Task-N counts on
    task._log_destroy_pending = False
    coro.close()
    # pure-Python tasks (no _asyncio) schedule bound methods, told apart by PY_STEP instead
    return seen[0] if seen[0] is not METHOD else None


STEP_TYPE = _probe_step_type()

WAKER_NONE = (0, 0)
WAKER_LOOP = (W.WAKER_LOOP << 4, 0)


class TaskRef(weakref.ref):
    """A weak reference to a task that knows the task's key in its loop's table."""
    __slots__ = ("key",)


class TaskInfo:
    """What the tracer keeps about a task: its id on the track, its coroutine (whose await chain
    says where it waits), whether its end was recorded; until announced, what its TASK_CREATE
    and TASK_READY will say (parent, the code and line that made it, what woke it)."""

    __slots__ = ("tid", "coro", "done", "ref", "parent", "site", "waker", "spawn")

    def __init__(self, tid, coro, parent, site, waker, spawn):
        self.tid = tid
        self.coro = coro
        self.done = False
        self.ref = None
        self.parent = parent
        self.site = site
        self.waker = waker
        self.spawn = spawn


# ---- handles that know what they run ----

def handle_init(h, callback, args, loop, context):
    h._context = context if context is not None else _copy_context()
    h._loop = loop
    h._callback = callback
    h._args = args
    h._cancelled = False
    h._repr = None
    h._source_traceback = format_helpers.extract_stack(sys._getframe(2)) if loop._debug else None


class Step(events.Handle):
    """A task's step (its first, one after a yield, or its wake-up)."""
    __slots__ = ("_lt_task", "_lt_info")

    def __init__(self, callback, args, loop, context, task, info):
        # Handle.__init__, inline: this is the hot path of every task switch
        self._context = context if context is not None else _copy_context()
        self._loop = loop
        self._callback = callback
        self._args = args
        self._cancelled = False
        self._repr = None
        self._source_traceback = format_helpers.extract_stack(sys._getframe(1)) \
            if loop._debug else None
        self._lt_task = task
        self._lt_info = info


class Done(events.Handle):
    """A done callback of a future (or task): it runs as caused by what finished the future."""
    __slots__ = ("_lt_fut", "_lt_waker")

    def __init__(self, callback, args, loop, context, fut, waker):
        handle_init(self, callback, args, loop, context)
        self._lt_fut = fut
        self._lt_waker = waker


class Plain(events.Handle):
    """A plain callback (call_soon); _lt_thread: sent by another thread (call_soon_threadsafe)."""
    __slots__ = ("_lt_thread",)

    def __init__(self, callback, args, loop, context, thread):
        handle_init(self, callback, args, loop, context)
        self._lt_thread = thread


class Timer(events.TimerHandle):
    """A timer (call_at, call_later): its id and deadline on the trace clock, its arming order
    (equal deadlines fire in the order they were armed, as the C runtime's do)."""
    __slots__ = ("_lt_id", "_lt_ns", "_lt_seq", "_lt_fired")

    def __init__(self, when, ns, callback, args, loop, context, tid, seq):
        handle_init(self, callback, args, loop, context)
        self._when = when
        self._scheduled = False
        self._lt_id = tid
        self._lt_ns = ns
        self._lt_seq = seq
        self._lt_fired = False

    def __lt__(self, other):
        a = self._when
        b = other._when
        if a != b:
            return a < b
        try:
            return self._lt_seq < other._lt_seq
        except AttributeError:  # a stock timer (a loop traced while it ran)
            return False

    def cancel(self):
        if not self._cancelled and not self._lt_fired:
            loop = self._loop
            tr = loop._lt_tr
            if not tr.closed:
                tr.group()
                tr.rec2(W.EV_TIMER_CANCEL, 0, 0, loop._lt_now(), self._lt_id, 0)
        super().cancel()


OWN = (Done, Plain, Timer)


def report(loop, h, exc):
    """What Handle._run does with a callback's exception."""
    cb = format_helpers._format_callback_source(h._callback, h._args)
    context = {"message": f"Exception in callback {cb}", "exception": exc, "handle": h}
    if h._source_traceback:
        context["source_traceback"] = h._source_traceback
    loop.call_exception_handler(context)


# A TASK_DONE's status says -errno; an exception that is no OSError says -4095, past every
# errno a system call returns (MAX_ERRNO): "Unknown error 4095" where it is shown as one.
EXCEPTION_STATUS = -4095


def status_of(exc):
    e = getattr(exc, "errno", None)
    return -e if isinstance(e, int) and 0 < e < 4095 else EXCEPTION_STATUS


def outcome_of(fut):
    """(outcome, status) of a done future, read without retrieving its exception (which would
    silence asyncio's "exception was never retrieved")."""
    if fut.cancelled():
        return W.OUTCOME_CANCELLED, -125  # -ECANCELED, as the C runtime says it
    exc = fut._exception
    return (W.OUTCOME_RESULT, 0) if exc is None else (W.OUTCOME_ERROR, status_of(exc))



class Adopted:
    """The step running when its loop began to be traced (what _lt_step needs of a Step)."""
    __slots__ = ("_lt_task", "_lt_info")

    def __init__(self, task, info):
        self._lt_task = task
        self._lt_info = info
