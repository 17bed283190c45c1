"""test_controls: the run controls, as the C runtime has them. LOOPTRACE_CLOCK=virtual: the
loop's time (and the program's time.monotonic) jumps to the next timer instead of sleeping,
traced or not. LOOPTRACE_SHUFFLE=SEED: each iteration's ready batch in the seeded order the C
runtime draws (demo_fifo prints alike in both languages, seed for seed); shuffled runs of a
FIFO-dependent program fall into several groups in `looptrace orderings`, and a seed replays its
run. A seed is read as strtoull reads it, and a bad one is said as the C runtime says it."""
import ctypes
import os
import subprocess
import time
import unittest

from harness import BIN, PYTHON, SOURCE, ScratchTest, lines
from looptrace import shuffle

DEMO = os.path.join(SOURCE, "python", "examples", "demo_fifo.py")


class ControlsTest(ScratchTest):
    def test_the_virtual_clock_jumps_and_the_program_reads_it(self):
        prog = self.s.write("long.py", "import asyncio, time\n"
                          "async def main():\n"
                          "    t0, l0 = time.monotonic(), asyncio.get_running_loop().time()\n"
                          "    await asyncio.gather(*(asyncio.sleep(d) for d in (30, 100, 70)))\n"
                          "    l1 = asyncio.get_running_loop().time()\n"
                          "    print(time.monotonic() - t0, l1 - l0)\n"
                          "asyncio.run(main())\n")
        for env in ({"LOOPTRACE": "file:" + self.s.file("v.ltr")}, {}):  # traced, and not
            with self.subTest(traced=bool(env)):
                t0 = time.monotonic()
                r = self.s.py([prog], LOOPTRACE_CLOCK="virtual", **env)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, "100.0 100.0\n")
                self.assertLess(time.monotonic() - t0, 20)
        text = self.s.dump(self.s.file("v.ltr"))
        self.assertIn("clock: virtual", text)
        self.assertIn("100.000000000 1 loop loop-stop", text)

    def test_shuffle_permutes_as_the_c_runtime_does(self):
        for seed in ("1", "2", "3", "4", "5", "6", "7", "0x10", "010", "18446744073709551615"):
            with self.subTest(seed=seed):
                r = self.s.py([DEMO], LOOPTRACE_SHUFFLE=seed)
                want = subprocess.run([os.path.join(BIN, "demo_fifo")], capture_output=True,
                                      text=True, env=self.s.env(LOOPTRACE_SHUFFLE=seed)).stdout
                self.assertEqual(r.stdout, want)
        fifo = self.s.py([DEMO])
        self.assertEqual(fifo.stdout, "A\nB\nC\nD\nE\n")

    def test_shuffled_runs_group_and_a_seed_replays(self):
        rec = self.s.looptrace("record", "--db", self.s.db, "--name", "fifo", "--clock", "virtual",
                               "--runs", "8", "--shuffle", "1", "--", PYTHON, "-m", "looptrace",
                               DEMO)
        self.assertEqual(rec.returncode, 0, rec.stderr)
        r = self.s.looptrace("orderings", "--db", self.s.db, "--label", "fifo")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)  # more than one ordering
        self.assertRegex(r.stdout, r"^8 runs: [2-8] distinct orderings, [2-8] distinct outputs")
        seeds = self.s.sql("SELECT label, shuffle_seed FROM sessions ORDER BY id")
        self.assertEqual(seeds, [(f"fifo#{k}", k) for k in range(1, 9)])
        # replay run 3 (seed 3): the same ordering, the same lines
        three = self.s.session("fifo#3")
        again = self.s.record_py("replay", [DEMO], "--clock", "virtual", "--shuffle", "3")
        d = self.s.looptrace("diff", "--db", self.s.db, str(three), str(again))
        self.assertEqual(d.returncode, 0, d.stdout)
        self.assertNotIn("across languages", d.stdout)
        self.assertEqual(self.s.marks(again), self.s.marks(three))
        # and the FIFO run is another one
        fifo = self.s.record_py("plain", [DEMO], "--clock", "virtual")
        self.assertEqual(self.s.marks(fifo), lines("A\nB\nC\nD\nE\n"))

    def test_a_shuffled_python_run_orders_as_its_c_port(self):
        py = self.s.record_py("py", [DEMO], "--clock", "virtual", "--shuffle", "5")
        c = self.s.record("c", [os.path.join(BIN, "demo_fifo")], "--clock", "virtual",
                          "--shuffle", "5")
        d = self.s.looptrace("diff", "--db", self.s.db, str(py), str(c))
        self.assertEqual(d.returncode, 0, d.stdout)
        self.assertIn("across languages", d.stdout)

    def test_seeds_read_as_strtoull_reads_them(self):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.strtoull.restype = ctypes.c_ulonglong
        libc.strtoull.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int]
        for text in ("0", "7", "  7", "+7", "0x1F", "0X1f", "017", "08", "0x", "1x", "-1", "",
                     "18446744073709551615", "18446744073709551616", "99999999999999999999"):
            with self.subTest(text=text):
                end = ctypes.c_char_p()
                ctypes.set_errno(0)
                v = libc.strtoull(text.encode(), ctypes.byref(end), 0)
                ok = ctypes.get_errno() == 0 and end.value == b"" and not text.startswith("-") \
                    and text.strip() != ""
                self.assertEqual(shuffle.parse_seed(text), v if ok else None)

    def test_a_bad_seed_is_said_and_the_run_stays_fifo(self):
        r = self.s.py([DEMO], LOOPTRACE_SHUFFLE="12x")
        self.assertEqual(r.stdout, "A\nB\nC\nD\nE\n")
        self.assertIn("looptrace: LOOPTRACE_SHUFFLE=12x is not a seed (a whole number from 0 to "
                      "2^64-1); the ready queue stays FIFO\n", r.stderr)


if __name__ == "__main__":
    unittest.main()
