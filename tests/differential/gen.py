"""gen.py: the seeded generator of random asyncio programs in the intermediate form (ir.py).
One seed, one program, on every machine (random.Random(seed) only). GEN says, per op, how often
it is drawn, where it may appear and how its arguments are drawn: one row per op."""
import random

from ir import S, Program

# Where a statement runs: in a task ("task"), in main's own body where nothing may raise out
# ("main": main must reach its drain), or as an action of a plain callback ("cb": no task).
TASK, MAIN, CB = "task", "main", "cb"

SLEEPS = [0, 0, 1, 2, 3, 5, 8]
TIMEOUTS = [-1, 0, 1, 2, 3, 5, 8]
ERRS = [5, 6, 7]
MAX_SLOTS = 9
MAX_DEPTH = 3


class Ctx:
    def __init__(self, rnd, prog):
        self.r = rnd
        self.p = prog
        self.n = 0
        self.next_slot = 1
        self.pending = []  # (slot, depth) whose bodies are still to draw
        self.cbs = []  # (label, element) of futcb statements drawn so far
        self.readers = {}  # socket pair -> the one slot that reads it

    def label(self, who, op):
        self.n += 1
        return "%s.%d:%s" % (who, self.n, op)


# ---- argument drawers: each returns (args, body or None), or None when it does not fit ----

def new_slot(c, depth, tgchild=False, focus=None):
    if c.next_slot >= MAX_SLOTS:
        return None
    k = c.next_slot
    c.next_slot += 1
    c.pending.append((k, depth + 1, tgchild, focus))
    return k


def a_spawn(c, w):
    k = new_slot(c, w["depth"])
    return None if k is None else ([k], None)


def a_tgspawn(c, w):
    if not w["groups"]:
        return None
    k = new_slot(c, w["depth"], True)
    g = w["groups"][-1] if c.r.random() < 0.8 else c.r.choice(w["groups"])
    return None if k is None else ([k, g], None)


def task_ref(c, w):
    """A task slot this body may wait for: only a later slot, so waits never form a cycle
    (a slot may not be spawned yet: the statement then prints `none`)."""
    lo = w["slot"] + 1
    hi = c.next_slot if c.r.random() < 0.9 else MAX_SLOTS  # mostly slots drawn already
    if lo >= hi:
        return None
    return "t%d" % c.r.randrange(lo, hi)


def element(c, w, coros=True):
    kinds = ["t", "t", "t"] + (["f"] if c.p.nfut else []) + (["s"] if coros else [])
    k = c.r.choice(kinds)
    if k == "t":
        return task_ref(c, w)
    if k == "f":
        return "f%d" % c.r.randrange(c.p.nfut)
    return "s%d" % c.r.choice(SLEEPS[1:])


def elements(c, w, coros=True):
    out = []
    for _ in range(c.r.randint(1, 3)):
        e = element(c, w, coros)
        if e and e not in out:
            out.append(e)
    return out or None


def a_sleep(c, w):
    return [c.r.choice(SLEEPS)], None


def a_await(c, w):
    e = element(c, w, coros=False)
    return None if e is None else ([e], None)


def a_gather(c, w):
    els = elements(c, w)
    return None if els is None else ([c.r.randint(0, 1)] + els, None)


def a_ascompleted(c, w):
    els = elements(c, w, coros=False)
    return None if els is None else ([c.r.choice(TIMEOUTS)] + els, None)


def a_waitfor(c, w):
    kinds = ["t", "s", "s"] + (["f"] if c.p.nfut else []) + (["e"] if c.p.nev else []) + \
        (["g", "p"] if c.p.queues else []) + (["r"] if c.p.npair else [])
    k = c.r.choice(kinds)
    if k == "t":
        inner = [task_ref(c, w)]
        if inner[0] is None:
            return None
    elif k == "f":
        inner = ["f%d" % c.r.randrange(c.p.nfut)]
    elif k == "s":
        inner = ["s%d" % c.r.choice(SLEEPS)]
    elif k == "e":
        inner = ["e%d" % c.r.randrange(c.p.nev)]
    elif k == "g":
        inner = ["g%d" % c.r.randrange(len(c.p.queues))]
    elif k == "r":
        i = pair_to_read(c, w)
        if i is None:
            return None
        inner = ["r%d" % i]
    else:
        inner = ["p%d" % c.r.randrange(len(c.p.queues)), c.r.randint(1, 9)]
    return [c.r.choice(TIMEOUTS)] + inner, None


def obj(attr):
    def draw(c, w):
        n = getattr(c.p, attr)
        n = n if isinstance(n, int) else len(n)
        return None if n == 0 else ([c.r.randrange(n)], None)
    return draw


