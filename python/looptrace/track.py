"""looptrace.track: a track (a loop's, or an executor worker thread's) as runtime/src/trace.c
has it: a buffer of records with their sequence numbers, strings and sites interned per track,
and chunks flushed to the sink: when the buffer passes 64 KiB at the start of an event group
(an event and the definitions it refers to always go out in one chunk), when the loop is about
to sleep, and at the end. Drop mode's LOST records and re-definitions are here too."""
import errno
import threading

from . import wire as W

TRACK_BUF = 64 * 1024          # flush threshold
SINK_WAIT_REPORT_NS = 50000    # a flush that stalled longer than this is recorded
STRTAB_RESET = 65536           # interned strings kept before starting over

_R0, _R1, _R2, _R3, _R4 = W.RECORD
_CHUNK = W.CHUNK


class Track:
    __slots__ = ("sink", "id", "kind", "owner", "now", "buf", "count", "first_seq", "dropped",
                 "strings", "sites", "pinned", "next_id", "closed")

    def __init__(self, sink, kind, owner, now):
        """now(): the track's clock in ns (a loop's real or virtual one; real for workers)."""
        self.sink = sink
        self.id = sink.new_track_id()
        self.kind = kind
        self.owner = owner
        self.now = now
        self.buf = bytearray()
        self.count = 0
        self.first_seq = 0
        self.dropped = 0
        self.strings = {}  # text -> id
        self.sites = {}    # a key of the caller's ((id(code), lasti)) -> id
        self.pinned = {}   # id -> the code objects those keys name
        self.next_id = 0
        self.closed = False
        sink.tracks.add(self)
        self._track_record()

    def _track_record(self):
        self.buf += _R3.pack(40, W.EV_TRACK, 0, 0, self.now(), self.kind, threading.get_native_id(),
                             self.owner)
        self.count += 1

    # ---- records ----

    def group(self):
        """Starts an event group: flushes first when the buffer is past its threshold."""
        if len(self.buf) > TRACK_BUF:
            self.flush()

    def rec0(self, kind, flags, task, ts):
        self.buf += _R0.pack(16, kind, flags, task, ts)
        self.count += 1

    def rec1(self, kind, flags, task, ts, a0):
        self.buf += _R1.pack(24, kind, flags, task, ts, a0)
        self.count += 1

    def rec2(self, kind, flags, task, ts, a0, a1):
        self.buf += _R2.pack(32, kind, flags, task, ts, a0, a1)
        self.count += 1

    def rec3(self, kind, flags, task, ts, a0, a1, a2):
        self.buf += _R3.pack(40, kind, flags, task, ts, a0, a1, a2)
        self.count += 1

    def rec4(self, kind, flags, task, ts, a0, a1, a2, a3):
        self.buf += _R4.pack(48, kind, flags, task, ts, a0, a1, a2, a3)
        self.count += 1

    # ---- interning ----

    def string(self, text, ts):
        """The id of text on this track, defining it first when new."""
        i = self.strings.get(text)
        if i is not None:
            return i
        if len(self.strings) >= STRTAB_RESET:
            self._restart(ts)
        b = text.encode("utf-8", "replace")
        if len(b) > W.MAX_INLINE:  # cut there, as the C runtime does, on a character boundary
            b = b[:W.MAX_INLINE].decode("utf-8", "ignore").encode()
        self.next_id += 1
        i = self.strings[text] = self.next_id
        n = len(b)
        pad = -n & 7
        self.buf += _R1.pack(24 + n + pad, W.EV_STRING, 0, 0, ts, i | n << 32)
        self.buf += b
        if pad:
            self.buf += bytes(pad)
        self.count += 1
        return i

    def site(self, key, file, func, line, ts):
        """The id of a source location (file:line in func; key: what the caller knows it by,
        e.g. a code object and a line), defining it first when new."""
        i = self.sites.get(key)
        if i is not None:
            return i
        f = self.string(file, ts)
        g = self.string(func, ts)
        self.next_id += 1
        i = self.sites[key] = self.next_id
        self.buf += _R4.pack(48, W.EV_SITE, 0, 0, ts, i, f, g, line)
        self.count += 1
        return i

    def frame_site(self, frame, ts):
        """The id of the instruction a frame is at, known as (id(code), lasti): cheaper than
        hashing the code object or asking the frame its line, which is done only when new.
        The code object is kept while its id is used."""
        code = frame.f_code
        i = self.sites.get((id(code), frame.f_lasti))
        if i is not None:
            return i
        return self.code_site(code, frame.f_lasti, frame.f_lineno, ts)

    def code_site(self, code, lasti, line, ts):
        """The id of an instruction (at lasti, on line) of a code object (see frame_site)."""
        self.pinned[id(code)] = code
        return self.site((id(code), lasti), code.co_filename, code.co_qualname, line, ts)

    def _restart(self, ts):
        """The string table is full: start over, and say so (readers may forget the old)."""
        self.strings.clear()
        self.sites.clear()
        self.pinned.clear()
        self.rec1(W.EV_INTERN_RESET, 0, 0, ts, self.next_id + 1)

    # ---- chunks ----

    def flush(self, last=False):
        if not self.count:
            return
        hdr = _CHUNK.pack(W.CHUNK_MAGIC, len(self.buf), self.id, self.count, self.first_seq)
        rc, waited = self.sink.write([hdr, self.buf], last)
        dropped = rc == -errno.EAGAIN
        # a LOST record dropped with its chunk is counted again, as the C runtime does
        self.dropped = self.dropped + self.count if dropped else 0
        self.first_seq += self.count
        self.count = 0
        del self.buf[:]  # the same object: a loop may hold it in a local
        if dropped:
            # what the lost chunk defined is unknown to the reader: define it all again
            self.strings.clear()
            self.sites.clear()
            self.pinned.clear()
            self.rec1(W.EV_LOST, 0, 0, self.now(), self.dropped)
            self._track_record()
        elif waited > SINK_WAIT_REPORT_NS:
            self.rec1(W.EV_SINK_WAIT, 0, 0, self.now(), waited)

    def close(self):
        """The track's final flush (never dropped)."""
        if self.closed:
            return
        self.closed = True
        self.flush(last=True)
        self.sink.tracks.discard(self)
