"""Drives MCP sessions against a running `mcplatform serve` and prints what the server holds
before, during and after them: RSS, open file descriptors, established TCP connections to its
port, and rows in mcp_sessions (bench/sessions-leak.sh starts the server and calls this).

Every session has a TCP connection of its own (one httpx client each) and makes:
initialize, notifications/initialized, tools/list, tools/call search_docs. Even-numbered
sessions then end with DELETE; odd ones are abandoned (the client closes its connection and
never comes back). Sessions numbered 4k and 4k+1 ask for SSE only (`Accept:
text/event-stream`): half the sessions get every answer as an event stream, and each half has
deleted and abandoned sessions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import subprocess
import time
from dataclasses import astuple, dataclass

import httpx

#: One TLS context for all clients: httpx builds one per client otherwise (loading the CA
#: bundle), which made the client, not the server, the bottleneck. The URL is plain HTTP anyway.
TLS = ssl.create_default_context()
INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "sessions-leak", "version": "1"}}


@dataclass
class Sample:
    label: str
    rss_kib: int
    fds: int
    established: int
    open_rows: int
    ended_rows: int


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def established(port: int) -> int:
    out = subprocess.run(["ss", "-Htn", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True, check=True)
    return len([line for line in out.stdout.splitlines() if line.strip()])


def session_rows(database: str) -> tuple[int, int]:
    sql = "SELECT COUNT(*) FILTER (WHERE ended_at IS NULL), COUNT(*) FILTER (WHERE ended_at IS NOT NULL) FROM mcp_sessions"
    if database.startswith("postgres"):
        out = subprocess.run(["psql", "-X", "-qAt", "-F", " ", database, "-c", sql], capture_output=True, text=True, check=True)
    else:
        out = subprocess.run(["sqlite3", "-separator", " ", database, sql], capture_output=True, text=True, check=True)
    open_rows, ended_rows = out.stdout.split()
    return int(open_rows), int(ended_rows)


def sample(label: str, args: argparse.Namespace) -> Sample:
    open_rows, ended_rows = session_rows(args.database)
    return Sample(label, rss_kib(args.pid), len(os.listdir(f"/proc/{args.pid}/fd")), established(args.port), open_rows, ended_rows)


class Failures:
    def __init__(self) -> None:
        self.count = 0
        self.first: str | None = None

    def add(self, what: str) -> None:
        self.count += 1
        self.first = self.first or what


def check(response: httpx.Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise RuntimeError(f"{what}: HTTP {response.status_code} {response.text[:200]}")


async def one_session(number: int, url: str, failures: Failures) -> None:
    sse = number % 4 in (0, 1)
    accept = "text/event-stream" if sse else "application/json, text/event-stream"
    headers = {"content-type": "application/json", "accept": accept}
    try:
        async with httpx.AsyncClient(timeout=30.0, headers=headers, verify=TLS) as client:
            r = await client.post(url, content=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INIT}))
            check(r, 200, "initialize")
            if sse != r.headers.get("content-type", "").startswith("text/event-stream"):
                raise RuntimeError(f"initialize answered {r.headers.get('content-type')} to Accept: {accept}")
            session = {"mcp-session-id": r.headers["mcp-session-id"], "mcp-protocol-version": "2025-11-25"}
            r = await client.post(url, headers=session, content=json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            check(r, 202, "notifications/initialized")
            r = await client.post(url, headers=session, content=json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
            check(r, 200, "tools/list")
            call = {"name": "search_docs", "arguments": {"query": f"install the cli {number % 50}"}}
            r = await client.post(url, headers=session, content=json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": call}))
            check(r, 200, "tools/call")
            if number % 2 == 0:
                check(await client.delete(url, headers=session), 204, "DELETE")
    except Exception as error:  # noqa: BLE001 - counted and reported, the run goes on
        failures.add(f"session {number}: {error!r}")


async def run_round(first: int, count: int, args: argparse.Namespace) -> tuple[float, Failures, Sample | None]:
    """`count` sessions, `args.concurrency` at a time; also the highest value of each measure
    in the samples taken every second meanwhile."""
    failures = Failures()
    numbers = iter(range(first, first + count))
    peak: Sample | None = None

    async def worker() -> None:
        for number in numbers:
            await one_session(number, args.url, failures)

    async def watch() -> None:
        nonlocal peak
        while True:
            await asyncio.sleep(1.0)
            current = sample("peak", args)
            if peak is None:
                peak = current
            else:
                peak = Sample("peak", *(max(a, b) for a, b in zip(astuple(peak)[1:], astuple(current)[1:])))

    started = time.monotonic()
    watcher = asyncio.create_task(watch())
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    watcher.cancel()
    return time.monotonic() - started, failures, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True, help="SQLite file or postgres:// URL")
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--idle", type=float, default=30.0, help="seconds to wait before the after-idle sample")
    args = parser.parse_args()

    rows = [sample("before", args)]
    for round_number in range(1, args.rounds + 1):
        first = (round_number - 1) * args.sessions
        seconds, failures, peak = asyncio.run(run_round(first, args.sessions, args))
        print(
            f"round {round_number}: {args.sessions} sessions in {seconds:.1f} s ({args.sessions / seconds:.0f} sessions/s), "
            f"{failures.count} failed" + (f"; first: {failures.first}" if failures.first else "")
        )
        if peak is not None:
            peak.label = f"during round {round_number} (highest)"
            rows.append(peak)
        rows.append(sample(f"after round {round_number}", args))
    time.sleep(args.idle)
    rows.append(sample(f"after {args.idle:.0f} s idle", args))

    print()
    print("| when | RSS MiB | open fds | ESTAB conns | mcp_sessions open | mcp_sessions ended |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row.label} | {row.rss_kib / 1024:.1f} | {row.fds} | {row.established} | {row.open_rows} | {row.ended_rows} |")


if __name__ == "__main__":
    main()
