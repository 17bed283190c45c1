"""test_entry: the ways into a traced run. `python3 -m looptrace SCRIPT ARGS` and `-m MODULE`
run a program as python3 would (its argv, its folder on sys.path, its exit status, its
traceback); `import looptrace; looptrace.install()` traces loops a program makes itself, and the
loop running when it is called; with no LOOPTRACE the trace goes to the collector on the
default socket, and with none there the program runs untouched; loops in several threads are
tracks of one stream; asyncio's debug mode still reports slow callbacks."""
import os
import re
import signal
import subprocess
import time
import unittest

from harness import LOOPTRACE, PYTHON, ScratchTest, script

SMALL = ("import asyncio, sys\n"
         "async def main():\n    await asyncio.sleep(0)\n    print('argv', sys.argv[1:])\n")


class EntryTest(ScratchTest):
    def trace(self, name="t.ltr"):
        return self.s.file(name)

    def test_a_script_runs_as_python3_runs_it(self):
        self.s.write("app/helper.py", "GREETING = 'hello from a sibling module'\n")
        prog = self.s.write("app/main.py", SMALL + "import helper\nprint(helper.GREETING)\n"
                          "asyncio.run(main())\nsys.exit(3)\n")
        r = self.s.py([prog, "a", "--b"], LOOPTRACE="file:" + self.trace())
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertEqual(r.stdout, "hello from a sibling module\nargv ['a', '--b']\n")
        text = self.s.dump(self.trace())
        self.assertRegex(text, r"program: .*/app/main\.py\n")
        self.assertIn("Task-1 mark \"argv ['a', '--b']\"", text)

    def test_a_module_runs_with_dash_m(self):
        self.s.write("pkg/__init__.py", "")
        self.s.write("pkg/tool.py", SMALL + "if __name__ == '__main__':\n    asyncio.run(main())\n")
        r = self.s.py(["-m", "pkg.tool", "x"], LOOPTRACE="file:" + self.trace(),
                      PYTHONPATH=os.environ["PYTHONPATH"] + os.pathsep + self.s.path)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "argv ['x']\n", ""))
        self.assertRegex(self.s.dump(self.trace()), r"program: .*/pkg/tool\.py\n")

    def test_an_uncaught_exception_prints_what_python3_prints(self):
        prog = self.s.write("err.py", "import asyncio\nasync def main():\n"
                          "    raise KeyError('nope')\nasyncio.run(main())\n")
        r = self.s.py([prog], LOOPTRACE="file:" + self.trace())
        plain = subprocess.run([PYTHON, prog], capture_output=True, text=True, cwd=self.s.path)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, plain.stderr)
        self.assertNotIn("runpy", r.stderr)
        self.assertIn("Task-1 done error", self.s.dump(self.trace()))

    def test_install_traces_a_loop_the_program_makes(self):
        prog = self.s.write("own.py", "import asyncio, looptrace\nlooptrace.install()\n" + SMALL +
                          "loop = asyncio.new_event_loop()\nloop.run_until_complete(main())\n"
                          "loop.close()\n")
        r = subprocess.run([PYTHON, prog], capture_output=True, text=True,
                           env=self.s.env(LOOPTRACE="file:" + self.trace()))
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "argv []\n", ""))
        text = self.s.dump(self.trace())
        for what in ("loop loop-start", "Task-1 create parent=- at own.py:8",
                     "Task-1 suspend yield", "Task-1 done result", "loop loop-stop", "end: clean"):
            self.assertIn(what, text)

    def test_install_in_a_running_loop_traces_it_from_there(self):
        prog = self.s.write("late.py", "import asyncio, looptrace\n"
                          "async def early():\n    await asyncio.sleep(0.01)\n    print('early')\n"
                          "async def main():\n    t = asyncio.create_task(early())\n"
                          "    await asyncio.sleep(0)\n    looptrace.install()\n"
                          "    print('traced from here')\n    await t\n"
                          "asyncio.run(main())\n")
        r = subprocess.run([PYTHON, prog], capture_output=True, text=True,
                           env=self.s.env(LOOPTRACE="file:" + self.trace()))
        self.assertEqual((r.returncode, r.stdout), (0, "traced from here\nearly\n"), r.stderr)
        text = self.s.dump(self.trace())
        self.assertIn('mark "early"', text)
        self.assertRegex(text, r"Task-\d+ suspend task Task-\d+ at late\.py:10")
        self.assertIn("end: clean", text)

    def test_the_default_collector_socket(self):
        sock = os.path.join(self.s.path, "looptrace", "ingest.sock")
        os.makedirs(os.path.dirname(sock), mode=0o700)
        d = subprocess.Popen([LOOPTRACE, "serve", "--db", self.s.db, "--http", "127.0.0.1:0",
                              "--ingest", "unix:" + sock], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=self.s.env())
        try:
            t0 = time.monotonic()
            while not os.path.exists(sock) and time.monotonic() - t0 < 20:
                time.sleep(0.02)
            r = self.s.py([script("seed_ordering")], LOOPTRACE_LABEL="by default")
            self.assertEqual((r.returncode, r.stderr), (0, ""))
            while time.monotonic() - t0 < 20:
                rows = self.s.sql("SELECT status FROM sessions WHERE label = 'by default'")
                if rows == [("complete",)]:
                    break
                time.sleep(0.05)
            self.assertEqual(rows, [("complete",)])
        finally:
            d.send_signal(signal.SIGTERM)
            d.communicate(timeout=30)
        self.assertEqual(d.returncode, 0)
        self.assertEqual(len(self.s.marks(self.s.session("by default"))), 9)

    def test_no_sink_and_no_controls_leave_the_program_alone(self):
        prog = self.s.write("plain.py", "import asyncio\nasync def main():\n"
                          "    print(type(asyncio.get_running_loop()).__mro__[1].__name__)\n"
                          "asyncio.run(main())\n")
        r = self.s.py([prog])
        self.assertEqual(r.stdout, "BaseSelectorEventLoop\n")  # not the traced class
        self.assertRegex(r.stderr, r"^looptrace: no LOOPTRACE and no collector at .*ingest\.sock "
                                   r"\(looptrace serve\); running untraced\n$")

    def test_loops_in_threads_are_tracks_of_one_stream(self):
        # one write per line: print's several writes may interleave between threads
        prog = self.s.write("threads.py", "import asyncio, sys, threading\n"
                          "async def main(n):\n    await asyncio.sleep(0.01)\n"
                          "    sys.stdout.write(f'loop {n}\\n')\n"
                          "ts = [threading.Thread(target=asyncio.run, args=(main(n),)) "
                          "for n in range(3)]\n"
                          "[t.start() for t in ts]\n[t.join() for t in ts]\n")
        r = self.s.py([prog], LOOPTRACE="file:" + self.trace())
        self.assertEqual(sorted(r.stdout.splitlines()), ["loop 0", "loop 1", "loop 2"])
        text = self.s.dump(self.trace())
        self.assertEqual(sorted(re.findall(r" (\d+) loop loop-start", text)), ["1", "2", "3"])
        self.assertEqual(len(re.findall(r" loop loop-stop", text)), 3)

    def test_debug_mode_still_reports_slow_callbacks(self):
        prog = self.s.write("slow.py", "import asyncio, time\nasync def main():\n"
                          "    time.sleep(0.15)\nasyncio.run(main(), debug=True)\n")
        r = self.s.py([prog], LOOPTRACE="file:" + self.trace())
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stderr, r"Executing <Task .*> took 0\.1\d\d seconds")


if __name__ == "__main__":
    unittest.main()
