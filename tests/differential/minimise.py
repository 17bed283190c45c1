"""minimise.py: shrinks a program on which CPython and the runtime differ to a smallest one that
still differs (greedy: drop a statement, unwrap a block, drop an element, simplify a policy or a
number; keep the change when the outputs still differ; repeat until nothing shrinks).

  python3.11 minimise.py --interp build/bin/lt_diffinterp --seed S [--tries K]
--tries K: a candidate counts as differing when any of K runs differs (for an order that
CPython leaves to memory addresses, LT_DIFF_CPYTHON_SETS=1)."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gen  # noqa: E402
import ir  # noqa: E402
import run  # noqa: E402


def bodies(p):
    """Every statement list of p, in a fixed order (so an index names one on any copy)."""
    out = [p.prologue] + [p.funcs[k] for k in sorted(p.funcs)]
    i = 0
    while i < len(out):
        for s in out[i]:
            if s.body is not None:
                out.append(s.body)
        i += 1
    return out


def candidates(p):
    """Edits of p, smallest-first in spirit: each a function of a copy, returning it or None."""
    for bi, b in enumerate(bodies(p)):
        for si in range(len(b)):
            def drop(q, bi=bi, si=si):
                del bodies(q)[bi][si]
                return q
            yield drop

            def unwrap(q, bi=bi, si=si):
                lst = bodies(q)[bi]
                s = lst[si]
                if not s.body or s.op in ("tg",):
                    return None
                lst[si:si + 1] = s.body
                return q
            yield unwrap

            def fewer(q, bi=bi, si=si):
                s = bodies(q)[bi][si]
                first = {"gather": 1, "ascompleted": 1}.get(s.op)
                if first is None or len(s.args) <= first + 1:
                    return None
                del s.args[-1]
                return q
            yield fewer

            def plain(q, bi=bi, si=si):
                s = bodies(q)[bi][si]
                if s.label.startswith("m.") or (s.pc, s.pe) == ("r", "c"):
                    return None
                s.pc, s.pe = "r", "c"
                return q
            yield plain

            def smaller(q, bi=bi, si=si):
                s = bodies(q)[bi][si]
                if s.op not in ("sleep", "calllater") or int(s.args[0]) == 0:
                    return None
                s.args[0] = int(s.args[0]) // 2
                return q
            yield smaller


def still_differs(interp, p, tries):
    return any(run.differs(interp, p) for _ in range(tries))


def shrink(interp, p, tries=1):
    if not still_differs(interp, p, tries):
        return p
    changed = True
    while changed:
        changed = False
        for edit in candidates(p):
            q = edit(p.copy())
            if q is not None and still_differs(interp, q, tries):
                p, changed = q, True
                break
    return p


def size(p):
    return sum(len(b) for b in bodies(p))


def report(interp, p):
    d = run.differs(interp, p)
    lines = ["minimal program (%d statements):" % size(p), ir.to_text(p).rstrip(),
             "--- as Python:", ir.to_python(p).rstrip()]
    if d:
        lines.append("--- first difference at line %d: python %r, runtime %r" % (d[0] + 1, d[1],
                                                                                  d[2]))
    lines.append("--- python prints:")
    lines.append(run.run_python(ir.to_python(p)).rstrip())
    lines.append("--- runtime prints:")
    lines.append(run.run_c(interp, [p])[0].rstrip())
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interp", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--tries", type=int, default=1)
    a = ap.parse_args()
    p = gen.generate(a.seed)
    if not still_differs(a.interp, p, a.tries):
        print("seed %d: no difference" % a.seed)
        return 0
    print(report(a.interp, shrink(a.interp, p, a.tries)))
    return 1


if __name__ == "__main__":
    sys.exit(main())
