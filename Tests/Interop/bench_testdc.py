"""Benchmark (not a test): how many logins per second one `tgflow testdc` sustains, and its
memory per idle connection. Run: ${PY:-.venv/bin/python} Tests/Interop/bench_testdc.py [--logins N] [--procs P]

A login is a fresh auth key exchange + auth.sendCode + auth.signIn (+ signUp the first
time), made by Telethon 1.45 clients in P processes. Telethon's pure-Python DH and its
event loop cost more CPU than the server, so besides the wall-clock rate we report the
server's own CPU seconds per login (from /proc), which bounds what it could serve alone.
"""
import argparse
import asyncio
import multiprocessing
import os
import pathlib
import socket
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from testdc import DCServer  # noqa: E402


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def worker(info_dir, first, count, concurrency, queue):
    from telethon import errors, functions
    server = DCServer.__new__(DCServer)
    server.dir = pathlib.Path(info_dir)
    server.info_path = server.dir / "info.json"
    server.code_log = server.dir / "codes.jsonl"
    import json
    from telethon import TelegramClient
    server.info = json.loads(server.info_path.read_text())
    server.ports = {dc["id"]: dc["port"] for dc in server.info["dcs"]}
    server.client_class = type("Client", (TelegramClient,), {"_config": None})
    server.trust_key()

    async def login(n):
        phone = f"99966{1}{n:04d}"
        client = server.client(None)
        await client.connect()
        sent = await client.send_code_request(phone)
        try:
            await client.sign_in(phone, "11111")
        except errors.PhoneNumberUnoccupiedError:
            await client(functions.auth.SignUpRequest(phone, sent.phone_code_hash, "Bench", ""))
        await client.disconnect()

    async def run():
        sem = asyncio.Semaphore(concurrency)

        async def one(n):
            async with sem:
                await login(n)
        await asyncio.gather(*(one(n) for n in range(first, first + count)))

    asyncio.run(run())
    queue.put(count)


def bench_logins(server, logins, procs, concurrency):
    per = logins // procs
    queue = multiprocessing.Queue()
    cpu0, t0 = cpu_seconds(server.proc.pid), time.monotonic()
    jobs = [multiprocessing.Process(target=worker, args=(str(server.dir), i * per, per, concurrency, queue)) for i in range(procs)]
    for j in jobs:
        j.start()
    done = sum(queue.get() for _ in jobs)
    for j in jobs:
        j.join()
    wall, cpu = time.monotonic() - t0, cpu_seconds(server.proc.pid) - cpu0
    print(f"logins: {done} in {wall:.2f} s = {done / wall:.1f} logins/s wall-clock "
          f"({procs} Telethon processes x {concurrency} concurrent, 2 cores shared with the server)")
    print(f"server CPU per login: {cpu / done * 1000:.2f} ms = at most {done / cpu:.0f} logins/s per core for the server alone")


def bench_idle(server, count):
    port = server.ports[1]
    time.sleep(0.5)
    before = rss_kib(server.proc.pid)
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"\xee\xee\xee\xee")  # intermediate: transport known, then silence
        sockets.append(s)
    time.sleep(1.0)
    after = rss_kib(server.proc.pid)
    print(f"idle connections: {count} add {after - before} KiB RSS = {(after - before) * 1024 / count:.0f} bytes per idle connection")
    for s in sockets:
        s.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--idle", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = DCServer(pathlib.Path(tmp) / "bench", config={"limits": {"send_code_per_window": 1000}})
        try:
            bench_logins(server, args.logins, args.procs, args.concurrency)
            bench_idle(server, args.idle)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
