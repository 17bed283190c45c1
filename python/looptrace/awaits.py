"""looptrace.awaits: what a suspended task waits on, read from its coroutine's await chain (each
coroutine's cr_await, each generator's gi_yieldfrom): the reason (the first asyncio function on
the chain that says what it is: sleep, a lock, a queue, gather, a task group, I/O ...; else the
kind of future it waits on) and the await's site (the program's frame that called into asyncio).
Also the site a task was created at: the first frame on the stack outside asyncio and looptrace."""
import asyncio
import os
import sys
import types

from . import wire as W

ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep
OWN_DIR = os.path.dirname(__file__) + os.sep

USER = -1   # a frame of the program
PASS = -2   # an asyncio frame that says nothing by itself (a context manager's __aenter__ ...)

# (module, qualified name) -> reason: the asyncio functions a program awaits.
_SPECIFIC = {
    ("tasks", "sleep"): W.REASON_SLEEP,
    ("tasks", "wait"): W.REASON_GATHER,
    ("tasks", "_wait"): W.REASON_GATHER,
    ("tasks", "wait_for"): W.REASON_GATHER,
    ("tasks", "as_completed.<locals>._wait_for_one"): W.REASON_GATHER,     # 3.11, 3.12
    ("tasks", "_AsCompletedIterator._wait_for_one"): W.REASON_GATHER,      # 3.13
    ("taskgroups", "TaskGroup.__aexit__"): W.REASON_GATHER,
    ("taskgroups", "TaskGroup._aexit"): W.REASON_GATHER,                   # 3.13
    ("staggered", "staggered_race"): W.REASON_GATHER,
    ("locks", "Lock.acquire"): W.REASON_LOCK,
    ("locks", "Event.wait"): W.REASON_EVENT,
    ("locks", "Condition.wait"): W.REASON_CONDITION,
    ("locks", "Condition.wait_for"): W.REASON_CONDITION,
    ("locks", "Semaphore.acquire"): W.REASON_SEMAPHORE,
    ("locks", "Barrier.wait"): W.REASON_BARRIER,
    ("locks", "Barrier.abort"): W.REASON_BARRIER,
    ("locks", "Barrier.reset"): W.REASON_BARRIER,
    ("queues", "Queue.get"): W.REASON_QUEUE,
    ("queues", "Queue.put"): W.REASON_QUEUE,
    ("queues", "Queue.join"): W.REASON_QUEUE,
    ("streams", "StreamReader.read"): W.REASON_STREAM,
    ("streams", "StreamReader.readline"): W.REASON_STREAM,
    ("streams", "StreamReader.readuntil"): W.REASON_STREAM,
    ("streams", "StreamReader.readexactly"): W.REASON_STREAM,
    ("streams", "StreamReader._wait_for_data"): W.REASON_STREAM,
    ("streams", "StreamWriter.drain"): W.REASON_STREAM,
    ("subprocess", "Process.wait"): W.REASON_PROCESS,
    ("subprocess", "Process.communicate"): W.REASON_PROCESS,
    ("base_subprocess", "BaseSubprocessTransport._wait"): W.REASON_PROCESS,
    ("threads", "to_thread"): W.REASON_EXECUTOR,
    ("base_events", "BaseEventLoop.getaddrinfo"): W.REASON_EXECUTOR,
    ("base_events", "BaseEventLoop.getnameinfo"): W.REASON_EXECUTOR,
}
# Modules whose every coroutine waits on a file descriptor (sockets, pipes, streams, processes).
_IO_MODULES = {"streams", "selector_events", "unix_events", "base_subprocess", "subprocess",
               "sslproto", "proactor_events", "windows_events"}
_IO_PREFIXES = ("BaseEventLoop.create_", "BaseEventLoop.sock_", "BaseEventLoop.sendfile",
                "BaseEventLoop.start_tls", "BaseEventLoop.connect_", "BaseEventLoop.subprocess_",
                "BaseEventLoop._sendfile", "BaseEventLoop._sock_", "BaseEventLoop._create_",
                "BaseEventLoop._connect_")

# id(code object) -> USER, PASS or a reason. By id: a code object hashes its whole bytecode
# each time it is hashed; _pinned keeps every code object classified alive, so ids stay theirs.
_codes = {}
_skip = {}  # id(code object) -> whether it is asyncio's or looptrace's (spawn_frame)
_pinned = []


def _classify(code):
    fn = code.co_filename
    if not fn.startswith(ASYNCIO_DIR):
        return USER
    mod = fn[len(ASYNCIO_DIR):].rsplit(".", 1)[0]
    q = code.co_qualname
    r = _SPECIFIC.get((mod, q))
    if r is not None:
        return r
    if mod in _IO_MODULES or (mod == "base_events" and q.startswith(_IO_PREFIXES)):
        return W.REASON_IO
    return PASS


_CORO = types.CoroutineType
_GEN = types.GeneratorType


def await_chain(coro):
    """(reason or None, site frame or None) of a suspended coroutine: the first asyncio
    function on its await chain that says what it waits for (None: none does), and the frame
    of the program that awaited it (or the innermost frame when asyncio is not on the chain).
    Code objects classify the chain: asyncio's frames are never touched (asking a coroutine
    for its frame makes a frame object, and asyncio's coroutines are short-lived)."""
    site = r = None
    obj = coro
    codes = _codes
    entered = False  # inside asyncio: the site is fixed
    while obj is not None:
        t = type(obj)
        if t is _CORO:
            code = obj.cr_code
            nxt = obj.cr_await
        elif t is _GEN:
            code = obj.gi_code
            nxt = obj.gi_yieldfrom
        else:
            break
        r = codes.get(id(code))
        if r is None:
            r = codes[id(code)] = _classify(code)
            _pinned.append(code)
        if r == USER:
            if not entered:
                site = obj
        else:
            entered = True
            if r >= 0:
                break
        obj = nxt
    else:
        r = None
    if r is not None and r < 0:
        r = None
    if site is None:
        return r, None
    return r, site.cr_frame if type(site) is _CORO else site.gi_frame


def spawn_frame(depth):
    """The first frame, from sys._getframe(depth) outwards, that is the program's (not asyncio's
    nor looptrace's), or None."""
    try:
        f = sys._getframe(depth + 1)
    except ValueError:
        return None
    skip = _skip
    while f is not None:
        code = f.f_code
        s = skip.get(id(code))
        if s is None:
            s = skip[id(code)] = code.co_filename.startswith((ASYNCIO_DIR, OWN_DIR))
            _pinned.append(code)
        if not s:
            return f
        f = f.f_back
    return None
