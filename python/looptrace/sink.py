"""looptrace.sink: the process's trace sink, as runtime/src/trace_sink.c has it: opening
LOOPTRACE=file:PATH | unix:PATH | tcp:HOST:PORT, the stream's hello (with the shuffle seed),
chunks from every track written whole under one lock, the block and drop policies
(LOOPTRACE_MODE=drop), the END chunk at exit, and carrying on untraced (said once) when the sink
goes away."""
import errno
import os
import select
import socket
import struct
import sys
import threading
import time

from . import shuffle, wire

BLOCK, DROP = 0, 1


def _strerror(e):
    return os.strerror(e) if isinstance(e, int) else os.strerror(e.errno or errno.EIO)


def _open(spec):
    """(fd, sock or None) for a sink spec; raises OSError (EINVAL for a bad spec)."""
    if spec.startswith("file:") and len(spec) > 5:
        return os.open(spec[5:], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644), None
    if spec.startswith("unix:") and len(spec) > 5:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = spec[5:]
        if len(addr.encode()) >= 108:
            s.close()
            raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG))
    elif spec.startswith("tcp:") and len(spec) > 4:
        host, sep, port = spec[4:].rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) <= 65535:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        if host == "localhost":
            host = "127.0.0.1"
        try:
            socket.inet_pton(socket.AF_INET, host)
        except OSError:
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL)) from None
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        addr = (host, int(port))
    else:
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
    try:
        s.connect(addr)
    except OSError:
        s.close()
        raise
    return s.fileno(), s


def _cmdline():
    try:
        with open("/proc/self/cmdline", "rb") as f:
            data = f.read()
    except OSError:
        return [a.encode() for a in sys.orig_argv]
    return data.split(b"\0")[:-1] if data.endswith(b"\0") else data.split(b"\0")


def _str(b):
    return struct.pack("<I", len(b)) + b


class Sink:
    """One per process. write() is called by every track's flush, from any thread."""

    def __init__(self, spec, label, mode, program):
        self.spec = spec
        self.mode = mode
        self.lock = threading.Lock()
        self.active = False
        self.pending = b""  # drop mode: the unwritten rest of a chunk that must go first
        self.next_track = 0
        self.tracks = set()  # tracks not yet flushed for the last time
        self.virtual_default = os.environ.get("LOOPTRACE_CLOCK") == "virtual"
        self.fd, self._sock = _open(spec)
        try:
            self._write_all([self._hello(label, program)])
        except OSError:
            self._close()
            raise
        if mode == DROP and self._sock is not None:
            os.set_blocking(self.fd, False)
        self.active = True

    def _hello(self, label, program):
        argv = _cmdline()
        seed = shuffle.env_seed()
        h = struct.pack("<IB3xqqI", os.getpid(),
                        wire.CLOCK_VIRTUAL if self.virtual_default else wire.CLOCK_REAL,
                        time.time_ns(), time.monotonic_ns(), len(argv))
        h += _str(program.encode("utf-8", "surrogateescape"))
        h += _str((label or "").encode("utf-8", "surrogateescape"))
        for a in argv:
            h += _str(a)
        # the extension after argv: flags (bit 0: shuffled), 0, the seed
        h += struct.pack("<IIQ", wire.HELLO_SHUFFLED if seed is not None else 0, 0, seed or 0)
        return wire.MAGIC + struct.pack("<II", wire.VERSION, len(h)) + h

    def new_track_id(self):
        with self.lock:
            self.next_track += 1
            return self.next_track

    # ---- raw writes ----

    def _write_all(self, parts):
        """Writes every byte of parts, waiting whenever the sink is full."""
        parts = [memoryview(p) for p in parts if len(p)]
        while parts:
            try:
                n = os.writev(self.fd, parts)
            except BlockingIOError:
                select.select([], [self.fd], [])
                continue
            except InterruptedError:
                continue
            while n and parts:
                if n >= len(parts[0]):
                    n -= len(parts[0])
                    parts.pop(0)
                else:
                    parts[0] = parts[0][n:]
                    n = 0

    def _died(self, e):
        if not self.active:
            return
        self.active = False
        sys.stderr.write(f"looptrace: trace sink {self.spec} failed ({_strerror(e)}); "
                         "the program goes on untraced\n")

    def write(self, parts, last):
        """Writes one chunk (header and payload). (0 | -EAGAIN dropped | -EPIPE gone, ns the
        write stalled). `last` waits even in drop mode: a track's final chunk carries the LOST
        record of what was dropped before it."""
        if not self.active:
            return -errno.EPIPE, 0
        with self.lock:
            if not self.active:
                return -errno.EPIPE, 0
            waited = 0
            try:
                if self.mode == BLOCK or last:
                    t0 = time.monotonic_ns()
                    if self.pending:
                        self._write_all([self.pending])
                        self.pending = b""
                    self._write_all(parts)
                    waited = time.monotonic_ns() - t0
                else:
                    if self.pending:
                        n = os.write(self.fd, self.pending)
                        self.pending = self.pending[n:]
                        if self.pending:
                            return -errno.EAGAIN, 0
                    data = b"".join(parts)
                    try:
                        n = os.write(self.fd, data)
                    except BlockingIOError:
                        return -errno.EAGAIN, 0  # nothing of it went out: dropped whole
                    self.pending = data[n:]  # part of it went out: the rest goes first
            except BlockingIOError:
                return -errno.EAGAIN, 0
            except OSError as e:
                self._died(e)
                return -errno.EPIPE, 0
            return 0, waited

    # ---- the end ----

    def _close(self):
        if self._sock is not None:
            self._sock.close()
        else:
            os.close(self.fd)
        self.fd = -1

    def stop(self):
        """Flushes every track and ends the stream with its END chunk."""
        for tr in list(self.tracks):
            tr.close()
        with self.lock:
            if self.fd < 0:
                return
            if self.active:
                self.active = False
                end = wire.CHUNK.pack(wire.CHUNK_MAGIC, wire.EVENT.size, 0, 1, 0) + \
                    wire.EVENT.pack(wire.EVENT.size, wire.EV_END, 0, 0, time.monotonic_ns())
                try:
                    if self.mode == DROP:
                        os.set_blocking(self.fd, True)
                    self._write_all([self.pending, end])
                except OSError:
                    pass
            self._close()

    def forked(self):
        """In a forked child: the stream is the parent's; the child runs untraced."""
        self.active = False
        self.tracks.clear()
        self.lock = threading.Lock()


def open_from_env(program, spec=None):
    """The sink spec (default: LOOPTRACE) names, or None (unset, or it cannot be opened: said on
    stderr), in the mode LOOPTRACE_MODE says, labelled LOOPTRACE_LABEL."""
    spec = spec or os.environ.get("LOOPTRACE")
    if not spec:
        return None
    mode = DROP if os.environ.get("LOOPTRACE_MODE") == "drop" else BLOCK
    try:
        return Sink(spec, os.environ.get("LOOPTRACE_LABEL"), mode, program)
    except OSError as e:
        sys.stderr.write(f"looptrace: cannot trace to LOOPTRACE={spec} ({_strerror(e)}); "
                         "running untraced\n")
        return None
