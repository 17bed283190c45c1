"""bench_python.py: what tracing costs a CPython asyncio program, on bench/asyncio_peer.py's four
workloads (a switch between two tasks yielding to each other, spawning a task and awaiting it,
100k timers armed and fired, the resident memory of 100k idle tasks). In one run, alternately:
the peer untraced (python3 asyncio_peer.py), and the same unmodified program traced
(python3 -m looptrace asyncio_peer.py) to a file, or with --collector LOOPTRACE_BINARY to a real
`looptrace serve` in a temporary directory (what `looptrace record` streams to). Each run is the
peer's best of 3; the table gives the median of --reps runs (and their range) and the ratio.

    python3 bench/bench_python.py [--quick] [--reps N] [--collector build/bin/looptrace] [--json]
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "asyncio_peer.py")
PACKAGE = os.path.join(os.path.dirname(HERE), "python")
ROWS = [("switch_ns", "switch (ns)"), ("spawn_ns", "spawn + await (ns)"),
        ("timer_ns", "timer armed + fired (ns)"), ("idle_task_rss_bytes", "idle task (bytes)")]


def run(args, env):
    r = subprocess.run(args, capture_output=True, text=True, env=env, check=True)
    return json.loads(r.stdout)


def collector(binary, tmp):
    sock = os.path.join(tmp, "ingest.sock")
    d = subprocess.Popen([binary, "serve", "--db", os.path.join(tmp, "bench.db"), "--http",
                          "127.0.0.1:0", "--ingest", "unix:" + sock], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    while not os.path.exists(sock):
        if time.monotonic() - t0 > 20 or d.poll() is not None:
            raise SystemExit("bench_python: looptrace serve did not start")
        time.sleep(0.02)
    return d, "unix:" + sock


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the peer's --quick sizes")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--collector", metavar="LOOPTRACE", help="stream to a real looptrace serve")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="lt-bench-py-")
    daemon = None
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOOPTRACE")}
        env["XDG_RUNTIME_DIR"] = tmp  # never the machine's default collector
        traced_env = dict(env, PYTHONPATH=PACKAGE)
        if a.collector:
            daemon, sink = collector(a.collector, tmp)
        else:
            sink = "file:" + os.path.join(tmp, "peer.ltr")
        traced_env["LOOPTRACE"] = sink
        peer = [sys.executable, PEER] + (["--quick"] if a.quick else [])
        traced = [sys.executable, "-m", "looptrace", PEER] + (["--quick"] if a.quick else [])
        results = {"untraced": [], "traced": []}
        for _ in range(a.reps):  # alternately, so that a busy moment hits both alike
            results["untraced"].append(run(peer, env))
            results["traced"].append(run(traced, traced_env))
        size = os.path.getsize(sink[5:]) if sink.startswith("file:") else None
    finally:
        if daemon:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)
    table = {"python": results["untraced"][0]["python"], "reps": a.reps,
             "sink": "collector" if a.collector else "file", "trace_bytes": size, "rows": {}}
    for key, _ in ROWS:
        u = [r[key] for r in results["untraced"]]
        t = [r[key] for r in results["traced"]]
        table["rows"][key] = {"untraced": statistics.median(u), "traced": statistics.median(t),
                              "untraced_range": [min(u), max(u)], "traced_range": [min(t), max(t)],
                              "ratio": statistics.median(t) / statistics.median(u)}
    if a.json:
        print(json.dumps(table))
        return
    print(f"CPython {table['python']} asyncio, untraced against traced (python3 -m looptrace, "
          f"to a {table['sink']}), median of {a.reps} runs [range]")
    print(f"{'workload':<26} {'untraced':>22} {'traced':>22} {'traced/untraced':>16}")
    for key, name in ROWS:
        r = table["rows"][key]
        u = f"{r['untraced']:.0f} [{r['untraced_range'][0]:.0f}-{r['untraced_range'][1]:.0f}]"
        t = f"{r['traced']:.0f} [{r['traced_range'][0]:.0f}-{r['traced_range'][1]:.0f}]"
        print(f"{name:<26} {u:>22} {t:>22} {r['ratio']:>15.2f}x")
    if size is not None:
        print(f"trace of the last traced run: {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
