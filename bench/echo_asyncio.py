"""echo_asyncio.py: bench_echo's asyncio peer, the same workload as echo_lt on asyncio streams
(asyncio.start_server, open_connection): N clients each write a message, read it back whole
with readexactly, and write the next, for --seconds, server and clients on one loop. Prints
one JSON line like the C peers (echo_peer.h). One loop only: the GIL leaves no point in more."""
import asyncio, json, resource, sys, time

def args():
    a = {"clients": 100, "seconds": 2.0, "loops": 1, "size": 64}
    it = iter(sys.argv[1:])
    for k in it:
        a[k.lstrip("-")] = type(a[k.lstrip("-")])(next(it))
    return a

def cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

async def handle(reader, writer):
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()

async def client(port, size, deadline, lat):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    msg = b"x" * size
    t = time.perf_counter_ns()
    while t < deadline:
        writer.write(msg)
        await writer.drain()
        await reader.readexactly(size)
        now = time.perf_counter_ns()
        lat.append(now - t)
        t = now
    writer.close()

async def main(a):
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    lat = []
    t0 = time.perf_counter_ns()
    deadline = t0 + int(a["seconds"] * 1e9)
    await asyncio.gather(*(client(port, a["size"], deadline, lat) for _ in range(a["clients"])))
    t1 = time.perf_counter_ns()
    server.close()
    return lat, (t1 - t0) / 1e9

if __name__ == "__main__":
    a = args()
    c0 = cpu_s()
    lat, secs = asyncio.run(main(a))
    cpu = cpu_s() - c0
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] / 1000 if lat else 0
    print(json.dumps({"roundtrips": len(lat), "seconds": round(secs, 4), "p50_us": q(0.5),
                      "p99_us": q(0.99), "cpu_s": round(cpu, 4)}))