def block(attr):
    def draw(c, w):
        a = obj(attr)(c, w)
        if a is None or w["depth"] >= MAX_DEPTH:
            return None
        return a[0], body(c, dict(w, depth=w["depth"] + 1), c.r.randint(0, 3))
    return draw


def a_tg(c, w):
    if w["depth"] >= MAX_DEPTH:
        return None
    g = c.n  # unique: the number of this statement's label
    inner = dict(w, depth=w["depth"] + 1, groups=w["groups"] + [g], ctx=TASK)
    b = body(c, inner, c.r.randint(1, 4))
    return [g], b


def a_qput(c, w):
    a = obj("queues")(c, w)
    return None if a is None else (a[0] + [c.r.randint(1, 9)], None)


def a_qget(c, w):
    a = obj("queues")(c, w)
    return None if a is None else (a[0] + [c.r.randint(0, 1)], None)


def a_cancel(c, w):
    hi = min(c.next_slot + 1, MAX_SLOTS)
    ks = [k for k in range(1, hi) if k != w["slot"]]
    return None if not ks else (["%d" % c.r.choice(ks)], None)


def pair_to_read(c, w):
    """A pair only this slot reads: asyncio's add_reader replaces a second reader of one fd
    (the first then waits forever), where the runtime refuses it with -EBUSY."""
    mine = [i for i in range(c.p.npair) if c.readers.get(i, w["slot"]) == w["slot"]]
    if not mine:
        return None
    i = c.r.choice(mine)
    c.readers[i] = w["slot"]
    return i


def a_sread(c, w):
    i = pair_to_read(c, w)
    return None if i is None else ([i], None)


def a_swrite(c, w):
    return None if not c.p.npair else ([c.r.randrange(c.p.npair), c.r.randint(1, 3)], None)


def a_none(c, w):
    return [], None


def a_raise(c, w):
    return [c.r.choice(ERRS)], None


def a_fut(value):
    def draw(c, w):
        if not c.p.nfut:
            return None
        return [c.r.randrange(c.p.nfut), c.r.choice(ERRS) if value == "err" else
                c.r.randint(1, 9)], None
    return draw


def a_futcancel(c, w):
    return None if not c.p.nfut else ([c.r.randrange(c.p.nfut)], None)


def a_futcb(c, w):
    e = element(c, w, coros=False) if c.r.random() < 0.5 or not c.p.nfut else \
        "f%d" % c.r.randrange(c.p.nfut)
    return None if e is None else ([e], None)


def a_rmcb(c, w):
    if not c.cbs:
        return None
    lab, e = c.r.choice(c.cbs)
    return [e, lab], None


def actions(c, w):
    inner = dict(w, ctx=CB)
    return body(c, inner, c.r.randint(0, 2))


def a_callsoon(c, w):
    return [], actions(c, w)


def a_calllater(c, w):
    return [c.r.choice(SLEEPS)], actions(c, w)


def a_exec(c, w):
    return [c.r.choice([1, 2, 3, -5]), c.r.randint(0, 1), c.r.randint(0, 1)], None


def a_tothread(c, w):
    return [c.r.choice([4, 6, -6])], None


def a_wait(c, w):
    """asyncio.wait over tasks and futures (it refuses coroutines): what is done and pending
    is printed per element, so the sets' order never shows."""
    els = elements(c, w, coros=False)
    return None if els is None else ([c.r.randint(0, 2), c.r.choice(TIMEOUTS)] + els, None)


def a_tmo(c, w):
    """A timeout scope (-1: None), rescheduled at its start (-2: not; -1: to None; else ms)."""
    if w["depth"] >= MAX_DEPTH:
        return None
    b = body(c, dict(w, depth=w["depth"] + 1), c.r.randint(1, 3))
    return [c.r.choice(TIMEOUTS), c.r.choice([-2, -2, -2, -1, 0, 1, 3, 8])], b


def a_shield(c, w):
    e = element(c, w)
    return None if e is None else ([e], None)


def a_cwait(c, w):
    """Condition.wait (0), or wait_for(notifies so far >= k)."""
    a = obj("ncond")(c, w)
    return None if a is None else (a[0] + [c.r.choice([0, 0, 1, 2, 3])], None)


def a_cnotify(c, w):
    """notify(n), 0: notify_all."""
    a = obj("ncond")(c, w)
    return None if a is None else (a[0] + [c.r.choice([0, 1, 1, 2])], None)


