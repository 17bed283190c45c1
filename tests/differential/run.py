"""run.py: the differential tester's runner: generates programs from a range of seeds, runs each
on CPython 3.11 (its Python form, in a forked child, on vloop's virtual clock) and on the runtime
(its text form through lt_diffinterp, one child process per program), compares the output line
by line and reports every mismatch, grouped by class, with a minimised program per class.

  python3.11 run.py --interp build/bin/lt_diffinterp [--seed S] [--count N] [--minimise]
Exit status 1 when any program differs (0 when all agree)."""
import argparse
import os
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen  # noqa: E402
import ir  # noqa: E402
import vloop  # noqa: E402,F401  (imported once here, inherited by every forked child)


def run_python(src):
    """Runs one program's Python form in a forked child; its stdout, then @@end STATUS."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.dup2(w, 1)
        os.close(w)
        code = 0
        try:
            sys.stdout = os.fdopen(1, "w", buffering=1)
            exec(compile(src, "<generated>", "exec"), {"__name__": "__generated__"})
            sys.stdout.flush()
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 3
        os._exit(code)
    os.close(w)
    chunks = []
    with os.fdopen(r, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            chunks.append(chunk)
    _, st = os.waitpid(pid, 0)
    text = b"".join(chunks).decode()
    if os.WIFSIGNALED(st):
        status = "crash %d" % os.WTERMSIG(st)
    elif os.WEXITSTATUS(st):
        status = "exit %d" % os.WEXITSTATUS(st)
    else:
        status = "ok"
    return text + "@@end " + status + "\n"


def run_c(interp, programs):
    """Runs programs through one lt_diffinterp; a list of outputs, each ending in @@end."""
    text = "".join(ir.to_text(p) for p in programs)
    res = subprocess.run([interp], input=text, capture_output=True, text=True, timeout=3600)
    if res.returncode:
        raise SystemExit("lt_diffinterp failed (%d): %s" % (res.returncode, res.stderr[-2000:]))
    outs, cur = [], []
    for line in res.stdout.splitlines(keepends=True):
        cur.append(line)
        if line.startswith("@@end"):
            outs.append("".join(cur))
            cur = []
    if len(outs) != len(programs):
        raise SystemExit("lt_diffinterp printed %d programs of %d" % (len(outs), len(programs)))
    return outs


def first_difference(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else "<end>"
        y = lb[i] if i < len(lb) else "<end>"
        if x != y:
            return i, x, y
    return None


def mismatch_class(d):
    """A mismatch's class: the ops of the two lines that differ first (label op:name)."""
    def op(line):
        m = re.match(r"\S+?:(\w+)", line)
        return m.group(1) if m else line.split(" ")[0]
    return "%s/%s" % (op(d[1]), op(d[2]))


def differs(interp, prog):
    py = run_python(ir.to_python(prog))
    c = run_c(interp, [prog])[0]
    return first_difference(py, c)


def run_batch(interp, seeds, times):
    """Both sides of a batch, at once (the C side in its own process, from a thread here)."""
    t0 = time.perf_counter()
    progs = [gen.generate(s) for s in seeds]
    t1 = time.perf_counter()
    box = {}

    def c_side():
        box["c"] = run_c(interp, progs)
        box["tc"] = time.perf_counter() - t1
    t = threading.Thread(target=c_side)
    t.start()
    pys = [run_python(ir.to_python(p)) for p in progs]
    times["python"] += time.perf_counter() - t1
    t.join()
    if "c" not in box:
        raise SystemExit("the C side failed")
    times["generate"] += t1 - t0
    times["runtime"] += box["tc"]
    return progs, pys, box["c"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interp", required=True, help="the lt_diffinterp binary")
    ap.add_argument("--seed", type=int, default=1, help="first seed")
    ap.add_argument("--count", type=int, default=500, help="how many programs")
    ap.add_argument("--batch", type=int, default=500, help="programs per interpreter run")
    ap.add_argument("--minimise", action="store_true", help="shrink one program per class")
    ap.add_argument("--show", type=int, default=3, help="mismatches printed per class")
    ap.add_argument("--progress", action="store_true", help="a line on stderr per batch")
    args = ap.parse_args()
    if sys.version_info[:2] != (3, 11):
        raise SystemExit("run.py needs CPython 3.11 (the runtime's oracle); this is %s"
                         % sys.version.split()[0])
    t0 = time.time()
    classes = {}
    lines = deadlocks = 0
    done = 0
    times = {"generate": 0.0, "python": 0.0, "runtime": 0.0}
    for start in range(args.seed, args.seed + args.count, args.batch):
        seeds = range(start, min(start + args.batch, args.seed + args.count))
        progs, pys, cs = run_batch(args.interp, seeds, times)
        for seed, p, py, c in zip(seeds, progs, pys, cs):
            lines += py.count("\n")
            deadlocks += "\ndeadlock\n" in "\n" + py
            d = first_difference(py, c)
            if d:
                classes.setdefault(mismatch_class(d), []).append((seed, d))
        done += len(seeds)
        if args.progress:
            print("%d programs, %d differ, %.0f s" % (done, sum(len(v) for v in classes.values()),
                                                     time.time() - t0), file=sys.stderr)
    dt = time.time() - t0
    print("%d programs (seeds %d..%d), %d lines compared, %d met a deadlock, %.1f s: %d differ"
          % (done, args.seed, args.seed + done - 1, lines, deadlocks, dt,
             sum(len(v) for v in classes.values())))
    print("| side | seconds | programs/s |\n|---|---|---|")
    for side in ("generate", "python", "runtime"):
        print("| %s | %.1f | %.0f |" % (side, times[side], done / max(times[side], 1e-9)))
    for cls, items in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        print("class %s: %d programs" % (cls, len(items)))
        for seed, (i, x, y) in items[:args.show]:
            print("  seed %d line %d: python %r, runtime %r" % (seed, i + 1, x, y))
        if args.minimise:
            import minimise
            small = minimise.shrink(args.interp, gen.generate(items[0][0]))
            print(minimise.report(args.interp, small))
    return 1 if classes else 0


if __name__ == "__main__":
    sys.exit(main())
