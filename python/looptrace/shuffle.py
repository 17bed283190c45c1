"""looptrace.shuffle: shuffle mode, as runtime/src/shuffle.c has it. With LOOPTRACE_SHUFFLE=SEED
every loop iteration still runs exactly the callbacks that were ready when it began, in an
order drawn from a seeded splitmix64 instead of FIFO. The process's first loop starts from SEED,
its n-th (from 0) from SEED + n * golden ratio; the batch is permuted by Fisher-Yates from the
back, j = (next() * (i + 1)) >> 64, exactly as the C runtime does."""
import itertools
import os
import sys

M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15

_DIGITS = {8: set("01234567"), 10: set("0123456789"), 16: set("0123456789abcdefABCDEF")}
_env = []  # [seed or None], read once
_loops = itertools.count()


def parse_seed(v):
    """LOOPTRACE_SHUFFLE's value as strtoull(v, 0) reads it (decimal, 0x hex, 0 octal); None
    when it is not a whole number from 0 to 2^64-1."""
    s = v.lstrip(" \t\n\v\f\r")
    if s.startswith("-"):
        return None
    if s.startswith("+"):
        s = s[1:]
    base = 10
    if s[:2].lower() == "0x" and len(s) > 2:
        base, s = 16, s[2:]
    elif s.startswith("0") and len(s) > 1:
        base, s = 8, s[1:]
    if not s or not set(s) <= _DIGITS[base]:
        return None
    n = int(s, base)
    return n if n <= M64 else None


def env_seed():
    """The seed of LOOPTRACE_SHUFFLE, or None for FIFO (unset, empty, "off", or not a seed:
    said once on stderr)."""
    if not _env:
        v = os.environ.get("LOOPTRACE_SHUFFLE")
        seed = None
        if v and v != "off":
            seed = parse_seed(v)
            if seed is None:
                sys.stderr.write(f"looptrace: LOOPTRACE_SHUFFLE={v} is not a seed (a whole number "
                                 "from 0 to 2^64-1); the ready queue stays FIFO\n")
        _env.append(seed)
    return _env[0]


class Shuffler:
    """One loop's generator."""

    __slots__ = ("state",)

    def __init__(self, seed):
        self.state = (seed + next(_loops) * GOLDEN) & M64

    def next(self):
        z = self.state = (self.state + GOLDEN) & M64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def permute(self, batch):
        """Shuffles the list batch in place."""
        for i in range(len(batch) - 1, 0, -1):
            j = (self.next() * (i + 1)) >> 64
            batch[i], batch[j] = batch[j], batch[i]