def a_qputs(c, w):
    """put_nowait of 2..4 values at once: heaps of three or more (equal keys: value mod 3)."""
    a = obj("queues")(c, w)
    return None if a is None else (a[0] + [c.r.randint(1, 9) for _ in range(c.r.randint(2, 4))],
                                   None)


def a_qgets(c, w):
    a = obj("queues")(c, w)
    return None if a is None else (a[0] + [c.r.randint(2, 4)], None)


ANY, NOCB, TASKONLY = {TASK, MAIN, CB}, {TASK, MAIN}, {TASK}
# op: (weight, contexts, argument drawer, waits: has policies)
GEN = {
    "spawn": (6, NOCB, a_spawn, False),
    "tgspawn": (8, NOCB, a_tgspawn, False),
    "sleep": (6, NOCB, a_sleep, True),
    "await": (5, NOCB, a_await, True),
    "gather": (3, NOCB, a_gather, True),
    "ascompleted": (2, NOCB, a_ascompleted, True),
    "waitfor": (4, NOCB, a_waitfor, True),
    "evwait": (3, NOCB, obj("nev"), True),
    "evset": (2, ANY, obj("nev"), False),
    "evclear": (1, ANY, obj("nev"), False),
    "lock": (3, NOCB, block("nlock"), True),
    "sem": (3, NOCB, block("sems"), True),
    "qput": (3, NOCB, a_qput, True),
    "qget": (3, NOCB, a_qget, True),
    "qputnw": (1, ANY, a_qput, False),
    "qgetnw": (1, ANY, obj("queues"), False),
    "join": (1, NOCB, obj("queues"), True),
    "tg": (3, NOCB, a_tg, True),
    "cancel": (5, ANY, a_cancel, False),
    "cancelself": (1, NOCB, a_none, False),
    "uncancel": (1, NOCB, a_none, False),
    "cancelling": (1, NOCB, a_none, False),
    "raise": (2, TASKONLY, a_raise, False),
    "futset": (2, ANY, a_fut("value"), False),
    "futerr": (1, ANY, a_fut("err"), False),
    "futcancel": (1, ANY, a_futcancel, False),
    "futcb": (2, NOCB, a_futcb, False),
    "rmcb": (1, NOCB, a_rmcb, False),
    "callsoon": (2, NOCB, a_callsoon, False),
    "calllater": (2, NOCB, a_calllater, False),
    "sread": (3, NOCB, a_sread, True),
    "swrite": (2, ANY, a_swrite, False),
    # part 2
    "wait": (3, NOCB, a_wait, True),
    "tmo": (3, NOCB, a_tmo, True),
    "shield": (2, NOCB, a_shield, True),
    "cwait": (3, NOCB, a_cwait, True),
    "cnotify": (2, NOCB, a_cnotify, True),
    "bwait": (3, NOCB, obj("bars"), True),
    "babort": (1, NOCB, obj("bars"), True),
    "breset": (1, NOCB, obj("bars"), True),
    "bsrel": (1, ANY, obj("sems"), False),
    "qputs": (1, ANY, a_qputs, False),
    "qgets": (1, ANY, a_qgets, False),
}
# only in main's prologue, while no other task or timer exists (docs/runtime.md: executor
# completions race with the loop's other work in asyncio as here)
PROLOGUE = {"exec": (2, None, a_exec, True), "tothread": (1, None, a_tothread, True)}


def policies(c, w, waits):
    if not waits:
        return "r", "c"
    if w["ctx"] == MAIN:  # nothing may leave main before its drain
        return c.r.choice("ssu"), "c"
    return c.r.choice("rrrssuc"), c.r.choice("ccr")


# Contenders: tasks drawn mostly from one area's ops, several at once, so that waiters queue up
# on the same lock, semaphore, queue, event or future (where FIFO order and cancellation of a
# waiter being woken decide the output).
FOCUS = [  # the first op of each is the contended one: drawn five times as often
    ["lock", "sleep", "cancel", "evset"], ["sem", "sleep", "cancel"],
    ["qget", "qput", "waitfor", "join", "cancel", "sleep", "qputs", "qgets"],
    ["evwait", "evset", "evclear", "cancel", "sleep"],
    ["await", "futset", "futcancel", "futcb", "cancel"],
    ["tg", "tgspawn", "raise", "sleep", "cancel"],
    ["sread", "swrite", "waitfor", "cancel", "sleep"],
    ["cwait", "cnotify", "cancel", "sleep", "tmo"],
    ["cancel", "cwait", "cnotify", "sleep"],  # a waiter cancelled, then a notify, in one step
    ["bwait", "babort", "breset", "cancel", "sleep", "tmo"],
    ["wait", "futset", "futerr", "cancel", "sleep", "raise"],
    ["tmo", "sleep", "evwait", "qget", "cancel", "uncancel", "shield"],
    ["shield", "cancel", "sleep", "futset", "tmo"],
    ["sem", "bsrel", "sleep", "cancel"],
    ["qputs", "qgets", "qget", "qput", "cancel", "sleep"],  # one priority or LIFO queue
]


