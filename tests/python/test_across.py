"""test_across: how `looptrace diff` matches tasks across languages (a CPython session against
a C one): by a name of their own first, the k-th of a name with the k-th, then in creation
order; tasks one run lacks stay apart; await sites are not compared. (test_oracle checks the
seven seeds against their C ports, test_controls demo_fifo under shuffle.)"""
import json
import os
import unittest

from harness import BIN, SOURCE, ScratchTest

PROGRAMS = os.path.join(os.path.dirname(__file__), "programs")
DEMO = os.path.join(SOURCE, "python", "examples", "demo_fifo.py")


class AcrossTest(ScratchTest):
    def diff(self, a, b):
        r = self.s.looptrace("diff", "--db", self.s.db, "--json", "--all", str(a), str(b))
        self.assertIn(r.returncode, (0, 1), r.stderr)
        return r.returncode, json.loads(r.stdout)

    def test_named_tasks_match_by_name_whatever_their_creation_order(self):
        py = self.s.record_py("reversed", [os.path.join(PROGRAMS, "fifo_reversed.py")],
                              "--clock", "virtual")
        c = self.s.record("c", [os.path.join(BIN, "demo_fifo")], "--clock", "virtual")
        rc, d = self.diff(py, c)
        self.assertEqual(rc, 1)  # E D C B A against A B C D E
        self.assertTrue(d["across_languages"])
        # matched by name, the runs part where the workers first run: E in one, A in the other
        # (matched by creation order they would agree there, E being paired with A, and part
        # only where the lines are printed)
        first = d["first_divergence"]
        self.assertEqual((first["text_a"], first["text_b"]), ("E resumes", "A resumes"))
        self.assertLess(d["steps"]["common"], 20)
        rows = {t["task"]: t for t in d["turnaround"]["tasks"]}
        for name in "ABCDE":
            self.assertIsNotNone(rows[name]["a"])
            self.assertIsNotNone(rows[name]["b"], name)

    def test_the_same_program_in_both_languages_is_the_same_ordering(self):
        py = self.s.record_py("py", [DEMO], "--clock", "virtual")
        c = self.s.record("c", [os.path.join(BIN, "demo_fifo")], "--clock", "virtual")
        rc, d = self.diff(py, c)
        self.assertEqual(rc, 0, d)
        self.assertTrue(d["across_languages"])
        self.assertTrue(d["same"])

    def test_tasks_match_loop_by_loop_and_one_run_lacks_stay_apart(self):
        with open(DEMO) as f:  # demo_fifo, then a second loop the C port does not have
            extra = self.s.write("extra.py", f.read() + "asyncio.run(asyncio.sleep(0))\n")
        py = self.s.record_py("extra", [extra], "--clock", "virtual")
        c = self.s.record("c", [os.path.join(BIN, "demo_fifo")], "--clock", "virtual")
        rc, d = self.diff(py, c)
        self.assertEqual(rc, 1)
        rows = d["turnaround"]["tasks"]
        first = [t for t in rows if not t["task"].startswith("L2:")]
        second = [t for t in rows if t["task"].startswith("L2:")]
        self.assertEqual(len(first), 8)  # main, A to E, the two shutdown steps: all matched
        self.assertTrue(all(t["a"] and t["b"] for t in first), first)
        self.assertEqual(len(second), 3)  # the second loop's: nothing in the C run to match
        self.assertTrue(all(t["a"] and t["b"] is None for t in second), second)

    def test_one_language_keeps_sites_in_the_keys(self):
        a = self.s.record_py("one", [DEMO], "--clock", "virtual")
        b = self.s.record_py("two", [os.path.join(PROGRAMS, "fifo_reversed.py")], "--clock",
                             "virtual")
        rc, d = self.diff(a, b)
        self.assertEqual(rc, 1)
        self.assertFalse(d["across_languages"])


if __name__ == "__main__":
    unittest.main()
