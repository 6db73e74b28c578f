"""Mixed MCP traffic from many concurrent sessions across many tenants against several
`mcplatform serve` instances on one database (bench/load.sh sets them up and calls this).

Session n belongs to tenant n mod T. One in five sessions (n % 5 == 4) is a stateless
2026-07-28 client (`server/discover`, then every request standalone with the `_meta` fields
and the Mcp-Method/Mcp-Name headers; its own clientInfo name, so its own participant); the
others are legacy 2025-11-25 sessions (`initialize` → Mcp-Session-Id,
`notifications/initialized`, `DELETE` at the end). Every session has its own httpx client
(HTTP/1.1 keep-alive, a connection per instance) and sends its requests to the instances in
turn: consecutive requests of one session land on different instances, which only works because
sessions live in the database.

After a random think time (uniform in --think) a session makes one call:
search_docs 50%, read_page 20% (a url its last search returned; a search when it has none),
a walkthrough step 15% (start_walkthrough, complete_step … until done, then start again with
restart), tools/list 12%, create_support_ticket 3% (at most 3 per session: the tool allows 10
per participant and hour). A failure is a transport error, a non-2xx answer, a JSON-RPC error
or a tool result with isError; failures are counted per call kind with the first messages.

Every 30 s: each instance's RSS and open fds, the database's PostgreSQL backends, the load
average. At the end: per kind count, errors, p50, p99, max; totals; RSS at start, after
warm-up (the first sample at a third of the run) and at the end, and the memory verdict.
Exits 1 when any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import itertools
import json
import random
import ssl
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("search_load", HERE / "search-load.py")
search_load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(search_load)
percentile, decode = search_load.percentile, search_load.decode
cpu_seconds, memory_mib = search_load.process_cpu_seconds, search_load.process_memory_mib

LEGACY = "2025-11-25"
MODERN = "2026-07-28"
WALKTHROUGH = "get-started"
#: One TLS context for all clients (httpx loads the CA bundle per client otherwise); URLs are plain HTTP.
TLS = ssl.create_default_context()
#: Short topical queries, mixed with the Django FAQ's questions.
TOPICS = [
    "queryset filter", "model field options", "template tags", "form validation", "middleware", "url dispatcher",
    "migrations", "admin site", "testing client", "cache backend", "signals", "authentication backend",
    "static files", "database transactions", "custom management command", "settings reference", "email",
    "internationalization", "sessions", "class-based views", "pagination", "serialization", "logging", "security",
]
#: Call kinds in the order of the final table.
KINDS = [
    "initialize", "initialized", "discover", "tools/list", "search_docs", "read_page",
    "start_walkthrough", "complete_step", "create_support_ticket", "delete",
]
SAMPLE_SECONDS = 30.0


@dataclass
class Kind:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first: list[str] = field(default_factory=list)


class Stats:
    def __init__(self) -> None:
        self.kinds: dict[str, Kind] = defaultdict(Kind)

    def record(self, kind: str, seconds: float, error: str | None) -> None:
        entry = self.kinds[kind]
        entry.latencies.append(seconds)
        if error is not None:
            entry.errors += 1
            if len(entry.first) < 3:
                entry.first.append(error[:300])

    @property
    def requests(self) -> int:
        return sum(len(kind.latencies) for kind in self.kinds.values())

    @property
    def errors(self) -> int:
        return sum(kind.errors for kind in self.kinds.values())


class CallFailed(Exception):
    pass


class Session:
    """One MCP client: legacy (a session) or modern (stateless), round robin over the instances."""

    def __init__(self, number: int, urls: list[str], tenant: str, stats: Stats, queries: list[str]):
        self.number, self.tenant, self.stats, self.queries = number, tenant, stats, queries
        self.modern = number % 5 == 4
        self.endpoints = itertools.cycle([f"{url}/mcp/{tenant}" for url in urls[number % len(urls):] + urls[: number % len(urls)]])
        self.ids = itertools.count(1)
        self.headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
        self.client_name = f"load-{number}"
        self.session_id: str | None = None
        self.urls: list[str] = []  # the last search's result urls
        self.step: int | None = None  # the current walkthrough step, None before a run
        self.finished = False
        self.tickets = 0

    async def post(self, client: httpx.AsyncClient, kind: str, body: dict, expect: int = 200) -> dict:
        """POSTs one JSON-RPC message; returns the result (or {} for a notification). Records it."""
        headers = dict(self.headers)
        if self.modern:
            params = body.setdefault("params", {})
            params["_meta"] = {
                "io.modelcontextprotocol/protocolVersion": MODERN,
                "io.modelcontextprotocol/clientInfo": {"name": self.client_name, "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {},
            }
            headers |= {"mcp-protocol-version": MODERN, "mcp-method": body["method"]}
            if "name" in params:
                headers["mcp-name"] = params["name"]
        elif self.session_id is not None:
            headers |= {"mcp-session-id": self.session_id, "mcp-protocol-version": LEGACY}
        started = time.perf_counter()
        error, result = None, {}
        try:
            response = await client.post(next(self.endpoints), content=json.dumps(body), headers=headers)
            if response.status_code != expect:
                raise CallFailed(f"HTTP {response.status_code}: {response.text[:200]}")
            if expect == 200:
                message = decode(response)
                if "error" in message:
                    raise CallFailed(f"JSON-RPC error {json.dumps(message['error'])[:200]}")
                result = message.get("result")
                if not isinstance(result, dict):
                    raise CallFailed(f"no result: {response.text[:200]}")
                if result.get("isError"):
                    raise CallFailed(f"isError: {json.dumps(result.get('content'))[:200]}")
                if kind == "initialize":
                    self.session_id = response.headers["mcp-session-id"]
        except (httpx.HTTPError, ValueError, KeyError, CallFailed) as failure:
            error = f"session {self.number} ({self.tenant}): {failure!r}"
        self.stats.record(kind, time.perf_counter() - started, error)
        if error is not None:
            raise CallFailed(error)
        return result

    async def request(self, client: httpx.AsyncClient, kind: str, method: str, params: dict | None = None) -> dict:
        body = {"jsonrpc": "2.0", "id": next(self.ids), "method": method}
        if params is not None:
            body["params"] = params
        return await self.post(client, kind, body)

    async def tool(self, client: httpx.AsyncClient, name: str, arguments: dict) -> dict:
        result = await self.request(client, name, "tools/call", {"name": name, "arguments": arguments})
        return result.get("structuredContent") or {}

    async def open(self, client: httpx.AsyncClient) -> None:
        if self.modern:
            await self.request(client, "discover", "server/discover")
            return
        hello = {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": self.client_name, "version": "1"}}
        await self.request(client, "initialize", "initialize", hello)
        await self.post(client, "initialized", {"jsonrpc": "2.0", "method": "notifications/initialized"}, expect=202)

    async def close(self, client: httpx.AsyncClient) -> None:
        if self.session_id is None:
            return
        started, error = time.perf_counter(), None
        try:
            response = await client.delete(next(self.endpoints), headers=self.headers | {"mcp-session-id": self.session_id})
            if response.status_code != 204:
                error = f"session {self.number} ({self.tenant}): DELETE answered HTTP {response.status_code}"
        except httpx.HTTPError as failure:
            error = f"session {self.number} ({self.tenant}): {failure!r}"
        self.stats.record("delete", time.perf_counter() - started, error)

    async def search(self, client: httpx.AsyncClient) -> None:
        found = await self.tool(client, "search_docs", {"query": random.choice(self.queries)})
        self.urls = [result["url"] for result in found.get("results", [])]

    async def walkthrough_step(self, client: httpx.AsyncClient) -> None:
        if self.step is None:
            arguments = {"slug": WALKTHROUGH} | ({"restart": True} if self.finished else {})
            state = await self.tool(client, "start_walkthrough", arguments)
        else:
            state = await self.tool(client, "complete_step", {"slug": WALKTHROUGH, "step": self.step})
        self.finished = bool(state.get("progress", {}).get("finished"))
        self.step = None if self.finished else state["step"]["number"]

    async def one_call(self, client: httpx.AsyncClient) -> None:
        draw = random.random()
        if draw < 0.50 or (draw < 0.70 and not self.urls):
            await self.search(client)
        elif draw < 0.70:
            await self.tool(client, "read_page", {"url": random.choice(self.urls)})
        elif draw < 0.85:
            await self.walkthrough_step(client)
        elif draw < 0.97 or self.tickets >= 3:
            await self.request(client, "tools/list", "tools/list")
        else:
            self.tickets += 1
            await self.tool(client, "create_support_ticket", {
                "title": f"Load test ticket {self.number}-{self.tickets}",
                "description": "The docs did not answer this; a person should look at it.",
                "email": f"user{self.number}@example.com",
            })

    async def run(self, start_at: float, stop_at: float, think: tuple[float, float]) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, start_at - loop.time()))
        limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
        async with httpx.AsyncClient(timeout=60.0, limits=limits, verify=TLS) as client:
            opened = False
            while loop.time() < stop_at:
                try:
                    if not opened:
                        await self.open(client)
                        opened = True
                    else:
                        await self.one_call(client)
                except CallFailed:
                    self.step = None  # start the walkthrough again after a failed step
                await asyncio.sleep(min(random.uniform(*think), max(0.0, stop_at - loop.time())))
            await self.close(client)


@dataclass
class Sample:
    seconds: float
    rss_mib: list[float]
    fds: list[int]
    cpu_seconds: list[float]  # each instance's, then this client's
    backends: int
    backend_cpu: dict[int, float]  # CPU seconds of each backend (when PostgreSQL runs on this machine)
    load: str


async def backends(database: str) -> list[int]:
    """The process ids of the PostgreSQL backends connected to the run's database (not psql's own)."""
    process = await asyncio.create_subprocess_exec(
        "psql", "-X", "-qAt", database, "-c",
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await process.communicate()
    return [int(line) for line in out.split()]


def backend_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds of the backends that are processes of this machine (none when PostgreSQL is elsewhere)."""
    seconds = {}
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "postgres":
                seconds[pid] = cpu_seconds(pid)
        except OSError:
            pass
    return seconds


