# fifo_reversed.py: demo_fifo's workers (A to E, each yielding once, then printing its name),
# made in the reverse order: they print E D C B A. test_across.py diffs it against the C
# demo_fifo, whose tasks have the same names but were made A first.
import asyncio


async def worker(name):
    await asyncio.sleep(0)
    print(name)


async def main():
    await asyncio.gather(*(asyncio.create_task(worker(n), name=n) for n in "EDCBA"))


asyncio.run(main())
