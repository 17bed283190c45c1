# demo_fifo.py: a program whose output depends on the ready queue's FIFO order (the asyncio twin
# of examples/demo_fifo.c). main starts five workers; each yields once (sleep(0)) and then
# prints its name. Under asyncio's FIFO rule they print A B C D E, every run; shuffle mode
# (LOOPTRACE_SHUFFLE=SEED, or `looptrace record --shuffle`) permutes each iteration's batch and
# so the lines, which is what `looptrace orderings` groups runs by.
import asyncio


async def worker(name):
    await asyncio.sleep(0)
    print(name)


async def main():
    await asyncio.gather(*(asyncio.create_task(worker(n), name=n) for n in "ABCDE"))


asyncio.run(main())