async def sample(started: float, pids: list[int], database: str) -> Sample:
    loop = asyncio.get_running_loop()
    connected = await backends(database)
    return Sample(
        loop.time() - started,
        [memory_mib(pid, 'VmRSS') for pid in pids],
        [len(list(Path(f"/proc/{pid}/fd").iterdir())) for pid in pids],
        [cpu_seconds(pid) for pid in pids] + [time.process_time()],
        len(connected),
        backend_cpu(connected),
        " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    )


def print_sample(row: Sample, previous: Sample | None, stats: Stats) -> None:
    """One line of the series; CPU% is the share of one core since the previous sample."""
    rss = " ".join(f"{value:7.1f}" for value in row.rss_mib)
    fds = " ".join(f"{value:5d}" for value in row.fds)
    span = row.seconds - previous.seconds if previous else 0
    used = [now - before for now, before in zip(row.cpu_seconds, (previous or row).cpu_seconds)]
    used.append(sum(now - previous.backend_cpu[pid] for pid, now in row.backend_cpu.items() if pid in previous.backend_cpu) if previous else 0)
    cpu = " ".join(f"{100 * value / span:5.0f}" if span else "    -" for value in used)
    print(f"{row.seconds:6.0f} | {rss} | {fds} | {cpu} | {row.backends:8d} | {stats.requests:9d} | {stats.errors:6d} | {row.load}", flush=True)


def memory_verdict(samples: list[Sample], pids: list[int], duration: float) -> None:
    """Prints each instance's RSS growth from the first sample at a third of the run to the end, and
    the verdict: flat when none grew by more than max(8 MiB, 5%)."""
    warm = next((row for row in samples if row.seconds >= duration / 3), samples[-1])
    end = samples[-1]
    flat = True
    for index, pid in enumerate(pids):
        growth = end.rss_mib[index] - warm.rss_mib[index]
        percent = 100 * growth / warm.rss_mib[index]
        highest = max(row.rss_mib[index] for row in samples if row.seconds >= warm.seconds)
        ok = growth <= max(8.0, 0.05 * warm.rss_mib[index])
        flat &= ok
        print(f"instance {index + 1} (pid {pid}): RSS {warm.rss_mib[index]:.1f} MiB at {warm.seconds:.0f} s → {end.rss_mib[index]:.1f} MiB "
              f"at {end.seconds:.0f} s: {growth:+.1f} MiB ({percent:+.1f}%), highest {highest:.1f}, peak (VmHWM) "
              f"{memory_mib(pid, 'VmHWM'):.1f} MiB: {'flat' if ok else 'GROWING'}")
    print(f"memory flat: {'yes' if flat else 'NO'} (RSS growth over the last 2/3 of the run ≤ max(8 MiB, 5%) per instance; "
          "RSS counts memory the allocator keeps after free: README.md says how to tell that from a leak)")


async def main_async(args: argparse.Namespace) -> int:
    urls, pids, tenants = args.urls.split(","), [int(pid) for pid in args.pids.split(",")], args.tenants.split(",")
    queries = TOPICS + [entry["query"] for entry in json.loads(args.queries.read_text())["queries"]]
    think = tuple(float(value) for value in args.think.split(","))
    stats = Stats()
    loop = asyncio.get_running_loop()
    mean_think = sum(think) / 2
    print(f"load: {args.sessions} sessions ({args.sessions // 5} stateless {MODERN}, the rest {LEGACY} sessions) over "
          f"{len(tenants)} tenants and {len(urls)} instances for {args.duration:g} s, started over the first {args.ramp:g} s; "
          f"think time {think[0]:g}–{think[1]:g} s → offered ≈ {args.sessions / mean_think:.0f} requests/s at most "
          f"(sessions / mean think time); load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    started = loop.time()
    stop_at = started + args.duration
    samples = [await sample(started, pids, args.database)]
    print(f"{'s':>6} | {'RSS MiB per instance':>{8 * len(pids) - 1}} | {'fds':>{6 * len(pids) - 1}} | "
          f"{'CPU% instances, client, PostgreSQL':>{6 * len(pids) + 11}} | backends | {'requests':>9} | {'errors':>6} | load average")
    print_sample(samples[0], None, stats)

    async def sampler() -> None:  # every SAMPLE_SECONDS before the end; the last sample is taken after the sessions
        while (next_at := started + SAMPLE_SECONDS * len(samples)) < stop_at - 1:
            await asyncio.sleep(next_at - loop.time())
            samples.append(await sample(started, pids, args.database))
            print_sample(samples[-1], samples[-2], stats)

    sessions = [Session(n, urls, tenants[n % len(tenants)], stats, queries) for n in range(args.sessions)]
    watcher = asyncio.create_task(sampler())
    await asyncio.gather(*(s.run(started + args.ramp * n / args.sessions, stop_at, think) for n, s in enumerate(sessions)))
    elapsed = loop.time() - started
    watcher.cancel()
    samples.append(await sample(started, pids, args.database))
    print_sample(samples[-1], samples[-2], stats)

    print()
    print(f"{'kind':<22} | {'count':>7} | {'errors':>6} | {'p50 ms':>8} | {'p99 ms':>8} | {'max ms':>8}")
    for name in KINDS + sorted(set(stats.kinds) - set(KINDS)):
        if name in stats.kinds:
            kind = stats.kinds[name]
            lat = kind.latencies
            print(f"{name:<22} | {len(lat):>7} | {kind.errors:>6} | {percentile(lat, 50) * 1000:>8.1f} | "
                  f"{percentile(lat, 99) * 1000:>8.1f} | {max(lat) * 1000:>8.1f}")
    # The closing DELETEs all come at once (every session ends at the same moment): a burst of its own.
    traffic = [kind for name, kind in stats.kinds.items() if name != "delete"]
    everything = [value for kind in traffic for value in kind.latencies]
    print(f"{'all but delete':<22} | {len(everything):>7} | {sum(kind.errors for kind in traffic):>6} | "
          f"{percentile(everything, 50) * 1000:>8.1f} | {percentile(everything, 99) * 1000:>8.1f} | {max(everything) * 1000:>8.1f}")
    print(f"requests: {stats.requests} in {elapsed:.0f} s = {stats.requests / elapsed:.1f} req/s; errors: {stats.errors} "
          f"(error rate {100 * stats.errors / max(stats.requests, 1):.3f}%)")
    for name, kind in stats.kinds.items():
        for message in kind.first:
            print(f"  {name}: {message}")
    warm = next((row for row in samples if row.seconds >= args.duration / 3), samples[-1])
    for index, pid in enumerate(pids):
        print(f"instance {index + 1} RSS MiB: start {samples[0].rss_mib[index]:.1f}, warm ({warm.seconds:.0f} s) "
              f"{warm.rss_mib[index]:.1f}, end {samples[-1].rss_mib[index]:.1f}")
    memory_verdict(samples, pids, args.duration)
    print(f"load average at the end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    return 1 if stats.errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", required=True, help="the instances' base URLs, comma-separated")
    parser.add_argument("--pids", required=True, help="the instances' process ids, in the same order")
    parser.add_argument("--tenants", required=True, help="server slugs, comma-separated")
    parser.add_argument("--database", required=True, help="postgres:// URL of the run's database")
    parser.add_argument("--queries", type=Path, required=True, help="the FAQ queries (bench/retrieval/dataset.py --out)")
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--think", default="3,12", help="think time between calls: MIN,MAX seconds")
    parser.add_argument("--ramp", type=float, default=30, help="seconds over which the sessions start")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
