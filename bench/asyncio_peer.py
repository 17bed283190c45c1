"""asyncio_peer.py: the CPython asyncio side of bench_runtime, the same five workloads.
Prints one JSON object: ns per switch, per spawn+await, per timer armed and fired, per timer
armed and cancelled, and the resident bytes per idle task. Run by bench_runtime; python3 asyncio_peer.py works alone too."""
import asyncio, json, sys, time

REPS = 3

def best(fn):
    return min(fn() for _ in range(REPS))

def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

def switch_ns(n):
    async def yielder():
        for _ in range(n):
            await asyncio.sleep(0)
    async def main():
        t0 = time.perf_counter_ns()
        await asyncio.gather(asyncio.create_task(yielder()), asyncio.create_task(yielder()))
        return (time.perf_counter_ns() - t0) / (2 * n)
    return asyncio.run(main())

def spawn_ns(n):
    async def child():
        return 1
    async def main():
        t0 = time.perf_counter_ns()
        for _ in range(n):
            await asyncio.create_task(child())
        return (time.perf_counter_ns() - t0) / n
    return asyncio.run(main())

def timer_ns(n):
    # n timers with distinct deadlines within 1 ms, armed, then all fired.
    async def main():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        left = [n]
        def cb():
            left[0] -= 1
            if left[0] == 0:
                done.set_result(None)
        t0 = time.perf_counter_ns()
        for i in range(n):
            loop.call_later((i % 1000) * 1e-6, cb)
        await done
        return (time.perf_counter_ns() - t0) / n
    return asyncio.run(main())

def timer_cancel_ns(n):
    # n timeouts armed, then cancelled before they fire.
    async def main():
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter_ns()
        handles = [loop.call_later(1 + i * 1e-6, lambda: None) for i in range(n)]
        for h in handles:
            h.cancel()
        return (time.perf_counter_ns() - t0) / n
    return asyncio.run(main())

def idle_rss(n):
    async def main():
        before = rss_bytes()
        tasks = [asyncio.create_task(asyncio.sleep(3600)) for _ in range(n)]
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        after = rss_bytes()
        for t in tasks:
            t.cancel()
        return (after - before) / n
    return asyncio.run(main())

if __name__ == "__main__":
    quick = "--quick" in sys.argv
    n = 20000 if quick else 200000
    print(json.dumps({
        "switch_ns": best(lambda: switch_ns(n)),
        "spawn_ns": best(lambda: spawn_ns(n // 2)),
        "timer_ns": best(lambda: timer_ns(100000)),
        "timer_cancel_ns": best(lambda: timer_cancel_ns(100000)),
        "idle_task_rss_bytes": idle_rss(100000),
        "python": sys.version.split()[0],
    }))
