"""ir.py: the differential tester's intermediate form: a program is a list of task bodies, each
a tree of statements; the text form the C interpreter (interp*.c) reads; and the Python emitter.
Each op is one entry of OPS (how it prints in Python); interp_ops.c has the matching entry.

A statement is (op, label, cancel policy, error policy, args, body). Every body runs in at most
one task and every statement at most once, so a label names one execution: both sides print
`label outcome` lines, which is all that is compared. Policies say what a waiting statement does
when its await raises: on CancelledError r(aise) s(wallow) u(ncancel, then go on) c(leanup: an
await of sleep(0), then raise); on an error r(aise) or c(ontinue)."""


class S:
    __slots__ = ("op", "label", "pc", "pe", "args", "body")

    def __init__(self, op, label="", pc="r", pe="c", args=(), body=None):
        self.op, self.label, self.pc, self.pe = op, label, pc, pe
        self.args = list(args)
        self.body = body  # a list of S for block statements, else None

    def copy(self):
        return S(self.op, self.label, self.pc, self.pe, self.args,
                 None if self.body is None else [s.copy() for s in self.body])


class Program:
    """funcs[0] is main's body (after its prologue); funcs[k] the body of task slot k (spawned by
    the one statement `spawn k` or `tgspawn k g`). prologue: executor jobs main runs alone."""

    def __init__(self, nfut, nev, nlock, sems, queues, funcs, prologue, npair=0):
        self.nfut, self.nev, self.nlock = nfut, nev, nlock
        self.npair = npair  # socket pairs: a task reads end b of pair i, anything writes end a
        self.sems, self.queues = list(sems), list(queues)  # initial values / maxsizes
        self.funcs = funcs  # dict slot -> list of S
        self.prologue = prologue
        # part 2's objects: conditions, barriers (parties), each queue's kind (0 FIFO, 1 LIFO,
        # 2 priority) and whether each semaphore is bounded
        self.ncond, self.bars = 0, []
        self.qkinds, self.sbound = [0] * len(self.queues), [0] * len(self.sems)

    def copy(self):
        p = Program(self.nfut, self.nev, self.nlock, self.sems, self.queues,
                    {k: [s.copy() for s in b] for k, b in self.funcs.items()},
                    [s.copy() for s in self.prologue], self.npair)
        p.ncond, p.bars = self.ncond, list(self.bars)
        p.qkinds, p.sbound = list(self.qkinds), list(self.sbound)
        return p


def walk(stmts):
    for s in stmts:
        yield s
        if s.body is not None:
            yield from walk(s.body)


# ---- the text form (interp_parse.c reads it) ----
# P nfut nev nlock nsem sem.. nq maxsize.. npair    then per body "F slot", prologue is "F -1";
# X ncond nbar parties.. nq kind.. nsem bounded..  (part 2's objects; absent: none)
# a statement: depth op label pc pe nargs args... ; "E" ends the program.


def to_text(p):
    lines = ["P %d %d %d %d %s %d %s %d" % (p.nfut, p.nev, p.nlock, len(p.sems),
                                            " ".join(map(str, p.sems)), len(p.queues),
                                            " ".join(map(str, p.queues)), p.npair),
             " ".join(map(str, ["X", p.ncond, len(p.bars)] + p.bars + [len(p.qkinds)] +
                          p.qkinds + [len(p.sbound)] + p.sbound))]

    def emit(stmts, depth):
        for s in stmts:
            lines.append("%d %s %s %s %s %d %s" % (depth, s.op, s.label, s.pc, s.pe,
                                                   len(s.args), " ".join(map(str, s.args))))
            if s.body is not None:
                emit(s.body, depth + 1)
    lines.append("F -1")
    emit(p.prologue, 0)
    for k in sorted(p.funcs):
        lines.append("F %d" % k)
        emit(p.funcs[k], 0)
    lines.append("E")
    return "\n".join(lines) + "\n"


# ---- the Python emitter ----

def pyref(tok):
    """An awaitable element: tK (a task slot), fI (a future), sMS (a sleep coroutine)."""
    kind, n = tok[0], int(tok[1:])
    if kind == "t":
        return "T[%d]" % n
    if kind == "f":
        return "F[%d]" % n
    return "asyncio.sleep(%r, %d)" % (n / 1000, n)


def guard(toks):
    """Task slots an element list needs spawned (a slot not spawned yet is left out)."""
    return [t for t in toks if t[0] == "t"]


def sec(ms):
    return "None" if int(ms) < 0 else repr(int(ms) / 1000)


