"""test_events: what a traced CPython run records, read back by `looptrace dump` (the
collector's own reader): every kind of wait with its reason and its .py line (programs/waits.py
marks each with "# wait: REASON"), who woke whom, timers armed, fired and cancelled, futures,
executor jobs on their worker thread's track, task ends with their outcome, printed lines on
the task that printed them; and the program runs exactly as it does untraced."""
import os
import re
import subprocess
import unittest

from harness import PYTHON, Scratch

WAITS = os.path.join(os.path.dirname(__file__), "programs", "waits.py")
LINE = re.compile(r"^\s*[\d.]+ (\d+) (\S+) (\S+)(.*)$")


def line_of(text):
    """The line of WAITS that holds text."""
    with open(WAITS) as f:
        return next(n for n, line in enumerate(f, 1) if text in line)


def marked_lines(path):
    """{line: reason} of the "# wait: REASON" marks."""
    with open(path) as f:
        return {n: m.group(1) for n, text in enumerate(f, 1)
                if (m := re.search(r"# wait: (\w+)", text))}


class EventsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = Scratch()
        trace = cls.s.file("waits.ltr")
        cls.run_ = cls.s.py([WAITS], LOOPTRACE="file:" + trace)
        cls.plain = subprocess.run([PYTHON, WAITS], capture_output=True, text=True,
                                   env=cls.s.env(PYTHONPATH=None))
        cls.text = cls.s.dump(trace)
        # (track, who, what, rest) of every record
        cls.records = [m.groups() for m in map(LINE.match, cls.text.splitlines()) if m]

    @classmethod
    def tearDownClass(cls):
        cls.s.close()

    def find(self, who=None, what=None, rest=""):
        return [r for r in self.records if (who is None or r[1] == who) and
                (what is None or r[2] == what) and re.search(rest, r[3])]

    def test_runs_as_untraced(self):
        self.assertEqual(self.run_.returncode, 0, self.run_.stderr)
        self.assertEqual(self.run_.stdout, self.plain.stdout)
        self.assertEqual(self.run_.stdout.splitlines()[-1], "end")
        # asyncio's own report of a task whose exception nobody retrieved is still there
        self.assertIn("Task exception was never retrieved", self.run_.stderr)
        self.assertEqual(self.run_.stderr, self.plain.stderr)
        self.assertIn("end: clean", self.text)

    def test_every_wait_has_its_reason_and_line(self):
        waits = marked_lines(WAITS)
        self.assertGreater(len(waits), 12)
        seen = {}
        for track, who, what, rest in self.records:
            m = re.match(r" (\w+).* at waits\.py:(\d+)$", rest) if what == "suspend" else None
            if m:
                seen.setdefault(int(m.group(2)), set()).add(m.group(1))
        for line, reason in waits.items():
            with self.subTest(line=line, reason=reason):
                self.assertEqual(seen.get(line), {reason}, f"waits.py:{line}")
        self.assertEqual(set(seen), set(waits), "a wait at a line not marked")

    def test_tasks_are_created_by_their_parent_at_their_line(self):
        at = line_of("create_task(consumer(q)")
        self.assertTrue(self.find("consumer", "create", rf"parent=Task-1 at waits\.py:{at}$"))
        at = line_of("asyncio.run(main())")
        self.assertTrue(self.find("Task-1", "create", rf"parent=- at waits\.py:{at}$"))
        # the first step is ready at once, woken by its creator
        self.assertTrue(self.find("consumer", "ready", r"^ spawn by Task-1$"))

    def test_wakers(self):
        self.assertTrue(self.find("Task-1", "ready", r"wake-up by timer#\d+$"))      # sleep
        self.assertTrue(self.find("Task-1", "ready", r"wake-up by consumer$"))      # await task
        self.assertTrue(self.find("consumer", "ready", r"wake-up by Task-1$"))      # q.put
        self.assertTrue(self.find("Task-1", "ready", r"wake-up by fd \d+$"))        # sock_recv
        self.assertEqual(len(self.find("Task-1", "ready", r"wake-up by job#\d+ \(a worker")), 2)

    def test_timers_futures_and_ends(self):
        arms = self.find("Task-1", "timer-arm")
        fires = self.find("loop", "timer-fire")
        cancels = self.find("loop", "timer-cancel")
        self.assertGreaterEqual(len(arms), 8)
        self.assertGreaterEqual(len(fires), 8)
        self.assertGreaterEqual(len(cancels), 2)  # wait_for's sleep, and call_later(10) cancelled
        armed = {re.search(r"timer#(\d+)", r[3]).group(1) for r in arms}
        self.assertTrue({re.search(r"timer#(\d+)", r[3]).group(1) for r in cancels} & armed)
        self.assertTrue(self.find("loop", "resolve", r"future#\d+ result"))
        self.assertTrue(self.find("loop", "callback"))
        self.assertTrue(self.find("crash", "done", r"^ error Unknown error 4095$"))
        self.assertTrue(self.find("consumer", "done", r"^ result$"))
        self.assertTrue(self.find("cancelled", "done", r"^ cancelled$"))

    def test_executor_jobs_run_on_a_worker_track(self):
        submits = self.find("Task-1", "exec-submit")
        starts = self.find("loop", "exec-start")
        ends = self.find("loop", "exec-end", r"status=0")
        self.assertEqual((len(submits), len(starts), len(ends)), (2, 2, 2))
        self.assertEqual({r[0] for r in submits}, {"1"})  # the loop's track
        # each job starts and ends on a worker's track (the pool may start a second worker)
        def job(r):
            return re.search(r"job#(\d+)", r[3]).group(1)
        self.assertEqual([job(r) for r in starts], [job(r) for r in submits])
        self.assertEqual({job(r): r[0] for r in starts}, {job(r): r[0] for r in ends})
        self.assertNotIn("1", {r[0] for r in starts})

    def test_printed_lines_are_marks_of_the_printing_task(self):
        marks = [(r[1], re.match(r' "(.*)"$', r[3]).group(1)) for r in self.find(what="mark")]
        self.assertEqual(marks, [("consumer", "got 1"), ("Task-1", "timed out"),
                                 ("Task-1", "read b'hi'"), ("Task-1", "future done"),
                                 ("Task-1", "cancelled"), ("Task-1", "end")])


if __name__ == "__main__":
    unittest.main()
