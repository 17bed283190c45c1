# busy.py [STEPS] [DISTINCT]: two tasks yielding STEPS times each, the first printing a line now and
# then (DISTINCT: every line different), then "finished"; the writer's tests stream it.
import asyncio
import sys

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
distinct = len(sys.argv) > 2 and sys.argv[2] == "distinct"


async def spin(name, talk):
    for i in range(steps):
        if talk and (distinct or i % 100 == 0):
            print(f"{name} {i}" if distinct else f"{name} at a hundred")
        await asyncio.sleep(0)


async def main():
    await asyncio.gather(spin("a", True), spin("b", False))
    print("finished", flush=True)


asyncio.run(main())
