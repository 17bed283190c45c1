# workers.py [N]: a pool of N workers (default 32) of which all but the last finish early, one
# after another 10 ms apart, while the last works on for a second: a session whose view, past
# the first third, is mostly the empty lanes of finished tasks (navigation.test.mjs).
import asyncio
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 32


async def worker(k):
    if k < n - 1:
        await asyncio.sleep((k + 1) * 0.01)
        return k
    for _ in range(20):
        await asyncio.sleep(0.05)
    print("the last worker is done", flush=True)
    return k


async def main():
    pool = [asyncio.create_task(worker(k), name=f"worker {k}") for k in range(n)]
    done = await asyncio.gather(*pool)
    print(f"{len(done)} workers done")


asyncio.run(main())
