"""python3 -m looptrace [-m MODULE | SCRIPT] [ARGS...]: runs an unmodified asyncio program traced
(looptrace.install() first, then the program as python3 would run it)."""
import os
import runpy
import sys
import traceback

USAGE = """usage: python3 -m looptrace SCRIPT [ARGS...]
       python3 -m looptrace -m MODULE [ARGS...]
  Runs the program with every asyncio event loop traced: to LOOPTRACE (file:PATH, unix:PATH,
  tcp:HOST:PORT), else to the collector on the default socket (looptrace serve), else untraced.
  LOOPTRACE_CLOCK=virtual runs its loops on the virtual clock, LOOPTRACE_SHUFFLE=SEED shuffles
  each iteration's ready callbacks; LOOPTRACE_LABEL labels the session.
  Recorded: looptrace record [--clock virtual] [--shuffle S] -- python3 -m looptrace SCRIPT
"""


def _own(frame_summary):
    f = frame_summary.filename
    return f in (runpy.__file__, "<frozen runpy>") or \
        f.startswith(os.path.dirname(__file__) + os.sep)


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0 if argv else 2
    module = None
    if argv[0] == "-m":
        if len(argv) < 2:
            sys.stderr.write("looptrace: -m needs a module\n" + USAGE)
            return 2
        module, args = argv[1], argv[2:]
        spec = None
        try:
            import importlib.util
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            pass
        if spec is None:
            sys.stderr.write(f"{sys.executable}: No module named {module}\n")
            return 1
        program = os.path.abspath(spec.origin) if spec.origin else module
    else:
        script, args = argv[0], argv[1:]
        if not os.path.exists(script):
            sys.stderr.write(f"{sys.executable}: can't open file {script!r}: "
                             "[Errno 2] No such file or directory\n")
            return 2
        program = os.path.abspath(script)
        # as python3 SCRIPT does: the script's folder first on the path
        sys.path[0] = os.path.dirname(program)

    import looptrace
    looptrace.install(program=program)
    try:
        if module is not None:
            sys.argv = [program, *args]
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        else:
            sys.argv = [script, *args]
            runpy.run_path(script, run_name="__main__")
    except (SystemExit, KeyboardInterrupt):
        raise
    except BaseException as exc:
        # the traceback python3 SCRIPT would print: without runpy's frames and ours
        tb = traceback.TracebackException.from_exception(exc)
        tb.stack = traceback.StackSummary.from_list([f for f in tb.stack if not _own(f)])
        sys.stderr.write("".join(tb.format()))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
