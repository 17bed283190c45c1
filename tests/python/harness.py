"""harness: what the Python producer's tests share: the programs (LT_BIN_DIR's looptrace and C
ports, the oracle's .py and .out files, the package under python/), an environment that never
reaches the default collector socket, runs of `python3 -m looptrace`, `looptrace record` into a
temporary database and reading it back (sqlite3)."""
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

BIN = os.environ["LT_BIN_DIR"]
ORACLE = os.environ["LT_ORACLE_DIR"]
SOURCE = os.environ["LT_SOURCE_DIR"]
PYTHON = os.environ.get("LT_PYTHON") or sys.executable
LOOPTRACE = os.path.join(BIN, "looptrace")
PACKAGE = os.path.join(SOURCE, "python")
SEEDS = ["seed_countdown", "seed_fetch_numbers", "seed_no_await", "seed_ordering",
         "seed_say_after", "seed_taskgroup", "seed_ten_jobs"]


def oracle(seed):
    with open(os.path.join(ORACLE, seed + ".out")) as f:
        return f.read()


def script(seed):
    return os.path.join(ORACLE, seed + ".py")


class Scratch:
    """A temporary directory; XDG_RUNTIME_DIR points into it, so neither the programs nor
    `looptrace record` ever find a collector on the machine's default socket."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="lt-py-")
        self.path = self._dir.name
        self.db = self.file("t.db")

    def file(self, name):
        return os.path.join(self.path, name)

    def write(self, name, text):
        """A file of the scratch directory (its folders made), holding text; its path."""
        path = self.file(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def env(self, **extra):
        e = {k: v for k, v in os.environ.items() if not k.startswith("LOOPTRACE")}
        e["PYTHONPATH"] = PACKAGE
        e["XDG_RUNTIME_DIR"] = self.path
        e.update({k: str(v) for k, v in extra.items() if v is not None})
        for k in [k for k, v in extra.items() if v is None]:
            e.pop(k, None)
        return e

    def py(self, args, timeout=60, **env):
        """python3 -m looptrace ARGS..."""
        return subprocess.run([PYTHON, "-m", "looptrace", *args], capture_output=True, text=True,
                              env=self.env(**env), timeout=timeout, cwd=self.path)

    def looptrace(self, *args, timeout=120):
        return subprocess.run([LOOPTRACE, *args], capture_output=True, text=True,
                              env=self.env(), timeout=timeout, cwd=self.path)

    def record(self, name, argv, *opts):
        """looptrace record --db DB --name NAME OPTS -- ARGV; the session's id."""
        r = self.looptrace("record", "--db", self.db, "--name", name, *opts, "--", *argv)
        if r.returncode != 0:
            raise AssertionError(f"record {name} exited {r.returncode}: {r.stderr}")
        return self.session(name)

    def record_py(self, name, args, *opts):
        return self.record(name, [PYTHON, "-m", "looptrace", *args], *opts)

    def sql(self, query, *params):
        with sqlite3.connect(self.db) as c:
            return c.execute(query, params).fetchall()

    def session(self, label):
        rows = self.sql("SELECT id FROM sessions WHERE label = ? ORDER BY id DESC", label)
        if not rows:
            raise AssertionError(f"no session {label}")
        return rows[0][0]

    def marks(self, session):
        return [t for (t,) in self.sql("SELECT text FROM marks WHERE session = ? ORDER BY rowid",
                                       session)]

    def tasks(self, session):
        return self.sql("SELECT task, name, parent, spawn_file, spawn_func, spawn_line, outcome "
                        "FROM tasks WHERE session = ? ORDER BY track, task", session)

    def dump(self, trace):
        r = self.looptrace("dump", trace)
        if r.returncode != 0:
            raise AssertionError(f"looptrace dump {trace}: {r.stderr}")
        return r.stdout

    def close(self):
        self._dir.cleanup()


class ScratchTest(unittest.TestCase):
    """A test with a fresh Scratch (self.s) each."""

    def setUp(self):
        self.s = Scratch()

    def tearDown(self):
        self.s.close()


def lines(text):
    return text.rstrip("\n").split("\n")