class Emitter:
    def __init__(self):
        self.lines = []
        self.cbs = []  # module-level callback functions

    def w(self, ind, s):
        self.lines.append("    " * ind + s)

    def waiting(self, ind, s, expr, on_ok=None, group=False):
        """try: r = await expr, printed; then the statement's policies."""
        L = s.label
        self.w(ind, "try:")
        self.w(ind + 1, "r = await " + expr)
        self.w(ind, "except asyncio.CancelledError:")
        self.w(ind + 1, "h.out(%r)" % (L + " cancelled"))
        self.cancel_policy(ind + 1, s)
        self.w(ind, "except Exception as e:")
        self.w(ind + 1, "h.out(%r + %s(e))" % (L + " ", "h.fmt_group" if group else "h.fmt"))
        self.w(ind + 1, "raise" if s.pe == "r" else "pass")
        self.w(ind, "else:")
        self.w(ind + 1, "h.out(%r + h.fmt(r))" % (L + " ok "))
        if on_ok:
            on_ok(ind + 1)

    def block_end(self, ind, s, fmt):
        """The handlers after a block statement's try (a task group, a timeout scope): its
        outcome printed with fmt, then its policies."""
        L = s.label
        self.w(ind, "except asyncio.CancelledError:")
        self.w(ind + 1, "h.out(%r)" % (L + " cancelled"))
        self.cancel_policy(ind + 1, s)
        self.w(ind, "except Exception as e:")
        self.w(ind + 1, "h.out(%r + %s(e))" % (L + " ", fmt))
        self.w(ind + 1, "raise" if s.pe == "r" else "pass")
        self.w(ind, "else:")
        self.w(ind + 1, "h.out(%r)" % (L + " ok"))

    def cancel_policy(self, ind, s):
        L = s.label
        if s.pc == "r":
            self.w(ind, "raise")
        elif s.pc == "s":
            self.w(ind, "pass")
        elif s.pc == "u":
            self.w(ind, "h.out(%r %% asyncio.current_task().uncancel())" % (L + " uncancel %d"))
        else:
            self.w(ind, "try:")
            self.w(ind + 1, "await asyncio.sleep(0)")
            self.w(ind, "except asyncio.CancelledError:")
            self.w(ind + 1, "h.out(%r)" % (L + " cleanup cancelled"))
            self.w(ind + 1, "raise")
            self.w(ind, "h.out(%r)" % (L + " cleanup ok"))
            self.w(ind, "raise")

    def body(self, ind, stmts):
        if not stmts:
            self.w(ind, "pass")
        for s in stmts:
            OPS[s.op](self, ind, s)


def cbname(label):
    return "cb_" + label.replace(".", "_").replace(":", "_")


def _cb(e, s, actions, prefix="", arg="", suffix=""):
    """A module-level callback printing label! and running non-waiting actions."""
    name = cbname(s.label) + suffix
    sub = Emitter()
    sub.w(0, "def %s(%s):" % (name, arg))
    sub.w(1, "h.out(%r%s)" % (s.label + "!" + prefix, " + h.fmt_fut(fut)" if arg else ""))
    for a in actions:
        OPS[a.op](sub, 1, a)
    e.cbs.extend(sub.lines)
    e.cbs.extend(sub.cbs)
    return name


def op_spawn(e, ind, s):
    k = s.args[0]
    e.w(ind, "T[%s] = asyncio.get_running_loop().create_task(f%s())" % (k, k))
    e.w(ind, "CREATED.append((%r, T[%s]))" % ("t" + str(k), k))


def op_tgspawn(e, ind, s):
    k, g = s.args
    e.w(ind, "c = f%s()" % k)
    e.w(ind, "try:")
    e.w(ind + 1, "T[%s] = g%s.create_task(c)" % (k, g))
    e.w(ind, "except RuntimeError:")
    e.w(ind + 1, "c.close()")
    e.w(ind + 1, "h.out(%r)" % (s.label + " shutdown"))
    e.w(ind, "else:")
    e.w(ind + 1, "CREATED.append((%r, T[%s]))" % ("t" + str(k), k))


def op_sleep(e, ind, s):
    e.waiting(ind, s, "asyncio.sleep(%s)" % sec(s.args[0]))


def op_await(e, ind, s):
    ref = pyref(s.args[0])
    if s.args[0][0] == "t":
        e.w(ind, "if %s is None:" % ref)
        e.w(ind + 1, "h.out(%r)" % (s.label + " none"))
        e.w(ind, "else:")
        ind += 1
    e.waiting(ind, s, ref)