def body(c, w, n, focus=None):
    out = []
    ops = [(op, g) for op, g in GEN.items() if w["ctx"] in g[1] and
           (focus is None or op in focus)]
    weights = [g[0] * (5 if focus and op == focus[0] else 1) for op, g in ops]
    tries = 0
    while len(out) < n and tries < 4 * n + 4:
        tries += 1
        op, (_, _, draw, waits) = c.r.choices(ops, weights)[0]
        pc, pe = policies(c, w, waits)
        label = c.label(w["who"], op)
        a = draw(c, w)
        if a is None:
            continue
        args, b = a
        s = S(op, label, pc, pe, args, b)
        out.append(s)
        if op == "futcb":
            c.cbs.append((label, args[0]))
        if op == "raise":
            break
    return out


def generate(seed):
    r = random.Random(seed)
    p = Program(r.randint(0, 2), r.randint(0, 2), r.randint(0, 1),
                [r.randint(1, 2) for _ in range(r.randint(0, 1))],
                [r.randint(0, 2) for _ in range(r.randint(0, 2))], {}, [])
    p.ncond = r.randint(0, 1)
    p.bars = [r.randint(1, 3) for _ in range(r.randint(0, 1))]
    p.qkinds = [r.choice([0, 0, 1, 2]) for _ in p.queues]
    # a heap shows how it orders equal keys only with three items or more
    p.queues = [r.choice([0, 3, 4]) if k == 2 else m for m, k in zip(p.queues, p.qkinds)]
    p.sbound = [r.randint(0, 1) for _ in p.sems]
    c = Ctx(r, p)
    if r.random() < 0.2:
        for _ in range(r.randint(1, 2)):
            op = r.choice(["exec", "exec", "tothread"])
            args, _ = PROLOGUE[op][2](c, None)
            p.prologue.append(S(op, c.label("m", op), "s", "c", args))
    main = {"who": "m", "slot": 0, "depth": 0, "groups": [], "ctx": MAIN}
    focus = r.choice(FOCUS) if r.random() < 0.5 else None
    if focus:  # exactly one object of its kind, so that every contender meets on it
        if "lock" in focus:
            p.nlock = 1
        if "evwait" in focus:
            p.nev = 1
        if "futset" in focus:
            p.nfut = 1
        if "sem" in focus:
            p.sems, p.sbound = [r.randint(1, 2)], [r.randint(0, 1)]
        if "qget" in focus:
            p.queues, p.qkinds = [r.randint(0, 2)], [r.choice([0, 1, 2])]
            p.queues = [r.choice([0, 3, 4])] if p.qkinds[0] == 2 else p.queues
        if "qputs" == focus[0]:
            p.queues, p.qkinds = [r.choice([0, 4])], [r.choice([1, 2, 2])]
        if "cwait" in focus:  # (both condition focuses)
            p.ncond = 1
        if "bwait" in focus:
            p.bars = [r.randint(1, 3)]
        if "sread" in focus:
            p.npair = 3
    elif r.random() < 0.3:
        p.npair = 1
    first = [S("spawn", c.label("m", "spawn"), args=[new_slot(c, 0, focus=focus)])
             for _ in range(r.randint(0, 3) if focus is None else r.randint(2, 4))]
    if focus:
        p.funcs[0] = first + body(c, main, r.randint(2, 6), focus) + body(c, main, r.randint(0, 3))
    else:
        p.funcs[0] = first + body(c, main, r.randint(2, 8))
    while c.pending:
        k, depth, tgchild, focus = c.pending.pop(0)
        w = {"who": "t%d" % k, "slot": k, "depth": min(depth, MAX_DEPTH), "groups": [],
             "ctx": TASK}
        p.funcs[k] = body(c, w, r.randint(1, 3) if focus else r.randint(1, 6), focus)
        # a task group's child fails often enough for its siblings to be cancelled by it
        if tgchild and r.random() < 0.4 and (not p.funcs[k] or p.funcs[k][-1].op != "raise"):
            p.funcs[k].append(S("raise", c.label(w["who"], "raise"), args=[r.choice(ERRS)]))
    return p


if __name__ == "__main__":
    import sys

    import ir
    p = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    print(ir.to_text(p))
    print(ir.to_python(p))
