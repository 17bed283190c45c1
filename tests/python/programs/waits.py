# waits.py: one await of every kind the producer tells apart, each on a line whose comment says
# its reason after "wait:" (test_events.py finds the lines so); prints what it got, for the marks.
import asyncio
import socket
import time


async def consumer(q):
    print("got", await q.get())  # wait: queue


async def crash():
    await asyncio.sleep(0)  # wait: yield
    raise ValueError("boom")


async def main():
    loop = asyncio.get_running_loop()
    await asyncio.sleep(0.001)  # wait: sleep
    q = asyncio.Queue()
    c = asyncio.create_task(consumer(q), name="consumer")
    ev = asyncio.Event()
    loop.call_later(0.001, ev.set)
    await ev.wait()  # wait: event
    await q.put(1)
    await c  # wait: task
    lock = asyncio.Lock()
    await lock.acquire()
    loop.call_later(0.001, lock.release)
    async with lock:  # wait: lock
        pass
    sem = asyncio.Semaphore(0)
    loop.call_later(0.001, sem.release)
    await sem.acquire()  # wait: semaphore
    await asyncio.gather(asyncio.sleep(0.001), asyncio.sleep(0.002))  # wait: gather
    async with asyncio.TaskGroup() as tg:  # wait: gather (when the block ends)
        tg.create_task(asyncio.sleep(0.001), name="in-group")
    try:
        await asyncio.wait_for(asyncio.sleep(1), 0.001)  # wait: gather
    except TimeoutError:
        print("timed out")
    await loop.run_in_executor(None, time.sleep, 0.002)  # wait: executor
    await asyncio.to_thread(time.sleep, 0.001)  # wait: executor
    a, b = socket.socketpair()
    a.setblocking(False)
    loop.call_later(0.001, b.send, b"hi")
    print("read", await loop.sock_recv(a, 2))  # wait: io
    a.close()
    b.close()
    fut = loop.create_future()
    loop.call_later(0.001, fut.set_result, "done")
    print("future", await fut)  # wait: future
    t = asyncio.create_task(crash(), name="crash")
    await asyncio.wait([t])  # wait: gather
    long = asyncio.create_task(asyncio.sleep(10), name="cancelled")
    await asyncio.sleep(0)  # wait: yield
    long.cancel()
    try:
        await long  # wait: task
    except asyncio.CancelledError:
        print("cancelled")
    cond = asyncio.Condition()

    async def notify():
        async with cond:
            cond.notify_all()
    async with cond:
        loop.call_later(0.001, asyncio.ensure_future, notify())
        await cond.wait()  # wait: condition
    barrier = asyncio.Barrier(2)
    other = asyncio.create_task(barrier.wait(), name="other")
    await barrier.wait()  # wait: barrier
    await other  # done already: no wait
    a, b = socket.socketpair()
    reader, writer = await asyncio.open_connection(sock=a)  # wait: io
    loop.call_later(0.001, b.send, b"line\n")
    await reader.readline()  # wait: stream
    writer.close()
    b.close()
    proc = await asyncio.create_subprocess_exec("true")  # wait: io
    await proc.wait()  # wait: process
    never = loop.call_later(10, print, "never")
    never.cancel()
    print("end")


asyncio.run(main())
