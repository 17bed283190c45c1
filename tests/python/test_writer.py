"""test_writer: the Python producer's stream, read back by the collector's own reader (`looptrace
dump`, `looptrace record`): every sink (file, unix, tcp), chunks past the buffer's threshold,
strings interned until the table starts over (INTERN_RESET), marks cut at 4096 bytes, drop mode
losing chunks whole and saying how many records, a sink that cannot be opened or goes away
(said once, as the C runtime says it; the program goes on), and a forked child that stays out
of its parent's stream."""
import os
import re
import socket
import subprocess
import threading
import unittest

from harness import PYTHON, ScratchTest, oracle, script

PROGRAMS = os.path.join(os.path.dirname(__file__), "programs")
BUSY = os.path.join(PROGRAMS, "busy.py")


class Server:
    """A socket the program streams to; what it receives lands in a file (when `hold` is set,
    nothing is read until it is cleared)."""

    def __init__(self, s, family, addr, hold=False):
        self.path = s.file(f"received-{id(self)}.ltr")
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(addr)
        self.sock.listen(1)
        self.addr = self.sock.getsockname()
        self.hold = threading.Event()
        if not hold:
            self.hold.set()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        c, _ = self.sock.accept()
        if self.sock.family == socket.AF_UNIX:  # a small buffer: drop mode fills it soon
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.hold.wait()
        with open(self.path, "wb") as f:
            while data := c.recv(1 << 16):
                f.write(data)
        c.close()

    def received(self):
        self.thread.join(30)
        self.sock.close()
        return self.path


class WriterTest(ScratchTest):
    def test_unix_and_tcp_sinks(self):
        for family, addr, spec in ((socket.AF_UNIX, self.s.file("sink.sock"), "unix:{}"),
                                   (socket.AF_INET, ("127.0.0.1", 0), "tcp:127.0.0.1:{}")):
            with self.subTest(spec=spec):
                srv = Server(self.s, family, addr)
                where = srv.addr if family == socket.AF_UNIX else srv.addr[1]
                r = self.s.py([script("seed_ordering")], LOOPTRACE=spec.format(where),
                              LOOPTRACE_CLOCK="virtual")
                self.assertEqual((r.returncode, r.stdout, r.stderr),
                                 (0, oracle("seed_ordering"), ""))
                text = self.s.dump(srv.received())
                self.assertIn("end: clean", text)
                self.assertIn('Task-3 mark "T3 end"', text)

    def test_many_chunks_and_strings_past_the_table(self):
        # 70,000 distinct lines: more than the 65,536 strings a track keeps
        trace = self.s.file("busy.ltr")
        r = self.s.py([BUSY, "70000", "distinct"], LOOPTRACE="file:" + trace, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        text = self.s.dump(trace)
        self.assertIn("intern-reset", text)
        self.assertRegex(text, r"end: clean, \d{6} records")
        marks = re.findall(r'mark "(.*)"', text)
        self.assertEqual(marks[:2], ["a 0", "a 1"])
        self.assertEqual(marks[-2:], ["a 69999", "finished"])
        self.assertEqual(len(marks), 70001)
        # stored by the collector, every line is there in order, past the reset too
        sid = self.s.record_py("busy", [BUSY, "70000", "distinct"])
        self.assertEqual(self.s.marks(sid), marks)

    def test_a_mark_is_cut_at_4096_bytes_on_a_character(self):
        prog = self.s.write("long.py", "import asyncio\nasync def main():\n    print('é' * 3000)\n"
                            "asyncio.run(main())\n")
        trace = self.s.file("long.ltr")
        r = self.s.py([prog], LOOPTRACE="file:" + trace)
        self.assertEqual(r.stdout, "é" * 3000 + "\n")
        mark = re.search(r'mark "(.*)"', self.s.dump(trace)).group(1)
        self.assertEqual(mark, "é" * 2048)

    def test_drop_mode_loses_whole_chunks_and_says_how_many(self):
        srv = Server(self.s, socket.AF_UNIX, self.s.file("slow.sock"), hold=True)
        p = subprocess.Popen([PYTHON, "-m", "looptrace", BUSY, "100000"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             env=self.s.env(LOOPTRACE="unix:" + srv.addr, LOOPTRACE_MODE="drop"))
        # the program runs to its end while nothing is read (it never waits for the sink) ...
        self.assertEqual(p.stdout.readline(), "a at a hundred\n")
        for line in p.stdout:
            if line == "finished\n":
                break
        srv.hold.set()  # ... and then its last chunk, which is never dropped, goes out
        out, err = p.communicate(timeout=60)
        self.assertEqual((p.returncode, err), (0, ""))
        text = self.s.dump(srv.received())
        self.assertIn("end: clean", text)
        lost = int(re.search(r"lost: (\d+) records dropped", text).group(1))
        self.assertGreater(lost, 1000)
        self.assertIn('mark "finished"', text)

    def test_a_sink_that_cannot_be_opened_is_said_once(self):
        for spec, why in (("bogus", "Invalid argument"),
                          ("unix:" + self.s.file("nobody.sock"), "No such file or directory"),
                          ("tcp:127.0.0.1:99999", "Invalid argument")):
            with self.subTest(spec=spec):
                r = self.s.py([script("seed_no_await")], LOOPTRACE=spec)
                self.assertEqual((r.returncode, r.stdout), (0, oracle("seed_no_await")))
                self.assertEqual(r.stderr, f"looptrace: cannot trace to LOOPTRACE={spec} ({why}); "
                                           "running untraced\n")

    def test_a_sink_that_goes_away_is_said_once_and_the_program_goes_on(self):
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        port = lsock.getsockname()[1]

        def hang_up():
            c, _ = lsock.accept()
            c.recv(64)
            c.close()
        t = threading.Thread(target=hang_up, daemon=True)
        t.start()
        r = self.s.py([BUSY, "50000"], LOOPTRACE=f"tcp:127.0.0.1:{port}")
        t.join()
        lsock.close()
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout.splitlines()[-1], "finished")
        self.assertRegex(r.stderr, r"^looptrace: trace sink tcp:127\.0\.0\.1:\d+ failed "
                                   r"\((Broken pipe|Connection reset by peer)\); the program goes "
                                   r"on untraced\n$")

    def test_a_forked_child_stays_out_of_the_stream(self):
        prog = self.s.write("fork.py", "import asyncio, os\n"
                            "async def main(who):\n    await asyncio.sleep(0)\n    print(who)\n"
                            "asyncio.run(main('parent'))\n"
                            "pid = os.fork()\n"
                            "if pid == 0:\n    asyncio.run(main('child'))\n"
                            "    raise SystemExit(0)\n"
                            "os.waitpid(pid, 0)\nasyncio.run(main('parent again'))\n")
        trace = self.s.file("fork.ltr")
        r = self.s.py([prog], LOOPTRACE="file:" + trace)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(r.stdout.splitlines()), ["child", "parent", "parent again"])
        text = self.s.dump(trace)
        self.assertIn("end: clean", text)
        self.assertEqual(re.findall(r'mark "(.*)"', text), ["parent", "parent again"])


if __name__ == "__main__":
    unittest.main()
