"""looptrace.wire: the trace wire format's constants, the Python twin of runtime/include/lt/wire.h
(docs/wire-format.md says it in prose). tests/python/test_wire.py reads wire.h and fails when
the two differ, so the C and Python producers cannot drift apart."""
import struct

MAGIC = b"LOOPTRC1"
MAGIC_LEN = 8
VERSION = 1
CHUNK_MAGIC = 0x4B43544C  # "LTCK"
MAX_HELLO = 1 << 20
MAX_CHUNK = 1 << 24
MAX_INLINE = 4096
HELLO_SHUFFLED = 1
HELLO_FLIGHT = 2  # a flight recorder's dump (the C runtime's LOOPTRACE=ring:SIZE); not written here

# lt_wire_kind
EV_STRING = 1
EV_SITE = 2
EV_LOST = 3
EV_TRACK = 4
EV_END = 5
EV_SINK_WAIT = 6
EV_INTERN_RESET = 7
EV_LOOP_START = 10
EV_LOOP_ITER = 11
EV_POLL_BEGIN = 12
EV_POLL_END = 13
EV_LOOP_STOP = 14
EV_TASK_CREATE = 20
EV_TASK_READY = 21
EV_TASK_RESUME = 22
EV_TASK_SUSPEND = 23
EV_TASK_DONE = 24
EV_TASK_CANCEL = 25
EV_TASK_RENAME = 26
EV_TIMER_ARM = 30
EV_TIMER_FIRE = 31
EV_TIMER_CANCEL = 32
EV_FUTURE_CREATE = 40
EV_FUTURE_RESOLVE = 41
EV_FUTURE_CALLBACK = 42
EV_EXEC_SUBMIT = 50
EV_EXEC_START = 51
EV_EXEC_END = 52
EV_MARK = 60

# lt_wire_track
TRACK_LOOP = 1
TRACK_WORKER = 2

# lt_wire_clock
CLOCK_REAL = 1
CLOCK_VIRTUAL = 2

# lt_wire_reason (TASK_SUSPEND flags)
REASON_YIELD = 0
REASON_SLEEP = 1
REASON_FUTURE = 2
REASON_TASK = 3
REASON_GATHER = 4
REASON_IO = 5
REASON_LOCK = 6
REASON_EVENT = 7
REASON_SEMAPHORE = 8
REASON_QUEUE = 9
REASON_EXECUTOR = 10
REASON_CONDITION = 11
REASON_BARRIER = 12
REASON_STREAM = 13
REASON_PROCESS = 14
REASON_COUNT = 15

# lt_wire_cause (TASK_READY flags, low nibble)
CAUSE_SPAWN = 1
CAUSE_YIELD = 2
CAUSE_WAKEUP = 3

# lt_wire_waker (TASK_READY flags, high nibble)
WAKER_NONE = 0
WAKER_TASK = 1
WAKER_TIMER = 2
WAKER_IO = 3
WAKER_THREAD = 4
WAKER_LOOP = 5

# lt_wire_outcome
OUTCOME_RESULT = 1
OUTCOME_ERROR = 2
OUTCOME_CANCELLED = 3

# The structs, little-endian as the format says.
CHUNK = struct.Struct("<IIIIQ")  # lt_wire_chunk: magic, bytes, track, count, first_seq
EVENT = struct.Struct("<HBBIq")  # lt_wire_event: size, kind, flags, task, ts
# A record with n u64 args (written as i64: every value the producer sends fits), n = 0..4.
RECORD = tuple(struct.Struct("<HBBIq" + "q" * n) for n in range(5))