def _elems(e, ind, s, toks):
    e.w(ind, "els = [x for x in [%s] if x is not None]" %
        ", ".join("T[%s]" % t[1:] if t[0] == "t" else "'%s'" % t for t in toks))
    e.w(ind, "els = [%s for x in els]" % "h.mk(x)")


def op_gather(e, ind, s):
    ret, toks = s.args[0], s.args[1:]
    _elems(e, ind, s, toks)
    e.waiting(ind, s, "asyncio.gather(*els, return_exceptions=%s)" % bool(int(ret)))


def op_ascompleted(e, ind, s):
    to, toks = s.args[0], s.args[1:]
    _elems(e, ind, s, toks)
    e.w(ind, "if sum(x.done() for x in els) > 1:")
    e.w(ind + 1, "h.out(%r)" % (s.label + " skip"))
    e.w(ind, "else:")
    e.w(ind + 1, "for i, c in enumerate(asyncio.as_completed(els, timeout=%s)):" % sec(to))
    e.waiting(ind + 2, s, "c")


def op_waitfor(e, ind, s):
    to, inner = s.args[0], s.args[1:]
    e.w(ind, "x = %s" % "h.inner(%s)" % ", ".join(repr(str(a)) for a in inner))
    e.w(ind, "if x is None:")
    e.w(ind + 1, "h.out(%r)" % (s.label + " none"))
    e.w(ind, "else:")
    e.waiting(ind + 1, s, "asyncio.wait_for(x, %s)" % sec(to))


def op_evwait(e, ind, s):
    e.waiting(ind, s, "E[%s].wait()" % s.args[0])


def op_evset(e, ind, s):
    e.w(ind, "E[%s].set(); h.out(%r)" % (s.args[0], s.label + " ok"))


def op_evclear(e, ind, s):
    e.w(ind, "E[%s].clear(); h.out(%r)" % (s.args[0], s.label + " ok"))


def _guarded(kind):
    def op(e, ind, s):
        obj = "%s[%s]" % (kind, s.args[0])

        def inside(i):
            e.w(i, "try:")
            e.body(i + 1, s.body)
            e.w(i, "finally:")
            if kind == "SEM":
                e.w(i + 1, "h.block_release(%s, %r)" % (obj, s.label))
            else:
                e.w(i + 1, obj + ".release()")
        e.waiting(ind, s, obj + ".acquire()", inside)
    return op


def op_qput(e, ind, s):
    e.waiting(ind, s, "Q[%s].put(%s)" % tuple(s.args))


def op_qget(e, ind, s):
    q, td = s.args

    def done(i):
        if int(td):
            e.w(i, "Q[%s].task_done()" % q)
    e.waiting(ind, s, "Q[%s].get()" % q, done)


def op_qputnw(e, ind, s):
    e.w(ind, "try:")
    e.w(ind + 1, "Q[%s].put_nowait(%s)" % tuple(s.args))
    e.w(ind, "except asyncio.QueueFull:")
    e.w(ind + 1, "h.out(%r)" % (s.label + " full"))
    e.w(ind, "else:")
    e.w(ind + 1, "h.out(%r)" % (s.label + " ok"))


def op_qgetnw(e, ind, s):
    e.w(ind, "try:")
    e.w(ind + 1, "r = Q[%s].get_nowait()" % s.args[0])
    e.w(ind, "except asyncio.QueueEmpty:")
    e.w(ind + 1, "h.out(%r)" % (s.label + " empty"))
    e.w(ind, "else:")
    e.w(ind + 1, "h.out(%r + h.fmt(r))" % (s.label + " ok "))


def op_swrite(e, ind, s):
    e.w(ind, "h.send(%s, %s); h.out(%r)" % (s.args[0], s.args[1], s.label + " ok"))


def op_sread(e, ind, s):
    e.waiting(ind, s, "h.recv(%s)" % s.args[0])


def op_join(e, ind, s):
    e.waiting(ind, s, "Q[%s].join()" % s.args[0])


def op_tg(e, ind, s):
    g = s.args[0]
    e.w(ind, "try:")
    e.w(ind + 1, "async with h.TaskGroup() as g%s:" % g)
    e.body(ind + 2, s.body)
    e.block_end(ind, s, "h.fmt_group")


def op_cancel(e, ind, s):
    k = s.args[0]
    e.w(ind, "h.out(%r + (h.b(T[%s].cancel()) if T[%s] is not None else 'none'))" %
        (s.label + " ", k, k))


def op_cancelself(e, ind, s):
    e.w(ind, "h.out(%r + h.b(asyncio.current_task().cancel()))" % (s.label + " "))


