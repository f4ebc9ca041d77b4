#!/usr/bin/env python3
"""The Python peer of mtproto-bench's network figures: Telethon 1.45 (TCP full transport,
its default) against the same loopback test server, in the same run.

Usage: telethon_network_bench.py INFO_JSON ROUNDS IN_FLIGHT TOTAL
Prints one JSON object: connect (key exchange + initConnection) time, help.getConfig
latency p50/p99, and requests per second with IN_FLIGHT requests outstanding.
"""
import asyncio
import json
import os
import sys
import time

import telethon
from telethon import TelegramClient
from telethon.sessions import MemorySession
from telethon.tl.functions.help import GetConfigRequest


async def main():
    # Pinned to the core mtproto-bench gives its own client, when it pins (see NetworkBench.swift).
    if os.environ.get("BENCH_PEER_CPU"):
        os.sched_setaffinity(0, {int(os.environ["BENCH_PEER_CPU"])})
    info = json.loads(sys.argv[1])
    rounds, in_flight, total = (int(a) for a in sys.argv[2:5])
    telethon.crypto.rsa._server_keys.clear()
    telethon.crypto.rsa.add_key(info["rsa_public_key"], old=False)
    dc = info["dcs"][0]

    def new_client():
        session = MemorySession()
        session.set_dc(dc["id"], dc["host"], dc["port"])
        return TelegramClient(session, 12345, "0123456789abcdef0123456789abcdef", receive_updates=False)

    # Best of a few fresh connections, each abandoned after 3 s as on the Swift side.
    connect_times, client = [], None
    for _ in range(5):
        candidate = new_client()
        start = time.perf_counter()
        try:
            await asyncio.wait_for(candidate.connect(), 3)
        except asyncio.TimeoutError:
            await candidate.disconnect()
            continue
        connect_times.append((time.perf_counter() - start) * 1000)
        if client is not None:
            await client.disconnect()
        client = candidate
    connect_ms = min(connect_times)

    latencies = []
    for _ in range(rounds):
        t = time.perf_counter()
        await client(GetConfigRequest())
        latencies.append((time.perf_counter() - t) * 1e6)
    latencies.sort()

    async def worker(n):
        for _ in range(n):
            await client(GetConfigRequest())

    start = time.perf_counter()
    await asyncio.gather(*(worker(total // in_flight) for _ in range(in_flight)))
    rps = (total // in_flight) * in_flight / (time.perf_counter() - start)
    await client.disconnect()
    print(json.dumps({
        "connect_ms": connect_ms,
        "p50_us": latencies[len(latencies) // 2],
        "p99_us": latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)],
        "rps": rps,
    }))


if __name__ == "__main__":
    asyncio.run(main())
