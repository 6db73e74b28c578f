"""MCP `search_docs` under concurrent load, through the real HTTP endpoint.

    python search-load.py URL [--concurrency 1,16,64] [--duration 10] [--warmup 2] [--server-pid PID]
    python search-load.py URL --rounds 10      # latency only: concurrency 1, every query N times

URL is an MCP endpoint (http://127.0.0.1:PORT/mcp/SLUG). Each worker opens its own MCP session
(initialize → Mcp-Session-Id, notifications/initialized) and then sends `tools/call
search_docs {query}` back to back, queries cycled from bench/retrieval/django-faq.json, over
one httpx.AsyncClient whose pool holds as many HTTP/1.1 keep-alive connections as workers.
For every concurrency the same load generator also runs `GET /healthz` on the same server:
its requests/s is the ceiling of this client (and of the HTTP layer), so readers can tell
which side limits. CPU% columns are the share of one core used by the server (from
/proc/PID/stat, with --server-pid) and by this client during the measured window.

--rounds prints one line "p50_ms p99_ms requests errors" (for bench/ingest.sh).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

HERE = Path(__file__).resolve().parent
PROTOCOL = "2025-11-25"
TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); 0 when there are no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), math.ceil(p / 100 * len(ordered))) - 1)]


def process_cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def process_memory_mib(pid: int | None, key: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, in MiB."""
    if pid is None:
        return 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def decode(response: httpx.Response) -> dict:
    """The JSON-RPC message of a response (plain JSON, or the last `data:` of an SSE stream)."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        data = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
        return json.loads(data[-1])
    return response.json()


class Session:
    """One MCP session on the endpoint, over a shared client."""

    def __init__(self, client: httpx.AsyncClient, url: str):
        self.client, self.url, self.ids = client, url, itertools.count(2)
        self.headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": PROTOCOL}

    async def open(self) -> "Session":
        hello = {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "search-load", "version": "1"}}
        response = await self.client.post(
            self.url, json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": hello}, headers=self.headers
        )
        response.raise_for_status()
        self.headers["Mcp-Session-Id"] = response.headers["mcp-session-id"]
        await self.client.post(self.url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=self.headers)
        return self

    async def search(self, query: str) -> bool:
        """One search_docs call; True when it returned results without error."""
        call = {"name": "search_docs", "arguments": {"query": query}}
        response = await self.client.post(
            self.url, json={"jsonrpc": "2.0", "id": next(self.ids), "method": "tools/call", "params": call}, headers=self.headers
        )
        if response.status_code != 200:
            return False
        message = decode(response)
        result = message.get("result") or {}
        return "error" not in message and not result.get("isError") and bool(result.get("structuredContent"))


async def run_phase(target: str, url: str, queries: list[str], concurrency: int, duration: float, warmup: float, pid: int | None) -> dict:
    """`concurrency` workers for warmup + duration seconds; only the last `duration` counts."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        if target == "search_docs":
            sessions = await asyncio.gather(*(Session(client, url).open() for _ in range(concurrency)))
        next_query = itertools.cycle(queries).__next__
        latencies: list[float] = []
        errors = 0
        loop = asyncio.get_running_loop()
        start = loop.time()
        measure_from, stop = start + warmup, start + warmup + duration

        async def worker(index: int) -> None:
            nonlocal errors
            while (now := loop.time()) < stop:
                try:
                    if target == "search_docs":
                        ok = await sessions[index].search(next_query())
                    else:
                        ok = (await client.get(url)).status_code == 200
                except (httpx.HTTPError, ValueError, KeyError):
                    ok = False
                if now >= measure_from:
                    latencies.append(loop.time() - now)
                    errors += not ok

        async def sample_cpu() -> tuple[float, float]:  # (server, client) CPU seconds in the window
            await asyncio.sleep(measure_from - loop.time())
            server, client_cpu = process_cpu_seconds(pid), time.process_time()
            await asyncio.sleep(stop - loop.time())
            return process_cpu_seconds(pid) - server, time.process_time() - client_cpu

        *_, (server_cpu, client_cpu) = await asyncio.gather(*(worker(i) for i in range(concurrency)), sample_cpu())
    return {
        "target": target,
        "concurrency": concurrency,
        "rps": len(latencies) / duration,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "errors": errors,
        "server_cpu": 100 * server_cpu / duration,
        "client_cpu": 100 * client_cpu / duration,
        "rss": process_memory_mib(pid, "VmRSS"),
        "latencies": latencies,
    }


async def rounds(url: str, queries: list[str], count: int) -> None:
    """Concurrency 1: one warm-up round, then every query `count` times."""
    async with httpx.AsyncClient(timeout=60) as client:
        session = await Session(client, url).open()
        for query in queries:
            await session.search(query)
        latencies, errors = [], 0
        for _ in range(count):
            for query in queries:
                start = time.perf_counter()
                errors += not await session.search(query)
                latencies.append(time.perf_counter() - start)
    print(f"{percentile(latencies, 50) * 1000:.2f} {percentile(latencies, 99) * 1000:.2f} {len(latencies)} {errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="MCP endpoint, e.g. http://127.0.0.1:8080/mcp/django")
    parser.add_argument("--concurrency", default="1,16,64", help="comma-separated worker counts")
    parser.add_argument("--duration", type=float, default=10, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds before each phase")
    parser.add_argument("--server-pid", type=int, help="server process, for CPU% and RSS")
    parser.add_argument("--queries", type=Path, default=HERE / "retrieval" / "django-faq.json")
    parser.add_argument("--rounds", type=int, help="latency mode: every query N times at concurrency 1")
    args = parser.parse_args()
    queries = [entry["query"] for entry in json.loads(args.queries.read_text())["queries"]]

    if args.rounds:
        asyncio.run(rounds(args.url, queries, args.rounds))
        return

    parts = urlsplit(args.url)
    healthz = f"{parts.scheme}://{parts.netloc}/healthz"
    print(f"{len(queries)} queries cycled, {args.duration:g} s per phase after {args.warmup:g} s warm-up, HTTP/1.1 keep-alive")
    print(f"{'target':<12} | {'conc':>4} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'errors':>6} | "
          f"{'server CPU%':>11} | {'client CPU%':>11} | {'server RSS MiB':>14} | search/healthz")
    for concurrency in (int(c) for c in args.concurrency.split(",")):
        base = asyncio.run(run_phase("healthz", healthz, queries, concurrency, args.duration, args.warmup, args.server_pid))
        search = asyncio.run(run_phase("search_docs", args.url, queries, concurrency, args.duration, args.warmup, args.server_pid))
        for row in (base, search):
            ratio = f"{search['rps'] / base['rps']:.3f}" if row is search and base["rps"] else ""
            print(f"{row['target']:<12} | {row['concurrency']:>4} | {row['rps']:>8.0f} | {row['p50']:>7.2f} | {row['p99']:>7.2f} | "
                  f"{row['errors']:>6} | {row['server_cpu']:>11.0f} | {row['client_cpu']:>11.0f} | {row['rss']:>14.1f} | {ratio}")
    if args.server_pid:
        print(f"server peak RSS (VmHWM): {process_memory_mib(args.server_pid, 'VmHWM'):.1f} MiB")


if __name__ == "__main__":
    main()