def op_uncancel(e, ind, s):
    e.w(ind, "h.out(%r %% asyncio.current_task().uncancel())" % (s.label + " %d"))


def op_cancelling(e, ind, s):
    e.w(ind, "h.out(%r %% asyncio.current_task().cancelling())" % (s.label + " %d"))


def op_raise(e, ind, s):
    e.w(ind, "h.out(%r)" % (s.label + " ok"))
    e.w(ind, "raise h.Err(%s)" % s.args[0])


def _fut_resolve(method):
    def op(e, ind, s):
        i, v = s.args
        arg = v if method == "set_result" else "h.Err(%s)" % v
        e.w(ind, "try:")
        e.w(ind + 1, "F[%s].%s(%s)" % (i, method, arg))
        e.w(ind, "except asyncio.InvalidStateError:")
        e.w(ind + 1, "h.out(%r)" % (s.label + " invalid"))
        e.w(ind, "else:")
        e.w(ind + 1, "h.out(%r)" % (s.label + " ok"))
    return op


def op_futcancel(e, ind, s):
    e.w(ind, "h.out(%r + h.b(F[%s].cancel()))" % (s.label + " ", s.args[0]))


def op_futcb(e, ind, s):
    name = _cb(e, s, [], " ", "fut")
    ref = pyref(s.args[0])
    e.w(ind, "if %s is None:" % ref)
    e.w(ind + 1, "h.out(%r)" % (s.label + " none"))
    e.w(ind, "else:")
    e.w(ind + 1, "%s.add_done_callback(%s); h.out(%r)" % (ref, name, s.label + " ok"))


def op_rmcb(e, ind, s):
    # args: the element and the label of the futcb statement whose callback to remove
    ref, lab = pyref(s.args[0]), s.args[1]
    name = cbname(lab)
    e.w(ind, "if %s is None:" % ref)
    e.w(ind + 1, "h.out(%r)" % (s.label + " none"))
    e.w(ind, "else:")
    e.w(ind + 1, "h.out(%r %% %s.remove_done_callback(%s))" % (s.label + " %d", ref, name))


def op_callsoon(e, ind, s):
    name = _cb(e, s, s.body)
    e.w(ind, "asyncio.get_running_loop().call_soon(%s); h.out(%r)" % (name, s.label + " ok"))


def op_calllater(e, ind, s):
    name = _cb(e, s, s.body)
    e.w(ind, "asyncio.get_running_loop().call_later(%s, %s); h.out(%r)" %
        (sec(s.args[0]), name, s.label + " ok"))


def op_exec(e, ind, s):
    v, before, after = s.args
    e.w(ind, "x = asyncio.get_running_loop().run_in_executor(None, h.job, %s)" % v)
    if int(before):
        e.w(ind, "x.add_done_callback(%s)" % _cb(e, s, [], "b ", "fut", "b"))

    e.waiting(ind, s, "x")
    if int(after):  # reached unless the statement raised
        e.w(ind, "x.add_done_callback(%s)" % _cb(e, s, [], "a ", "fut", "a"))


def op_tothread(e, ind, s):
    e.waiting(ind, s, "asyncio.to_thread(h.job, %s)" % s.args[0])


# The op table: name -> Python emitter (the C side: interp_ops.c's LT_DIFF_OPS, same names).
OPS = {
    "spawn": op_spawn, "tgspawn": op_tgspawn, "sleep": op_sleep, "await": op_await,
    "gather": op_gather, "ascompleted": op_ascompleted, "waitfor": op_waitfor,
    "evwait": op_evwait, "evset": op_evset, "evclear": op_evclear,
    "lock": _guarded("L"), "sem": _guarded("SEM"),
    "qput": op_qput, "qget": op_qget, "qputnw": op_qputnw, "qgetnw": op_qgetnw, "join": op_join,
    "tg": op_tg, "cancel": op_cancel, "cancelself": op_cancelself, "uncancel": op_uncancel,
    "cancelling": op_cancelling, "raise": op_raise,
    "futset": _fut_resolve("set_result"), "futerr": _fut_resolve("set_exception"),
    "futcancel": op_futcancel, "futcb": op_futcb, "rmcb": op_rmcb,
    "callsoon": op_callsoon, "calllater": op_calllater,
    "exec": op_exec, "tothread": op_tothread, "swrite": op_swrite, "sread": op_sread,
}


# ---- part 2 of issue 16: wait, timeout scopes, shield, Condition, Barrier, BoundedSemaphore ----

