"""looptrace: trace CPython asyncio programs onto looptrace's timeline, in its wire format.

    python3 -m looptrace prog.py args...        # an unmodified program that calls asyncio.run
    looptrace record -- python3 -m looptrace prog.py args...

or, in a program that makes its loop itself:

    import looptrace
    looptrace.install()

The trace goes where LOOPTRACE says (file:PATH, unix:PATH, tcp:HOST:PORT), as for a C program on
the runtime, else to the collector listening on the default socket (looptrace serve), else
nowhere. LOOPTRACE_CLOCK=virtual and LOOPTRACE_SHUFFLE=SEED are the same run controls as the C
runtime's; they work untraced too. docs/python.md says what is recorded, per Python version."""
import atexit
import os
import socket
import sys
import threading
import time
from asyncio import base_events, events

from . import loop as _loop
from . import shuffle as _shuffle
from . import sink as _sink
from . import wire as _wire

__all__ = ["install", "mark", "installed"]

_state = {"sink": None, "virtual": False, "seed": None, "installed": False}
_lock = threading.Lock()
_orig_init = base_events.BaseEventLoop.__init__


def default_socket():
    """The collector's default ingest socket, as looptrace serve and looptrace record find it."""
    run = os.environ.get("XDG_RUNTIME_DIR")
    d = f"{run}/looptrace" if run else f"/tmp/looptrace-{os.getuid()}"
    return f"{d}/ingest.sock"


def _collector_listens(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


class _NullSink:
    """Where records go when nothing traces: a loop under the run controls only."""
    active = False

    def __init__(self):
        self.tracks = set()
        self.next_track = 0

    def new_track_id(self):
        self.next_track += 1
        return self.next_track

    def write(self, parts, last):
        return 0, 0


def _open_sink(program, quiet):
    spec = os.environ.get("LOOPTRACE")
    if spec:
        return _sink.open_from_env(program)
    path = default_socket()
    if _collector_listens(path):
        return _sink.open_from_env(program, "unix:" + path)
    if not quiet:
        sys.stderr.write("looptrace: no LOOPTRACE and no collector at " + path +
                         " (looptrace serve); running untraced\n")
    return None


# ---- print() lines as marks ----

class _Lines:
    """sys.stdout, passing everything through; each whole line written while a traced loop
    runs in this thread becomes a mark on the task that wrote it."""

    def __init__(self, out):
        self._lt_out = out
        self._lt_part = ""

    def write(self, s):
        n = self._lt_out.write(s)
        if "\n" not in s:
            self._lt_part += s
            return n
        lines = (self._lt_part + s).split("\n")
        self._lt_part = lines.pop()
        lp = events._get_running_loop()
        if lp is not None and isinstance(lp, _loop.Tracing) and not lp._lt_tr.closed:
            for line in lines:
                mark(line, lp)
        return n

    def __getattr__(self, name):
        return getattr(self._lt_out, name)


def mark(text, loop=None):
    """Marks text on the timeline, on the task running now (the loop's own lane outside one)."""
    lp = loop or events._get_running_loop()
    if lp is None or not isinstance(lp, _loop.Tracing):
        return
    tr = lp._lt_tr
    if tr.closed:
        return
    if lp._lt_new:
        lp._lt_announce()
    tr.group()
    ts = lp._lt_now()
    tr.rec1(_wire.EV_MARK, 0, lp._lt_cur(), ts, tr.string(text, ts))


# ---- install ----

def _traced_init(self, *args, **kwargs):
    _orig_init(self, *args, **kwargs)
    st = _state
    if st["installed"]:
        _loop.attach(self, st["sink"], st["virtual"], st["seed"])


def _virtual_monotonic():
    return _loop.VCLOCK[0] / 1e9


def _virtual_monotonic_ns():
    return _loop.VCLOCK[0]


def installed():
    return _state["installed"]


def install(*, program=None, quiet=False, stdout=True):
    """Traces every asyncio event loop made from now on, and the one running in this thread
    (from here on). Idempotent. program: what the session is called (default: the script)."""
    with _lock:
        if _state["installed"]:
            return
        if program is None:
            program = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else sys.executable
        sink = _open_sink(program, quiet)
        virtual = os.environ.get("LOOPTRACE_CLOCK") == "virtual"
        seed = _shuffle.env_seed()
        if sink is None and not virtual and seed is None:
            return  # nothing to do: the program runs as it would
        if sink is None:
            sink = _NullSink()
        else:
            atexit.register(sink.stop)
            os.register_at_fork(after_in_child=sink.forked)
        _state.update(sink=sink, virtual=virtual, seed=seed, installed=True)
        if virtual:
            # the program reads the time its loop runs on
            time.monotonic = _virtual_monotonic
            time.monotonic_ns = _virtual_monotonic_ns
        base_events.BaseEventLoop.__init__ = _traced_init
        if stdout and sink.active and not isinstance(sys.stdout, _Lines) and sys.stdout is not None:
            sys.stdout = _Lines(sys.stdout)
        running = events._get_running_loop()
        if isinstance(running, base_events.BaseEventLoop):
            _loop.attach(running, sink, virtual, seed)
