# names.py: tasks that print the names asyncio gave them (one named by the program), each after a
# sleep on its own line; the browser test reads their lanes against these lines.
import asyncio


async def child(delay):
    await asyncio.sleep(delay)
    print(asyncio.current_task().get_name())


async def main():
    print(asyncio.current_task().get_name())
    await asyncio.gather(asyncio.create_task(child(0.05)),
                         asyncio.create_task(child(0.1), name="named child"))


asyncio.run(main())