def op_wait(e, ind, s):
    mode, to, toks = s.args[0], s.args[1], s.args[2:]
    _elems(e, ind, s, toks)
    e.w(ind, "if not els:")
    e.w(ind + 1, "h.out(%r)" % (s.label + " none"))
    e.w(ind, "else:")
    e.waiting(ind + 1, s, "h.wait(els, %s, %s)" % (mode, sec(to)))


def op_tmo(e, ind, s):
    d, r = s.args
    L = s.label
    e.w(ind, "try:")
    e.w(ind + 1, "async with asyncio.timeout(%s) as cm:" % sec(d))
    if int(r) != -2:
        e.w(ind + 2, "h.out(%r + h.reschedule(cm, %s))" % (L + " resched ", r))
    e.body(ind + 2, s.body)
    e.block_end(ind, s, "h.fmt")


def op_shield(e, ind, s):
    tok = s.args[0]
    if tok[0] == "t":
        e.w(ind, "if T[%s] is None:" % tok[1:])
        e.w(ind + 1, "h.out(%r)" % (s.label + " none"))
        e.w(ind, "else:")
        ind += 1
    e.waiting(ind, s, "asyncio.shield(%s)" % ("T[%s]" % tok[1:] if tok[0] == "t" else
                                            "h.mk(%r)" % tok))


def op_cwait(e, ind, s):
    e.waiting(ind, s, "h.cwait(C, CN, %s, %s)" % tuple(s.args))


def op_cnotify(e, ind, s):
    e.waiting(ind, s, "h.cnotify(C, CN, %s, %s)" % tuple(s.args))


def _barrier(method):
    def op(e, ind, s):
        e.waiting(ind, s, "B[%s].%s()" % (s.args[0], method))
    return op


def op_bsrel(e, ind, s):
    e.w(ind, "h.out(%r + h.release(SEM[%s]))" % (s.label + " ", s.args[0]))


def op_qputs(e, ind, s):
    e.w(ind, "h.out(%r + h.put_many(Q[%s], %r))" % (s.label + " ok ", s.args[0], s.args[1:]))


def op_qgets(e, ind, s):
    e.w(ind, "h.out(%r + h.get_many(Q[%s], %s))" % (s.label + " ok ", s.args[0], s.args[1]))


OPS.update({
    "qputs": op_qputs, "qgets": op_qgets,
    "wait": op_wait, "tmo": op_tmo, "shield": op_shield, "cwait": op_cwait,
    "cnotify": op_cnotify, "bwait": _barrier("wait"), "babort": _barrier("abort"),
    "breset": _barrier("reset"), "bsrel": op_bsrel,
})


def to_python(p):
    """The program as a Python script (run from this folder: it imports vloop)."""
    e = Emitter()
    nslots = 16  # slots referenced may exceed the ones spawned (gen.MAX_SLOTS)
    for k in sorted(p.funcs):
        if k == 0:
            continue
        e.w(0, "async def f%d():" % k)
        e.body(1, p.funcs[k])
        e.w(1, "return %d" % (100 + k))
    e.w(0, "async def main():")
    e.w(1, "F[:] = [asyncio.get_running_loop().create_future() for _ in range(%d)]" % p.nfut)
    e.w(1, "E[:] = [asyncio.Event() for _ in range(%d)]" % p.nev)
    e.w(1, "L[:] = [asyncio.Lock() for _ in range(%d)]" % p.nlock)
    e.w(1, "SEM[:] = [h.semaphore(v, b) for v, b in zip(%r, %r)]" % (p.sems, p.sbound))
    e.w(1, "Q[:] = [h.queue(m, k) for m, k in zip(%r, %r)]" % (p.queues, p.qkinds))
    e.w(1, "C[:] = [asyncio.Condition() for _ in range(%d)]" % p.ncond)
    e.w(1, "CN[:] = [0] * %d" % p.ncond)
    e.w(1, "B[:] = [asyncio.Barrier(n) for n in %r]" % (p.bars,))
    e.w(1, "h.pairs(%d)" % p.npair)
    e.body(1, p.prologue)
    e.w(1, "wd = h.arm_watchdog(CREATED)")
    e.body(1, p.funcs[0])
    e.w(1, "await h.drain(CREATED)")
    e.w(1, "wd.cancel()")
    head = ["import asyncio", "import vloop as h", "T = [None] * %d" % nslots,
            "F, E, L, SEM, Q, CREATED = [], [], [], [], [], []", "C, CN, B = [], [], []",
            "h.bind(T, F)", "h.bind_objs(E, Q)"]
    return "\n".join(head + e.cbs + e.lines + ["h.run(main)", ""])
